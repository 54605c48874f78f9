"""Register benchmark: the shared request stack on reads, against a minimal FastAPI service.

One register database holding the synthetic register (copied with ``COPY``, not timed), served by
two uvicorn processes side by side:

* **register** – ``register.main:create_app`` (the whole service kit: request ids, logging,
  metrics, tracing, body guard, idempotency, problem handlers, the token check, the scope
  dependency, the unit of work, the repository's query and the response model);
* **baseline** – :func:`baseline_app`: a bare FastAPI app whose routes check the same bearer
  token the same way (``jwt.decode``, ES256, issuer, audience, required claims, the role and the
  token's organisations) and run the same query with SQLAlchemy Core ``text()`` on an async
  engine, answering the same JSON (the benchmark checks that both answer byte-identical bodies
  before it measures).

Requests (pre-encoded, keep-alive, ``bench.register_http``), each a closed loop over a few
connections, rounds alternating between the sides; for each the answered requests/s and the
server process's CPU time per request (``/proc/<pid>/stat``), which a busy machine cannot
flatter:

* ``GET /…/leases/{id}`` – one lease by id (goal: ≤ 1 ms of server CPU and ≥ 0.8 × the baseline);
* ``GET /…/health/live`` against the bare app's health route (goal: ≤ 0.15 ms of server CPU);
* ``GET /…/leases?limit=100`` and ``GET /…/dwellings?limit=100`` (``REGISTER_LISTS``) – the first
  page, and the page 10,000 rows deep (its cursor got by paging there before the clock starts;
  hence 10,200 dwellings). Goals: first page ≥ 0.8 × the raw SQL page, the deep page ≤ 1.2 × the
  first page;
* the same two pages of the other services' main lists (``bench.service_lists``: governance's
  packages, notifications' deliveries), each service in its own process and database, against
  raw-SQL routes of the same baseline process, with the fund's token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench import _stats
from bench._machine import cpu_seconds
from bench._report import _table, _verdict
from bench._setup import Infra
from bench.register_common import (
    BASELINE_KEY_ENV,
    SEED,
    Server,
    Tokens,
    analyze,
    baseline_token_check,
    copy_batches,
    organisation_ids,
    register_database,
    register_server,
    uvicorn_server,
)
from bench.register_http import Connection
from bench.service_lists import CASES, ListCase
from common.db.engine import libpq_dsn
from register_synthetic import iter_table_rows

HOST = "127.0.0.1"
GOAL_CPU_MS = 1.0
GOAL_RATIO = 0.8
GOAL_HEALTH_CPU_MS = 0.15
GOAL_DEEP_RATIO = 1.2
PAGE = 100
DEEP = 10_000
BASELINE_DATABASE_ENV = "BENCH_BASELINE_DATABASE_URL"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Settings:
    dwellings: int
    rounds: int
    seconds: float  # per side and request kind and round
    connections: int = 4


# 10,200 dwellings: the dwelling list needs a page after its first 10,000 rows.
FULL = Settings(dwellings=10_200, rounds=3, seconds=6.0)
QUICK = Settings(dwellings=10_200, rounds=1, seconds=2.0)


@dataclass
class Round:
    rate: float  # answered requests/s
    cpu_ms: float  # server CPU per request


@dataclass
class Pair:
    """One kind of request on both sides."""

    name: str
    register: list[Round] = field(default_factory=list)
    baseline: list[Round] = field(default_factory=list)

    def cpu(self, side: str) -> float:
        return _stats.median([r.cpu_ms for r in getattr(self, side)])

    def rate(self, side: str) -> float:
        return _stats.median([r.rate for r in getattr(self, side)])

    @property
    def ratio(self) -> float:
        """Median of paired rounds' throughput ratios (register ÷ baseline)."""
        return _stats.median(
            [r.rate / b.rate for r, b in zip(self.register, self.baseline, strict=True)]
        )

    @property
    def cpu_ratio(self) -> float:
        """Baseline CPU per request ÷ the register's (≥ 0.8 means the goal by CPU)."""
        return self.cpu("baseline") / self.cpu("register")


@dataclass
class Result:
    settings: Settings
    leases: int = 0
    list_rows: dict[str, int] = field(default_factory=dict)  # the other lists' rows
    pairs: dict[str, Pair] = field(default_factory=dict)


# --- the baseline service ---------------------------------------------------------------------

_COLUMNS = (
    "l.id, l.dwelling_id, l.external_reference, l.start_date, l.end_date, l.allocation_type, "
    "l.vacancy_loss_flag, l.vacant_soon_flag, l.deposit, l.tenant_name, l.status, l.warnings, "
    "l.version, l.updated_at"
)
_FROM = (
    "FROM leases l JOIN dwellings d ON d.id = l.dwelling_id "
    "JOIN departments dp ON dp.id = d.department_id WHERE dp.organisation_id = ANY(:orgs)"
)
_ONE = text(f"SELECT {_COLUMNS} {_FROM} AND l.id = :id")
_FIRST = text(f"SELECT {_COLUMNS} {_FROM} ORDER BY l.id LIMIT :n")
_AFTER = text(f"SELECT {_COLUMNS} {_FROM} AND l.id > :after ORDER BY l.id LIMIT :n")


def _lease_json(row: Any) -> dict[str, Any]:
    deposit: Decimal | None = row.deposit
    return {
        "LejekontraktUnikIdentifikator": row.id,
        "BoligUnikIdentifikator": row.dwelling_id,
        "EksternReference": row.external_reference,
        "LejekontraktStartDato": row.start_date.isoformat(),
        "LejekontraktSlutDato": row.end_date.isoformat() if row.end_date else None,
        "AnvisningstypeKode": row.allocation_type,
        "LejekontraktTomgangsledigIndikator": row.vacancy_loss_flag,
        "LejekontraktLedigIndikator": row.vacant_soon_flag,
        "Depositum": None if deposit is None else f"{deposit:.2f}",
        "LejerNavn": row.tenant_name,
        "Status": row.status,
        "Advarsler": row.warnings,
        "version": row.version,
        "AendretTidspunkt": row.updated_at.isoformat().replace("+00:00", "Z"),
    }


_DWELLING_COLUMNS = (
    "w.id, w.department_id, w.building_section_id, w.bbr_unit_id, w.street, w.house_number, "
    "w.floor, w.door, w.postcode, w.city, w.rooms, w.area_m2, w.step_free_access, w.elevator, "
    "w.wheelchair_accessible, w.version, w.updated_at"
)
_DWELLINGS_FROM = (
    "FROM dwellings w JOIN departments dp ON dp.id = w.department_id "
    "WHERE dp.organisation_id = ANY(:orgs)"
)
_DWELLINGS_FIRST = text(f"SELECT {_DWELLING_COLUMNS} {_DWELLINGS_FROM} ORDER BY w.id LIMIT :n")
_DWELLINGS_AFTER = text(
    f"SELECT {_DWELLING_COLUMNS} {_DWELLINGS_FROM} AND w.id > :after ORDER BY w.id LIMIT :n"
)


def _dwelling_json(row: Any) -> dict[str, Any]:
    return {
        "BoligUnikIdentifikator": row.id,
        "AfdelingIdentifikator": row.department_id,
        "ByggeafsnitIdentifikator": row.building_section_id,
        "BBREnhedIdentifikator": row.bbr_unit_id,
        "Vejnavn": row.street,
        "Husnummer": row.house_number,
        "Etage": row.floor,
        "Doer": row.door,
        "Postnummer": row.postcode,
        "Bynavn": row.city,
        "BoligAntalRum": row.rooms,
        "BoligArealKvadratmeter": str(row.area_m2),
        "NiveaufriAdgangIndikator": row.step_free_access,
        "ElevatorIndikator": row.elevator,
        "KoerestolsegnetIndikator": row.wheelchair_accessible,
        "version": row.version,
        "AendretTidspunkt": row.updated_at.isoformat().replace("+00:00", "Z"),
    }


@dataclass(frozen=True)
class RegisterList:
    """One of the register's lists as the baseline serves it (the ERP client's organisations,
    keyset-paged on the record's id)."""

    name: str  # the path under /register/v1 and /baseline
    first: TextClause
    after: TextClause
    item: Callable[[Any], dict[str, Any]]


REGISTER_LISTS = (
    RegisterList("leases", _FIRST, _AFTER, _lease_json),
    RegisterList("dwellings", _DWELLINGS_FIRST, _DWELLINGS_AFTER, _dwelling_json),
)


def baseline_app() -> FastAPI:
    """The minimal service (uvicorn factory): the same token check, the same query in raw SQL,
    the same JSON."""
    engine = create_async_engine(os.environ[BASELINE_DATABASE_ENV], pool_size=5, max_overflow=5)
    organisations = baseline_token_check()

    engines = [engine]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for each in engines:
            await each.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/baseline/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/baseline/leases/{lease_id}")
    async def read_lease(lease_id: str, request: Request) -> Response:
        orgs = organisations(request, "erp_client")
        if orgs is None:
            return JSONResponse({"title": "Unauthorized"}, 401)
        async with engine.connect() as connection:
            row = (await connection.execute(_ONE, {"orgs": orgs, "id": lease_id})).one_or_none()
        if row is None:
            return JSONResponse({"title": "Not found"}, 404)
        return JSONResponse(_lease_json(row), headers={"ETag": f'W/"{row.version}"'})

    for listed in REGISTER_LISTS:
        _baseline_register_list(app, engine, listed, organisations)

    for case in CASES:
        if case.baseline_env in os.environ:
            engines.append(_baseline_list(app, case, organisations))
    return app


def _baseline_register_list(
    app: FastAPI,
    engine: AsyncEngine,
    listed: RegisterList,
    organisations: Callable[[Request, str], list[str] | None],
) -> None:
    @app.get(f"/baseline/{listed.name}")
    async def list_records(request: Request, limit: int = 100, cursor: str | None = None) -> Any:
        orgs = organisations(request, "erp_client")
        if orgs is None:
            return JSONResponse({"title": "Unauthorized"}, 401)
        params: dict[str, Any] = {"orgs": orgs, "n": limit + 1}
        async with engine.connect() as connection:
            if cursor is None:
                rows = (await connection.execute(listed.first, params)).all()
            else:
                rows = (await connection.execute(listed.after, {**params, "after": cursor})).all()
        more = len(rows) > limit
        items = [listed.item(row) for row in rows[:limit]]
        next_cursor = rows[limit - 1].id if more else None
        return JSONResponse({"items": items, "next_cursor": next_cursor})


def _baseline_list(
    app: FastAPI, case: ListCase, organisations: Callable[[Request, str], list[str] | None]
) -> AsyncEngine:
    """The raw-SQL route of another service's list, on that service's database (the same
    token check, for the fund's token, which names no organisations)."""
    engine = create_async_engine(os.environ[case.baseline_env], pool_size=5, max_overflow=5)

    @app.get(case.baseline_path)
    async def list_rows(request: Request, limit: int = 100, cursor: str | None = None) -> Any:
        if organisations(request, "fund") is None:
            return JSONResponse({"title": "Unauthorized"}, 401)
        async with engine.connect() as connection:
            if cursor is None:
                rows = (await connection.execute(case.first, {"n": limit + 1})).all()
            else:
                params = {**case.after_params(cursor), "n": limit + 1}
                rows = (await connection.execute(case.after, params)).all()
        more = len(rows) > limit
        items = [case.item(row) for row in rows[:limit]]
        next_cursor = case.cursor(rows[limit - 1]) if more else None
        return JSONResponse({"items": items, "next_cursor": next_cursor})

    return engine


def _baseline_server(url: str, tokens: Tokens, lists: dict[str, str] | None = None) -> Any:
    env = {BASELINE_DATABASE_ENV: url, BASELINE_KEY_ENV: tokens.factory.public_pem, **(lists or {})}
    return uvicorn_server("bench.register_read:baseline_app", env, "/baseline/health")


# --- requests ---------------------------------------------------------------------------------


def _get(port: int, path: str, token: str | None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{auth}\r\n".encode()


async def _fetch(port: int, request: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    body = await reader.readexactly(length)
    writer.close()
    await writer.wait_closed()
    return int(head[9:12]), body


async def _closed(server: Server, requests: list[bytes], settings: Settings) -> Round:
    connections = [await Connection.open(HOST, server.port) for _ in range(settings.connections)]
    answered = 0
    failed = 0
    cpu_before = cpu_seconds(server.pid)
    started = time.monotonic()
    deadline = started + settings.seconds

    async def worker(connection: Connection, offset: int) -> None:
        nonlocal answered, failed
        i = offset
        while time.monotonic() < deadline:
            status = (await connection.send(requests[i % len(requests)])).status
            answered += 1
            failed += status != 200
            i += settings.connections

    await asyncio.gather(*(worker(c, n) for n, c in enumerate(connections)))
    seconds = time.monotonic() - started
    cpu = cpu_seconds(server.pid) - cpu_before
    await asyncio.gather(*(c.close() for c in connections))
    if failed:
        raise RuntimeError(f"{server.base_url}: {failed} of {answered} requests failed")
    return Round(answered / seconds, cpu / max(answered, 1) * 1e3)


# --- the benchmark ----------------------------------------------------------------------------


def _load(url: str, dwellings: int) -> int:
    with psycopg.connect(libpq_dsn(url)) as connection:
        copy_batches(connection, iter_table_rows(SEED, dwellings))
        row = connection.execute("SELECT count(*) FROM leases").fetchone()
    analyze(url)
    return int(row[0]) if row else 0


async def _deep_cursor(port: int, path: str, token: str) -> str:
    """The cursor of the page ``DEEP`` rows in, found by paging there at the maximum size."""
    cursor: str | None = None
    seen = 0
    while seen < DEEP:
        query = f"?limit=500&cursor={cursor}" if cursor else "?limit=500"
        status, body = await _fetch(port, _get(port, path + query, token))
        if status != 200:
            raise RuntimeError(f"{path}: paging answered {status}: {body[:200]!r}")
        page = json.loads(body)
        seen += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            raise RuntimeError(f"{path}: fewer than {DEEP} rows to page through")
    assert cursor is not None
    return cursor


@dataclass(frozen=True)
class _List:
    """One list as a side serves it: the server, the route and the token it is read with."""

    server: Server
    path: str
    token: str


@dataclass(frozen=True)
class _Side:
    server: Server  # the lease and health requests
    prefix: str  # /register/v1 or /baseline
    health: str
    lists: dict[str, _List]  # "leases", and each ListCase's name


# request kind → the server it goes to and the requests (cycled through)
_Requests = dict[str, tuple[Server, list[bytes]]]


async def _requests(side: _Side, lease_ids: list[str], token: str) -> _Requests:
    port = side.server.port
    requests: _Requests = {
        "lease": (side.server, [_get(port, f"{side.prefix}/leases/{i}", token) for i in lease_ids]),
        "health": (side.server, [_get(port, side.health, None)]),
    }
    for name, listed in side.lists.items():
        deep = await _deep_cursor(listed.server.port, listed.path, listed.token)
        port = listed.server.port
        page = f"{listed.path}?limit={PAGE}"
        first = "first page" if name == "leases" else f"{name} first page"
        requests[first] = (listed.server, [_get(port, page, listed.token)])
        requests[_deep_kind(first)] = (
            listed.server,
            [_get(port, f"{page}&cursor={deep}", listed.token)],
        )
    return requests


def _deep_kind(first: str) -> str:
    return first.replace("first page", "deep page")


async def _same_answers(sides: dict[str, _Side], requests: dict[str, _Requests]) -> None:
    """Both sides answer the same lease and the same pages byte for byte (cursors aside)."""
    for kind in requests["register"]:
        if kind == "health":
            continue
        bodies = {}
        for name in sides:
            server, each = requests[name][kind]
            status, body = await _fetch(server.port, each[0])
            if status != 200:
                raise RuntimeError(f"{name} {kind}: answered {status}: {body[:200]!r}")
            parsed = json.loads(body)
            if isinstance(parsed, dict) and "next_cursor" in parsed:
                parsed["next_cursor"] = parsed["next_cursor"] is not None
            bodies[name] = parsed
        if bodies["register"] != bodies["baseline"]:
            raise RuntimeError(f"{kind}: the service and the baseline answer differently")


async def _drive(
    sides: dict[str, _Side], lease_ids: list[str], token: str, result: Result, progress: Progress
) -> None:
    requests = {name: await _requests(side, lease_ids, token) for name, side in sides.items()}
    await _same_answers(sides, requests)
    for name in sides:  # warm-up: imports, pools, statement caches
        for server, each in requests[name].values():
            await _closed(server, each, Settings(0, 1, 0.5, 2))
    for kind in requests["register"]:
        pair = result.pairs.setdefault(kind, Pair(kind))
        for number in range(1, result.settings.rounds + 1):
            for name in ("baseline", "register"):
                server, each = requests[name][kind]
                measured = await _closed(server, each, result.settings)
                getattr(pair, name).append(measured)
                progress(
                    f"register-read: {kind} round {number} {name}: {measured.rate:,.0f}/s, "
                    f"{measured.cpu_ms:.3f} ms CPU/request"
                )


def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    result = Result(settings)
    tokens = Tokens.new()
    token = tokens.writer(organisation_ids(settings.dwellings))
    fund = tokens.fund()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(register_database(infra, "read"))
        result.leases = _load(url, settings.dwellings)
        with psycopg.connect(libpq_dsn(url)) as connection:
            rows = connection.execute(
                "SELECT id FROM leases ORDER BY md5(id) LIMIT 1000"
            ).fetchall()
        lease_ids = [str(row[0]) for row in rows]
        urls = {}
        for case in CASES:
            urls[case.name] = stack.enter_context(register_database(infra, case.name, case.service))
            result.list_rows[case.name] = case.fill_database(urls[case.name])
        register = stack.enter_context(register_server(tokens, url))
        baseline_env = {case.baseline_env: urls[case.name] for case in CASES}
        baseline = stack.enter_context(_baseline_server(url, tokens, baseline_env))
        services = {
            case.name: stack.enter_context(
                uvicorn_server(
                    f"{case.service}.main:create_app",
                    tokens.environment(urls[case.name], case.env_prefix),
                    f"/{case.service}/health/live",
                )
            )
            for case in CASES
        }
        sides = {
            "register": _Side(
                register,
                "/register/v1",
                "/register/health/live",
                {
                    **{
                        r.name: _List(register, f"/register/v1/{r.name}", token)
                        for r in REGISTER_LISTS
                    },
                    **{c.name: _List(services[c.name], c.path, fund) for c in CASES},
                },
            ),
            "baseline": _Side(
                baseline,
                "/baseline",
                "/baseline/health",
                {
                    **{
                        r.name: _List(baseline, f"/baseline/{r.name}", token)
                        for r in REGISTER_LISTS
                    },
                    **{c.name: _List(baseline, c.baseline_path, fund) for c in CASES},
                },
            ),
        }
        asyncio.run(_drive(sides, lease_ids, token, result, progress))
    return result


# --- report -----------------------------------------------------------------------------------

_LABELS = {
    "lease": "`GET …/leases/{id}` (one lease, authenticated)",
    "health": "`GET …/health/live`",
    "first page": f"`GET …/leases?limit={PAGE}` first page",
    "deep page": f"`GET …/leases?limit={PAGE}` {DEEP:,} rows deep",
    "dwellings first page": f"`GET …/dwellings?limit={PAGE}` first page",
    "dwellings deep page": f"`GET …/dwellings?limit={PAGE}` {DEEP:,} rows deep",
    **{
        f"{case.name} {page}": f"`GET {case.path}?limit={PAGE}` "
        + ("first page" if page == "first page" else f"{DEEP:,} rows deep")
        for case in CASES
        for page in ("first page", "deep page")
    },
}


def _list_goals(pairs: dict[str, Pair], first_kind: str, what: str) -> list[str]:
    first, deep = pairs[first_kind], pairs[_deep_kind(first_kind)]
    deep_ratio = deep.cpu("register") / first.cpu("register")
    return [
        f"{what}: first page ≥ {GOAL_RATIO} × the raw SQL page: {first.ratio:.2f} by "
        f"throughput, {first.cpu_ratio:.2f} by CPU — {_verdict(first.ratio >= GOAL_RATIO)}",
        f"{what}: page {DEEP:,} rows deep ≤ {GOAL_DEEP_RATIO} × the first page (server CPU): "
        f"{deep_ratio:.2f} — {_verdict(deep_ratio <= GOAL_DEEP_RATIO)}",
    ]


def report(result: Result, recorded: str) -> str:
    s = result.settings
    rows = []
    for kind, pair in result.pairs.items():
        rows.append(
            (
                _LABELS[kind],
                f"{pair.rate('baseline'):,.0f}",
                f"{pair.cpu('baseline'):.3f}",
                f"{pair.rate('register'):,.0f}",
                f"{pair.cpu('register'):.3f}",
                f"**{pair.ratio:.2f}**",
                f"{pair.cpu_ratio:.2f}",
            )
        )
    header = (
        "request",
        "baseline /s",
        "baseline CPU ms/req",
        "service /s",
        "service CPU ms/req",
        "service / baseline (throughput, median of paired rounds)",
        "baseline CPU ÷ service CPU",
    )
    pairs = result.pairs
    lease, health = pairs["lease"], pairs["health"]
    goals = [
        f"one lease ≤ {GOAL_CPU_MS} ms server CPU: {lease.cpu('register'):.3f} ms — "
        f"{_verdict(lease.cpu('register') <= GOAL_CPU_MS)}",
        f"one lease ≥ {GOAL_RATIO} × baseline: {lease.ratio:.2f} by throughput, "
        f"{lease.cpu_ratio:.2f} by CPU — {_verdict(min(lease.ratio, lease.cpu_ratio) >= GOAL_RATIO)}",
        f"`/health/live` ≤ {GOAL_HEALTH_CPU_MS} ms server CPU: {health.cpu('register'):.3f} ms — "
        f"{_verdict(health.cpu('register') <= GOAL_HEALTH_CPU_MS)}",
        *_list_goals(pairs, "first page", "register leases"),
        *_list_goals(pairs, "dwellings first page", "register dwellings"),
    ]
    for case in CASES:
        goals += _list_goals(pairs, f"{case.name} first page", f"{case.service} {case.name}")
    summary = (
        f"Synthetic register, seed {SEED}, {s.dwellings:,} dwellings ({result.leases:,} leases), "
        f"one database served by both sides; an ERP client's token naming all its "
        f"organisations; closed loop over {s.connections} keep-alive connections, "
        f"{s.seconds:g} s × {s.rounds} rounds per side and request, alternating; the lease "
        f"requests cycle through 1,000 leases. "
        + "".join(
            f"{case.service.capitalize()}: {result.list_rows.get(case.name, 0):,} {case.name} "
            f"in its own database, read by the fund (the service in its own process, the "
            f"baseline's route in the baseline process). "
            for case in CASES
        )
        + "Both sides' answers were checked to be equal before the clock started."
    )
    goal_lines = "\n".join(f"- {line}" for line in goals)
    return f"{recorded}\n\n{summary}\n\n{_table(header, rows)}\n\n{goal_lines}"
