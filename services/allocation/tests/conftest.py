from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from allocation.main import create_app
from allocation.settings import AllocationSettings
from common.db.engine import Database
from common.testing.fixtures import ServiceClientFactory

AllocationClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def allocation_client(service_client: ServiceClientFactory) -> AllocationClient:
    """``await allocation_client()`` → a client of the allocation service on its own freshly
    emptied test database (real PostgreSQL; events go to the outbox)."""

    async def open_client(**overrides: Any) -> httpx.AsyncClient:
        return await service_client(
            create_app, AllocationSettings, package="allocation", **overrides
        )

    return open_client


@pytest.fixture
def allocation_db_url(databases) -> str:
    return databases.url("allocation", "allocation")


@pytest.fixture
async def allocation_db(allocation_db_url) -> AsyncIterator[Database]:
    database = Database(allocation_db_url, pool_size=4)
    yield database
    await database.dispose()
