"""Grants benchmark: the fund's case list over 50,000 synthetic cases.

A fresh grants database (migrated to head) gets 50,000 cases by one ``INSERT … SELECT`` from
``generate_series`` (5,000 with ``--quick``): statuses, 98 municipalities, frame years
2019–2026, every 30th case with an overdue statement, one to three organisations each, created a
minute apart. Then, round after round, each page is read by:

* **the service**: the use case the route calls (``list_applications`` with the fund's scope:
  cursor decoding, the repository's keyset query through SQLAlchemy's ORM, ``page_of``) and the
  mapping of each row to the response item (age, 6-week flag) — everything but HTTP;
* **baseline**: the same page by a hand-written SQL query on the same driver, rows as tuples.

Pages: the first page (50 newest), a deep page (the 50 after case no. 40,000 in list order —
a keyset cursor, so no OFFSET scan), and the first page filtered by status and municipality.
Goals (issue 13): the service ≥ 0.8× the raw query's pages/s; the deep page ≤ 1.2× the first.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from sqlalchemy import text

from bench import _stats
from bench._setup import Infra, database_url
from common.access import Scope
from common.auth import Role
from common.db import migrations
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.paging import encode_cursor
from grants.api.deps import list_item
from grants.services.applications import CaseFilter, list_applications

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

RAW_SQL = text(
    "SELECT id, kind, title, status, organisation_ids, municipality_code, year, "
    "requested_amount, reserved_amount, committed_amount, created_at, sent_at, overdue, "
    "payments_stopped FROM applications "
    "WHERE (CAST(:status AS text) IS NULL OR status = :status) "
    "AND (CAST(:municipality AS text) IS NULL OR municipality_code = :municipality) "
    "AND (CAST(:after_at AS timestamptz) IS NULL OR (created_at, id) < (:after_at, :after_id)) "
    "ORDER BY created_at DESC, id DESC LIMIT :limit"
)


def _sql(dsn: str, statement: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn, autocommit=True) as connection:
        cursor = connection.execute(statement, params)  # type: ignore[arg-type]
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
        _sql(dsn, "ANALYZE applications")
        result.insert_seconds = time.perf_counter() - started
        progress(f"grants-case-list: {settings.cases:,} cases in {result.insert_seconds:.1f} s")
        deep_row = _sql(
            dsn,
            "SELECT created_at, id FROM applications ORDER BY created_at DESC, id DESC "
            "OFFSET %s LIMIT 1",
            min(DEEP, settings.cases - LIMIT - 1),
        )[0]
        deep_cursor = encode_cursor([deep_row[0].isoformat(), deep_row[1]])  # type: ignore[attr-defined]
        fund = Scope("bench-fund", Role.FUND, None, None)
        pages = {
            "first": (CaseFilter(), None, (None, None, None, None)),
            "deep": (CaseFilter(), deep_cursor, (None, None, deep_row[0], deep_row[1])),
            "filtered": (
                CaseFilter(status="sent", municipality_code="107"),
                None,
                ("sent", "107", None, None),
            ),
        }

        async def service(filters: CaseFilter, cursor: str | None) -> int:
            async with UnitOfWork(database) as uow:
                page = await list_applications(uow, fund, filters, cursor, LIMIT)
                items = [list_item(row) for row in page.rows]
            return len(items)

        async def raw(params: tuple[object, object, object, object]) -> int:
            status, municipality, after_at, after_id = params
            async with database.engine.connect() as connection:
                rows = (
                    await connection.execute(
                        RAW_SQL,
                        {
                            "status": status,
                            "municipality": municipality,
                            "after_at": after_at,
                            "after_id": after_id,
                            "limit": LIMIT + 1,
                        },
                    )
                ).all()
            return len(rows[:LIMIT])

        for page, (filters, cursor, params) in pages.items():
            assert await service(filters, cursor) == await raw(params)  # same page, warm-up
            result.timings[f"{page}/service"] = []
            result.timings[f"{page}/raw"] = []
        for _ in range(settings.rounds):
            for page, (filters, cursor, params) in pages.items():
                started = time.perf_counter()
                await service(filters, cursor)
                result.timings[f"{page}/service"].append(time.perf_counter() - started)
                started = time.perf_counter()
                await raw(params)
                result.timings[f"{page}/raw"].append(time.perf_counter() - started)
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
            f"| {raw / service:.2f}× |"
        )
    deep_ratio = t["deep/service"] / t["first/service"]
    return "\n".join(
        [
            f"{s.cases:,} synthetic cases, inserted and analysed in {result.insert_seconds:.1f} s. "
            f"Medians of {s.rounds} rounds; each page is read by the service (use case + "
            "response items, no HTTP) and by a raw SQL query of the same page, alternately.",
            "",
            "| page | service | raw SQL | service ÷ raw (pages/s) |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            f"Deep page ÷ first page (service): {deep_ratio:.2f}× (goal ≤ 1.2×). Goal for "
            "service ÷ raw: ≥ 0.8×.",
            "",
            recorded,
        ]
    )
