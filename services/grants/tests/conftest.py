from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

import httpx
import pytest

from common.db.engine import Database
from common.testing.fixtures import ServiceClientFactory
from grants.main import create_app
from grants.settings import GrantsSettings

GrantsClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def grants_client(service_client: ServiceClientFactory) -> GrantsClient:
    """``await grants_client(**settings_overrides)`` → a client of the grants service on its own
    freshly emptied test database (real PostgreSQL; events go to the outbox); ``clock=`` gives
    the app a controlled clock for the days it computes when reading (default: UTC now)."""

    async def open_client(
        clock: Callable[[], datetime] | None = None, **overrides: Any
    ) -> httpx.AsyncClient:
        return await service_client(
            partial(create_app, clock=clock), GrantsSettings, package="grants", **overrides
        )

    return open_client


@pytest.fixture
def grants_db_url(databases) -> str:
    return databases.url("grants", "grants")


@pytest.fixture
async def grants_db(grants_db_url) -> AsyncIterator[Database]:
    database = Database(grants_db_url, pool_size=2)
    yield database
    await database.dispose()
