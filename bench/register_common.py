"""Shared set-up of the register benchmarks: register databases, COPY, the wire format of the
synthetic records, a uvicorn server in its own process, and CPU time of processes.

Every database here is a fresh ``bench_<pid>_<purpose>`` database migrated to the register
service's head by its own Alembic migrations (``common.db.migrations.upgrade``), dropped at the
end, on the same PostgreSQL server as everything else.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg
from cryptography.hazmat.primitives import serialization
from psycopg import sql
from starlette.requests import Request

from bench._machine import CLOCK_TICKS, cpu_seconds, proc_stat, total_cpu_seconds
from bench._setup import Infra, _drop_database, baseline_claims, database_url
from common.auth import Role
from common.db import migrations
from common.db.engine import libpq_dsn
from common.testing.fixtures import TEST_AUDIENCE, TEST_ISSUER, TokenFactory
from common.testing.infra import free_port
from register.api.schemas import RECORD_SCHEMAS
from register.domain.records import EntityType
from register_synthetic import (
    TABLE_COLUMNS,
    DepartmentBundle,
    HousingExpense,
    Lease,
    SyntheticRegister,
)

REGISTER_PACKAGE = "register"
REPO_ROOT = Path(__file__).resolve().parent.parent
SEED = 1
# Start-up (imports) on a machine shared with other test suites took over a minute (2026-12-06).
READY_TIMEOUT = 240.0

# Register tables in foreign-key order, plus what the webservice writes besides the records.
RECORD_TABLES = tuple(TABLE_COLUMNS)
SIDE_TABLES = ("record_versions", "submissions", "outbox")

Rows = list[tuple[Any, ...]]
TableBatches = list[tuple[str, Rows]]


# --- databases --------------------------------------------------------------------------------


@contextlib.contextmanager
def register_database(infra: Infra, purpose: str, package: str = REGISTER_PACKAGE) -> Iterator[str]:
    """A fresh database migrated to the head of ``package`` (the register's unless told);
    yields its SQLAlchemy URL."""
    name = f"bench_{os.getpid()}_{purpose}"
    url = database_url(infra.admin_dsn, name)
    _drop_database(infra.admin_dsn, name)  # a crashed run's leftover
    migrations.upgrade(package, url)
    try:
        yield url
    finally:
        _drop_database(infra.admin_dsn, name)


def truncate(url: str, tables: Iterable[str]) -> None:
    """Empty the tables (new, empty files: every round starts from the same state)."""
    names = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        connection.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(names))


def analyze(url: str) -> None:
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        connection.execute("ANALYZE")


def count_rows(url: str, tables: Iterable[str]) -> dict[str, int]:
    with psycopg.connect(libpq_dsn(url)) as connection:
        return {
            table: _scalar(connection, sql.SQL("SELECT count(*) FROM {}"), table)
            for table in tables
        }


def _scalar(connection: psycopg.Connection[Any], query: sql.SQL, table: str) -> int:
    row = connection.execute(query.format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0


def copy_batches(connection: psycopg.Connection[Any], batches: Iterable[tuple[str, Rows]]) -> int:
    """``COPY table (columns) FROM STDIN`` per batch, in the order given; returns rows copied."""
    copied = 0
    with connection.cursor() as cursor:
        for table, rows in batches:
            columns = sql.SQL(", ").join(sql.Identifier(c) for c in TABLE_COLUMNS[table])
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), columns)
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            copied += len(rows)
    return copied


def backend_pids(url: str) -> list[int]:
    """Process ids of the PostgreSQL backends connected to the database of ``url``."""
    with psycopg.connect(libpq_dsn(url)) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(row[0]) for row in rows]


# --- CPU time of processes --------------------------------------------------------------------


class BackendClock:
    """CPU time of the database's backends since construction (pooled connections persist
    across requests; backends that appear meanwhile count from zero)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.before = {pid: cpu_seconds(pid) for pid in backend_pids(url)}

    def elapsed(self) -> float:
        now = {pid: cpu_seconds(pid) for pid in backend_pids(self.url)}
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in now.items())


class ServerClock:
    """CPU time of the whole PostgreSQL server since construction: its live processes plus
    what the postmaster has reaped of its exited ones (``cutime + cstime``), so backends that
    a connection pool opened and closed meanwhile count too — a per-backend clock misses
    them. It counts every database of the server: meaningful while only the benchmark's
    measured side uses it."""

    def __init__(self, postmaster: int) -> None:
        self.postmaster = postmaster
        self.before = self._total()

    def _total(self) -> float:
        own = proc_stat(self.postmaster)
        reaped = (int(own[13]) + int(own[14])) / CLOCK_TICKS if own else 0.0
        children = [
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit()
            and (fields := proc_stat(int(entry.name)))
            and int(fields[1]) == self.postmaster
        ]
        return reaped + cpu_seconds(self.postmaster) + total_cpu_seconds(children)

    def elapsed(self) -> float:
        return self._total() - self.before


# --- the wire format of synthetic records -----------------------------------------------------


def _aliases(entity: EntityType) -> dict[str, str]:
    fields = RECORD_SCHEMAS[entity].model_fields
    return {name: f.alias for name, f in fields.items() if f.alias is not None}


_ALIASES = {entity.value: _aliases(entity) for entity in EntityType}
LEASE_ID = _ALIASES[EntityType.HOUSING_EXPENSE.value]["lease_id"]


def _wire_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def wire_record(entity: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A synthetic record (English column names) as the webservice takes it (Danish aliases).
    Server-side columns (version, region, status, warnings) and empty values are left out."""
    aliases = _ALIASES[entity]
    return {
        aliases[name]: _wire_value(value)
        for name, value in row.items()
        if name in aliases and value is not None
    }


def wire_lease(lease: Lease, expenses: Iterable[HousingExpense]) -> dict[str, Any]:
    """A lease with its housing expenses (``Boligudgifter``), as the webservice needs it: a
    lease without a rent-forming expense valid on its start date is rejected."""
    record = wire_record(lease.ENTITY, lease.as_row())
    record["Boligudgifter"] = [_wire_expense(expense) for expense in expenses]
    return record


def _wire_expense(expense: HousingExpense) -> dict[str, Any]:
    record = wire_record(expense.ENTITY, expense.as_row())
    del record[LEASE_ID]
    return record


def bundle_items(bundle: DepartmentBundle) -> Iterator[tuple[str, dict[str, Any]]]:
    """A department's records on the wire: department, sections, dwellings, then each lease
    with its expenses inside."""
    for record in (bundle.department, *bundle.sections, *bundle.dwellings):
        yield record.ENTITY, wire_record(record.ENTITY, record.as_row())
    expenses: dict[str, list[HousingExpense]] = {}
    for expense in bundle.expenses:
        expenses.setdefault(expense.lease_id, []).append(expense)
    for lease in bundle.leases:
        yield lease.ENTITY, wire_lease(lease, expenses.get(lease.id, ()))


def wire_items(dwellings: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """The whole synthetic register on the wire, in dependency order."""
    register = SyntheticRegister(SEED, dwellings)
    for organisation in register.organisations:
        yield organisation.ENTITY, wire_record(organisation.ENTITY, organisation.as_row())
    for bundle in register.bundles():
        yield from bundle_items(bundle)


def organisation_ids(dwellings: int) -> list[str]:
    return [org.id for org in SyntheticRegister(SEED, dwellings).organisations]


# --- the server process -----------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """Signing key of the run: the servers trust it through their environment."""

    factory: TokenFactory

    @classmethod
    def new(cls) -> Tokens:
        return cls(TokenFactory())

    def writer(self, orgs: Iterable[str]) -> str:
        """An ERP client's token acting for ``orgs`` (valid for an hour)."""
        return self.factory.token(Role.ERP_CLIENT, orgs=orgs, ttl_seconds=3600)

    def fund(self) -> str:
        """The fund's token (it sees every organisation's data), valid for an hour."""
        return self.factory.token(Role.FUND, ttl_seconds=3600)

    def environment(self, database: str, prefix: str = "REGISTER_") -> dict[str, str]:
        return {
            "HOUSING_ENV": "test",
            f"{prefix}DATABASE_URL": database,
            "HOUSING_JWT_PUBLIC_KEY": self.factory.public_pem,
            "HOUSING_JWT_ISSUER": TEST_ISSUER,
            "HOUSING_JWT_AUDIENCE": TEST_AUDIENCE,
            "HOUSING_LOG_LEVEL": "WARNING",
        }


BASELINE_KEY_ENV = "BENCH_BASELINE_PUBLIC_KEY"


def baseline_token_check() -> Callable[[Request, str], list[str] | None]:
    """The baselines' bearer-token check, as strict as the kit's: ES256 against the run's key
    (from ``BENCH_BASELINE_PUBLIC_KEY``), issuer, audience, required claims and the role. Gives
    the token's organisations, or None for a token to refuse."""
    key = serialization.load_pem_public_key(os.environ[BASELINE_KEY_ENV].encode())

    def organisations(request: Request, role: str) -> list[str] | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        try:
            claims = baseline_claims(token, key)
        except jwt.InvalidTokenError:
            return None
        if claims.get("role") != role:
            return None
        return sorted(claims.get("org_ids", []))

    return organisations


@dataclass(frozen=True)
class Server:
    pid: int
    base_url: str
    port: int


def _clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without service settings (no Kafka: in-process bus), plus
    ``extra``."""
    prefixes = ("HOUSING_", "REGISTER_", "GOVERNANCE_", "NOTIFICATIONS_", "BENCH_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, **extra}


@contextlib.contextmanager
def uvicorn_server(factory: str, env: Mapping[str, str], ready_path: str) -> Iterator[Server]:
    """``uvicorn <factory> --factory`` on a free port of 127.0.0.1, in its own process (one
    worker, uvloop + httptools when installed, no access log); stopped at the end."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", factory, "--factory",
        "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=_clean_environment(env))
    server = Server(process.pid, f"http://127.0.0.1:{port}", port)
    try:
        _wait_ready(process, server.base_url + ready_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it was ready")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {READY_TIMEOUT:.0f} s")


def register_server(tokens: Tokens, database: str) -> contextlib.AbstractContextManager[Server]:
    """The register service (``register.main:create_app``) on ``database``."""
    return uvicorn_server(
        "register.main:create_app", tokens.environment(database), "/register/health/live"
    )
