"""Register benchmark 2: single lease submissions against a minimal FastAPI endpoint.

Two uvicorn processes on 127.0.0.1, each on its own fresh register database (same PostgreSQL
server), both holding the same synthetic organisations, departments, building sections and
dwellings (copied with ``COPY``, not timed):

* **register** – ``register.main:create_app``: ``POST /register/v1/leases`` with the lease's
  housing expenses (``Boligudgifter``), an ERP client's token; scope check, validation rules,
  history rows, a submissions row and the ``register.lease.created`` event in the outbox;
* **baseline** – :func:`baseline_app` below: one FastAPI route with the same bearer-token check
  (``bench.register_common.baseline_token_check``), taking the same JSON body as a plain
  ``dict`` and, with SQLAlchemy Core ``text()`` statements in one transaction, writing the same
  rows as the register: the dwelling's organisation read and checked against the token, the
  lease and its expenses each with its history row (one ``INSERT … RETURNING`` into
  ``record_versions`` per table), the submission row and one outbox row (plus ``NOTIFY
  outbox``, as ``write_outbox`` does). What it does not do is the register's rules (overlapping
  leases, vacancy flags, the rent statistics), its validation and its response model.

Both are driven by the same client (``bench.register_http``: pre-encoded requests over
keep-alive connections):

* **closed loop** – N connections each sending the next lease as soon as the previous answer
  arrived; throughput = answered requests ÷ seconds. Rounds come in pairs, one per side, the
  side that goes first alternating from pair to pair (baseline, register, register, baseline,
  …: neither side always runs on the heels of the other), each round from emptied lease,
  expense, history, submission and outbox tables (``TRUNCATE``; not analysed empty, see
  ``_reset``); the ratio is the median of the pairs' ratios, reported with their range and how
  many pairs met the goal — eight pairs of 8 s, since two of 15 s moved a run's median by
  ±0.05 on a quiet machine;
* **open loop** – request *i* is due at ``start + i / rate`` whatever happened to earlier ones
  (a free connection is taken, or a new one opened); latency = answer − due time, so queueing
  counts. At the goal's 200 and 500 requests/s, and, when the register cannot sustain 200, also
  at ~70% of its closed-loop throughput, where it can: the report says which rates each side
  sustained.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench import _stats
from bench._machine import cpu_seconds
from bench._setup import Infra
from bench.register_common import (
    BASELINE_KEY_ENV,
    SEED,
    SIDE_TABLES,
    BackendClock,
    Server,
    ServerClock,
    Tokens,
    analyze,
    baseline_token_check,
    bundle_items,
    copy_batches,
    count_rows,
    organisation_ids,
    register_database,
    register_server,
    truncate,
    uvicorn_server,
)
from bench.register_http import Connection, encode_post
from common.db.engine import libpq_dsn
from common.testing import infra as infrastructure
from register_synthetic import SyntheticRegister, iter_table_rows

GOAL_RATIO = 0.8
GOAL_RATES = (200.0, 500.0)  # open loop: p50/p99 at each
SUSTAINABLE_SHARE = 0.7  # of the closed-loop throughput: the lower open-loop rate
HOST = "127.0.0.1"
MAX_CONNECTIONS = 64  # of the open-loop client; more requests in flight wait for one
DRAIN = 3.0  # seconds the open-loop client waits for answers after the last request was due
REGISTER_PATH = "/register/v1/leases"
BASELINE_PATH = "/baseline/v1/leases"
BASELINE_DATABASE_ENV = "BENCH_BASELINE_DATABASE_URL"
LEASE_TABLES = ("housing_expenses", "leases", *SIDE_TABLES)
IDLE_QUIET = 0.5  # seconds without a busy session of the server before a round's TRUNCATE
IDLE_TIMEOUT = 120.0
_BUSY_SESSIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND state <> 'idle'"
)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Settings:
    dwellings: int  # pre-created; their leases (~1.1 per dwelling) are the requests
    rounds: int
    seconds: float  # per closed-loop round
    open_seconds: float  # per open-loop run
    connections: int = 8
    warmup: float = 1.0  # seconds discarded at the start of an open-loop run
    rates: tuple[float, ...] = GOAL_RATES


FULL = Settings(dwellings=10_000, rounds=8, seconds=8.0, open_seconds=12.0)
QUICK = Settings(dwellings=2_000, rounds=2, seconds=3.0, open_seconds=4.0)


@dataclass
class Closed:
    rate: float  # answered requests/s
    errors: int
    server_cpu_ms: float  # per request
    postgres_cpu_ms: float  # per request, the database's backends


@dataclass
class Open:
    target: float
    achieved: float
    latencies_ms: list[float]
    trend: tuple[float, float]  # p50 of the first and last quarter
    errors: int
    unanswered: int  # still outstanding DRAIN seconds after the last was due (abandoned)

    def p(self, q: float) -> float:
        return _stats.percentile(self.latencies_ms, q)

    @property
    def sustained(self) -> bool:
        """The rate was kept up: achieved (within 5 %), nothing left unanswered, and the median
        latency of the last quarter not above twice the first's (+ 5 ms): no queue building."""
        first, last = self.trend
        return (
            self.achieved >= 0.95 * self.target and self.unanswered == 0 and last <= 2 * first + 5.0
        )


@dataclass
class Side:
    closed: list[Closed] = field(default_factory=list)
    open: list[Open] = field(default_factory=list)

    @property
    def rates(self) -> list[float]:
        return [c.rate for c in self.closed]


@dataclass
class Result:
    settings: Settings
    leases: int = 0
    expenses_per_lease: float = 0.0
    baseline: Side = field(default_factory=Side)
    register: Side = field(default_factory=Side)

    @property
    def paired_ratios(self) -> list[float]:
        return [r / b for r, b in zip(self.register.rates, self.baseline.rates, strict=True)]

    @property
    def ratio(self) -> float:
        return _stats.median(self.paired_ratios)

    @property
    def meets_goal(self) -> bool:
        return self.ratio >= GOAL_RATIO

    @property
    def pairs_meeting_goal(self) -> int:
        return sum(ratio >= GOAL_RATIO for ratio in self.paired_ratios)


# --- the baseline service ---------------------------------------------------------------------

# Each record row and its first history row in one statement (the history row: the inserted
# row as JSON, without its time stamps), as a hand-written service would write them.
_HISTORY = (
    "INSERT INTO record_versions (entity_type, entity_id, version, organisation_id, data,"
    " recorded_by, submission_id)"
    " SELECT '{entity}', CAST(r.id AS TEXT), 1, :org, to_jsonb(r) - 'created_at' - 'updated_at',"
    " :by, :submission FROM r"
)
_INSERT_LEASE = text(
    "WITH r AS (INSERT INTO leases (id, dwelling_id, external_reference, start_date, end_date, "
    "allocation_type, vacancy_loss_flag, vacant_soon_flag, deposit, tenant_name, status, "
    "warnings, version) VALUES (:id, :dwelling_id, :external_reference, :start_date, :end_date, "
    ":allocation_type, :vacancy_loss_flag, :vacant_soon_flag, :deposit, :tenant_name, "
    "'accepted', '[]', 1) RETURNING *) " + _HISTORY.format(entity="lease")
)
_INSERT_EXPENSES = text(
    "WITH r AS (INSERT INTO housing_expenses (lease_id, expense_type, monthly_amount, "
    "valid_from, valid_to, version) SELECT :lease_id, v.expense_type, v.monthly_amount, "
    "v.valid_from, v.valid_to, 1 FROM jsonb_to_recordset(CAST(:expenses AS jsonb)) AS "
    "v(expense_type text, monthly_amount numeric, valid_from date, valid_to date) RETURNING *) "
    + _HISTORY.format(entity="housing_expense")
)
_DWELLING_OWNER = text(
    "SELECT dp.organisation_id FROM dwellings d JOIN departments dp ON dp.id = d.department_id"
    " WHERE d.id = :id"
)
_INSERT_SUBMISSION = text(
    "INSERT INTO submissions (id, kind, submitted_by, organisation_ids, accepted, rejected, held)"
    " VALUES (:submission, 'single', :by, CAST(:orgs AS jsonb), 1, 0, 0)"
)
_INSERT_OUTBOX = text(
    "INSERT INTO outbox (event_id, topic, key, event_type, envelope) "
    "VALUES (:event_id, 'register.lease', :key, 'register.lease.created', CAST(:envelope AS jsonb))"
)
_NOTIFY = text("NOTIFY outbox")
_SUBMITTER = "bench-baseline"


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _amount(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _lease_values(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": body["LejekontraktUnikIdentifikator"],
        "dwelling_id": body["BoligUnikIdentifikator"],
        "external_reference": body.get("EksternReference"),
        "start_date": _day(body["LejekontraktStartDato"]),
        "end_date": _day(body.get("LejekontraktSlutDato")),
        "allocation_type": body["AnvisningstypeKode"],
        "vacancy_loss_flag": body.get("LejekontraktTomgangsledigIndikator", False),
        "vacant_soon_flag": body.get("LejekontraktLedigIndikator", False),
        "deposit": _amount(body.get("Depositum")),
        "tenant_name": body.get("LejerNavn"),
    }


def _expenses_json(body: dict[str, Any]) -> str:
    return json.dumps(
        [
            {
                "expense_type": expense["BoligudgiftTypeKode"],
                "monthly_amount": expense["BoligudgiftBeloeb"],
                "valid_from": expense["BoligudgiftStartDato"],
                "valid_to": expense.get("BoligudgiftSlutDato"),
            }
            for expense in body.get("Boligudgifter", ())
        ]
    )


def _envelope(lease: dict[str, Any], body: dict[str, Any]) -> str:
    data = {
        "lease_id": lease["id"],
        "dwelling_id": lease["dwelling_id"],
        "start_date": body["LejekontraktStartDato"],
        "end_date": body.get("LejekontraktSlutDato"),
        "allocation_type": lease["allocation_type"],
        "monthly_rent": str(
            sum(Decimal(e["BoligudgiftBeloeb"]) for e in body.get("Boligudgifter", ()))
        ),
    }
    envelope = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/register",
        "type": "register.lease.created",
        "subject": lease["id"],
        "time": datetime.now(UTC).isoformat(),
        "data": data,
    }
    return json.dumps(envelope)


async def _store_lease(
    engine: AsyncEngine, body: dict[str, Any], orgs: list[str]
) -> dict[str, Any] | None:
    """The register's rows for one lease: the lease, its expenses, a history row for each,
    the submission and the outbox row — after checking that the caller's token covers the
    dwelling's organisation (None if not)."""
    lease = _lease_values(body)
    async with engine.begin() as connection:
        owner = (await connection.execute(_DWELLING_OWNER, {"id": lease["dwelling_id"]})).scalar()
        if owner not in orgs:
            return None
        stamp = {"org": owner, "by": _SUBMITTER, "submission": uuid.uuid4()}
        await connection.execute(_INSERT_LEASE, {**lease, **stamp})
        if body.get("Boligudgifter"):
            expenses = {"lease_id": lease["id"], "expenses": _expenses_json(body)}
            await connection.execute(_INSERT_EXPENSES, {**expenses, **stamp})
        await connection.execute(_INSERT_SUBMISSION, {**stamp, "orgs": json.dumps([owner])})
        await connection.execute(
            _INSERT_OUTBOX,
            {"event_id": uuid.uuid4(), "key": lease["id"], "envelope": _envelope(lease, body)},
        )
        await connection.execute(_NOTIFY)
    return lease


def baseline_app() -> FastAPI:
    """The minimal service: the same token check and the same rows as the register's lease
    POST — the lease, its expenses, their history rows, the submission and an outbox row —
    in raw SQL (uvicorn factory; the database URL comes from ``BENCH_BASELINE_DATABASE_URL``,
    the token's key from ``BENCH_BASELINE_PUBLIC_KEY``)."""
    engine = create_async_engine(os.environ[BASELINE_DATABASE_ENV], pool_size=5, max_overflow=5)
    organisations = baseline_token_check()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/baseline/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(BASELINE_PATH, status_code=201)
    async def create_lease(body: dict[str, Any], request: Request) -> JSONResponse:
        orgs = organisations(request, "erp_client")
        if orgs is None:
            return JSONResponse({"title": "Unauthorized"}, 401)
        lease = await _store_lease(engine, body, orgs)
        if lease is None:
            return JSONResponse({"title": "Forbidden"}, 403)
        return JSONResponse({"LejekontraktUnikIdentifikator": lease["id"], "version": 1}, 201)

    return app


def _baseline_server(url: str, tokens: Tokens) -> Any:
    env = {BASELINE_DATABASE_ENV: url, BASELINE_KEY_ENV: tokens.factory.public_pem}
    return uvicorn_server("bench.register_single:baseline_app", env, "/baseline/health")


# --- inputs -----------------------------------------------------------------------------------


def _copy_parents(url: str, dwellings: int) -> None:
    """Organisations, departments, building sections and dwellings; no leases."""
    parents = (
        (table, rows)
        for table, rows in iter_table_rows(SEED, dwellings)
        if table not in ("leases", "housing_expenses")
    )
    with psycopg.connect(libpq_dsn(url)) as connection:
        copy_batches(connection, parents)
    analyze(url)


def lease_bodies(dwellings: int) -> list[bytes]:
    """Every synthetic lease as a ``POST /leases`` body, expenses inside."""
    register = SyntheticRegister(SEED, dwellings)
    return [
        json.dumps(record).encode()
        for bundle in register.bundles()
        for entity, record in bundle_items(bundle)
        if entity == "lease"
    ]


# --- load generators --------------------------------------------------------------------------


class _Feed:
    """The requests of one round, each sent once."""

    def __init__(self, requests: list[bytes]) -> None:
        self.requests = requests
        self.next = 0

    def take(self) -> bytes | None:
        if self.next >= len(self.requests):
            return None
        self.next += 1
        return self.requests[self.next - 1]


def _postgres_clock(url: str) -> ServerClock | BackendClock:
    """The whole server's CPU where we know its postmaster (the sides' pools of 5 + 5 open and
    close backends under 8 connections: a per-backend clock would miss those), else the
    database's backends."""
    postmaster = infrastructure.postgres_pid()
    return BackendClock(url) if postmaster is None else ServerClock(postmaster)


async def closed_loop(target: _Target, settings: Settings) -> Closed:
    server = target.server
    feed = _Feed(target.requests)
    connections = [await Connection.open(HOST, server.port) for _ in range(settings.connections)]
    answered: list[int] = []
    backends = await asyncio.to_thread(_postgres_clock, target.url)
    cpu_before = cpu_seconds(server.pid)
    started = time.monotonic()
    deadline = started + settings.seconds

    async def worker(connection: Connection) -> None:
        while time.monotonic() < deadline and (request := feed.take()) is not None:
            answered.append((await connection.send(request)).status)

    await asyncio.gather(*(worker(c) for c in connections))
    seconds = time.monotonic() - started
    cpu = cpu_seconds(server.pid) - cpu_before
    postgres_cpu = await asyncio.to_thread(backends.elapsed)
    await asyncio.gather(*(c.close() for c in connections))
    errors = sum(status != 201 for status in answered)
    per_request = 1e3 / max(len(answered), 1)
    return Closed(len(answered) / seconds, errors, cpu * per_request, postgres_cpu * per_request)


class _Pool:
    """Keep-alive connections, opened on demand up to ``size``; beyond that, requests wait."""

    def __init__(self, port: int, size: int) -> None:
        self.port = port
        self.size = size
        self.opened: list[Connection] = []
        self.idle: asyncio.Queue[Connection] = asyncio.Queue()

    async def get(self) -> Connection:
        if self.idle.empty() and len(self.opened) < self.size:
            self.opened.append(await Connection.open(HOST, self.port))
            return self.opened[-1]
        return await self.idle.get()

    async def close(self) -> None:
        for connection in self.opened:
            connection.writer.close()


async def open_loop(server: Server, requests: list[bytes], rate: float, settings: Settings) -> Open:
    """Offer ``rate`` requests/s for ``open_seconds``; what is unanswered ``DRAIN`` seconds
    later is counted as such (the rate was not sustained) and abandoned."""
    pool = _Pool(server.port, MAX_CONNECTIONS)
    count = min(int(rate * settings.open_seconds), len(requests))
    start = time.monotonic() + 0.05
    done: list[tuple[float, float, int]] = []  # (due, latency s, status)

    async def one(i: int, due: float) -> None:
        connection = await pool.get()
        reply = await connection.send(requests[i])
        done.append((due, time.monotonic() - due, reply.status))
        pool.idle.put_nowait(connection)

    tasks = []
    for i in range(count):
        due = start + i / rate
        if (delay := due - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    _, pending = await asyncio.wait(tasks, timeout=DRAIN)
    finished = time.monotonic()
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    await pool.close()
    if pending:  # the server finishes what it had started before the next run begins
        await asyncio.sleep(DRAIN)
    return _open_result(rate, start, finished, done, settings.warmup, len(pending))


def _open_result(
    rate: float,
    start: float,
    finished: float,
    done: list[tuple[float, float, int]],
    warmup: float,
    unanswered: int,
) -> Open:
    kept = sorted((due, latency) for due, latency, _ in done if due >= start + warmup)
    latencies = [latency * 1e3 for _, latency in kept]
    quarter = max(len(latencies) // 4, 1)
    trend = (_stats.median(latencies[:quarter]), _stats.median(latencies[-quarter:]))
    errors = sum(status != 201 for _, _, status in done)
    return Open(rate, len(done) / (finished - start), latencies, trend, errors, unanswered)


# --- the benchmark ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    server: Server
    url: str
    requests: list[bytes]


def _reset(target: _Target) -> None:
    """Empty the lease tables for the next round, without analysing them empty: statistics of
    empty tables make every plan of the round a sequential scan until autovacuum analyses them
    again mid-round (5,000–46,000 scans of ``leases`` per round, measured in session 17) — a
    state a register in service, with its leases, is never in.

    Only once the server has finished the requests an open loop abandoned: a ``TRUNCATE`` of
    the tables while it still writes them deadlocks with its transactions (it locks the tables
    in another order than they do), which made the server answer 500s it never otherwise
    would."""
    _wait_until_idle(target.url)
    truncate(target.url, LEASE_TABLES)


def _wait_until_idle(url: str) -> None:
    """Until no other session of the database has been in a statement or a transaction for
    ``IDLE_QUIET`` seconds (the server's pool drained: requests waiting for a connection of it
    would have taken one)."""
    deadline = time.monotonic() + IDLE_TIMEOUT
    quiet_since = time.monotonic()
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        while time.monotonic() - quiet_since < IDLE_QUIET:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server still writes {url} after {IDLE_TIMEOUT:.0f} s")
            busy = connection.execute(_BUSY_SESSIONS).fetchone()
            if busy is not None and busy[0]:
                quiet_since = time.monotonic()
            time.sleep(0.05)


async def _closed_rounds(targets: dict[str, _Target], result: Result, progress: Progress) -> None:
    for number in range(1, result.settings.rounds + 1):
        order = ("baseline", "register") if number % 2 else ("register", "baseline")
        for name in order:
            target = targets[name]
            await asyncio.to_thread(_reset, target)
            closed = await closed_loop(target, result.settings)
            getattr(result, name).closed.append(closed)
            progress(f"register-single: round {number} {name}: {closed.rate:,.0f} requests/s")


async def _open_runs(targets: dict[str, _Target], result: Result, progress: Progress) -> None:
    settings = result.settings
    rates = list(settings.rates)
    sustainable = _stats.median(result.register.rates) * SUSTAINABLE_SHARE
    if sustainable < min(rates):
        rates.append(max(round(sustainable / 5) * 5, 5.0))
    for rate in rates:
        for name in ("baseline", "register"):
            target = targets[name]
            await asyncio.to_thread(_reset, target)
            run = await open_loop(target.server, target.requests, rate, settings)
            getattr(result, name).open.append(run)
            progress(
                f"register-single: open loop {name} at {rate:g}/s: achieved "
                f"{run.achieved:,.0f}/s, p50 {run.p(50):.1f} ms, p99 {run.p(99):.1f} ms"
            )


def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    result = Result(settings)
    bodies = lease_bodies(settings.dwellings)
    result.leases = len(bodies)
    result.expenses_per_lease = sum(b.count(b"BoligudgiftTypeKode") for b in bodies) / len(bodies)
    tokens = Tokens.new()
    token = tokens.writer(organisation_ids(settings.dwellings))
    with (
        register_database(infra, "single_register") as register_url,
        register_database(infra, "single_baseline") as baseline_url,
    ):
        for url in (register_url, baseline_url):
            _copy_parents(url, settings.dwellings)
        with (
            register_server(tokens, register_url) as register,
            _baseline_server(baseline_url, tokens) as baseline,
        ):
            targets = {
                "register": _Target(register, register_url, _encode(register, REGISTER_PATH, token, bodies)),
                "baseline": _Target(baseline, baseline_url, _encode(baseline, BASELINE_PATH, token, bodies)),
            }  # fmt: skip
            asyncio.run(_drive(targets, result, progress))
    return result


def _encode(server: Server, path: str, token: str, bodies: list[bytes]) -> list[bytes]:
    return [encode_post(f"{HOST}:{server.port}", path, token, body) for body in bodies]


async def _drive(targets: dict[str, _Target], result: Result, progress: Progress) -> None:
    await _warm_up(targets)
    await _closed_rounds(targets, result, progress)
    await _open_runs(targets, result, progress)


async def _warm_up(targets: dict[str, _Target]) -> None:
    """The same few requests per side (first requests pay imports and connection set-up), then
    a check that both sides wrote the same rows for them: the comparison is of like with like."""
    for target in targets.values():
        connection = await Connection.open(HOST, target.server.port)
        for request in target.requests[:20]:
            status = (await connection.send(request)).status
            if status != 201:
                raise RuntimeError(f"{target.server.base_url}: warm-up request answered {status}")
        await connection.close()
    # The outbox aside: for a lease with a vacancy flag the register also publishes the
    # dwelling's vacancy change (an event the baseline does not know of): one outbox row more.
    tables = [table for table in LEASE_TABLES if table != "outbox"]
    counts = {
        name: await asyncio.to_thread(count_rows, target.url, tables)
        for name, target in targets.items()
    }
    if counts["register"] != counts["baseline"]:
        raise RuntimeError(f"the sides wrote different rows for the same requests: {counts}")
