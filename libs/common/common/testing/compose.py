"""Boot docker-compose.yml with podman on a machine without Docker (issue 19).

The compose file is run unchanged by Docker Compose v2 against podman's Docker-compatible API.
Docker Compose v2 rather than podman-compose: podman-compose leaves out the `service_healthy`
condition on the podman of Debian 12 (4.3, which has no `podman wait --condition=healthy`), so the
start-up order of docker-compose.yml (migrations after a healthy PostgreSQL, APIs after a healthy
Kafka and the topics) would not be what an operator's `docker compose up` does.

What a machine like the CI's needs, all made here and kept under the project's cache directory
(``$HOUSING_CACHE_DIR``, default ``~/.cache/housing``) in ``containers/``:

- podman, runc, netavark and aardvark-dns (container DNS) and debootstrap from Debian's packages;
  podman's configuration (runc, rlimits within this machine's hard limits, image storage in the
  cache) in ``containers.conf``/``storage.conf``, read through ``CONTAINERS_CONF`` and
  ``CONTAINERS_STORAGE_CONF`` so the machine's own podman settings stay untouched;
- images that are otherwise pulled from a public registry, built from deploy/images/: a Debian 12
  base made with debootstrap, Python, Kafka (the jars common.testing.infra fetches for the tests),
  PostgreSQL, nginx and Mailpit; then deploy/Dockerfile on that Python. Builds reuse their layers,
  so a second run rebuilds only what changed;
- Docker Compose v2, built from its Go module (``go install`` through the Go module proxy);
- ``podman system service`` for the API, and the health checks run on their intervals: podman
  hands them to systemd timers, and without systemd (containers, CI machines) they never run and
  every container stays "starting".

Usage (the make target `compose-test` runs tests/compose with it)::

    python -m common.testing.compose images        # build (or reuse) every image
    python -m common.testing.compose up            # images, then `docker compose up -d --wait`
    python -m common.testing.compose compose ps    # any docker compose command
    python -m common.testing.compose down          # `docker compose down -v`, stop the service
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from common.testing.gotools import GO_TOOLCHAIN, go_install
from common.testing.infra import (
    KAFKA_VERSION,
    InfraError,
    _apt_install,
    ensure_kafka_jars,
    ensure_tool,
    load_config,
)

ROOT = Path(__file__).resolve().parents[4]
COMPOSE_FILE = ROOT / "docker-compose.yml"
IMAGES = ROOT / "deploy" / "images"

DEBIAN_SUITE = "bookworm"
DOCKER_COMPOSE_MODULE = "github.com/docker/compose/v2/cmd"
DOCKER_COMPOSE_VERSION = "v2.29.7"
MAILPIT_VERSION = "v1.33.1"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")  # Debian's, with this machine's extra CA

# Rlimits within this machine kind's hard limits: podman otherwise asks for more and fails.
CONTAINERS_CONF = """\
# written by common.testing.compose
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
# crun refuses this machine kind's cgroup layout; runc works.
runtime = "runc"

[network]
# netavark with aardvark-dns: containers find each other by service name.
network_backend = "netavark"
"""


def _log(message: str) -> None:
    print(f"[compose] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class LocalImages:
    """Names of the images built from deploy/images/ and the variables that select them."""

    debian: str = f"localhost/housing-debian:{DEBIAN_SUITE}"
    python: str = "localhost/housing-python:3.11"
    kafka: str = f"localhost/housing-kafka:{KAFKA_VERSION}"
    postgres: str = "localhost/housing-postgres:15"
    gateway: str = f"localhost/housing-nginx:{DEBIAN_SUITE}"
    mailpit: str = f"localhost/housing-mailpit:{MAILPIT_VERSION}"
    housing_tag: str = "dev"

    @property
    def housing(self) -> str:
        return f"localhost/housing:{self.housing_tag}"

    def compose_variables(self) -> dict[str, str]:
        """docker-compose.yml's image variables pointing at these images."""
        return {
            "KAFKA_IMAGE": self.kafka,
            "POSTGRES_IMAGE": self.postgres,
            "GATEWAY_IMAGE": self.gateway,
            "MAILCATCHER_IMAGE": self.mailpit,
            "HOUSING_BASE_IMAGE": self.python,
            "HOUSING_IMAGE_TAG": self.housing_tag,
        }


@dataclass
class Podman:
    """podman with the project's configuration and image storage in the cache directory."""

    home: Path  # <cache>/containers

    @classmethod
    def from_cache(cls) -> Podman:
        return cls(load_config().cache_dir / "containers")

    @property
    def run_dir(self) -> Path:
        # Runtime state (locks, mounts) on the machine's tmpfs, as podman's own default.
        return Path("/run/housing-containers")

    @property
    def socket(self) -> Path:
        return self.run_dir / "podman.sock"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "CONTAINERS_CONF": str(self.home / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(self.home / "storage.conf"),
        }

    def setup(self) -> None:
        """Install podman and its helpers (Debian packages) and write its configuration."""
        if os.geteuid() != 0:
            raise InfraError("booting the compose file with podman needs root (rootful podman)")
        ensure_tool("podman", "podman")
        ensure_tool("runc", "runc")
        ensure_tool("debootstrap", "debootstrap")
        ensure_tool("iptables", "iptables")  # netavark publishes ports with it
        for binary, package in (
            ("/usr/lib/podman/netavark", "netavark"),
            ("/usr/lib/podman/aardvark-dns", "aardvark-dns"),
        ):
            if not Path(binary).exists():
                _apt_install(package)
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "containers.conf").write_text(CONTAINERS_CONF)
        (self.home / "storage.conf").write_text(
            "# written by common.testing.compose\n"
            "[storage]\n"
            'driver = "overlay"\n'
            f'graphroot = "{self.home / "storage"}"\n'
            f'runroot = "{self.run_dir / "storage"}"\n'
        )

    def __call__(
        self, *args: str, check: bool = True, capture: bool = True, timeout: float = 3600
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["podman", *args],
            env=self.env(),
            capture_output=capture,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise InfraError(
                f"podman {' '.join(args)} failed ({result.returncode}):\n"
                f"{(result.stderr or '')[-4000:]}"
            )
        return result

    def image_exists(self, name: str) -> bool:
        return self("image", "exists", name, check=False).returncode == 0

    def build(
        self,
        tag: str,
        context: Path,
        *,
        file: Path | None = None,
        args: dict[str, str] | None = None,
        volumes: Sequence[str] = (),
    ) -> None:
        """`podman build` on the host's network (the container bridge's MTU is larger than this
        machine's link and stalls downloads) with the CA bundle mounted for TLS."""
        command = ["build", "--network", "host", "--layers", "-t", tag]
        if CA_BUNDLE.is_file():
            command += ["--volume", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"]
        for volume in volumes:
            command += ["--volume", volume]
        for key, value in (args or {}).items():
            command += ["--build-arg", f"{key}={value}"]
        if file is not None:
            command += ["-f", str(file)]
        started = time.monotonic()
        _log(f"building {tag}…")
        result = self(*command, str(context), capture=True)
        del result
        _log(f"built {tag} in {time.monotonic() - started:.0f}s")


def _debian_mirror(
    sources: Path = Path("/etc/apt/sources.list.d/debian.sources"),
    legacy: Path = Path("/etc/apt/sources.list"),
) -> str:
    """The machine's own Debian mirror (its apt sources), never a name written here."""
    if sources.is_file():
        match = re.search(r"^URIs:\s*(\S+)", sources.read_text(), re.MULTILINE)
        if match:
            return match.group(1)
    if legacy.is_file():
        for line in legacy.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb" and DEBIAN_SUITE in parts[2:3]:
                return parts[1]
    raise InfraError("no Debian mirror in this machine's apt sources for debootstrap")


def build_debian_base(podman: Podman, name: str) -> None:
    """Debian 12 (minbase, with CA certificates) from Debian's packages, imported as an image."""
    if podman.image_exists(name):
        return
    mirror = _debian_mirror()
    started = time.monotonic()
    _log(f"debootstrap {DEBIAN_SUITE} → {name}…")
    with tempfile.TemporaryDirectory(dir=podman.home) as work:
        rootfs = Path(work) / "rootfs"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=ca-certificates",
                DEBIAN_SUITE,
                str(rootfs),
                mirror,
            ],
            check=True,
            capture_output=True,
            timeout=1800,
        )
        for leftover in (rootfs / "var/cache/apt/archives").glob("*.deb"):
            leftover.unlink()
        shutil.rmtree(rootfs / "var/lib/apt/lists", ignore_errors=True)
        (rootfs / "var/lib/apt/lists/partial").mkdir(parents=True)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            ["podman", "import", "-q", "-", name],
            stdin=tar.stdout,
            env=podman.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise InfraError(f"podman import of the Debian base failed: {imported.stderr}")
    _log(f"Debian base in {time.monotonic() - started:.0f}s")


def _kafka_context(podman: Podman) -> Path:
    """deploy/images/kafka with the broker's jars in lib/ (hard links into the jar cache)."""
    jars = ensure_kafka_jars()
    context = podman.home / "kafka-context"
    shutil.rmtree(context, ignore_errors=True)
    shutil.copytree(IMAGES / "kafka", context)
    (context / "lib").mkdir()
    for jar in sorted(jars.glob("*.jar")):
        try:
            os.link(jar, context / "lib" / jar.name)
        except OSError:
            shutil.copy2(jar, context / "lib" / jar.name)
    # Fixed times so that an unchanged jar set keeps the cached COPY layer.
    for path in context.rglob("*"):
        os.utime(path, (0, 0), follow_symlinks=False)
    return context


def build_images(podman: Podman, images: LocalImages = LocalImages()) -> None:
    """Every image docker-compose.yml needs, from Debian packages, Maven Central's jars, the Go
    module proxy and the Python package index; each build reuses its cached layers."""
    build_debian_base(podman, images.debian)
    debian = {"DEBIAN_IMAGE": images.debian}
    podman.build(images.python, IMAGES / "python", args=debian)
    podman.build(images.postgres, IMAGES / "postgres", args=debian)
    podman.build(images.gateway, IMAGES / "gateway", args=debian)
    podman.build(images.kafka, _kafka_context(podman), args=debian)
    go_cache = podman.home / "go"
    go_cache.mkdir(parents=True, exist_ok=True)
    podman.build(
        images.mailpit,
        IMAGES / "mailpit",
        args={**debian, "MAILPIT_VERSION": MAILPIT_VERSION, "GO_TOOLCHAIN": GO_TOOLCHAIN},
        volumes=[f"{go_cache}:/var/cache/housing-go"],
    )
    podman.build(
        images.housing,
        ROOT,
        file=ROOT / "deploy" / "Dockerfile",
        args={"BASE_IMAGE": images.python},
    )


def ensure_docker_compose() -> Path:
    return go_install(DOCKER_COMPOSE_MODULE, DOCKER_COMPOSE_VERSION, "docker-compose")


# --------------------------------------------------------------------------- the API service


def _ping(path: Path, timeout: float = 2.0) -> bool:
    class UnixConnection(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(str(path))

    connection = UnixConnection("localhost", timeout=timeout)
    try:
        connection.request("GET", "/_ping")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def start_service(podman: Podman) -> None:
    """`podman system service` on podman.socket (Docker's API for Docker Compose), once."""
    if _ping(podman.socket):
        return
    podman.run_dir.mkdir(parents=True, exist_ok=True)
    podman.socket.unlink(missing_ok=True)
    log = (podman.home / "service.log").open("ab")
    process = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{podman.socket}"],
        env=podman.env(),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    (podman.run_dir / "service.pid").write_text(f"{process.pid}\n")
    deadline = time.monotonic() + 60
    while not _ping(podman.socket):
        if process.poll() is not None or time.monotonic() > deadline:
            raise InfraError(f"podman system service did not answer; see {log.name}")
        time.sleep(0.2)


def stop_service(podman: Podman) -> None:
    pid_file = podman.run_dir / "service.pid"
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        cmdline = b""
    if b"system\0service" in cmdline:
        os.kill(pid, signal.SIGTERM)
    pid_file.unlink(missing_ok=True)


# --------------------------------------------------------------------------- health checks


@dataclass
class HealthChecks:
    """Runs `podman healthcheck run` for a compose project's containers on their intervals,
    which is what podman's systemd timers do where systemd runs."""

    podman: Podman
    project: str
    poll_seconds: float = 1.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _due: dict[str, float] = field(default_factory=dict)
    _running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _containers(self) -> dict[str, float]:
        """Running containers of the project with a health check → their interval (s)."""
        listed = self.podman(
            "ps",
            "--filter",
            f"label=com.docker.compose.project={self.project}",
            "--format",
            "{{.ID}}",
            check=False,
        ).stdout.split()
        if not listed:
            return {}
        inspected = self.podman("inspect", *listed, check=False)
        try:
            details = json.loads(inspected.stdout or "[]")
        except json.JSONDecodeError:
            return {}
        intervals = {}
        for container in details:
            check = (container.get("Config") or {}).get("Healthcheck") or {}
            test = check.get("Test") or []
            if not test or test[0] == "NONE" or not container["State"].get("Running"):
                continue
            interval = check.get("Interval") or 30_000_000_000
            intervals[container["Id"]] = max(interval / 1e9, 1.0)
        return intervals

    def tick(self) -> None:
        now = time.monotonic()
        for container, process in list(self._running.items()):
            if process.poll() is not None:
                del self._running[container]
        intervals = self._containers()
        for container, interval in intervals.items():
            if container in self._running or self._due.get(container, 0.0) > now:
                continue
            self._due[container] = now + interval
            self._running[container] = subprocess.Popen(
                ["podman", "healthcheck", "run", container],
                env=self.podman.env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        for gone in set(self._due) - set(intervals):
            del self._due[gone]

    def run_forever(self) -> None:
        while not self._stop.is_set():
            with suppress(OSError, subprocess.SubprocessError):
                self.tick()
            self._stop.wait(self.poll_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, daemon=True, name="healthchecks")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        for process in self._running.values():
            process.wait(timeout=60)


# --------------------------------------------------------------------------- compose


@dataclass
class Compose:
    """docker-compose.yml run by Docker Compose v2 against podman, with the local images."""

    podman: Podman
    binary: Path
    project: str = "housing"
    variables: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {
            **self.podman.env(),
            "DOCKER_HOST": f"unix://{self.podman.socket}",
            **self.variables,
        }

    def command(self, *args: str) -> list[str]:
        return [
            str(self.binary),
            "--project-directory",
            str(ROOT),
            "-f",
            str(COMPOSE_FILE),
            "-p",
            self.project,
            *args,
        ]

    def __call__(
        self, *args: str, check: bool = True, timeout: float = 1800, capture: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args),
            env=self.env(),
            capture_output=capture,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise InfraError(
                f"docker compose {' '.join(args)} failed ({result.returncode}):\n"
                f"{(result.stdout or '')[-3000:]}\n{(result.stderr or '')[-6000:]}"
            )
        return result


def prepare(
    *, project: str = "housing", variables: dict[str, str] | None = None, build: bool = True
) -> Compose:
    """podman set up, every image built, Docker Compose built, the API service running."""
    podman = Podman.from_cache()
    podman.setup()
    images = LocalImages()
    if build:
        build_images(podman, images)
    binary = ensure_docker_compose()
    start_service(podman)
    return Compose(podman, binary, project, {**images.compose_variables(), **(variables or {})})


@contextmanager
def health_checks(compose: Compose) -> Iterator[HealthChecks]:
    checks = HealthChecks(compose.podman, compose.project)
    checks.start()
    try:
        yield checks
    finally:
        checks.stop()


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m common.testing.compose",
        description="docker-compose.yml on podman with locally built images (deploy/README.md)",
    )
    parser.add_argument("-p", "--project", default="housing")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("images", help="build (or reuse) every image")
    sub.add_parser("env", help="print the variables for running docker compose by hand")
    sub.add_parser("up", help="images, then `up -d --wait`, health checks kept running")
    sub.add_parser("down", help="`down -v` and stop podman's API service")
    passthrough = sub.add_parser("compose", help="any docker compose command")
    passthrough.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    try:
        if args.command == "images":
            podman = Podman.from_cache()
            podman.setup()
            build_images(podman)
            ensure_docker_compose()
            return 0
        compose = prepare(project=args.project, build=args.command == "up")
        if args.command == "env":
            for key in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "DOCKER_HOST"):
                print(f"export {key}={compose.env()[key]}")
            for key, value in compose.variables.items():
                print(f"export {key}={value}")
            print(f"alias docker-compose={compose.binary}")
            return 0
        if args.command == "down":
            compose("down", "-v", "--remove-orphans", capture=False)
            stop_service(compose.podman)
            return 0
        with health_checks(compose):
            if args.command == "up":
                compose("up", "-d", "--wait", "--wait-timeout", "900", capture=False)
                _log("up; health checks keep running until Ctrl-C")
                while True:
                    time.sleep(3600)
            return compose(*args.args, capture=False, check=False).returncode
    except InfraError as exc:
        print(f"[compose] {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(_main())
