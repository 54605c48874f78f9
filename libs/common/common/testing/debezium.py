"""Debezium's outbox engine beside our relay: Kafka Connect, the PostgreSQL connector, a
PostgreSQL with ``wal_level=logical`` — all real, all installed by this module.

* :func:`ensure_connect_plugins` fetches, with Debian's Maven into the cache (as
  :mod:`common.testing.infra` fetches the broker), the Kafka Connect runtime of the broker's
  Kafka version and ``io.debezium:debezium-connector-postgres`` (whose
  ``debezium-connect-plugins`` jar holds the outbox event router; there is no
  ``debezium-core`` 3.x artifact), and compiles ``connect/CloudEventsBinary.java`` (the
  transformation that turns the router's record into ours) with the JDK's ``javac``.
* :func:`ensure_logical_postgres` starts a PostgreSQL cluster of its own (the shared test
  server is never reconfigured) on ``$HOUSING_TEST_LOGICAL_PG_PORT`` (default 55442);
  :func:`stop_logical_postgres` stops it.
* :class:`ConnectWorker` runs ``connect-standalone`` with one outbox connector
  (:func:`outbox_connector`), detached; ``kill()`` is a ``kill -9``, ``stop()`` a SIGTERM.

From a shell: ``python -m common.testing.debezium install`` (fetch and compile only).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from common.testing.infra import (
    KAFKA_VERSION,
    PG_PASSWORD,
    PG_SUPERUSER,
    SLF4J_VERSION,
    InfraError,
    ensure_tool,
    fetch_maven_jars,
    free_port,
    load_config,
    start_pg_cluster,
    stop_pg_cluster,
)
from common.testing.infra import _log as log
from common.testing.infra import _pid_alive as pid_alive
from common.testing.infra import _port_open as port_open
from common.testing.infra import _run as run
from common.testing.infra import _spawn_detached as spawn_detached
from common.testing.infra import _tail as tail
from common.testing.infra import _wait_dead as wait_dead

DEBEZIUM_VERSION = "3.6.1.Final"
CONNECT_ARTIFACTS: tuple[tuple[str, str, str], ...] = (
    ("org.apache.kafka", "connect-runtime", KAFKA_VERSION),
    ("org.apache.kafka", "connect-json", KAFKA_VERSION),
    ("org.slf4j", "slf4j-reload4j", SLF4J_VERSION),
)
DEBEZIUM_ARTIFACTS: tuple[tuple[str, str, str], ...] = (
    ("io.debezium", "debezium-connector-postgres", DEBEZIUM_VERSION),
)
DEFAULT_LOGICAL_PG_PORT = 55442
LOGICAL_SETTINGS = {
    "wal_level": "logical",
    "max_replication_slots": "20",
    "max_wal_senders": "20",
}
SMT_SOURCE = Path(__file__).with_name("connect") / "CloudEventsBinary.java"
SMT_CLASS = "housing.connect.CloudEventsBinary"
CONNECT_READY_TIMEOUT_S = 180.0
# The producer settings of our relay's KafkaBus (idempotent, acks=all, linger 2 ms, 256 KiB
# batches), instead of Connect's defaults for source tasks (one request in flight, 16 KiB
# batches, linger 0), so that the two engines are compared on equal producers.
RELAY_PRODUCER = {
    "acks": "all",
    "enable.idempotence": "true",
    "max.in.flight.requests.per.connection": "5",
    "linger.ms": "2",
    "batch.size": str(256 * 1024),
}
_TRANSFORMATION_SPI = "org.apache.kafka.connect.transforms.Transformation"
_SMT_JAR_LAYOUT = "classes+service-manifest"  # part of the jar's name: a new layout rebuilds


@dataclass(frozen=True)
class ConnectPaths:
    home: Path  # <cache>/debezium-<version>

    @property
    def runtime(self) -> Path:
        """Kafka Connect's own classpath (the worker's ``-cp``)."""
        return self.home / "connect-lib"

    @property
    def plugins(self) -> Path:
        """``plugin.path``: one folder per plugin, each loaded in isolation."""
        return self.home / "plugins"

    @property
    def debezium(self) -> Path:
        return self.plugins / "debezium-connector-postgres"

    @property
    def smt(self) -> Path:
        return self.plugins / "housing-cloudevents"


def connect_paths() -> ConnectPaths:
    return ConnectPaths(load_config().cache_dir / f"debezium-{DEBEZIUM_VERSION}")


def ensure_connect_plugins() -> ConnectPaths:
    """Kafka Connect, Debezium's PostgreSQL connector and our transformation, ready to run."""
    paths = connect_paths()
    ensure_tool("java", "openjdk-17-jre-headless")
    fetch_maven_jars(
        paths.home,
        CONNECT_ARTIFACTS,
        lib=paths.runtime,
        what=f"the Kafka Connect {KAFKA_VERSION} runtime",
        required_prefix=f"connect-runtime-{KAFKA_VERSION}",
        name="kafka-connect-runtime",
        version=KAFKA_VERSION,
    )
    fetch_maven_jars(
        paths.home,
        DEBEZIUM_ARTIFACTS,
        lib=paths.debezium,
        what=f"Debezium {DEBEZIUM_VERSION}'s PostgreSQL connector",
        required_prefix="debezium-connect-plugins-",  # io.debezium.transforms.outbox.EventRouter
        name="debezium-connector-postgres",
        version=DEBEZIUM_VERSION,
        exclude_groups=("org.apache.kafka",),  # the worker's own Kafka classes are used
    )
    _compile_smt(paths)
    return paths


def _compile_smt(paths: ConnectPaths) -> Path:
    """``CloudEventsBinary.java`` compiled against the worker's jars, as a plugin jar named
    after the source's hash (a changed source is compiled again)."""
    source = SMT_SOURCE.read_bytes()
    digest = hashlib.sha256(source + _SMT_JAR_LAYOUT.encode()).hexdigest()[:12]
    jar = paths.smt / f"housing-cloudevents-{digest}.jar"
    if jar.is_file():
        return jar
    javac = ensure_tool("javac", "openjdk-17-jdk-headless")
    log(f"compiling {SMT_SOURCE.name}…")
    with tempfile.TemporaryDirectory() as scratch:
        classes = Path(scratch)
        classpath = f"{paths.runtime}/*"
        run(
            [
                javac,
                "--release",
                "17",
                "-nowarn",
                "-cp",
                classpath,
                "-d",
                str(classes),
                str(SMT_SOURCE),
            ]
        )
        shutil.rmtree(paths.smt, ignore_errors=True)
        paths.smt.mkdir(parents=True)
        partial = jar.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
            # plugin.discovery=service_load finds plugins through these manifests only
            archive.writestr(f"META-INF/services/{_TRANSFORMATION_SPI}", f"{SMT_CLASS}\n")
            for path in sorted(classes.rglob("*.class")):
                archive.write(path, path.relative_to(classes).as_posix())
        partial.rename(jar)
    return jar


# --------------------------------------------------------------------------- PostgreSQL


def logical_pg_port() -> int:
    return int(os.environ.get("HOUSING_TEST_LOGICAL_PG_PORT") or DEFAULT_LOGICAL_PG_PORT)


def logical_pg_datadir() -> Path:
    return load_config().cache_dir / "pg-logical"


def ensure_logical_postgres() -> str:
    """Admin DSN of our own PostgreSQL with ``wal_level=logical`` (started if needed)."""
    return start_pg_cluster(logical_pg_datadir(), logical_pg_port(), LOGICAL_SETTINGS)


def stop_logical_postgres() -> bool:
    return stop_pg_cluster(logical_pg_datadir())


@dataclass(frozen=True)
class SlotState:
    active: bool
    retained_bytes: int  # WAL the server keeps for the slot: current LSN − confirmed flush LSN


def slot_state(admin_dsn: str, slot: str) -> SlotState | None:
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        row = connection.execute(
            "SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), "
            "coalesce(confirmed_flush_lsn, restart_lsn))::bigint "
            "FROM pg_replication_slots WHERE slot_name = %s",
            (slot,),
        ).fetchone()
    return None if row is None else SlotState(bool(row[0]), int(row[1] or 0))


def drop_slot(admin_dsn: str, slot: str, publication: str, database: str) -> None:
    """Drop the connector's slot (waiting for its walsender to go) and its publication."""
    deadline = time.monotonic() + 30
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        while True:
            state = slot_state(admin_dsn, slot)
            if state is None:
                break
            if not state.active:
                with contextlib.suppress(psycopg.Error):
                    connection.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
                    break
            if time.monotonic() > deadline:
                raise InfraError(f"replication slot {slot} is still in use")
            time.sleep(0.2)
    dsn = psycopg.conninfo.make_conninfo(admin_dsn, dbname=database)
    with contextlib.suppress(psycopg.Error), psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(
            psycopg.sql.SQL("DROP PUBLICATION IF EXISTS {}").format(
                psycopg.sql.Identifier(publication)
            )
        )


# --------------------------------------------------------------------------- Connect


def outbox_connector(
    name: str,
    *,
    admin_dsn: str,
    database: str,
    kafka_prefix: str = "",
    poll_interval_ms: int = 10,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The configuration of a Debezium PostgreSQL connector that publishes ``database``'s
    outbox as our relay does: the outbox event router routes by the ``topic`` column (with the
    Kafka prefix, as :class:`~common.events.naming.KafkaNames` does), keys by ``key``, takes
    ``envelope`` as the payload; :data:`SMT_CLASS` maps that payload to CloudEvents headers and
    the ``data`` bytes. Only rows inserted after the slot exists are published
    (``snapshot.mode=no_data``). ``extra``: more connector settings (e.g. heartbeats)."""
    info = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    return {
        "name": name,
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "plugin.name": "pgoutput",
        "database.hostname": str(info.get("host") or "127.0.0.1"),
        "database.port": str(info.get("port") or 5432),
        "database.user": str(info.get("user") or PG_SUPERUSER),
        "database.password": str(info.get("password") or PG_PASSWORD),
        "database.dbname": database,
        "topic.prefix": name,  # names only Debezium's own topics (none are used here)
        "table.include.list": "public.outbox",
        "slot.name": slot_name(name),
        "publication.name": publication_name(name),
        "publication.autocreate.mode": "filtered",
        "snapshot.mode": "no_data",
        "tombstones.on.delete": "false",
        "poll.interval.ms": str(poll_interval_ms),
        "transforms": "outbox,cloudevents",
        "transforms.outbox.type": "io.debezium.transforms.outbox.EventRouter",
        "transforms.outbox.table.field.event.id": "event_id",
        "transforms.outbox.table.field.event.key": "key",
        "transforms.outbox.table.field.event.payload": "envelope",
        "transforms.outbox.route.by.field": "topic",
        "transforms.outbox.route.topic.replacement": f"{kafka_prefix}${{routedByValue}}",
        "transforms.outbox.table.expand.json.payload": "false",
        "transforms.cloudevents.type": SMT_CLASS,
        **(extra or {}),
    }


def slot_name(connector: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in connector.lower())[:60]


def publication_name(connector: str) -> str:
    return f"{slot_name(connector)}_pub"[:63]


def _properties(values: Mapping[str, str]) -> str:
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("\n", "\\n")

    lines = [f"{key}={escape(value)}" for key, value in values.items()]
    return "# written by common.testing.debezium\n" + "\n".join(lines) + "\n"


class ConnectWorker:
    """A ``connect-standalone`` worker running one connector, in its own folder (worker
    config, the file of source offsets, logs). Restarting it after :meth:`kill` resumes from
    the offsets it had flushed (every ``offset_flush_ms``) — and from the slot's position."""

    def __init__(
        self,
        workdir: Path,
        connector: Mapping[str, str],
        *,
        bootstrap: str,
        rest_port: int | None = None,
        offset_flush_ms: int = 1000,
        heap: str = "768m",
        producer: Mapping[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.connector = dict(connector)
        self.name = self.connector["name"]
        self.bootstrap = bootstrap
        self.rest_port = rest_port or free_port()
        self.offset_flush_ms = offset_flush_ms
        self.heap = heap
        self.producer = {**RELAY_PRODUCER, **(producer or {})}
        self.pid: int | None = None
        self.starts = 0

    @property
    def log_file(self) -> Path:
        return self.workdir / "connect.log"

    def _write_config(self, paths: ConnectPaths) -> tuple[Path, Path, Path]:
        self.workdir.mkdir(parents=True, exist_ok=True)
        worker = {
            "bootstrap.servers": self.bootstrap,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            "offset.storage.file.filename": str(self.workdir / "offsets.dat"),
            "offset.flush.interval.ms": str(self.offset_flush_ms),
            "plugin.path": str(paths.plugins),
            # ServiceLoader manifests instead of scanning every class of every jar (which
            # takes ~15 s of the worker's start on two cores)
            "plugin.discovery": "service_load",
            "listeners": f"http://127.0.0.1:{self.rest_port}",
            **{f"producer.{key}": value for key, value in self.producer.items()},
        }
        worker_file = self.workdir / "worker.properties"
        worker_file.write_text(_properties(worker))
        connector_file = self.workdir / "connector.properties"
        connector_file.write_text(_properties(self.connector))
        log4j = self.workdir / "log4j.properties"
        log4j.write_text(
            "log4j.rootLogger=INFO, file\n"
            "log4j.appender.file=org.apache.log4j.RollingFileAppender\n"
            f"log4j.appender.file.File={self.log_file}\n"
            "log4j.appender.file.MaxFileSize=20MB\n"
            "log4j.appender.file.MaxBackupIndex=1\n"
            "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            "log4j.logger.org.reflections=ERROR\n"
        )
        return worker_file, connector_file, log4j

    def start(self, *, wait: bool = True) -> None:
        paths = ensure_connect_plugins()
        worker_file, connector_file, log4j = self._write_config(paths)
        cmd = [
            "java",
            "-Xms256m",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{log4j}",
            "-cp",
            f"{paths.runtime}/*",
            "org.apache.kafka.connect.cli.ConnectStandalone",
            str(worker_file),
            str(connector_file),
        ]
        if port_open("127.0.0.1", self.rest_port):
            raise InfraError(f"port {self.rest_port} is taken: is another Connect worker running?")
        self.pid = spawn_detached(cmd, self.workdir / "connect.out")
        self.starts += 1
        if wait:
            try:
                self.wait_streaming()
            except BaseException:
                self.kill()
                raise

    def status(self) -> dict[str, Any] | None:
        url = f"http://127.0.0.1:{self.rest_port}/connectors/{self.name}/status"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body: dict[str, Any] = json.load(response)
                return body
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def wait_streaming(self, timeout: float = CONNECT_READY_TIMEOUT_S) -> None:
        """Until the connector's task runs and its replication slot is active: a row committed
        from then on is published."""
        deadline = time.monotonic() + timeout
        admin_dsn = _admin_dsn_of(self.connector)
        while True:
            if self.pid is None or not pid_alive(self.pid):
                raise InfraError(
                    f"the Connect worker exited during startup\n{tail(self.workdir / 'connect.out')}"
                    f"\n{tail(self.log_file)}"
                )
            status = self.status()
            tasks = (status or {}).get("tasks") or []
            if tasks and tasks[0].get("state") == "FAILED":
                raise InfraError(f"the connector's task failed: {tasks[0].get('trace', '')[:4000]}")
            if tasks and tasks[0].get("state") == "RUNNING":
                state = slot_state(admin_dsn, self.connector["slot.name"])
                if state is not None and state.active:
                    return
            if time.monotonic() > deadline:
                raise InfraError(
                    f"the connector did not stream within {timeout:.0f}s: {status}\n"
                    f"{tail(self.log_file)}"
                )
            time.sleep(0.25)

    def kill(self) -> None:
        """SIGKILL (a crash): no offsets flushed, no slot position confirmed on the way out."""
        self._signal(signal.SIGKILL, 0.0)

    def stop(self) -> None:
        """SIGTERM (the worker flushes its offsets), SIGKILL after 30 s."""
        self._signal(signal.SIGTERM, 30.0)

    def _signal(self, signum: int, grace: float) -> None:
        pid, self.pid = self.pid, None
        if pid is None or not pid_alive(pid):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
        if not wait_dead(pid, grace):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_dead(pid, 10.0)

    def errors(self) -> list[str]:
        """The ERROR lines of the worker's log (of this start and earlier ones)."""
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return []
        # Debezium's own CloudEventsConverter (not used: our records come from
        # CloudEventsBinary) cannot be instantiated without jars Debezium does not depend on;
        # the worker logs that at every start and goes on.
        return [
            line
            for line in lines
            if "] ERROR " in line and "Failed to discover Converter" not in line
        ]


def _admin_dsn_of(connector: Mapping[str, str]) -> str:
    return psycopg.conninfo.make_conninfo(
        host=connector["database.hostname"],
        port=connector["database.port"],
        user=connector["database.user"],
        password=connector["database.password"],
        dbname="postgres",
    )


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.testing.debezium", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help="fetch Connect and Debezium, compile the transformation")
    commands.add_parser("pg-up", help="start the wal_level=logical PostgreSQL; print its DSN")
    commands.add_parser("pg-down", help="stop it")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            print(ensure_connect_plugins().home)
        elif args.command == "pg-up":
            print(ensure_logical_postgres())
        else:
            print("stopped" if stop_logical_postgres() else "not running")
    except InfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
