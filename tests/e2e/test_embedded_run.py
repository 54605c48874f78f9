"""`make run`'s embedded default, started as a real subprocess on a free port."""

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import psutil
import psycopg
import pytest
from sqlalchemy.engine import make_url

from common.testing.infra import free_port
from housing.services import SERVICE_NAMES

HOUSING = Path(sys.executable).parent / "housing"
START_TIMEOUT = 180
DEMO_DWELLINGS = 40  # a small demo slice keeps the start fast (the default is measured by hand)


def start_platform(data_dir, **settings: str):
    """`housing run` as a subprocess on a free port; returns (base URL, process, env)."""
    os.chmod(data_dir, 0o755)  # the embedded PostgreSQL runs as an unprivileged user under root
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOUSING_", "KAFKA_"))}
    env.update(HOUSING_PORT=str(port), HOUSING_DATA_DIR=str(data_dir), **settings)
    log = (data_dir / "run.log").open("wb")
    process = subprocess.Popen([str(HOUSING), "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"housing run exited early:\n{(data_dir / 'run.log').read_text()}")
        try:
            if httpx.get(f"{base}/register/health/live", timeout=1).status_code == 200:
                return base, process, env
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"housing run did not answer:\n{(data_dir / 'run.log').read_text()}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("housing-data")
    base, process, env = start_platform(data_dir, HOUSING_DEMO_DWELLINGS=str(DEMO_DWELLINGS))
    yield base, process, data_dir, env
    if process.poll() is None:
        process.kill()
        process.wait()


class TestEmbeddedRun:
    @pytest.mark.parametrize("service", SERVICE_NAMES)
    def test_every_service_is_ready(self, embedded, service):
        base, *_ = embedded
        response = httpx.get(f"{base}/{service}/health/ready", timeout=10)
        assert response.status_code == 200, response.text
        assert response.json()["checks"] == {"database": "ok", "event_bus": "ok"}

    @pytest.mark.parametrize("service", SERVICE_NAMES)
    def test_every_service_serves_openapi_and_docs(self, embedded, service):
        base, *_ = embedded
        spec = httpx.get(f"{base}/{service}/openapi.json", timeout=10).json()
        assert spec["openapi"].startswith("3.")
        assert f"/{service}/health/ready" in spec["paths"]
        events = httpx.get(f"{base}/{service}/asyncapi.json", timeout=10).json()
        assert events["asyncapi"] == "3.0.0"
        docs = httpx.get(f"{base}/{service}/docs", timeout=10)
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()

    def test_it_prints_what_is_where(self, embedded):
        base, _, data_dir, _ = embedded
        printed = (data_dir / "run.log").read_text()
        for service in SERVICE_NAMES:
            assert f"{base}/{service}/docs" in printed
        assert "e-mail        caught on 127.0.0.1:" in printed
        assert f"saved in {data_dir}/mail/" in printed

    def test_unknown_service_is_a_problem(self, embedded):
        base, *_ = embedded
        response = httpx.get(f"{base}/nowhere/v1/x", timeout=10)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    def test_an_idle_keep_alive_connection_outlives_the_clients_pool_expiry(self, embedded):
        """An ERP's httpx pool drops an idle connection after 5 s — uvicorn's own default: with
        equal timeouts a POST goes out on a connection the server is closing and fails with a
        reset. The run keeps idle connections open longer, so the second request on one
        connection, 6 s later, is answered."""
        base, *_ = embedded
        connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
        try:
            statuses = []
            for wait in (0, 6):
                time.sleep(wait)
                connection.request("GET", "/register/health/live")
                response = connection.getresponse()
                response.read()
                statuses.append(response.status)
        finally:
            connection.close()
        assert statuses == [200, 200]  # a closed connection: RemoteDisconnected at the second

    def test_dev_token_is_signed_with_the_runs_key(self, embedded):
        _, _, data_dir, env = embedded
        printed = subprocess.run(
            [str(HOUSING), "token", "--role", "housing_org", "--org", "A1", "--org", "B2"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        from common.auth import DevSigningKey

        key = DevSigningKey.load_or_create(data_dir / "dev-signing-key.pem")
        claims = jwt.decode(printed, key.public_pem(), algorithms=["ES256"], audience="housing")
        assert claims["role"] == "housing_org"
        assert claims["org_ids"] == ["A1", "B2"]

    def test_the_register_has_demo_data_on_first_start(self, embedded):
        base, _, data_dir, env = embedded
        token = subprocess.run(
            [str(HOUSING), "token", "--role", "fund"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        response = httpx.get(
            f"{base}/register/v1/organisations",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        assert response.json()["items"]
        printed = (data_dir / "run.log").read_text()
        assert "register.demo.seeded" in printed
        assert f"demo data     {DEMO_DWELLINGS} dwellings of the synthetic register" in printed

    def test_a_tenant_can_file_a_rent_tribunal_case_with_a_provisional_fee(self, embedded):
        """Issue 15: the July 2024 – June 2025 net price index is not in the table; the run
        takes filings anyway, the fee marked provisional and naming the figure it rests on."""
        import base64

        from common.testing.documents import a_pdf

        base, _, _, env = embedded
        token = subprocess.run(
            [str(HOUSING), "token", "--role", "party", "--subject", "party:tenant-demo"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        body = {
            "tribunal_code": "147",
            "category": "maintenance_defects",
            "summary": "Fugt i soveværelset.",
            "owner_id": "owner-1",
            "complainant": {"kind": "tenant", "name": "Demo Lejer"},
            "counterpart": {"kind": "landlord", "name": "Demo Udlejer ApS"},
            "documents": [
                {"filename": "a.pdf", "content_base64": base64.b64encode(a_pdf()).decode()}
            ],
        }
        response = httpx.post(
            f"{base}/legal-cases/v1/cases", json=body, timeout=30,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "embedded-fee-1"},
        )  # fmt: skip
        assert response.status_code == 201, response.text
        [fee] = response.json()["fees"]
        assert fee["provisional"] is True
        assert fee["basis"].startswith("Foreløbigt beløb: nettoprisindeks")

    def test_housing_commands_find_the_running_embedded_database(self, embedded):
        """Issue 12, item 14: `housing events replay` used to look for a server on
        127.0.0.1:5432; with the run's HOUSING_ settings it now reaches the embedded one."""
        _, _, _, env = embedded
        replayed = subprocess.run(
            [str(HOUSING), "events", "replay", "--service", "register", "--since",
             "2000-01-01T00:00:00+00:00"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert replayed.returncode == 0, replayed.stderr
        queued = int(replayed.stderr.split("register: ", 1)[1].split(" ", 1)[0])
        assert queued > 0  # the demo seed's events, queued again for the relay
        redriven = subprocess.run(
            [str(HOUSING), "events", "redrive", "--service", "governance"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert redriven.returncode == 0, redriven.stderr
        assert "0 still failing" in redriven.stderr

    def test_the_reminder_rounds_can_be_seen_previewed_and_held(self, embedded):
        """Issue 12, item 13: `housing reminders` against the running embedded databases."""
        _, _, _, env = embedded

        def reminders(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(HOUSING), "reminders", *args],
                env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip

        schedule = reminders("schedule")
        assert schedule.returncode == 0, schedule.stderr
        assert "reminder days: 03-01, 09-01" in schedule.stdout
        preview = reminders("preview", "--date", "2027-03-01")
        assert preview.returncode == 0, preview.stderr
        assert "would be reminded on 2027-03-01" in preview.stderr
        held = reminders("run", "--date", "2026-05-15")  # past, never a scheduled round day
        assert held.returncode == 0, held.stderr
        assert "round 2026-05-15:" in held.stderr
        again = reminders("run", "--date", "2026-05-15")
        assert again.returncode == 1
        assert "was held already" in again.stderr
        early = reminders("run", "--date", "2199-03-01")
        assert early.returncode == 1
        assert "lies in the future" in early.stderr

    def test_ctrl_c_stops_everything_cleanly(self, embedded):
        _, process, data_dir, _ = embedded
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        printed = (data_dir / "run.log").read_text()
        assert printed.count("service.stopped") == len(SERVICE_NAMES)
        assert "Housing platform stopped." in printed

    def test_the_embedded_database_stopped_with_it(self, embedded):
        _, _, data_dir, _ = embedded
        assert not (data_dir / "postgres" / "postmaster.pid").exists()


class TestEmbeddedRunOnRealInfrastructure:
    """The same process on a real PostgreSQL server and a real Kafka broker."""

    def test_it_uses_the_given_server_and_broker(self, infra, tmp_path):
        server = make_url(infra.admin_dsn).set(drivername="postgresql+psycopg", database=None)
        prefixes = infra.platform_prefixes("embedded")
        base, process, _ = start_platform(
            tmp_path,
            HOUSING_DATABASE_SERVER_URL=server.render_as_string(hide_password=False),
            HOUSING_KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap_servers,
            **prefixes,  # its own topics, groups and databases
            HOUSING_DEMO_SEED="false",  # no demo data: not what these tests look at
        )
        try:
            for service in SERVICE_NAMES:
                response = httpx.get(f"{base}/{service}/health/ready", timeout=10)
                assert response.status_code == 200, response.text
            printed = (tmp_path / "run.log").read_text()
            assert f"Kafka at {infra.kafka_bootstrap_servers}" in printed
            assert "127.0.0.1:" in printed
            assert "demo data     off (HOUSING_DEMO_SEED=false)" in printed
            assert "register.demo" not in printed
            assert not (tmp_path / "postgres").exists()  # no embedded server was started
            with psycopg.connect(infra.admin_dsn) as connection:
                own = connection.execute(
                    "SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
                    (prefixes["HOUSING_DATABASE_PREFIX"],),
                ).fetchall()
            assert f"{prefixes['HOUSING_DATABASE_PREFIX']}register" in {name for (name,) in own}
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0


def embedded_postgres_user(data_dir: Path, then: str) -> subprocess.CompletedProcess[str]:
    """A process that starts (or joins) the embedded PostgreSQL of ``data_dir`` as `housing run`
    does, prints the server's pid and then exits normally or kills itself (``then``)."""
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from housing.embedded import start_embedded_postgres\n"
        "start_embedded_postgres(Path(sys.argv[1]))\n"
        "pid = Path(sys.argv[1], 'postgres', 'postmaster.pid').read_text().split()[0]\n"
        "print(f'postmaster={pid}', flush=True)\n"
        "if sys.argv[2] == 'kill': os.kill(os.getpid(), 9)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, str(data_dir), then],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )


def running(pid: int) -> bool:
    """Alive (a stopped server's postmaster may linger as a zombie of whoever adopted it)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def postmaster_pid(run: subprocess.CompletedProcess[str]) -> int:
    found = re.search(r"^postmaster=(\d+)$", run.stdout, re.MULTILINE)
    assert found, run.stdout + run.stderr
    return int(found.group(1))


class TestEmbeddedDatabaseAfterAKill:
    def test_a_run_killed_with_sigkill_does_not_keep_the_database_running_after_the_next_run(
        self, tmp_path
    ):
        """The library behind the embedded PostgreSQL stops it when the last process using it
        exits; a run killed with SIGKILL never said it left, so the next run's normal exit left
        the server running (found by hand)."""
        os.chmod(tmp_path, 0o755)  # the embedded PostgreSQL runs as an unprivileged user
        killed = embedded_postgres_user(tmp_path, "kill")
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        postmaster = postmaster_pid(killed)
        assert running(postmaster)  # the kill left it running, as it should

        ended = embedded_postgres_user(tmp_path, "exit")
        assert ended.returncode == 0, ended.stderr
        assert postmaster_pid(ended) == postmaster  # it joined the same server
        assert not (tmp_path / "postgres" / "postmaster.pid").exists()
        assert not running(postmaster)
