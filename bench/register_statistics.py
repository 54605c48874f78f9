"""Register benchmark 3: a municipality's statistics on a national-scale register, from the
kept statistics cube (issue 17, goal 4) and from today's reference queries, side by side.

The synthetic register (``register_synthetic``, seed 1, 640,000 dwellings: the national stock;
20,000 with ``--quick``) is copied into a fresh register database with ``COPY`` and
``ANALYZE``d, and two uvicorn processes serve ``register.main:create_app`` on it: one as
deployed (``REGISTER_STATISTICS_CUBE`` true: the kept cube, ``register.db.statistics_cube``),
one with the cube switched off (every request runs the reference queries of
``register.db.queries_statistics``, as before the cube). Then, round after round, each of these
is timed once, one after the other, so a slow moment of the machine hits all of them (wall time
from sending the request to the last byte of the answer):

* **baseline**: ``SELECT count(*) FROM dwellings`` through psycopg on one open connection
  (a trivial query's round trip to the same PostgreSQL server);
* **baseline**: ``GET /register/health/live`` through the app (HTTP + the app's middleware);
* per statistic — national and municipality 101 (København) dwellings by type and rent band as
  of the register's snapshot date (2023-01-01), re-lettings of 2022 by allocation type, and
  the municipal data sheet of 101 as JSON and as XLSX (public endpoints, no token) — the
  reference server, the cube server, and the cube server again right after a lease of one of
  101's departments changed (``UPDATE`` through psycopg: the triggers log it, so that request
  computes the department again and, for the data sheet, renders the sheet again).

One warm-up round first, untimed except for the cube server's first request for each statistic
(it computes the kept rows of every department for the date or year: reported as "first
request"). Percentiles are over the rounds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import psycopg

from bench import _stats
from bench._setup import Infra
from bench.register_common import (
    SEED,
    Tokens,
    analyze,
    copy_batches,
    register_database,
    register_server,
    uvicorn_server,
)
from common.db.engine import libpq_dsn
from register_synthetic import iter_table_rows

MUNICIPALITY = "101"
SNAPSHOT = "2023-01-01"  # 1 January after the synthetic register's re-letting year
YEAR = 2022
STATISTICS = "/register/v1/statistics"
BASELINE_SQL = "SELECT count(*) FROM dwellings"
HEALTH = "/register/health/live"
Progress = Callable[[str], None]

SHEET = f"{STATISTICS}/municipalities/{MUNICIPALITY}/data-sheet?date={SNAPSHOT}&year={YEAR}"
# (name, path, the goal as a multiple of the count(*) baseline, or None)
REQUESTS: tuple[tuple[str, str, float | None], ...] = (
    ("national dwellings by type and rent band", f"{STATISTICS}/dwellings?date={SNAPSHOT}", 10),
    (
        f"dwellings by type and rent band, {MUNICIPALITY}",
        f"{STATISTICS}/dwellings?municipality={MUNICIPALITY}&date={SNAPSHOT}",
        10,
    ),
    (
        f"re-lettings {YEAR} by allocation type, {MUNICIPALITY}",
        f"{STATISTICS}/re-lettings?year={YEAR}&municipality={MUNICIPALITY}",
        None,
    ),
    (f"data sheet {MUNICIPALITY}, JSON", SHEET, 5),
    (f"data sheet {MUNICIPALITY}, XLSX", f"{SHEET}&format=xlsx", 5),
)
SQL_BASELINE = f"baseline: `{BASELINE_SQL}` (psycopg)"
HEALTH_BASELINE = f"baseline: `GET {HEALTH}`"
# A change to one of the municipality's departments: rewrites one lease (same values), which the
# triggers log like any write, so the department's kept rows no longer hold.
TOUCH_SQL = (
    "UPDATE leases SET vacant_soon_flag = vacant_soon_flag WHERE id = ("
    "SELECT l.id FROM leases l JOIN dwellings d ON d.id = l.dwelling_id "
    "JOIN departments dep ON dep.id = d.department_id "
    "WHERE dep.municipality_code = %s ORDER BY l.id LIMIT 1)"
)


@dataclass(frozen=True)
class Settings:
    dwellings: int
    rounds: int


FULL = Settings(dwellings=640_000, rounds=15)
QUICK = Settings(dwellings=20_000, rounds=5)


@dataclass
class Timing:
    name: str
    ms: list[float] = field(default_factory=list)
    size: int = 0  # bytes of the last answer

    def p(self, q: float) -> float:
        return _stats.percentile(self.ms, q)


@dataclass
class Statistic:
    """One statistic: today's reference queries, the cube, the cube right after a change."""

    name: str
    path: str
    goal: float | None
    reference: Timing = field(default_factory=lambda: Timing("reference"))
    cube: Timing = field(default_factory=lambda: Timing("cube"))
    after_change: Timing = field(default_factory=lambda: Timing("cube after a change"))
    first_ms: float = float("nan")  # the cube server's first request (computes the kept rows)


@dataclass
class Result:
    settings: Settings
    rows: int = 0
    dwellings_in_municipality: int = 0
    departments: int = 0
    load_seconds: float = 0.0
    database_bytes: int = 0
    sql_baseline: Timing = field(default_factory=lambda: Timing(SQL_BASELINE))
    health: Timing = field(default_factory=lambda: Timing(HEALTH_BASELINE))
    statistics: list[Statistic] = field(default_factory=list)


def load(url: str, dwellings: int, progress: Progress) -> tuple[int, float]:
    """Generate the register and COPY it in, then ANALYZE; (rows, seconds)."""
    started = time.perf_counter()
    with psycopg.connect(libpq_dsn(url)) as connection:
        rows = copy_batches(connection, iter_table_rows(SEED, dwellings))
        connection.commit()
    analyze(url)
    seconds = time.perf_counter() - started
    progress(f"register-statistics: {rows:,} rows generated and copied in {seconds:.0f} s")
    return rows, seconds


def _facts(url: str) -> tuple[int, int, int]:
    with psycopg.connect(libpq_dsn(url)) as connection:
        size = connection.execute("SELECT pg_database_size(current_database())").fetchone()
        count = connection.execute(
            "SELECT count(*) FROM dwellings JOIN departments d ON d.id = department_id "
            "WHERE d.municipality_code = %s",
            (MUNICIPALITY,),
        ).fetchone()
        departments = connection.execute("SELECT count(*) FROM departments").fetchone()
    return (
        int(size[0]) if size else 0,
        int(count[0]) if count else 0,
        int(departments[0]) if departments else 0,
    )


def _time_sql(connection: psycopg.Connection[tuple[int]], timing: Timing) -> None:
    started = time.perf_counter()
    connection.execute(BASELINE_SQL).fetchone()
    timing.ms.append((time.perf_counter() - started) * 1e3)


def _get(client: httpx.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1e3
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    return elapsed, len(response.content)


def _time_http(client: httpx.Client, path: str, timing: Timing) -> None:
    elapsed, timing.size = _get(client, path)
    timing.ms.append(elapsed)


def _round(
    connection: psycopg.Connection[tuple[int]],
    reference: httpx.Client,
    cube: httpx.Client,
    result: Result,
) -> None:
    _time_sql(connection, result.sql_baseline)
    _time_http(cube, HEALTH, result.health)
    for statistic in result.statistics:
        _time_http(reference, statistic.path, statistic.reference)
    for statistic in result.statistics:
        _time_http(cube, statistic.path, statistic.cube)
    for statistic in result.statistics:
        connection.execute(TOUCH_SQL, (MUNICIPALITY,))
        _time_http(cube, statistic.path, statistic.after_change)
    for statistic in result.statistics:  # untimed: every kept row and answer holds again
        _get(cube, statistic.path)


def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    result = Result(settings)
    with register_database(infra, "statistics") as url:
        result.rows, result.load_seconds = load(url, settings.dwellings, progress)
        tokens = Tokens.new()
        reference_env = {**tokens.environment(url), "REGISTER_STATISTICS_CUBE": "false"}
        with (
            register_server(tokens, url) as cube_server,
            uvicorn_server("register.main:create_app", reference_env, HEALTH) as reference_server,
            httpx.Client(base_url=cube_server.base_url, timeout=600.0) as cube,
            httpx.Client(base_url=reference_server.base_url, timeout=600.0) as reference,
            psycopg.connect(libpq_dsn(url), autocommit=True) as connection,
        ):
            result.statistics = [Statistic(name, path, goal) for name, path, goal in REQUESTS]
            for statistic in result.statistics:  # warm-up; the cube's first request is kept
                _get(reference, statistic.path)
                statistic.first_ms, _ = _get(cube, statistic.path)
                _get(cube, statistic.path)
            progress("register-statistics: warmed up; timing the rounds")
            for _ in range(settings.rounds):
                _round(connection, reference, cube, result)
            result.database_bytes, result.dwellings_in_municipality, result.departments = _facts(
                url
            )
    return result
