"""Register benchmark 1: bulk load through the webservice against raw ``COPY``.

The synthetic register (``register_synthetic``, seed 1) at a documented scale is loaded, round
after round, two ways into two fresh register databases on the same PostgreSQL server:

* **COPY (baseline)** – ``iter_table_rows`` → psycopg ``cursor.copy()``: ``COPY table (columns)
  FROM STDIN`` per batch in foreign-key order, one connection, one transaction;
* **webservice** – a real uvicorn process serving ``register.main:create_app`` on 127.0.0.1,
  fed by one httpx client posting ``POST /register/v1/submissions`` of 5,000 records one after
  another (dependency order, Danish field names; each lease carries its housing expenses in
  ``Boligudgifter``, as the webservice requires), so HTTP, JSON parsing, validation, the
  set-based writes, history (``record_versions``) and the outbox are all in.

Both sides load the same rows (every record is one row of its table); rows/s = rows ÷ wall
time. Inputs are built before the clock starts (the COPY side's Python values, the webservice
side's encoded JSON bodies). Both databases first hold the whole register once (``COPY``, then
``ANALYZE``: not timed), so that the planner's statistics are those of a register of this size,
as in service; each round then starts from tables emptied without analysing them again
(``TRUNCATE``). Analysed empty, every plan of a round — the webservice's reads, and both sides'
foreign-key checks — was made for empty tables until autovacuum came by: measured at 40,000
dwellings, PostgreSQL CPU 24 → 12 µs/row for COPY and 107 → 38 for the webservice. Rounds
alternate COPY / webservice and the ratio is the median of paired rounds.

Where the webservice's time goes: CPU time of the server process and of the database's
PostgreSQL backends (``/proc/<pid>/stat``) and of this client process, per row.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

from bench import _stats
from bench._machine import cpu_seconds
from bench._setup import Infra
from bench.register_common import (
    RECORD_TABLES,
    SEED,
    SIDE_TABLES,
    BackendClock,
    Server,
    TableBatches,
    Tokens,
    analyze,
    copy_batches,
    count_rows,
    organisation_ids,
    register_database,
    register_server,
    truncate,
    wire_items,
)
from common.db.engine import libpq_dsn
from register_synthetic import iter_table_rows

GOAL_RATIO = 0.5
SUBMISSIONS = "/register/v1/submissions"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Settings:
    dwellings: int
    rounds: int
    records_per_submission: int = 5000  # the webservice's limit


# Since the set-based write path the webservice loads ~3,700-6,300 rows/s on the reference
# machine (it was ~170 rows/s, which had limited this benchmark to 4,000 dwellings): 40,000
# dwellings (~233,000 rows) take ~40-65 s per round; national scale (~3.7M rows) 10-17 min.
FULL = Settings(dwellings=40_000, rounds=2)
QUICK = Settings(dwellings=300, rounds=2)


@dataclass(frozen=True)
class Load:
    """One timed load: wall seconds and CPU seconds of the parties."""

    rows: int
    seconds: float
    client_cpu: float
    server_cpu: float  # the uvicorn process (0 for COPY)
    postgres_cpu: float  # the database's backends

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    def per_row_us(self, seconds: float) -> float:
        return seconds / self.rows * 1e6


@dataclass
class Result:
    settings: Settings
    rows: int = 0
    submissions: int = 0
    copy: list[Load] = field(default_factory=list)
    webservice: list[Load] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)  # of the last webservice round
    side_rows: dict[str, int] = field(default_factory=dict)  # history, submissions, outbox
    prepare_seconds: float = 0.0

    @property
    def paired_ratios(self) -> list[float]:
        pairs = zip(self.webservice, self.copy, strict=True)
        return [web.rate / base.rate for web, base in pairs]

    @property
    def ratio(self) -> float:
        return _stats.median(self.paired_ratios)

    @property
    def meets_goal(self) -> bool:
        return self.ratio >= GOAL_RATIO


# --- inputs -----------------------------------------------------------------------------------


def table_batches(dwellings: int) -> TableBatches:
    return list(iter_table_rows(SEED, dwellings))


def submission_bodies(dwellings: int, per_submission: int) -> list[bytes]:
    """The register as encoded ``{"records": [...]}`` bodies of ``per_submission`` records (a
    lease with its expenses inside is one record)."""
    items = ({"type": entity, "record": record} for entity, record in wire_items(dwellings))
    return [
        json.dumps({"records": list(chunk)}, ensure_ascii=False).encode()
        for chunk in _chunks(items, per_submission)
    ]


def _chunks(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


# --- the two loads ----------------------------------------------------------------------------


def _prime_statistics(url: str, batches: TableBatches) -> None:
    """The whole register in, analysed: the statistics every round plans with."""
    with psycopg.connect(libpq_dsn(url)) as connection:
        copy_batches(connection, batches)
        connection.commit()
    analyze(url)


def _reset(url: str) -> None:
    """Empty tables for a round, not analysed empty (see the module's docstring)."""
    truncate(url, (*RECORD_TABLES, *SIDE_TABLES))


def load_by_copy(url: str, batches: TableBatches) -> Load:
    _reset(url)
    with psycopg.connect(libpq_dsn(url)) as connection:
        backend = connection.info.backend_pid
        cpu_before, pg_before = time.process_time(), cpu_seconds(backend)
        started = time.perf_counter()
        rows = copy_batches(connection, batches)
        connection.commit()
        seconds = time.perf_counter() - started
        pg_cpu = cpu_seconds(backend) - pg_before
    return Load(rows, seconds, time.process_time() - cpu_before, 0.0, pg_cpu)


def load_by_webservice(
    client: httpx.Client, server: Server, url: str, bodies: list[bytes], outcomes: Counter[str]
) -> Load:
    _reset(url)
    backends = BackendClock(url)
    cpu_before, server_before = time.process_time(), cpu_seconds(server.pid)
    started = time.perf_counter()
    for body in bodies:
        _submit(client, body, outcomes)
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_before
    server_cpu = cpu_seconds(server.pid) - server_before
    rows = sum(count_rows(url, RECORD_TABLES).values())
    return Load(rows, seconds, client_cpu, server_cpu, backends.elapsed())


def _submit(client: httpx.Client, body: bytes, outcomes: Counter[str]) -> None:
    response = client.post(SUBMISSIONS, content=body)
    if response.status_code != 200:
        raise RuntimeError(f"submission answered {response.status_code}: {response.text[:500]}")
    report = response.json()
    for outcome in ("accepted", "held", "draft", "rejected"):
        outcomes[outcome] += report[outcome]


# --- the benchmark ----------------------------------------------------------------------------


def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    result = Result(settings)
    started = time.perf_counter()
    batches = table_batches(settings.dwellings)
    bodies = submission_bodies(settings.dwellings, settings.records_per_submission)
    result.prepare_seconds = time.perf_counter() - started
    result.rows = sum(len(rows) for _, rows in batches)
    result.submissions = len(bodies)
    progress(
        f"register-bulk: {result.rows:,} rows ({settings.dwellings:,} dwellings), "
        f"{len(bodies)} submissions, prepared in {result.prepare_seconds:.0f} s"
    )
    tokens = Tokens.new()
    token = tokens.writer(organisation_ids(settings.dwellings))
    with (
        register_database(infra, "copy") as copy_url,
        register_database(infra, "web") as web_url,
        register_server(tokens, web_url) as server,
        _client(server, token) as client,
    ):
        primed = time.perf_counter()
        for url in (copy_url, web_url):
            _prime_statistics(url, batches)
        progress(
            f"register-bulk: statistics of the whole register in {time.perf_counter() - primed:.0f} s"
        )
        _reset(web_url)
        _submit(client, bodies[0], Counter())  # warm-up (the tables are emptied before rounds)
        for number in range(1, settings.rounds + 1):
            result.copy.append(load_by_copy(copy_url, batches))
            outcomes: Counter[str] = Counter()
            result.webservice.append(load_by_webservice(client, server, web_url, bodies, outcomes))
            result.outcomes = outcomes
            _check_rows(result)
            progress(
                f"register-bulk: round {number}: COPY {result.copy[-1].rate:,.0f} rows/s, "
                f"webservice {result.webservice[-1].rate:,.0f} rows/s"
            )
        result.side_rows = count_rows(web_url, SIDE_TABLES)
    return result


def _client(server: Server, token: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=600.0)


def _check_rows(result: Result) -> None:
    """Both sides must have stored every row (a rejected record would flatter the webservice)."""
    loads = (result.copy[-1], result.webservice[-1])
    if any(load.rows != result.rows for load in loads):
        stored = ", ".join(f"{load.rows:,}" for load in loads)
        raise RuntimeError(f"expected {result.rows:,} rows on both sides, stored {stored}")
