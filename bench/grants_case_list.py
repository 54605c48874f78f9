"""Grants benchmark: the fund's case list over 50,000 synthetic cases.

A fresh grants database (migrated to head) gets 50,000 cases by one ``INSERT … SELECT`` from
``generate_series`` (5,000 with ``--quick``): statuses, 98 municipalities, frame years
2019–2026, every 30th case with an overdue statement, one to three organisations each, created a
minute apart. Then, round after round, each page is read by two sides that take the same fund token and
return the same JSON body (checked before the clock runs):

* **the service**: what the route does but HTTP — the token verified by the service's
  ``TokenVerifier`` (which remembers a verified token until it expires), the caller's ``Scope``
  as the ``GrantsScope`` dependency builds it, the read-only unit of work, the use case
  ``list_applications`` (cursor decoding, the repository's one prepared statement,
  ``page_of``) and the route's body (``list_page_json``: age, 6-week flag, Danish status label,
  the ``Page[ApplicationListItem]`` JSON written straight from the rows);
* **baseline**: a hand-written path — the token checked with ``jwt.decode`` (remembered the same
  way), the same columns and visibility by one raw SQL statement on a pooled connection of the
  same engine, the same items built as dicts with the same domain functions, ``json.dumps``.

Both sides' process CPU time is measured per request, next to the wall time.

Pages: the first page (50 newest), a deep page (the 50 after case no. 40,000 in list order —
a keyset cursor, so no OFFSET scan), and the first page filtered by status and municipality.
Goals (issue 13): the service ≥ 0.8× the raw query's pages/s; the deep page ≤ 1.2× the first.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
from cryptography.hazmat.primitives import serialization
from pydantic import TypeAdapter

from bench import _stats
from bench._setup import Infra, baseline_claims, database_url
from common.access import Scope
from common.auth import Role, TokenVerifier
from common.calendar import danish_date
from common.db import migrations
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.paging import Page, encode_cursor
from common.testing.fixtures import TEST_AUDIENCE, TEST_ISSUER, TokenFactory
from grants.api.deps import list_item, list_page_json
from grants.api.schemas import ApplicationListItem
from grants.domain.deadlines import case_age_days, past_expected_processing
from grants.domain.lifecycle import AWAITING_FUND, Status
from grants.services.applications import CaseFilter, list_applications
from grants.services.roles import READER_ROLES

Progress = Callable[[str], None]
LIMIT = 50
DEEP = 40_000


@dataclass(frozen=True)
class Settings:
    cases: int
    rounds: int


FULL = Settings(cases=50_000, rounds=300)
QUICK = Settings(cases=5_000, rounds=60)


@dataclass
class Result:
    settings: Settings
    insert_seconds: float = 0.0
    timings: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)


def _amount(value: Decimal | None) -> str | None:
    """An amount as the API writes it (``common.money.DKK``: a string with øre)."""
    return None if value is None else f"{value:.2f}"


def _instant(value: datetime) -> str:
    """A timestamp as pydantic writes it in JSON (``Z`` for UTC)."""
    return value.isoformat().replace("+00:00", "Z")


SEED_SQL = """
INSERT INTO applications (id, kind, title, lead_organisation_id, organisation_ids,
  department_ids, municipality_code, year, status, version, budget, requested_amount,
  reserved_amount, payments_stopped, overdue, created_by, created_at, updated_at, sent_at)
SELECT 'app-' || lpad(i::text, 6, '0'),
  CASE WHEN i %% 7 = 0 THEN 'rent_support' ELSE 'social_effort' END,
  'Boligsocial indsats ' || i,
  'org-' || (i %% 500),
  CASE WHEN i %% 5 = 0 THEN ARRAY['org-' || (i %% 500), 'org-' || ((i + 1) %% 500)]
       ELSE ARRAY['org-' || (i %% 500)] END,
  ARRAY['dep-' || i],
  lpad((101 + (i %% 98) * 6)::text, 3, '0'),
  2019 + (i %% 8),
  (ARRAY['draft','sent','under_assessment','prequalified','rejected','plan_approved',
         'plan_sent','committed'])[1 + i %% 8],
  1, NULL, 1000000 + (i %% 100) * 25000, NULL, false, i %% 30 = 0, 'bench',
  timestamptz '2020-01-01 00:00+00' + make_interval(mins => i),
  timestamptz '2020-01-01 00:00+00' + make_interval(mins => i),
  CASE WHEN i %% 8 = 0 THEN NULL
       ELSE timestamptz '2020-01-01 00:00+00' + make_interval(mins => i) END
FROM generate_series(1, %s) AS i
"""

# The overdue cases' unreceived 2024 report (the list computes overdue from the statements).
OVERDUE_SQL = """
INSERT INTO statements (application_id, year, due_on)
SELECT id, 2024, date '2025-06-30' FROM applications WHERE overdue
"""

# The same columns and visibility as the service's statement, written for this list only
# (psycopg's placeholders: it runs on the pooled connection's driver, rows as plain tuples).
RAW_SQL = """
SELECT a.id, a.kind, a.title, a.status, a.organisation_ids, a.municipality_code, a.year,
    a.requested_amount, a.reserved_amount, a.committed_amount, a.created_at, a.sent_at,
    EXISTS (
        SELECT 1 FROM statements AS s
        WHERE s.application_id = a.id AND s.due_on < CURRENT_DATE
          AND (s.received_on IS NULL OR s.status_received_on IS NULL)
    ) AS overdue,
    a.payments_stopped
FROM applications AS a
WHERE (%(organisations)s::text[] IS NULL OR a.organisation_ids && %(organisations)s::text[])
  AND (%(scope_municipality)s::text IS NULL OR a.municipality_code = %(scope_municipality)s)
  AND (%(status)s::text IS NULL OR a.status = %(status)s)
  AND (%(municipality)s::text IS NULL OR a.municipality_code = %(municipality)s)
  AND (%(after_at)s::timestamptz IS NULL
       OR (a.created_at, a.id) < (%(after_at)s::timestamptz, %(after_id)s::text))
ORDER BY a.created_at DESC, a.id DESC
LIMIT %(limit)s
"""


def _sql(dsn: str, statement: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn, autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


async def _run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    name = f"bench_grants_{os.getpid()}"
    _sql(infra.admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _sql(infra.admin_dsn, f'CREATE DATABASE "{name}"')
    url = database_url(infra.admin_dsn, name)
    result = Result(settings)
    database = Database(url, pool_size=2)
    try:
        await asyncio.to_thread(migrations.upgrade, "grants", url)
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        started = time.perf_counter()
        _sql(dsn, SEED_SQL, settings.cases)
        _sql(dsn, OVERDUE_SQL)
        _sql(dsn, "ANALYZE applications")
        _sql(dsn, "ANALYZE statements")
        result.insert_seconds = time.perf_counter() - started
        progress(f"grants-case-list: {settings.cases:,} cases in {result.insert_seconds:.1f} s")
        deep_row = _sql(
            dsn,
            "SELECT created_at, id FROM applications ORDER BY created_at DESC, id DESC "
            "OFFSET %s LIMIT 1",
            min(DEEP, settings.cases - LIMIT - 1),
        )[0]
        deep_cursor = encode_cursor([deep_row[0].isoformat(), deep_row[1]])  # type: ignore[attr-defined]
        tokens = TokenFactory()
        token = tokens.token(Role.FUND, subject="bench-fund", ttl_seconds=3600)
        verifier = TokenVerifier(
            issuer=TEST_ISSUER,
            audience=TEST_AUDIENCE,
            algorithms=["ES256"],
            public_key=tokens.public_pem,
        )
        key = serialization.load_pem_public_key(tokens.public_pem.encode())
        baseline_tokens: dict[str, tuple[list[str] | None, str | None, float]] = {}
        page_json = TypeAdapter(Page[ApplicationListItem])
        scope_of_token = Scope.of(
            await verifier.verify(token), allowed=READER_ROLES, action="use grant cases"
        )
        # no transaction around the one statement, as the service's read-only unit of work
        autocommit = database.engine.execution_options(isolation_level="AUTOCOMMIT")
        pages = {
            "first": (CaseFilter(), None, (None, None, None, None)),
            "deep": (CaseFilter(), deep_cursor, (None, None, deep_row[0], deep_row[1])),
            "filtered": (
                CaseFilter(status="sent", municipality_code="107"),
                None,
                ("sent", "107", None, None),
            ),
        }

        async def service(filters: CaseFilter, cursor: str | None) -> bytes:
            principal = await verifier.verify(token)
            scope = Scope.of(principal, allowed=READER_ROLES, action="use grant cases")
            async with UnitOfWork(database, read_only=True) as uow:
                page = await list_applications(uow, scope, filters, cursor, LIMIT)
                await uow.commit()
            today = danish_date(datetime.now(UTC))
            return list_page_json(page.rows, page.next_cursor, today)

        async def validated(filters: CaseFilter, cursor: str | None) -> bytes:
            """The body as the validated items give it (the route's former way): the
            service's body must be these bytes."""
            async with UnitOfWork(database, read_only=True) as uow:
                page = await list_applications(uow, scope_of_token, filters, cursor, LIMIT)
                await uow.commit()
            today = danish_date(datetime.now(UTC))
            body: Page[ApplicationListItem] = Page(
                items=[list_item(a, today) for a in page.rows], next_cursor=page.next_cursor
            )
            return page_json.dump_json(body)

        def baseline_scope() -> tuple[list[str] | None, str | None]:
            remembered = baseline_tokens.get(token)
            if remembered is None or remembered[2] <= time.time():
                claims = baseline_claims(token, key)
                if claims.get("role") not in {r.value for r in READER_ROLES}:
                    raise PermissionError(claims.get("role"))
                organisations = None if claims["role"] == "fund" else claims.get("org_ids", [])
                remembered = (organisations, claims.get("municipality"), float(claims["exp"]))
                baseline_tokens[token] = remembered
            return remembered[0], remembered[1]

        async def raw(params: tuple[object, object, object, object]) -> bytes:
            organisations, scope_municipality = baseline_scope()
            status, municipality, after_at, after_id = params
            async with autocommit.connect() as connection:
                pooled = await connection.get_raw_connection()
                driver: psycopg.AsyncConnection[Any] = pooled.driver_connection  # type: ignore[assignment]
                cursor = await driver.execute(
                    RAW_SQL,
                    {
                        "organisations": organisations,
                        "scope_municipality": scope_municipality,
                        "status": status,
                        "municipality": municipality,
                        "after_at": after_at,
                        "after_id": after_id,
                        "limit": LIMIT + 1,
                    },
                )
                rows = await cursor.fetchall()
            today = danish_date(datetime.now(UTC))
            items = []
            for (
                id_,
                kind,
                title,
                status_value,
                organisation_ids,
                municipality_code,
                year,
                requested,
                reserved,
                committed,
                created_at,
                sent_at,
                overdue,
                payments_stopped,
            ) in rows[:LIMIT]:
                state = Status(status_value)
                sent_on = danish_date(sent_at) if sent_at else None
                items.append(
                    {
                        "id": id_,
                        "kind": kind,
                        "title": title,
                        "status": status_value,
                        "status_label": state.label,
                        "organisation_ids": organisation_ids,
                        "municipality_code": municipality_code,
                        "year": year,
                        "requested_amount": _amount(requested),
                        "reserved_amount": _amount(reserved),
                        "committed_amount": _amount(committed),
                        "created_at": _instant(created_at),
                        "sent_at": _instant(sent_at) if sent_at else None,
                        "age_days": case_age_days(sent_on, today),
                        "past_expected_processing": past_expected_processing(
                            sent_on, today, state in AWAITING_FUND
                        ),
                        "overdue": overdue,
                        "payments_stopped": payments_stopped,
                    }
                )
            last = rows[LIMIT - 1] if len(rows) > LIMIT else None
            next_cursor = encode_cursor([last[10].isoformat(), last[0]]) if last else None
            return json.dumps(
                {"items": items, "next_cursor": next_cursor}, separators=(",", ":")
            ).encode()

        for page, (filters, cursor, params) in pages.items():
            # warm-up, and the same JSON out on both sides
            service_bytes = await service(filters, cursor)
            if service_bytes != await validated(filters, cursor):
                raise RuntimeError(f"{page}: the body differs from the validated items' JSON")
            service_body = json.loads(service_bytes)
            raw_body = json.loads(await raw(params))
            if service_body != raw_body:
                raise RuntimeError(f"{page}: the two sides answer differently")
            if not service_body["items"]:
                raise RuntimeError(f"{page}: no items")
            for side in ("service", "raw"):
                result.timings[f"{page}/{side}"] = []
                result.cpu[f"{page}/{side}"] = []
        for _ in range(settings.rounds):
            for page, (filters, cursor, params) in pages.items():
                cpu, started = time.process_time(), time.perf_counter()
                await service(filters, cursor)
                result.timings[f"{page}/service"].append(time.perf_counter() - started)
                result.cpu[f"{page}/service"].append(time.process_time() - cpu)
                cpu, started = time.process_time(), time.perf_counter()
                await raw(params)
                result.timings[f"{page}/raw"].append(time.perf_counter() - started)
                result.cpu[f"{page}/raw"].append(time.process_time() - cpu)
    finally:
        await database.dispose()
        _sql(infra.admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return result


def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    return asyncio.run(_run(infra, settings, progress))


def report(result: Result, recorded: str) -> str:
    s = result.settings
    t = {k: _stats.median(v) for k, v in result.timings.items()}
    p99 = {k: _stats.percentile(v, 99) for k, v in result.timings.items()}
    cpu = {k: _stats.median(v) for k, v in result.cpu.items()}
    rows = []
    for page, label in (
        ("first", "first page (50 newest)"),
        ("deep", f"deep page (after case no. {min(DEEP, s.cases - LIMIT - 1):,}, keyset)"),
        ("filtered", "first page, status = sent and municipality 107"),
    ):
        service, raw = t[f"{page}/service"], t[f"{page}/raw"]
        rows.append(
            f"| {label} | {service * 1000:.2f} ms (p99 {p99[f'{page}/service'] * 1000:.2f}) "
            f"| {raw * 1000:.2f} ms (p99 {p99[f'{page}/raw'] * 1000:.2f}) "
            f"| {cpu[f'{page}/service'] * 1000:.2f} / {cpu[f'{page}/raw'] * 1000:.2f} ms "
            f"| {raw / service:.2f}× |"
        )
    deep_ratio = t["deep/service"] / t["first/service"]
    return "\n".join(
        [
            f"{s.cases:,} synthetic cases, inserted and analysed in {result.insert_seconds:.1f} s. "
            f"Medians of {s.rounds} rounds; each page is read by the service (token check, "
            "scope, read-only unit of work, use case, response items, JSON; no HTTP) and by a "
            "hand-written baseline (the same token check, raw SQL of the same columns and "
            "visibility, the same JSON, checked equal), alternately.",
            "",
            "| page | service | raw SQL | CPU per request (service / raw) "
            "| service ÷ raw (pages/s) |",
            "|---|---:|---:|---:|---:|",
            *rows,
            "",
            f"Deep page ÷ first page (service): {deep_ratio:.2f}× (goal ≤ 1.2×). Goal for "
            "service ÷ raw: ≥ 0.8×.",
            "",
            recorded,
        ]
    )
