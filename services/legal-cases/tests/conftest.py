import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from common.db.engine import Database
from common.testing.fixtures import service_settings, truncate_all_tables
from common.testing.smtp import smtp_sink  # noqa: F401 - a real SMTP server (the fixture)
from legal_cases.main import create_app
from legal_cases.settings import LegalCasesSettings


class Clock:
    """A controlled clock: ``clock.today = date(...)`` moves legal time (09:00 in Denmark)."""

    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> datetime:
        return datetime(self.today.year, self.today.month, self.today.day, 8, 0, tzinfo=UTC)


LegalClient = Callable[..., Awaitable[httpx.AsyncClient]]

# Test data, not Statistics Denmark's figures: the July–June averages to June 2025 and 2026 that
# 2026's and 2027's fees need; a deployment sets them with LEGAL_CASES_NET_PRICE_INDEX.
TEST_INDEX = {2025: "120.9", 2026: "122.6"}


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2026, 11, 2))  # a Monday


@pytest.fixture
async def legal_client(databases, tokens, clock) -> AsyncIterator[LegalClient]:
    """``await legal_client(**settings_overrides)`` → a client of the legal-cases service on its
    freshly emptied test database, with ``clock`` as its clock."""
    async with AsyncExitStack() as stack:

        async def open_client(**overrides: Any) -> httpx.AsyncClient:
            test_index = {} if overrides.pop("without_test_index", False) else TEST_INDEX
            overrides["net_price_index"] = {**test_index, **overrides.get("net_price_index", {})}
            settings = service_settings(
                LegalCasesSettings, databases, tokens, package="legal_cases", **overrides
            )
            await asyncio.to_thread(truncate_all_tables, settings.effective_database_url)
            app = create_app(settings, clock=clock)
            manager = await stack.enter_async_context(LifespanManager(app))
            transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://testserver")
            )

        yield open_client


@pytest.fixture
def legal_db_url(databases) -> str:
    return databases.url("legal_cases", "legal_cases")


@pytest.fixture
async def legal_db(legal_db_url) -> AsyncIterator[Database]:
    database = Database(legal_db_url, pool_size=2)
    yield database
    await database.dispose()
