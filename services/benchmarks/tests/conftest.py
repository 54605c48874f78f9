from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import httpx
import psycopg
import pytest

from benchmarks.events.incoming import read_model_consumer
from benchmarks.main import create_app
from benchmarks.services.figures import recompute_dirty
from benchmarks.settings import BenchmarksSettings
from common.db.engine import Database, libpq_dsn
from common.events.consumer import InboxProcessor, Outcome
from common.events.contracts import Contract, to_envelope
from common.events.envelope import Envelope
from common.testing.fixtures import ServiceClientFactory, truncate_all_tables

BenchmarksClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def benchmarks_db_url(databases) -> str:
    """The benchmarks service's migrated test database (SQLAlchemy URL)."""
    return databases.url("benchmarks", "benchmarks")


@pytest.fixture
async def benchmarks_db(benchmarks_db_url) -> AsyncIterator[Database]:
    """The benchmarks database, emptied, as a Database."""
    await asyncio.to_thread(truncate_all_tables, benchmarks_db_url)
    database = Database(benchmarks_db_url)
    yield database
    await database.dispose()


@pytest.fixture
def benchmarks_client(service_client: ServiceClientFactory) -> BenchmarksClient:
    """``await benchmarks_client(**settings_overrides)`` → a client of the service on its
    freshly emptied database (use it before feeding events: opening it empties the tables)."""

    async def open_client(**overrides: Any) -> httpx.AsyncClient:
        return await service_client(
            create_app, BenchmarksSettings, package="benchmarks", **overrides
        )

    return open_client


class Feed:
    """Applies events the way the worker does: through the inbox (so duplicates are skipped),
    then recomputes the dirty departments as the recompute job does."""

    def __init__(self, database: Database, *, history_years: int = 5) -> None:
        self.database = database
        self.processor = InboxProcessor(database, read_model_consumer("benchmarks.test"))
        self.history_years = history_years

    async def envelopes(self, envelopes: Iterable[Envelope]) -> list[Outcome]:
        return [await self.processor.apply(envelope) for envelope in envelopes]

    async def __call__(self, *events: Contract | list[Any]) -> list[Outcome]:
        flat: list[Contract] = []
        for event in events:
            flat.extend(event if isinstance(event, list) else [event])
        outcomes = await self.envelopes(to_envelope(e) for e in flat)
        await self.recompute()
        return outcomes

    async def recompute(self) -> int:
        return await recompute_dirty(self.database, history_years=self.history_years, batch=100)


@pytest.fixture
def feed(benchmarks_db) -> Feed:
    return Feed(benchmarks_db)


def sql(db_url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_dsn(db_url), autocommit=True) as connection:
        cursor = connection.execute(statement, params or None)
        return cursor.fetchall() if cursor.description else []
