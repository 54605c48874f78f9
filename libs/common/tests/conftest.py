from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from common.testing.example.app import ExampleSettings, create_app
from common.testing.fixtures import ServiceClientFactory

ExampleClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def example_client(service_client: ServiceClientFactory) -> ExampleClient:
    """``await example_client(**settings_overrides)`` → a client of the example service."""

    async def open_client(**overrides: Any) -> httpx.AsyncClient:
        return await service_client(
            create_app, ExampleSettings, package="common.testing.example", **overrides
        )

    return open_client


@pytest.fixture
async def example_db(databases):
    """The example service's migrated database, emptied, as a Database."""
    import asyncio

    from common.db.engine import Database
    from common.testing.fixtures import truncate_all_tables

    url = databases.url("common.testing.example", "example")
    await asyncio.to_thread(truncate_all_tables, url)
    database = Database(url)
    yield database
    await database.dispose()


@pytest.fixture
async def topic(infra):
    """A fresh topic of 3 partitions for this test alone."""
    import uuid

    from common.testing.kafka import create_topic

    name = f"witness.t{uuid.uuid4().hex[:10]}.v1"
    await create_topic(infra.kafka_bootstrap_servers, name)
    return name
