"""Legal-cases benchmark: the tribunal's work list over 100,000 synthetic cases, and a year of
national § 90 statistics.

A fresh legal-cases database (migrated) gets ``cases`` synthetic rent tribunal cases across the
98 municipalities' tribunals (three in ten in Copenhagen), each with a closed notification
deadline and one open deadline (reply, question or decision) due somewhere in 2026, two in three
decided (a decision row with an outcome), one in seven with an inspection held and one in eleven
appealed — written by ``INSERT … SELECT generate_series`` (not timed).

* **work list**: Copenhagen's first page (100 items) of open deadlines due by the end of the
  week, through the service's own use case (``views.work_list`` → ``CaseRepository.work_list``
  → rows → work items, keyset cursor) in its own transaction, against a **baseline**: the same
  page by one hand-written SQL statement on the same engine (``text()``, rows left as tuples).
  Goal: the use case at ≥ 0.8 × the raw query's rate. The page after the first (keyset cursor)
  is timed too.
* **§ 90 statistics**: the national figures of 2026 (``statistics.report`` with the fund's
  viewer: six grouped queries, every time to decision into Python, per-tribunal figures with
  suppression), p50 against a baseline ``SELECT count(*) FROM cases`` on the same engine.
  Goal: p50 < 1 s.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

import psycopg
from psycopg import sql as psql
from sqlalchemy import text

from bench import _stats
from bench._setup import Infra, database_url
from common.db import migrations
from common.db.engine import Database, libpq_dsn
from common.db.uow import UnitOfWork
from common.municipalities import MUNICIPALITIES
from legal_cases.db.repositories import CaseRepository, StatisticsRepository
from legal_cases.domain.access import Viewer
from legal_cases.services import statistics, views

Progress = Callable[[str], None]
TODAY = date(2026, 12, 9)  # a Wednesday: the week is 7-13 December
TRIBUNAL = Viewer("bench-nævn", "tribunal", tribunal_code="101")
FUND = Viewer("bench-gi", "fund")
PAGE = 100

SEED_SQL = (
    """
    INSERT INTO cases (id, tribunal_code, category, status, summary, owner_id, apartments,
                       filed_on, filed_by, filed_by_role, on_behalf_of_tenant, version)
    SELECT 'hln-b-' || lpad(g::text, 7, '0'),
           CASE WHEN g %% 10 < 3 THEN '101' ELSE (%(codes)s::text[])[1 + g %% %(n_codes)s] END,
           (ARRAY['rent_level','maintenance_defects','move_out_settlement','heating_accounts',
                  'operating_accounts','improvements','rent_act_132_2','rent_act_19_3',
                  'behaviour','other'])[1 + g %% 10],
           CASE WHEN g %% 3 = 0 THEN 'counterpart_notified' ELSE 'decided' END,
           'bench', 'owner-' || (g %% 5000), 1,
           date '2026-01-01' + (g %% 330), 'bench', 'party', false, 1
    FROM generate_series(1, %(cases)s) AS g
    """,
    """
    INSERT INTO case_deadlines (case_id, tribunal_code, kind, opened_on, base_due, due_on,
                                closed_on, outcome)
    SELECT id, tribunal_code, 'notify_counterpart', filed_on, filed_on + 7, filed_on + 7,
           filed_on + 3, 'met' FROM cases
    UNION ALL
    SELECT id, tribunal_code,
           (ARRAY['reply','question','decision'])[1 + abs(hashtext(id)) % 3],
           filed_on + 3, filed_on + 3 + abs(hashtext(id)) % 60,
           filed_on + 3 + abs(hashtext(id)) % 60, NULL, NULL FROM cases
    """,
    """
    INSERT INTO decisions (case_id, decided_on, outcome, unanimous, chair_decided_tie, reasons,
                           appeal_guidance, silence_read_in_favour, appeal_body, appeal_due,
                           bench, decided_by)
    SELECT id, filed_on + 20 + abs(hashtext(id)) % 40,
           (ARRAY['complainant_fully','complainant_partly','counterpart'])[1 + abs(hashtext(id)) % 3],
           true, false, 'r', 'g', false, 'housing_court', filed_on + 48, '[]'::jsonb, 'bench'
    FROM cases WHERE status = 'decided'
    """,
    """
    INSERT INTO case_hearings (id, case_id, kind, notice_on, scheduled_on, held_on)
    SELECT 'h-' || id, id, 'inspection', filed_on + 5, filed_on + 12, filed_on + 12
    FROM cases WHERE abs(hashtext(id)) % 7 = 0
    """,
    """
    INSERT INTO appeals (case_id, lodged_on, body, appellant_side, late_permission, recorded_by)
    SELECT c.id, d.decided_on + 10, 'housing_court', 'counterpart', false, 'bench'
    FROM cases c JOIN decisions d ON d.case_id = c.id WHERE abs(hashtext(c.id)) % 11 = 0
    """,
    "ANALYZE",
)

RAW_WORK_LIST = text(
    "SELECT d.id, d.kind, d.due_on, c.id AS case_id, c.status, c.category "
    "FROM case_deadlines d JOIN cases c ON c.id = d.case_id "
    "WHERE d.tribunal_code = :tribunal AND d.closed_on IS NULL AND d.due_on IS NOT NULL "
    "AND d.due_on <= :due_to ORDER BY d.due_on, d.id LIMIT :limit"
)


@dataclass(frozen=True)
class Settings:
    cases: int
    rounds: int


FULL = Settings(cases=100_000, rounds=30)
QUICK = Settings(cases=10_000, rounds=10)


@dataclass
class Result:
    settings: Settings
    open_deadlines_101: int = 0
    page_items: int = 0
    service: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    next_page: list[float] = field(default_factory=list)
    stats: list[float] = field(default_factory=list)
    count_star: list[float] = field(default_factory=list)
    decisions_2026: int = 0

    @property
    def ratio(self) -> float:
        """Rate of the use case over the rate of the raw query (higher is better)."""
        return _stats.median(self.raw) / _stats.median(self.service)


def _seed(url: str, cases: int) -> None:
    codes = sorted(MUNICIPALITIES)
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        first, *rest = SEED_SQL
        connection.execute(
            first,
            {"codes": codes, "n_codes": len(codes), "cases": cases},
        )
        for statement in rest:  # no parameters: '%' is the modulo operator
            connection.execute(statement)


def _drop(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(
            psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(name))
        )


async def _timed(call: Callable[[], Awaitable[object]]) -> tuple[float, object]:
    started = time.perf_counter()
    value = await call()
    return time.perf_counter() - started, value


async def _run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    name = f"bench_legal_cases_{os.getpid()}"
    url = database_url(infra.admin_dsn, name)
    await asyncio.to_thread(_drop, infra.admin_dsn, name)
    await asyncio.to_thread(migrations.upgrade, "legal_cases", url)
    result = Result(settings)
    database = Database(url, pool_size=2)
    try:
        progress(f"legal-cases-worklist: seeding {settings.cases:,} cases")
        await asyncio.to_thread(_seed, url, settings.cases)
        _, sunday = views.week_of(TODAY)

        async def service_page(cursor: str | None = None) -> object:
            async with UnitOfWork(database) as uow:
                return await views.work_list(
                    CaseRepository(uow.session), TRIBUNAL, window="due", kind=None,
                    cursor=cursor, limit=PAGE, today=TODAY,
                )  # fmt: skip

        async def raw_page() -> object:
            async with database.engine.connect() as connection:
                rows = await connection.execute(
                    RAW_WORK_LIST, {"tribunal": "101", "due_to": sunday, "limit": PAGE + 1}
                )
                return rows.all()

        async def national() -> object:
            async with UnitOfWork(database) as uow:
                return await statistics.report(
                    StatisticsRepository(uow.session), FUND, date(2026, 1, 1),
                    date(2026, 12, 31), None,
                )  # fmt: skip

        async def count_star() -> object:
            async with database.engine.connect() as connection:
                return (await connection.execute(text("SELECT count(*) FROM cases"))).scalar()

        for call in (service_page, raw_page, national, count_star):  # warm caches and pools
            await call()
        first = await service_page()
        result.page_items = len(first.rows)  # type: ignore[attr-defined]
        cursor = first.next_cursor  # type: ignore[attr-defined]
        async with database.engine.connect() as connection:
            result.open_deadlines_101 = (
                await connection.execute(
                    text(
                        "SELECT count(*) FROM case_deadlines WHERE tribunal_code = '101' "
                        "AND closed_on IS NULL"
                    )
                )
            ).scalar_one()
        progress(f"legal-cases-worklist: {settings.rounds} rounds")
        for _ in range(settings.rounds):
            # alternate the order so neither side always runs on a warmer cache
            result.raw.append((await _timed(raw_page))[0])
            result.service.append((await _timed(service_page))[0])
            result.next_page.append((await _timed(lambda: service_page(cursor)))[0])
        for _ in range(max(3, settings.rounds // 3)):
            seconds, report = await _timed(national)
            result.stats.append(seconds)
            result.count_star.append((await _timed(count_star))[0])
        result.decisions_2026 = report.overall.decisions or 0  # type: ignore[attr-defined]
    finally:
        await database.dispose()
        await asyncio.to_thread(_drop, infra.admin_dsn, name)
    return result


def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    return asyncio.run(_run(infra, settings, progress))


def _ms(values: list[float]) -> str:
    return f"{_stats.median(values) * 1000:,.1f} ms"


def report(result: Result, recorded: str) -> str:
    s = result.settings
    ratio = result.ratio
    stats_p50 = _stats.median(result.stats)
    rows = [
        (f"work list, first page ({result.page_items} items): the service's use case",
         _ms(result.service), _stats.spread(result.service)),
        ("baseline: the same page by one hand-written SQL statement", _ms(result.raw),
         _stats.spread(result.raw)),
        ("work list, next page (keyset cursor)", _ms(result.next_page),
         _stats.spread(result.next_page)),
        (f"§ 90 national statistics of 2026 ({result.decisions_2026:,} decisions)",
         _ms(result.stats), _stats.spread(result.stats)),
        ("baseline: `SELECT count(*) FROM cases`", _ms(result.count_star),
         _stats.spread(result.count_star)),
    ]  # fmt: skip
    table = "\n".join(
        ["| step | p50 | spread |", "|---|---:|---:|"]
        + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    )
    verdict = "**met**" if ratio >= 0.8 else "**missed**"
    stats_verdict = "**met**" if stats_p50 < 1 else "**missed**"
    return (
        f"{s.cases:,} synthetic cases; Copenhagen's tribunal has "
        f"{result.open_deadlines_101:,} open deadlines. Medians of {s.rounds} rounds.\n\n"
        f"{table}\n\n"
        f"Work list: the use case runs at {ratio:.2f}× the raw query's rate (goal ≥ 0.8×: "
        f"{verdict}). § 90 statistics p50 {stats_p50 * 1000:,.0f} ms (goal < 1 s: "
        f"{stats_verdict}), {stats_p50 / _stats.median(result.count_star):,.0f}× a "
        "`count(*)` of the cases.\n\n"
        f"{recorded}"
    )
