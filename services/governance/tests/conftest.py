from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from common.db.engine import Database
from common.testing.fixtures import ServiceClientFactory
from governance.main import create_app
from governance.settings import GovernanceSettings

GovernanceClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def governance_client(service_client: ServiceClientFactory) -> GovernanceClient:
    """``await governance_client(**settings_overrides)`` → a client of the governance service on
    its own freshly emptied test database (real PostgreSQL; events go to the outbox)."""

    async def open_client(**overrides: Any) -> httpx.AsyncClient:
        return await service_client(
            create_app, GovernanceSettings, package="governance", **overrides
        )

    return open_client


@pytest.fixture
def governance_db_url(databases) -> str:
    return databases.url("governance", "governance")


@pytest.fixture
async def governance_db(governance_db_url) -> AsyncIterator[Database]:
    database = Database(governance_db_url, pool_size=2)
    yield database
    await database.dispose()
