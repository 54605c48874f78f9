"""Register benchmark 3: a municipality's statistics on a national-scale register.

The synthetic register (``register_synthetic``, seed 1, 640,000 dwellings: the national stock;
20,000 with ``--quick``) is copied into a fresh register database with ``COPY`` and
``ANALYZE``d, and a uvicorn process serves ``register.main:create_app`` on it. Then, round
after round, each of these is timed once, one after the other, so a slow moment of the machine
hits all of them (wall time from sending the request to the last byte of the answer):

* **baseline**: ``SELECT count(*) FROM dwellings`` through psycopg on one open connection
  (a trivial query's round trip to the same PostgreSQL server);
* **baseline**: ``GET /register/health/live`` through the app (HTTP + the app's middleware);
* the statistics of municipality 101 (København) as of the register's snapshot date
  (2023-01-01; re-lettings of 2022): dwellings by type and rent band, re-lettings by allocation
  type, and the municipal data sheet as JSON and as XLSX — public endpoints, no token.

One untimed warm-up round first. Percentiles are over the rounds.
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
)
from common.db.engine import libpq_dsn
from register_synthetic import iter_table_rows

MUNICIPALITY = "101"
SNAPSHOT = "2023-01-01"  # 1 January after the synthetic register's re-letting year
YEAR = 2022
STATISTICS = "/register/v1/statistics"
BASELINE_SQL = "SELECT count(*) FROM dwellings"
Progress = Callable[[str], None]

# (name, path) of the requests timed through the app; the first is a baseline.
REQUESTS = (
    ("baseline: `GET /register/health/live`", "/register/health/live"),
    (
        "dwellings by type and rent band",
        f"{STATISTICS}/dwellings?municipality={MUNICIPALITY}&date={SNAPSHOT}",
    ),
    (
        f"re-lettings {YEAR} by allocation type",
        f"{STATISTICS}/re-lettings?year={YEAR}&municipality={MUNICIPALITY}",
    ),
    (
        "data sheet, JSON",
        f"{STATISTICS}/municipalities/{MUNICIPALITY}/data-sheet?date={SNAPSHOT}&year={YEAR}",
    ),
    (
        "data sheet, XLSX",
        f"{STATISTICS}/municipalities/{MUNICIPALITY}/data-sheet?date={SNAPSHOT}&year={YEAR}"
        "&format=xlsx",
    ),
)
SQL_BASELINE = f"baseline: `{BASELINE_SQL}` (psycopg)"


@dataclass(frozen=True)
class Settings:
    dwellings: int
    rounds: int


FULL = Settings(dwellings=640_000, rounds=20)
QUICK = Settings(dwellings=20_000, rounds=5)


@dataclass
class Timing:
    name: str
    path: str | None
    ms: list[float] = field(default_factory=list)
    size: int = 0  # bytes of the last answer

    def p(self, q: float) -> float:
        return _stats.percentile(self.ms, q)


@dataclass
class Result:
    settings: Settings
    rows: int = 0
    dwellings_in_municipality: int = 0
    load_seconds: float = 0.0
    database_bytes: int = 0
    timings: list[Timing] = field(default_factory=list)

    @property
    def sql_baseline(self) -> Timing:
        return self.timings[0]


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


def _facts(url: str) -> tuple[int, int]:
    with psycopg.connect(libpq_dsn(url)) as connection:
        size = connection.execute("SELECT pg_database_size(current_database())").fetchone()
        count = connection.execute(
            "SELECT count(*) FROM dwellings JOIN departments d ON d.id = department_id "
            "WHERE d.municipality_code = %s",
            (MUNICIPALITY,),
        ).fetchone()
    return (int(size[0]) if size else 0), (int(count[0]) if count else 0)


def _time_sql(connection: psycopg.Connection[tuple[int]], timing: Timing) -> None:
    started = time.perf_counter()
    connection.execute(BASELINE_SQL).fetchone()
    timing.ms.append((time.perf_counter() - started) * 1e3)


def _time_http(client: httpx.Client, timing: Timing) -> None:
    assert timing.path is not None
    started = time.perf_counter()
    response = client.get(timing.path)
    elapsed = (time.perf_counter() - started) * 1e3
    if response.status_code != 200:
        raise RuntimeError(f"{timing.path} answered {response.status_code}: {response.text[:300]}")
    timing.ms.append(elapsed)
    timing.size = len(response.content)


def _round(
    connection: psycopg.Connection[tuple[int]], client: httpx.Client, result: Result
) -> None:
    _time_sql(connection, result.timings[0])
    for timing in result.timings[1:]:
        _time_http(client, timing)


def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    result = Result(settings)
    with register_database(infra, "statistics") as url:
        result.rows, result.load_seconds = load(url, settings.dwellings, progress)
        result.database_bytes, result.dwellings_in_municipality = _facts(url)
        with (
            register_server(Tokens.new(), url) as server,
            httpx.Client(base_url=server.base_url, timeout=300.0) as client,
            psycopg.connect(libpq_dsn(url), autocommit=True) as connection,
        ):
            warm_up = Result(settings, timings=_timings())
            _round(connection, client, warm_up)
            result.timings = _timings()
            for _ in range(settings.rounds):
                _round(connection, client, result)
    return result


def _timings() -> list[Timing]:
    return [Timing(SQL_BASELINE, None), *(Timing(name, path) for name, path in REQUESTS)]
