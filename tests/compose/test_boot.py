"""docker-compose.yml booted for real: podman, images built from deploy/images/, Docker Compose v2.

`make compose-test` (not part of `make test`: see the README). common.testing.compose installs
podman, builds every image (layers cached under the project's cache directory) and Docker
Compose, and starts podman's API service; this module brings the file up unchanged under its own
project name and host ports (the shared test PostgreSQL and Kafka are not touched), checks the
start-up order, the one-shot migrations and the health checks, drives the client's story through
the gateway while the notifications worker is down and comes back, and ends with `down -v`.

The steps are ordered and share the running platform.
"""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from common.testing.compose import (
    COMPOSE_FILE,
    Compose,
    LocalImages,
    health_checks,
    prepare,
    stop_service,
)
from common.testing.infra import InfraError, free_port

pytestmark = [pytest.mark.compose, pytest.mark.timeout(3600)]

T = TypeVar("T")

PROJECT = "housing-boot-test"
DEADLINE_SECONDS = 180  # a busy two-core machine runs 14 Python processes and a JVM here
YEAR = datetime.now(UTC).year
FIGURES_YEAR = YEAR - 1
HOME, AWAY = "101", "147"
AREA = Decimal("70.00")
RENT = {HOME: Decimal("5000.00"), AWAY: Decimal("10000.00")}
SERVICES = ("register", "grants", "governance", "allocation", "legal-cases", "benchmarks")
SERVICES += ("notifications", "dashboards")
DATABASES = {service: service.replace("-", "_") for service in SERVICES}
ONE_SHOT = {f"{service}-migrate" for service in SERVICES} | {"kafka-init", "dev-signing-key"}
RESTARTED_WORKER = "notifications-worker"


def compose_services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    return services


@dataclass
class Backup:
    """What TestBackups carries from one step to the next."""

    workdir: Path | None = None
    started: datetime | None = None
    tables: dict[str, str] = field(default_factory=dict)  # benchmarks' rows at backup time
    figures: dict[str, Decimal] = field(default_factory=dict)  # rent_per_m2 by department


@dataclass
class Platform:
    compose: Compose
    gateway: str
    mailpit: str
    timings: dict[str, float]
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    tokens: dict[str, str] = field(default_factory=dict)
    package_id: str | None = None
    backup: Backup = field(default_factory=lambda: Backup())

    def token(self, *role: str) -> str:
        key = " ".join(role)
        if key not in self.tokens:
            result = self.compose(
                "exec", "-T", "register-api", "housing", "token", "--role", *role, timeout=300
            )
            self.tokens[key] = result.stdout.strip()
        return self.tokens[key]

    def headers(self, *role: str, post: bool = False) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token(*role)}"}
        if post:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return headers

    @property
    def organisation(self) -> str:
        return f"boot-org-{self.suffix}"

    def org(self, post: bool = False) -> dict[str, str]:
        return self.headers("housing_org", "--org", self.organisation, post=post)

    def fund(self, post: bool = False) -> dict[str, str]:
        return self.headers("fund", post=post)

    def municipality(self, code: str, post: bool = False) -> dict[str, str]:
        return self.headers("municipality", "--municipality", code, post=post)

    def department(self, municipality: str) -> str:
        return f"boot-afd-{self.suffix}-{municipality}"

    def address(self, municipality: str) -> str:
        return f"styringsdialog-k{municipality}-{self.suffix}@kommune.example.dk"

    def poll(
        self, what: str, probe: Callable[[], T | None], seconds: float = DEADLINE_SECONDS
    ) -> T:
        deadline = time.monotonic() + seconds
        while True:
            result = probe()
            if result is not None:
                return result
            if time.monotonic() > deadline:
                logs = self.compose("logs", "--tail", "40", check=False).stdout
                pytest.fail(f"{what} never arrived within {seconds} s.\n{logs[-8000:]}")
            time.sleep(1)

    def shell(self, script: str, cwd: Path, timeout: float = 900) -> str:
        """``script`` run by bash in ``cwd`` as an operator would, ``docker compose`` being this
        project's Docker Compose and ``docker`` podman; its output, or the test fails."""
        prelude = (
            "set -euo pipefail\n"
            "docker() {\n"
            '  if [ "$1" = compose ]; then shift; "$BOOT_COMPOSE" --project-directory "$BOOT_ROOT"'
            ' -f "$BOOT_FILE" -p "$BOOT_PROJECT" "$@"; else podman "$@"; fi\n'
            "}\n"
        )
        env = {
            **self.compose.env(),
            "BOOT_COMPOSE": str(self.compose.binary),
            "BOOT_ROOT": str(COMPOSE_FILE.parent),
            "BOOT_FILE": str(COMPOSE_FILE),
            "BOOT_PROJECT": self.compose.project,
        }
        result = subprocess.run(
            ["bash", "-c", prelude + script],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, (
            f"{script}\n→ exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
        return result.stdout

    def psql(self, database: str, sql: str) -> str:
        return self.compose(
            "exec", "-T", "postgres", "psql", "-U", "postgres", "-d", database, "-Atc", sql
        ).stdout

    def inspect(self, service: str) -> dict[str, Any]:
        """podman's view of the service's (only) container."""
        ids = self.compose("ps", "-a", "-q", service).stdout.split()
        assert len(ids) == 1, (service, ids)
        details = json.loads(self.compose.podman("inspect", ids[0]).stdout)
        only: dict[str, Any] = details[0]
        return only


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    timings: dict[str, float] = {}
    started = time.monotonic()
    gateway_port, ui_port = free_port(), free_port()
    compose = prepare(
        project=PROJECT,
        variables={
            "GATEWAY_PORT": str(gateway_port),
            "KAFKA_HOST_PORT": str(free_port()),
            "MAILCATCHER_UI_PORT": str(ui_port),
            "MAILCATCHER_SMTP_PORT": str(free_port()),
        },
    )
    timings["images"] = time.monotonic() - started
    compose("down", "-v", "--remove-orphans", check=False)  # what an interrupted run left
    with health_checks(compose):
        try:
            started = time.monotonic()
            try:
                compose("up", "-d", "--wait", "--wait-timeout", "900", timeout=1200)
            except InfraError as exc:
                logs = compose("logs", "--no-color", "--tail", "30", check=False).stdout
                pytest.fail(f"{exc}\n--- logs (tail) ---\n{logs[-20000:]}")
            timings["up"] = time.monotonic() - started
            yield Platform(
                compose, f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{ui_port}", timings
            )
        finally:
            print(f"\ncompose boot timings (s): {json.dumps(timings)}")
            compose("down", "-v", "--remove-orphans", check=False)
            stop_service(compose.podman)


@pytest.fixture(scope="module")
def http(platform: Platform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.gateway, timeout=60) as client:
        yield client


def ok(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200,)), (
        f"{response.request.method} {response.request.url} → {response.status_code}: "
        f"{response.text}"
    )
    return response.json() if response.content else None


def figure(figures: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in figures["figures"] if f["code"] == code)


def submission(platform: Platform) -> list[dict[str, Any]]:
    org = platform.organisation
    records: list[dict[str, Any]] = [
        {
            "type": "organisation",
            "record": {
                "BoligorganisationIdentifikator": org,
                "CVRNummer": "10000009",
                "BoligorganisationNavn": f"Boligselskabet Compose {platform.suffix}",
                "HjemstedKommuneKode": HOME,
            },
        }
    ]
    for municipality, postcode, city in ((HOME, "2400", "København NV"), (AWAY, "2000", "F")):
        department = platform.department(municipality)
        records += department_records(
            platform, department, municipality, postcode, city, RENT[municipality]
        )
    return records


def department_records(
    platform: Platform,
    department: str,
    municipality: str,
    postcode: str,
    city: str,
    rent: Decimal,
) -> list[dict[str, Any]]:
    """A department of the organisation with one section, two dwellings and their leases."""
    org = platform.organisation
    section = f"{department}-blok-a"
    records: list[dict[str, Any]] = []
    records += [
        {
            "type": "department",
            "record": {
                "AfdelingIdentifikator": department,
                "BoligorganisationIdentifikator": org,
                "AfdelingNavn": f"Afdeling {municipality}",
                "KommuneKode": municipality,
                "AfdelingBoligtypeKode": "family",
                "OpfoerelsesAar": 1972,
                "BygningstypeKode": "etage",
            },
        },
        {
            "type": "building_section",
            "record": {
                "ByggeafsnitIdentifikator": section,
                "AfdelingIdentifikator": department,
                "ByggeafsnitNavn": "Blok A",
                "OpfoerelsesAar": 1972,
            },
        },
    ]
    for number in (1, 2):
        dwelling = f"{department}-bolig-{number}"
        records += [
            {
                "type": "dwelling",
                "record": {
                    "BoligUnikIdentifikator": dwelling,
                    "AfdelingIdentifikator": department,
                    "ByggeafsnitIdentifikator": section,
                    "Vejnavn": "Testvej",
                    "Husnummer": str(number),
                    "Postnummer": postcode,
                    "Bynavn": city,
                    "BoligAntalRum": 3,
                    "BoligArealKvadratmeter": str(AREA),
                },
            },
            {
                "type": "lease",
                "record": {
                    "LejekontraktUnikIdentifikator": f"{dwelling}-lk",
                    "BoligUnikIdentifikator": dwelling,
                    "EksternReference": f"ERP-{dwelling}",
                    "LejekontraktStartDato": f"{FIGURES_YEAR}-01-01",
                    "AnvisningstypeKode": "external_waiting_list",
                    "Boligudgifter": [
                        {
                            "BoligudgiftTypeKode": "base_rent",
                            "BoligudgiftBeloeb": str(rent),
                            "BoligudgiftStartDato": f"{FIGURES_YEAR}-01-01",
                        }
                    ],
                },
            },
        ]
    return records


CATALOGUE = {
    "questions": [
        {
            "code": "goals_followed_up",
            "form": "report",
            "section": "Mål og resultater",
            "text": "Har organisationsbestyrelsen fulgt op på de aftalte mål?",
            "kind": "yes_no",
            "required": True,
        },
        {
            "code": "physical_condition",
            "form": "department",
            "section": "Fysisk tilstand",
            "text": "Hvordan er afdelingens fysiske tilstand?",
            "kind": "choice",
            "required": True,
            "options": ["God", "Middel", "Dårlig"],
        },
    ]
}
ACCOUNTS = {
    "dwellings": 2,
    "total_area_m2": "140.00",
    "administration_cost": "9000.00",
    "maintenance_cost": "21000.00",
    "vacancy_rent_loss": "0.00",
    "operating_cost": "98000.00",
}


def answer(question: dict[str, Any]) -> Any:
    if question["kind"] == "yes_no":
        return True
    if question["kind"] == "choice":
        return question["options"][0]
    if question["kind"] == "number":
        return "12"
    return "Gennemført som aftalt."


def mails_to(platform: Platform, address: str) -> list[dict[str, Any]]:
    """The messages Mailpit holds for ``address`` (its API), each with its text."""
    with httpx.Client(base_url=platform.mailpit, timeout=30) as mailpit:
        found = ok(mailpit.get("/api/v1/search", params={"query": f'to:"{address}"'}))
        messages = []
        for summary in found["messages"]:
            messages.append(ok(mailpit.get(f"/api/v1/message/{summary['ID']}")))
        return messages


def deliveries(platform: Platform, http: httpx.Client) -> list[dict[str, Any]]:
    page = ok(
        http.get(
            "/notifications/v1/deliveries",
            params={"event_type": "governance.package.sent", "limit": 500},
            headers=platform.fund(),
        )
    )
    return [d for d in page["items"] if d["event_subject"] == platform.package_id]


class TestStartUp:
    def test_every_long_running_service_runs_and_every_health_check_passes(
        self, platform: Platform
    ) -> None:
        for name, definition in compose_services().items():
            state = platform.inspect(name)["State"]
            if name in ONE_SHOT:
                continue
            assert state["Status"] == "running", (name, state)
            if "healthcheck" in definition:
                assert state["Health"]["Status"] == "healthy", (name, state["Health"])

    def test_the_one_shot_jobs_ran_once_and_succeeded(self, platform: Platform) -> None:
        for name in ONE_SHOT:
            state = platform.inspect(name)["State"]
            assert (state["Status"], state["ExitCode"]) == ("exited", 0), (name, state)
        for service in SERVICES:
            logs = platform.compose("logs", "--no-log-prefix", f"{service}-migrate").stdout
            assert logs.strip(), f"{service}-migrate wrote nothing"

    def test_migrations_start_after_postgres_serves_for_good(self, platform: Platform) -> None:
        # The server that answers the TCP health check is the last one to say it is ready (the
        # init scripts' temporary server before it listens on its socket only).
        logs = platform.compose("logs", "--no-log-prefix", "postgres").stdout
        ready = re.findall(
            r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) UTC \[\d+\] LOG:  database system is "
            r"ready to accept connections",
            logs,
            re.MULTILINE,
        )
        assert ready, logs[-3000:]
        serving = datetime.fromisoformat(ready[-1]).replace(tzinfo=UTC)
        for service in SERVICES:
            started = platform.inspect(f"{service}-migrate")["State"]["StartedAt"]
            assert _time(started) >= serving, service

    def test_apis_and_workers_start_after_their_migration_and_the_topics(
        self, platform: Platform
    ) -> None:
        topics_done = _time(platform.inspect("kafka-init")["State"]["FinishedAt"])
        for service in SERVICES:
            migrated = _time(platform.inspect(f"{service}-migrate")["State"]["FinishedAt"])
            for process in ("api", "worker"):
                started = _time(platform.inspect(f"{service}-{process}")["State"]["StartedAt"])
                assert started >= migrated, f"{service}-{process}"
                assert started >= topics_done, f"{service}-{process}"

    def test_each_database_is_at_its_migrations_head(self, platform: Platform) -> None:
        for service, database in DATABASES.items():
            result = platform.compose(
                "exec",
                "-T",
                "postgres",
                "psql",
                "-U",
                "postgres",
                "-d",
                database,
                "-Atc",
                "SELECT count(*) FROM alembic_version",
            )
            assert result.stdout.strip() == "1", service

    def test_a_migration_runs_again_as_a_one_shot_job_and_changes_nothing(
        self, platform: Platform
    ) -> None:
        before = platform.compose(
            "exec", "-T", "postgres", "psql", "-U", "postgres", "-d", "register", "-Atc",
            "SELECT version_num FROM alembic_version",
        ).stdout  # fmt: skip
        result = platform.compose("run", "--rm", "-T", "register-migrate", timeout=600)
        assert result.returncode == 0
        after = platform.compose(
            "exec", "-T", "postgres", "psql", "-U", "postgres", "-d", "register", "-Atc",
            "SELECT version_num FROM alembic_version",
        ).stdout  # fmt: skip
        assert after == before
        assert after.strip()

    def test_the_topics_of_the_catalogue_exist(self, platform: Platform) -> None:
        listed = platform.compose(
            "exec", "-T", "kafka", "/opt/kafka/bin/kafka-topics.sh",
            "--bootstrap-server", "localhost:9092", "--list",
        ).stdout.split()  # fmt: skip
        assert catalogue_topics() <= set(listed)


class TestThroughTheGateway:
    def test_every_api_is_ready_through_the_gateway(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        for service in SERVICES:
            response = http.get(f"/{service}/health/ready")
            body = ok(response)
            assert body["status"] == "ok", (service, body)
            assert response.headers["X-Request-ID"]

    def test_metrics_answer_the_scrape_token_only(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        refused = http.get("/register/metrics")
        assert refused.status_code in (401, 403), refused.text
        metrics = http.get(
            "/register/metrics", headers={"Authorization": "Bearer dev-metrics-token"}
        )
        assert metrics.status_code == 200, metrics.text
        assert "# TYPE" in metrics.text

    def test_a_path_of_no_service_is_a_problem_404(self, http: httpx.Client) -> None:
        response = http.get("/nowhere/at/all")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


class TestTheClientsStory:
    def test_the_municipalities_register_their_addresses(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        for code in (HOME, AWAY):
            path = f"/notifications/v1/recipients/municipality/{code}"
            headers = platform.municipality(code)
            current = http.get(path, headers=headers)
            if current.status_code == 200:
                headers = {**headers, "If-Match": current.headers["ETag"]}
            entry = ok(
                http.put(path, json={"addresses": [platform.address(code)]}, headers=headers),
                200,
                201,
            )
            assert entry["addresses"] == [platform.address(code)]

    def test_the_erp_submission_is_accepted_by_the_register(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        records = submission(platform)
        report = ok(
            http.post(
                "/register/v1/submissions",
                json={"records": records},
                headers=platform.org(post=True),
            )
        )
        assert [r for r in report["results"] if r["outcome"] != "accepted"] == []
        assert report["accepted"] == len(records)

    def test_the_calculator_computes_the_departments_key_figures(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        for municipality in (HOME, AWAY):
            department = platform.department(municipality)

            def computed(department: str = department) -> dict[str, Any] | None:
                response = http.get(
                    f"/benchmarks/v1/departments/{department}/key-figures",
                    params={"year": FIGURES_YEAR},
                    headers=platform.org(),
                )
                if response.status_code == 404:
                    return None
                figures = ok(response)
                return figures if figure(figures, "rent_per_m2")["value"] is not None else None

            figures = platform.poll(f"the key figures of {department}", computed)
            assert figures["municipality_code"] == municipality
            assert figures["dwellings"] == 2
            expected = (12 * RENT[municipality] / AREA).quantize(Decimal("0.0001"))
            assert Decimal(figure(figures, "rent_per_m2")["value"]) == expected

    def test_the_organisation_fills_in_the_governance_package(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        ok(
            http.put(f"/governance/v1/catalogues/{YEAR}", json=CATALOGUE, headers=platform.fund()),
            200,
            409,
        )
        departments = {platform.department(HOME), platform.department(AWAY)}

        def package_with_figures() -> dict[str, Any] | None:
            ok(
                http.post(
                    "/governance/v1/packages/generate",
                    json={"year": YEAR},
                    headers=platform.fund(post=True),
                )
            )
            page = ok(
                http.get(
                    "/governance/v1/packages",
                    params={"year": YEAR, "organisation_id": platform.organisation},
                    headers=platform.org(),
                )
            )
            if not page["items"]:
                return None
            package = ok(
                http.get(
                    f"/governance/v1/packages/{page['items'][0]['id']}", headers=platform.org()
                )
            )
            forms = {f["key"]: f for f in package["departments"]}
            if set(forms) != departments or not all(f["figures_prefilled"] for f in forms.values()):
                return None
            return package

        package = platform.poll("the package with both departments", package_with_figures)
        platform.package_id = package["id"]
        base = f"/governance/v1/packages/{package['id']}"
        report = ok(http.get(f"{base}/report", headers=platform.org()))
        ok(
            http.put(
                f"{base}/report/answers",
                json={"answers": {q["code"]: answer(q) for q in report["questions"]}},
                headers=platform.org(),
            )
        )
        for department in sorted(departments):
            form = ok(http.get(f"{base}/departments/{department}", headers=platform.org()))
            form = ok(
                http.put(
                    f"{base}/departments/{department}/answers",
                    json={"answers": {q["code"]: answer(q) for q in form["questions"]}},
                    headers=platform.org(),
                )
            )
            for code in form["figures_needing_comment"]:
                form = ok(
                    http.put(
                        f"{base}/departments/{department}/key-figures/{code}/comment",
                        json={"comment": "Huslejen afspejler en nyrenoveret afdeling."},
                        headers=platform.org(),
                    )
                )
            assert form["missing_required"] == []
            ok(
                http.put(
                    f"{base}/departments/{department}/accounts",
                    json=ACCOUNTS,
                    headers=platform.org(),
                )
            )

        def sendable() -> dict[str, Any] | None:
            package = ok(http.get(base, headers=platform.org()))
            return package if package["can_send"] else None

        package = platform.poll("the accounts figures from the calculator", sendable)
        assert package["status"] == "complete"
        assert package["accounts"]["missing"] == []

    def test_the_package_is_sent_while_the_notifications_worker_is_down(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        platform.compose("stop", RESTARTED_WORKER, timeout=300)
        assert platform.inspect(RESTARTED_WORKER)["State"]["Status"] == "exited"
        package = ok(
            http.post(
                f"/governance/v1/packages/{platform.package_id}/send",
                headers=platform.org(post=True),
            )
        )
        assert package["status"] == "sent"
        # With its worker down, nothing consumed the event: no delivery, no mail.
        time.sleep(5)
        assert deliveries(platform, http) == []
        assert mails_to(platform, platform.address(HOME)) == []

    def test_after_the_worker_restarts_each_municipality_gets_exactly_one_e_mail(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        platform.compose("start", RESTARTED_WORKER, timeout=300)

        def settled() -> list[dict[str, Any]] | None:
            mine = deliveries(platform, http)
            if len(mine) < 2 or any(d["status"] in ("pending", "sending") for d in mine):
                return None
            return mine

        sent = platform.poll("both deliveries of governance.package.sent", settled)
        assert sorted(d["recipient_ref"] for d in sent) == [HOME, AWAY]
        assert {d["status"] for d in sent} == {"sent"}
        # the organisation by its name, which the register's organisation event carried
        organisation = f"Boligselskabet Compose {platform.suffix}"
        subject = f"Dokumentationspakke for styringsåret {YEAR} fremsendt af {organisation}"
        for code, role in ((HOME, "hjemstedskommune"), (AWAY, "beliggenhedskommune")):
            messages = platform.poll(
                f"the e-mail to {platform.address(code)} in Mailpit",
                lambda code=code: mails_to(platform, platform.address(code)) or None,
            )
            assert len(messages) == 1, [m["Subject"] for m in messages]
            (message,) = messages
            assert message["Subject"] == subject
            assert [to["Address"] for to in message["To"]] == [platform.address(code)]
            assert f"Som {role} har I modtaget" in message["Text"]
            assert str(platform.package_id) in message["Text"]
        # The worker's consumer group committed: a second restart sends nothing again.
        platform.compose("restart", RESTARTED_WORKER, timeout=300)
        time.sleep(10)
        assert len(deliveries(platform, http)) == 2
        assert len(mails_to(platform, platform.address(HOME))) == 1


# --------------------------------------------------------------------------- deploy/README.md

README = COMPOSE_FILE.parent / "deploy" / "README.md"
# What the README's examples say, put in for this run.
EXAMPLE_BACKUP = "backup/2026-12-06"
EXAMPLE_REWIND_TO = "2026-12-06T01:00:00.000Z"
EXAMPLE_KAFKA_VOLUME = "housing_kafka-data"
EXAMPLE_DEBIAN_IMAGE = "debian:bookworm"
DEFAULT_CLUSTER_ID = "NuFor-YaT_2hGwX-D7FbVw"  # docker-compose.yml's KAFKA_CLUSTER_ID default
READ_MODEL_GROUP = "benchmarks.read-model"  # benchmarks/events/incoming.py
LATE_RENT = Decimal("6000.00")
RESTART_SECONDS = 600  # an API started again on two busy cores


def readme_block(name: str, **examples: str) -> str:
    """The shell block of deploy/README.md marked ``<!-- compose-test: name -->``, with each of
    the README's example values (keys: the example, values: this run's) put in."""
    text = README.read_text()
    match = re.search(
        rf"<!-- compose-test: {re.escape(name)} -->\n```sh\n(.*?)```", text, re.DOTALL
    )
    assert match, f"deploy/README.md has no shell block marked compose-test: {name}"
    script = match.group(1)
    for example, value in examples.items():
        assert example in script, f"the README's block {name} no longer has {example}"
        script = script.replace(example, value)
    return script


def catalogue_topics() -> set[str]:
    return {
        line.split()[0]
        for line in (COMPOSE_FILE.parent / "deploy/kafka/topics.txt").read_text().splitlines()
        if line.split() and not line.startswith("#")
    }


def table_rows(platform: Platform, database: str) -> dict[str, str]:
    """Per table of the database: its row count and a digest of all its rows."""
    tables = platform.psql(
        database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    ).split()
    assert tables, database
    query = " UNION ALL ".join(
        f"SELECT '{table}', count(*), "
        f"md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM public.\"{table}\" r"
        for table in tables
    )
    rows = platform.psql(database, query).splitlines()
    return {row.split("|")[0]: row for row in rows}


def group_lag(platform: Platform, group: str) -> int:
    """The consumer group's lag over all its partitions (kafka-consumer-groups.sh)."""
    described = platform.compose(
        "exec", "-T", "kafka", "/opt/kafka/bin/kafka-consumer-groups.sh",
        "--bootstrap-server", "localhost:9092", "--describe", "--group", group,
    ).stdout  # fmt: skip
    lag, partitions = 0, 0
    for line in described.splitlines():
        columns = line.split()
        if len(columns) >= 6 and columns[0] == group and columns[2].isdigit():
            partitions += 1
            lag += int(columns[5]) if columns[5].isdigit() else 0
    assert partitions, described
    return lag


def rent_per_m2(platform: Platform, http: httpx.Client, department: str) -> Decimal | None:
    """The department's computed rent per m² from the benchmarks API; None while there is none
    (or the API is not back yet)."""
    response = http.get(
        f"/benchmarks/v1/departments/{department}/key-figures",
        params={"year": FIGURES_YEAR},
        headers=platform.org(),
    )
    if response.status_code in (404, 502, 503):
        return None
    value = figure(ok(response), "rent_per_m2")["value"]
    return None if value is None else Decimal(value)


def expected_rent_per_m2(rent: Decimal) -> Decimal:
    return (12 * rent / AREA).quantize(Decimal("0.0001"))


def every_api_ready(http: httpx.Client) -> bool | None:
    for service in SERVICES:
        response = http.get(f"/{service}/health/ready")
        if response.status_code != 200 or response.json()["status"] != "ok":
            return None
    return True


class TestBackups:
    """deploy/README.md section 7, its commands run as written (readme_block)."""

    def test_the_postgresql_backup_dumps_every_database_and_the_roles(
        self, platform: Platform, http: httpx.Client, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        backup = platform.backup
        backup.workdir = tmp_path_factory.mktemp("operator")
        for municipality in (HOME, AWAY):
            department = platform.department(municipality)
            value = rent_per_m2(platform, http, department)
            assert value == expected_rent_per_m2(RENT[municipality])
            backup.figures[department] = value
        before = table_rows(platform, "benchmarks")
        backup.started = datetime.now(UTC)
        platform.shell(readme_block("postgres-backup"), backup.workdir)
        assert table_rows(platform, "benchmarks") == before, "benchmarks changed during the dump"
        backup.tables = before
        (folder,) = (backup.workdir / "backup").iterdir()
        dumps = {f"{database}.dump" for database in DATABASES.values()}
        assert {path.name for path in folder.iterdir()} == dumps | {"globals.sql"}
        roles = (folder / "globals.sql").read_text()
        for database in DATABASES.values():
            assert f"CREATE ROLE {database};" in roles, database
        for database in DATABASES.values():
            listing = platform.shell(
                f"docker compose exec -T postgres pg_restore --list < {folder.name}/{database}.dump",
                folder.parent,
            )
            assert "TABLE DATA public alembic_version" in listing, (database, listing[-2000:])
            if database == "benchmarks":
                assert "TABLE DATA public department_figures" in listing

    def test_the_kafka_backup_copies_the_brokers_volume_and_the_platform_carries_on(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        workdir = platform.backup.workdir
        assert workdir is not None
        script = readme_block(
            "kafka-backup",
            **{
                EXAMPLE_KAFKA_VOLUME: f"{PROJECT}_kafka-data",
                EXAMPLE_DEBIAN_IMAGE: LocalImages().debian,
            },
        )
        platform.shell(script, workdir)
        (archive,) = (workdir / "backup").glob("kafka-data-*.tgz")
        with tarfile.open(archive) as tar:
            names = tar.getnames()
            meta = tar.extractfile("./meta.properties")
            assert meta is not None
            assert f"cluster.id={DEFAULT_CLUSTER_ID}" in meta.read().decode().splitlines()
        partitions = {name.split("/")[1] for name in names if name.count("/") >= 1}
        topics = {partition.rsplit("-", 1)[0] for partition in partitions if "-" in partition}
        assert catalogue_topics() <= topics
        assert "__consumer_offsets" in topics

        def healthy() -> bool | None:
            health = platform.inspect("kafka")["State"].get("Health") or {}
            return True if health.get("Status") == "healthy" else None

        platform.poll("Kafka healthy again", healthy, RESTART_SECONDS)
        platform.poll("every API ready again", lambda: every_api_ready(http), RESTART_SECONDS)

    def test_a_change_after_the_backup_reaches_the_benchmarks(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        department = platform.department("late")
        records = department_records(platform, department, HOME, "2400", "København NV", LATE_RENT)
        report = ok(
            http.post(
                "/register/v1/submissions",
                json={"records": records},
                headers=platform.org(post=True),
            )
        )
        assert report["accepted"] == len(records), report
        value = platform.poll(
            f"the key figures of {department}",
            lambda: rent_per_m2(platform, http, department),
            RESTART_SECONDS,
        )
        assert value == expected_rent_per_m2(LATE_RENT)
        assert table_rows(platform, "benchmarks") != platform.backup.tables

    def test_the_restore_brings_back_the_rows_of_the_backup_and_kafka_does_not_know(
        self, platform: Platform
    ) -> None:
        backup = platform.backup
        assert backup.workdir is not None
        (folder,) = (backup.workdir / "backup").glob("????-??-??")
        script = readme_block("postgres-restore", **{EXAMPLE_BACKUP: f"backup/{folder.name}"})
        platform.shell(script, backup.workdir)
        for process in ("api", "worker"):
            assert platform.inspect(f"benchmarks-{process}")["State"]["Status"] == "exited"
        assert table_rows(platform, "benchmarks") == backup.tables
        # The late department is gone from the database, but its events are consumed: nothing
        # would bring it back.
        assert group_lag(platform, READ_MODEL_GROUP) == 0

    def test_the_rewind_puts_the_worker_before_the_backup(self, platform: Platform) -> None:
        backup = platform.backup
        assert backup.workdir is not None
        assert backup.started is not None
        since = backup.started - timedelta(hours=1)
        stamp = since.strftime("%Y-%m-%dT%H:%M:%S.") + f"{since.microsecond // 1000:03d}Z"
        output = platform.shell(
            readme_block("postgres-rewind", **{EXAMPLE_REWIND_TO: stamp}), backup.workdir
        )
        assert READ_MODEL_GROUP in output.split()
        assert group_lag(platform, READ_MODEL_GROUP) > 0

    def test_started_again_the_worker_applies_what_came_after_the_backup(
        self, platform: Platform, http: httpx.Client
    ) -> None:
        backup = platform.backup
        assert backup.workdir is not None
        platform.shell(readme_block("postgres-start"), backup.workdir)
        department = platform.department("late")
        value = platform.poll(
            f"the key figures of {department} again",
            lambda: rent_per_m2(platform, http, department),
            RESTART_SECONDS,
        )
        assert value == expected_rent_per_m2(LATE_RENT)
        for before, figures in backup.figures.items():
            assert rent_per_m2(platform, http, before) == figures, before
        platform.poll("every API ready", lambda: every_api_ready(http), RESTART_SECONDS)
        platform.poll(
            "the read model's group caught up",
            lambda: group_lag(platform, READ_MODEL_GROUP) == 0 or None,
        )


# --------------------------------------------------------------------------- key rotation

IDP_ISSUER = "https://idp.boot-test.invalid/"
JWKS_CACHE_SECONDS = 5


@dataclass
class IdpKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def jwk(self) -> dict[str, Any]:
        public = ECAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": "ES256"}

    def token(self, organisation: str) -> str:
        now = int(time.time())
        claims = {
            "sub": f"housing_org:{self.kid}",
            "role": "housing_org",
            "org_ids": [organisation],
            "iss": IDP_ISSUER,
            "aud": "housing",
            "iat": now,
            "exp": now + 1800,
        }
        return jwt.encode(claims, self.private_key, algorithm="ES256", headers={"kid": self.kid})


@dataclass
class IdentityProvider:
    """A JWKS endpoint on the host, where the containers reach it: the compose network's
    gateway address."""

    url: str
    published: list[dict[str, Any]]
    fetches: list[float]
    old: IdpKey = field(default_factory=lambda: IdpKey(kid=f"boot-{uuid.uuid4().hex[:6]}-old"))
    new: IdpKey = field(default_factory=lambda: IdpKey(kid=f"boot-{uuid.uuid4().hex[:6]}-new"))
    tokens: dict[str, str] = field(default_factory=dict)

    def publish(self, *keys: IdpKey) -> None:
        self.published[:] = [key.jwk() for key in keys]


@pytest.fixture(scope="module")
def identity_provider(platform: Platform) -> Iterator[IdentityProvider]:
    network = json.loads(
        platform.compose.podman("network", "inspect", f"{PROJECT}_default").stdout
    )[0]
    host = network["subnets"][0]["gateway"]
    published: list[dict[str, Any]] = []
    fetches: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetches.append(time.monotonic())
            body = json.dumps({"keys": published}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://{host}:{server.server_address[1]}/.well-known/jwks.json"
        yield IdentityProvider(url, published, fetches)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def organisation_name(platform: Platform, http: httpx.Client, token: str) -> httpx.Response:
    return http.get(
        f"/register/v1/organisations/{platform.organisation}",
        headers={"Authorization": f"Bearer {token}"},
    )


def assert_refused(response: httpx.Response, detail: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["detail"]) == (401, detail), problem


class TestKeyRotation:
    """deploy/README.md section 8, the JWKS way, on register-api through the gateway."""

    def name(self, platform: Platform) -> str:
        return f"Boligselskabet Compose {platform.suffix}"

    def test_register_api_switched_to_the_identity_providers_keys(
        self, platform: Platform, http: httpx.Client, identity_provider: IdentityProvider
    ) -> None:
        idp = identity_provider
        idp.publish(idp.old)
        platform.compose.variables.update(
            {
                "HOUSING_JWT_JWKS_URL": idp.url,
                "HOUSING_JWT_ISSUER": IDP_ISSUER,
                "HOUSING_JWT_JWKS_CACHE_SECONDS": str(JWKS_CACHE_SECONDS),
            }
        )
        platform.compose(
            "up", "-d", "--no-deps", "--wait", "--wait-timeout", str(RESTART_SECONDS),
            "register-api", timeout=RESTART_SECONDS + 300,
        )  # fmt: skip
        assert (
            f"HOUSING_JWT_JWKS_URL={idp.url}" in platform.inspect("register-api")["Config"]["Env"]
        )
        idp.tokens["old"] = idp.old.token(platform.organisation)
        body = ok(organisation_name(platform, http, idp.tokens["old"]))
        assert body["BoligorganisationNavn"] == self.name(platform)
        assert idp.fetches
        # The dev key is no longer trusted by this API.
        assert_refused(
            organisation_name(
                platform, http, platform.token("housing_org", "--org", platform.organisation)
            ),
            "The bearer token is not signed with a key the identity provider publishes.",
        )

    def test_the_new_key_published_beside_the_old_one_both_keys_tokens_are_accepted(
        self, platform: Platform, http: httpx.Client, identity_provider: IdentityProvider
    ) -> None:
        idp = identity_provider
        idp.publish(idp.old, idp.new)
        time.sleep(JWKS_CACHE_SECONDS + 1)  # the README's step 2: wait the cache time, then sign
        idp.tokens["new"] = idp.new.token(platform.organisation)
        for token in (idp.tokens["new"], idp.tokens["old"], idp.old.token(platform.organisation)):
            body = ok(organisation_name(platform, http, token))
            assert body["BoligorganisationNavn"] == self.name(platform)

    def test_the_old_key_removed_its_tokens_are_refused_with_a_401_problem(
        self, platform: Platform, http: httpx.Client, identity_provider: IdentityProvider
    ) -> None:
        idp = identity_provider
        idp.publish(idp.new)
        time.sleep(JWKS_CACHE_SECONDS + 1)  # the README's step 3: refused at the latest then
        for token in (idp.tokens["old"], idp.old.token(platform.organisation)):
            assert_refused(
                organisation_name(platform, http, token),
                "The bearer token is not signed with a key the identity provider publishes.",
            )
        body = ok(organisation_name(platform, http, idp.tokens["new"]))
        assert body["BoligorganisationNavn"] == self.name(platform)


class TestShutDown:
    def test_down_v_removes_every_container_and_volume(self, platform: Platform) -> None:
        platform.compose("down", "-v", "--remove-orphans", timeout=600)
        label = f"label=com.docker.compose.project={PROJECT}"
        containers = platform.compose.podman("ps", "-a", "-q", "--filter", label).stdout.split()
        volumes = platform.compose.podman("volume", "ls", "-q", "--filter", label).stdout.split()
        networks = platform.compose.podman("network", "ls", "-q", "--filter", label).stdout
        assert containers == []
        assert volumes == []
        assert networks.split() == []


def _time(stamp: str) -> datetime:
    """podman's RFC 3339 times (nanoseconds), to microseconds."""
    match = re.fullmatch(r"(\S+T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", stamp)
    assert match is not None, stamp
    fraction = (match.group(2) or "0")[:6]
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    return datetime.fromisoformat(f"{match.group(1)}.{fraction}{zone}").astimezone(UTC)


def test_podman_times_parse() -> None:
    assert _time("2026-12-06T09:08:18.123456789Z") == datetime(
        2026, 12, 6, 9, 8, 18, 123456, tzinfo=UTC
    )
    assert _time("2026-12-06T10:08:18.5+01:00") == datetime(
        2026, 12, 6, 9, 8, 18, 500000, tzinfo=UTC
    )
