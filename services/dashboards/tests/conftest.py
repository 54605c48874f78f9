from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import httpx
import psycopg
import pytest

from common.db.engine import Database, libpq_dsn
from common.events.consumer import InboxProcessor, Outcome
from common.events.contracts import Contract, to_envelope
from common.events.envelope import Envelope
from common.testing.fixtures import ServiceClientFactory, truncate_all_tables
from dashboards.events.incoming import read_model_consumer
from dashboards.main import create_app
from dashboards.settings import DashboardsSettings

DashboardsClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def dashboards_db_url(databases) -> str:
    """The dashboards service's migrated test database (SQLAlchemy URL)."""
    return databases.url("dashboards", "dashboards")


@pytest.fixture
async def dashboards_db(dashboards_db_url) -> AsyncIterator[Database]:
    """The dashboards database, emptied, as a Database."""
    await asyncio.to_thread(truncate_all_tables, dashboards_db_url)
    database = Database(dashboards_db_url)
    yield database
    await database.dispose()


@pytest.fixture
def dashboards_client(service_client: ServiceClientFactory) -> DashboardsClient:
    """``await dashboards_client(**settings_overrides)`` → a client of the service on its
    freshly emptied database (open it before feeding events: opening it empties the tables)."""

    async def open_client(**overrides: Any) -> httpx.AsyncClient:
        client = await service_client(
            create_app, DashboardsSettings, package="dashboards", **overrides
        )
        return client

    return open_client


class Feed:
    """Applies events the way the worker does: through the inbox (duplicates skipped)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.processor = InboxProcessor(database, read_model_consumer("dashboards.test"))

    async def envelopes(self, envelopes: Iterable[Envelope]) -> list[Outcome]:
        return [await self.processor.apply(envelope) for envelope in envelopes]

    async def __call__(self, *events: Contract) -> list[Outcome]:
        return await self.envelopes(to_envelope(e) for e in events)


@pytest.fixture
def feed(dashboards_db) -> Feed:
    return Feed(dashboards_db)


def sql(db_url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_dsn(db_url), autocommit=True) as connection:
        cursor = connection.execute(statement, params or None)
        return cursor.fetchall() if cursor.description else []
