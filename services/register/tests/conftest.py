from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from common.testing.fixtures import ServiceClientFactory
from register.main import create_app
from register.settings import RegisterSettings

RegisterClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def register_client(service_client: ServiceClientFactory) -> RegisterClient:
    """``await register_client(**settings_overrides)`` → a client of the register service on its
    own freshly emptied test database (real PostgreSQL; events go to the outbox)."""

    async def open_client(**overrides: Any) -> httpx.AsyncClient:
        return await service_client(create_app, RegisterSettings, package="register", **overrides)

    return open_client


@pytest.fixture
def register_db_url(databases) -> str:
    """The register's migrated test database (SQLAlchemy URL), for direct SQL in tests."""
    return databases.url("register", "register")
