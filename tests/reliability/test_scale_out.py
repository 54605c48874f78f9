"""Scale-out shown, not claimed: the platform as replicated processes, with replicas killed.

The services of the client's story — register, benchmark calculator, governance, notifications —
run as separate processes the way compose and Kubernetes run them: each service's migrations as a
one-shot `housing migrate`, then **two API processes** (uvicorn) and **two workers** (relay and
consumers), on the real PostgreSQL server and the real broker (topics from
deploy/kafka/topics.txt with their partition counts, under a prefix of their own). The APIs sit
behind **the gateway's own nginx.conf** (deploy/gateway/), each service's name resolving to an
upstream group of its two processes instead of a container's DNS name.

A housing organisation reports its dwellings, then leases and expenses one request at a time from
four concurrent clients that retry the way the API tells them to (same Idempotency-Key; 409 "in
progress" waits). Mid-load one register API and one worker of the register and the calculator are
killed with SIGKILL; before the governance steps one API of every other service, and right after
the package is sent one worker of governance and of notifications. The survivors carry the rest.

Witness invariants, checked on what the services and the broker hold:
- nothing lost: every accepted request is in the register, every version of every lease is on
  the topic, the register's outbox is empty, the calculator counted every dwelling;
- nothing applied twice: each lease exists once with exactly its two expenses and version 3, the
  calculator's figures are those of the rents sent, each municipality gets exactly one e-mail;
- order per key: on the lease topic every lease's versions first appear in ascending order.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from common.events.envelope import Envelope
from common.testing import infra as infrastructure
from common.testing.fixtures import TEST_AUDIENCE, TEST_ISSUER, TokenFactory
from common.testing.infra import free_port
from common.testing.kafka import create_listed_topics, read_topic
from common.testing.story import (
    AWAY,
    HOME,
    RENT,
    YEAR,
    Story,
    expected_rent_per_m2,
    figure,
    lease_record,
    mail_to,
    ok,
)
from housing.mail_sink import MailSink

pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_CONFIG = ROOT / "deploy" / "gateway" / "nginx.conf"
TOPICS_FILE = ROOT / "deploy" / "kafka" / "topics.txt"
HOUSING = Path(sys.executable).parent / "housing"  # the CLI of this environment
SERVICES = {  # directory: package
    "register": "register",
    "benchmarks": "benchmarks",
    "governance": "governance",
    "notifications": "notifications",
}
REPLICAS = 2
UVICORN = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--no-access-log", "--factory"]
DWELLINGS = 12  # per department: 24 leases, each created and given two rent changes (72 requests)
CLIENTS = 4
KILL_AFTER = 20  # requests answered before the register's replicas are killed
RETRY_SECONDS = 150  # a key claimed by a killed API is "in progress" for its 60 s lease
# Two rent changes of each lease, from the next two years: each one an event on the lease's key,
# none of them changing the figures year's rent the calculator compares.
EXPENSES = (
    ("improvement_surcharge", "150.00", f"{YEAR + 1}-01-01"),
    ("renewal_surcharge", "80.00", f"{YEAR + 2}-01-01"),
)
SETTINGS = {
    "BENCHMARKS_SETTLE_SECONDS": "2",
    "BENCHMARKS_PUBLISH_INTERVAL_SECONDS": "0.5",
    "BENCHMARKS_MIN_GROUP_SIZE": "2",
    "NOTIFICATIONS_SENDER_POLL_SECONDS": "0.2",
}


@dataclass
class Process:
    """One replica: a subprocess with its log file, killed with SIGKILL or stopped."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.args, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
            )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self) -> None:
        assert self.popen is not None
        assert self.running, f"{self.name} is not running"
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def terminate(self) -> None:
        if self.popen is not None and self.running:
            self.popen.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """After :meth:`terminate`: wait for the process to end, killing it if it lingers."""
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ---\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class Cluster:
    gateway: str
    processes: dict[str, Process]
    database_urls: dict[str, str]
    kafka_prefix: str
    mail_dir: Path
    tokens: TokenFactory
    killed: list[str] = field(default_factory=list)

    def kill9(self, name: str) -> None:
        self.processes[name].kill9()
        self.killed.append(name)

    def diagnostics(self) -> str:
        return "\n".join(p.tail() for p in self.processes.values())


def gateway_config(port: int, upstreams: dict[str, list[int]], run_dir: Path) -> str:
    """deploy/gateway/nginx.conf, with each service's API an upstream group of its replicas.

    In compose the gateway finds `<service>-api` through the engine's DNS (a variable in
    proxy_pass, looked up per request); here the same name is an upstream group, which nginx
    matches when the variable carries no port."""
    config = GATEWAY_CONFIG.read_text()
    config = re.sub(r"^\s*resolver [^;]*;\n", "", config, flags=re.MULTILINE)
    config = re.sub(r"set \$upstream ([a-z-]+-api):8000;", r"set $upstream \1;", config)
    config = config.replace("listen 8000;", f"listen 127.0.0.1:{port};")
    config = config.replace("access_log /dev/stdout", f"access_log {run_dir}/gateway-access.log")
    groups = "".join(
        f"    upstream {service}-api {{\n"
        + "".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;\n" for p in ports)
        + "    }\n"
        for service, ports in upstreams.items()
    )
    assert "http {\n" in config
    return config.replace("http {\n", "http {\n" + groups, 1)


def wait_ready(url: str, process: Process, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.running:
            pytest.fail(f"{process.name} exited while starting:\n{process.tail(40)}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{process.name} not ready within {timeout} s:\n{process.tail(40)}")


@pytest.fixture(scope="module")
def cluster(infra, tmp_path_factory) -> Iterator[Cluster]:
    run_dir = tmp_path_factory.mktemp("scale-out")
    nginx = infrastructure.ensure_tool("nginx", "nginx")
    tokens = TokenFactory()
    prefix = f"{infra.kafka_prefix}scale."
    asyncio.run(create_listed_topics(infra.kafka_bootstrap_servers, TOPICS_FILE, prefix=prefix))
    sink = MailSink(run_dir / "mail").start()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("HOUSING_", "KAFKA_"))}
    base_env.update(
        HOUSING_ENV="test",
        HOUSING_DATA_DIR=str(run_dir),
        HOUSING_KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap_servers,
        HOUSING_KAFKA_PREFIX=prefix,
        HOUSING_JWT_PUBLIC_KEY=tokens.public_pem,
        HOUSING_JWT_ISSUER=TEST_ISSUER,
        HOUSING_JWT_AUDIENCE=TEST_AUDIENCE,
        NOTIFICATIONS_SMTP_HOST=sink.host,
        NOTIFICATIONS_SMTP_PORT=str(sink.port),
        **SETTINGS,
    )
    server = make_url(infra.admin_dsn).set(drivername="postgresql+psycopg")
    urls = {
        service: server.set(database=f"{infra.database_prefix}scale_{package}").render_as_string(
            hide_password=False
        )
        for service, package in SERVICES.items()
    }
    envs = {
        service: {**base_env, f"{package.upper()}_DATABASE_URL": urls[service]}
        for service, package in SERVICES.items()
    }
    processes: dict[str, Process] = {}
    gateway: Process | None = None
    started = time.monotonic()
    try:
        # Migrations as one-shot jobs, all four side by side, before anything else starts.
        migrations = [
            Process(
                f"{service}-migrate",
                [str(HOUSING), "migrate", "--service", service],
                envs[service],
                run_dir / f"{service}-migrate.log",
            ).start()
            for service in SERVICES
        ]
        for job in migrations:
            assert job.popen is not None
            assert job.popen.wait(timeout=300) == 0, job.tail(40)
        migrated = time.monotonic() - started

        ports = {service: [free_port() for _ in range(REPLICAS)] for service in SERVICES}
        for service, package in SERVICES.items():
            for replica, port in enumerate(ports[service], start=1):
                name = f"{service}-api-{replica}"
                processes[name] = Process(
                    name,
                    [*UVICORN, f"{package}.main:create_app", "--port", str(port)],
                    envs[service],
                    run_dir / f"{name}.log",
                ).start()
                name = f"{service}-worker-{replica}"
                processes[name] = Process(
                    name,
                    [sys.executable, "-m", f"{package}.worker"],
                    envs[service],
                    run_dir / f"{name}.log",
                ).start()
        config = run_dir / "nginx.conf"
        directives = f"daemon off; user root; pid {run_dir}/nginx.pid;"
        config.write_text(gateway_config(gateway_port := free_port(), ports, run_dir))
        gateway = Process(
            "gateway",
            [nginx, "-p", str(run_dir), "-c", str(config), "-e", "stderr", "-g", directives],
            base_env,
            run_dir / "gateway.log",
        ).start()
        for service in SERVICES:
            for replica, port in enumerate(ports[service], start=1):
                process = processes[f"{service}-api-{replica}"]
                wait_ready(f"http://127.0.0.1:{port}/{service}/health/ready", process)
        cluster = Cluster(
            f"http://127.0.0.1:{gateway_port}", processes, urls, prefix, sink.folder, tokens
        )
        wait_ready(f"{cluster.gateway}/healthz", gateway, timeout=30)
        print(
            f"\nscale-out: migrated in {migrated:.0f} s, {len(processes)} processes ready "
            f"after {time.monotonic() - started:.0f} s"
        )
        yield cluster
    finally:
        everything = [*processes.values(), *([gateway] if gateway else [])]
        for process in everything:
            process.terminate()
        for process in everything:
            process.stop()
        sink.stop()


@pytest.fixture(scope="module")
def story(cluster: Cluster) -> Iterator[Story]:
    def token_for(args: tuple[str, ...]) -> str:
        role, *options = args
        named = dict(zip(options[::2], options[1::2], strict=True))
        return cluster.tokens.token(
            role,
            orgs=[named["--org"]] if "--org" in named else (),
            municipality=named.get("--municipality"),
            ttl_seconds=3600,
        )

    with httpx.Client(base_url=cluster.gateway, timeout=60) as http:
        yield Story(http, token_for, "scale", deadline_seconds=180, diagnostics=cluster.diagnostics)


# --- the load: one request at a time, retried as the API says -----------------------------------


@dataclass
class Load:
    answered: int = 0
    retries: int = 0
    responses_lost: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    halfway: threading.Event = field(default_factory=threading.Event)

    def post(self, http: httpx.Client, path: str, body: dict[str, Any], headers: dict) -> None:
        """POST until the platform answers for good; the same Idempotency-Key throughout."""
        headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            try:
                response = http.post(path, json=body, headers=headers)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 201:
                break
            if response is not None and response.status_code == 409:
                code = response.json()["type"].rpartition(":")[2]
                if code == "idempotency-applied-response-lost":
                    with self.lock:
                        self.responses_lost += 1  # applied; the witness checks it was once
                    break
                assert code == "idempotency-in-progress", response.text
            else:
                # the gateway's 503 while a killed replica is taken out, or no answer at all
                assert response is None or response.status_code in (502, 503, 504), (
                    f"POST {path} → {response.status_code}: {response.text}"
                )
            assert time.monotonic() < deadline, f"POST {path} never went through"
            with self.lock:
                self.retries += 1
            time.sleep(0.5)
        with self.lock:
            self.answered += 1
            if self.answered >= KILL_AFTER:
                self.halfway.set()


def report_leases(story: Story, load: Load, dwellings: list[tuple[str, str]]) -> None:
    """Each dwelling's lease, then its two expenses, one request each."""
    for municipality, dwelling in dwellings:
        lease = lease_record(dwelling, municipality)
        lease["Boligudgifter"] = lease["Boligudgifter"][:1]  # the base rent only
        load.post(story.http, "/register/v1/leases", lease, story.org())
        for kind, amount, start in EXPENSES:
            expense = {
                "BoligudgiftTypeKode": kind,
                "BoligudgiftBeloeb": amount,
                "BoligudgiftStartDato": start,
            }
            path = f"/register/v1/leases/{lease['LejekontraktUnikIdentifikator']}/expenses"
            load.post(story.http, path, expense, story.org())


def outbox_of(cluster: Cluster, leases: set[str]) -> dict[str, list[str]]:
    """The register's events of ``leases``, per lease in the order it recorded them, once its
    outbox is published (the surviving relay's work); None while rows wait."""
    with psycopg.connect(libpq(cluster.database_urls["register"])) as connection:
        rows = connection.execute(
            "SELECT key, event_id::text, published_at IS NOT NULL FROM outbox "
            "WHERE key = ANY(%s) ORDER BY id",
            (sorted(leases),),
        ).fetchall()
    events: dict[str, list[str]] = defaultdict(list)
    for key, event_id, published in rows:
        assert published, f"event {event_id} of {key} is not published"
        events[key].append(event_id)
    return events


def topic_of(cluster: Cluster, infra, leases: set[str]) -> dict[str, list[str]]:
    """The event ids of ``leases`` on the lease topic, per key in offset order (duplicates kept)."""
    topic = f"{cluster.kafka_prefix}register.lease.v1"
    records = asyncio.run(read_topic(infra.kafka_bootstrap_servers, topic))
    events: dict[str, list[str]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        key = record.key.decode() if record.key else ""
        if key in leases:
            envelope = Envelope.from_kafka(topic, list(record.headers), record.value)
            events[key].append(str(envelope.id))
    return events


class TestScaleOut:
    def test_leases_reported_while_replicas_are_killed_are_all_there_once_and_in_order(
        self, cluster: Cluster, story: Story, infra
    ) -> None:
        story.register_addresses()
        story.submit(story.submission(dwellings=DWELLINGS, leases=False))
        dwellings = [
            (municipality, story.dwelling(municipality, number))
            for municipality in (HOME, AWAY)
            for number in range(1, DWELLINGS + 1)
        ]
        load = Load()
        with ThreadPoolExecutor(CLIENTS) as clients:
            running = [
                clients.submit(report_leases, story, load, dwellings[i::CLIENTS])
                for i in range(CLIENTS)
            ]
            assert load.halfway.wait(timeout=300), "the load never got going"
            for name in ("register-api-1", "register-worker-1", "benchmarks-worker-1"):
                cluster.kill9(name)
            for client in running:
                client.result()
        assert load.answered == len(dwellings) * (1 + len(EXPENSES))
        print(
            f"\nscale-out load: {load.answered} requests answered, {load.retries} retries, "
            f"{load.responses_lost} responses lost"
        )

        # Nothing applied twice: every lease once, with its base rent and the two changes once.
        leases = {f"{dwelling}-lk" for _, dwelling in dwellings}
        for lease in sorted(leases):
            expenses = ok(
                story.http.get(f"/register/v1/leases/{lease}/expenses", headers=story.org())
            )
            kinds = sorted(e["BoligudgiftTypeKode"] for e in expenses["items"])
            assert kinds == sorted(["base_rent", *(kind for kind, *_ in EXPENSES)]), expenses

        # Nothing lost, order per key: the surviving relay published the register's outbox, and
        # each lease's events (created, two rent changes) first appear on the topic in the
        # order the register recorded them; a batch a killed relay sent may appear again.
        def published() -> dict[str, list[str]] | None:
            try:
                return outbox_of(cluster, leases)
            except AssertionError:
                return None

        recorded = story.poll("the register's outbox published", published)
        assert sorted(recorded) == sorted(leases)
        on_topic = topic_of(cluster, infra, leases)
        duplicates = 0
        for lease, events in recorded.items():
            assert len(events) == 1 + len(EXPENSES), (lease, events)
            seen = on_topic[lease]
            assert list(dict.fromkeys(seen)) == events, (lease, seen, events)
            duplicates += len(seen) - len(events)
        print(f"scale-out: {duplicates} events published twice by a killed relay's batch")

        # The calculator (one worker left) counted every dwelling once, at the rents sent.
        for municipality in (HOME, AWAY):

            def counted(municipality: str = municipality) -> dict[str, Any] | None:
                figures = story.key_figures(municipality)
                return figures if figures["dwellings"] == DWELLINGS else None

            figures = story.poll(f"all {DWELLINGS} dwellings in {municipality}", counted)
            assert Decimal(figure(figures, "rent_per_m2")["value"]) == expected_rent_per_m2(
                municipality
            )
            assert RENT[municipality] > 0

    def test_the_package_is_sent_and_told_once_while_more_replicas_are_killed(
        self, cluster: Cluster, story: Story
    ) -> None:
        for name in ("benchmarks-api-1", "governance-api-1", "notifications-api-1"):
            cluster.kill9(name)
        story.open_package()
        story.fill_in_package()
        story.sendable_package()
        story.send_package()
        for name in ("governance-worker-1", "notifications-worker-1"):
            cluster.kill9(name)

        deliveries = story.settled_deliveries("governance.package.sent", expected=2)
        assert sorted(d["recipient_ref"] for d in deliveries) == [HOME, AWAY]
        assert {d["status"] for d in deliveries} == {"sent"}
        for code in (HOME, AWAY):
            messages = story.poll(
                f"the e-mail to municipality {code}",
                lambda code=code: mail_to(cluster.mail_dir, story.address(f"k{code}")),
            )
            assert len(messages) == 1, [m["Subject"] for m in messages]
        # Nothing more arrives later: the deliveries stay two, the messages one each.
        time.sleep(5)
        assert len(story.deliveries("governance.package.sent")) == 2
        for code in (HOME, AWAY):
            assert len(mail_to(cluster.mail_dir, story.address(f"k{code}")) or []) == 1

    def test_every_process_but_the_killed_ones_still_runs(self, cluster: Cluster) -> None:
        assert sorted(cluster.killed) == sorted(
            [
                "register-api-1",
                "register-worker-1",
                "benchmarks-worker-1",
                "benchmarks-api-1",
                "governance-api-1",
                "notifications-api-1",
                "governance-worker-1",
                "notifications-worker-1",
            ]
        )
        survivors = {n for n, p in cluster.processes.items() if p.running}
        assert survivors == set(cluster.processes) - set(cluster.killed), cluster.diagnostics()


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
