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
