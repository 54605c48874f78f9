"""Pytest fixtures shared by every test suite (registered by the root ``conftest.py``).

* ``infra`` — a real PostgreSQL server and a real Kafka broker (see :mod:`common.testing.infra`);
* ``databases`` — one fresh database per service per test run, built by its migrations;
* ``tokens`` — bearer tokens signed with a key the test apps trust;
* ``service_client`` — a service app with its lifespan running, behind an httpx client,
  on a database emptied before each test.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import psycopg
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from common.auth import DevSigningKey, Role
from common.db import migrations
from common.db.engine import libpq_dsn
from common.events.transport import EventBus
from common.settings import Environment, ServiceSettings
from common.testing import infra as infrastructure

TEST_ISSUER = "housing-test"
TEST_AUDIENCE = "housing"

S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class TestInfra:
    admin_dsn: str  # libpq URL of a superuser on the test server
    kafka_bootstrap_servers: str
    run_id: str

    @property
    def kafka_prefix(self) -> str:
        """This test run's prefix of Kafka topics and consumer groups (``kafka_prefix``), so
        that test runs of two checkouts on one broker never share a topic or a group."""
        return f"test.{self.run_id}."

    @property
    def database_prefix(self) -> str:
        """This test run's prefix of an embedded run's databases on the test server
        (``HOUSING_DATABASE_PREFIX``); dropped when the session ends."""
        return f"e2e_{self.run_id}_"

    def platform_prefixes(self, platform: str) -> dict[str, str]:
        """The settings that give one whole platform started by a test (``housing run`` on
        this server and broker) topics, consumer groups and databases of its own under this
        run's prefixes: with the run's prefixes alone, its consumers would take up the events
        other tests published to the run's topics (a notifications consumer mailing another
        module's grant notices), and its databases would be another platform's."""
        return {
            "HOUSING_KAFKA_PREFIX": f"{self.kafka_prefix}{platform}.",
            "HOUSING_DATABASE_PREFIX": f"{self.database_prefix}{platform}_",
        }

    def kafka_topic(self, logical: str) -> str:
        """The broker's name of a catalogue topic in this test run."""
        return f"{self.kafka_prefix}{logical}"


@dataclass
class TokenFactory:
    """Mints tokens the test apps accept (their settings carry this key's public half)."""

    key: DevSigningKey = field(default_factory=DevSigningKey.generate)

    @property
    def public_pem(self) -> str:
        return self.key.public_pem()

    def token(
        self,
        role: Role | str,
        *,
        orgs: Iterable[str] = (),
        municipality: str | None = None,
        subject: str | None = None,
        ttl_seconds: int = 600,
    ) -> str:
        return self.key.mint(
            role=Role(role),
            organisation_ids=orgs,
            municipality_code=municipality,
            subject=subject,
            issuer=TEST_ISSUER,
            audience=TEST_AUDIENCE,
            ttl_seconds=ttl_seconds,
        )

    def headers(self, role: Role | str, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **kwargs)}"}


class ServiceDatabases:
    """Creates ``test_<run>_<service>`` databases on first use and migrates them once."""

    def __init__(self, infra: TestInfra) -> None:
        self.infra = infra
        self._migrated: dict[str, str] = {}

    def url(self, package: str, database_name: str) -> str:
        if package not in self._migrated:
            name = f"test_{self.infra.run_id}_{database_name}"
            url = (
                make_url(self.infra.admin_dsn)
                .set(drivername="postgresql+psycopg", database=name)
                .render_as_string(hide_password=False)
            )
            migrations.upgrade(package, url)
            self._migrated[package] = url
        return self._migrated[package]

    def drop_all(self) -> None:
        with psycopg.connect(self.infra.admin_dsn, autocommit=True) as connection:
            for url in self._migrated.values():
                name = make_url(url).database
                connection.execute(
                    psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        psycopg.sql.Identifier(str(name))
                    )
                )


def truncate_all_tables(url: str) -> None:
    """Clean state per test: every table but Alembic's, identities restarted."""
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            connection.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def service_settings(
    settings_class: type[S],
    databases: ServiceDatabases,
    tokens: TokenFactory,
    *,
    package: str,
    with_kafka: bool = True,
    **overrides: Any,
) -> S:
    values: dict[str, Any] = {
        "env": Environment.TEST,
        "database_url": databases.url(package, settings_class.database_name),
        "kafka_bootstrap_servers": databases.infra.kafka_bootstrap_servers if with_kafka else None,
        "kafka_prefix": databases.infra.kafka_prefix if with_kafka else "",
        "jwt_public_key": tokens.public_pem,
        "jwt_issuer": TEST_ISSUER,
        "jwt_audience": TEST_AUDIENCE,
        "log_json": True,
    }
    values.update(overrides)
    return settings_class(**values)


ServiceClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture(scope="session")
def infra() -> Iterator[TestInfra]:
    created = TestInfra(
        admin_dsn=infrastructure.ensure_postgres(),
        kafka_bootstrap_servers=infrastructure.ensure_kafka(),
        run_id=f"{os.getpid()}_{uuid.uuid4().hex[:6]}",
    )
    yield created
    drop_databases_named(created.admin_dsn, created.database_prefix)


def drop_databases_named(admin_dsn: str, prefix: str) -> None:
    """Drop every database whose name starts with ``prefix`` (an embedded run's, at the end)."""
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (prefix,)
            )
        ]
        for name in names:
            connection.execute(
                psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    psycopg.sql.Identifier(name)
                )
            )


@pytest.fixture(scope="session")
def databases(infra: TestInfra) -> Iterator[ServiceDatabases]:
    created = ServiceDatabases(infra)
    yield created
    created.drop_all()


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
async def service_client(
    databases: ServiceDatabases, tokens: TokenFactory
) -> AsyncIterator[ServiceClientFactory]:
    """``await service_client(create_app, SettingsClass, package=...)`` → a client whose app runs
    its lifespan against a freshly emptied database of that service."""
    async with AsyncExitStack() as stack:

        async def open_client(
            create_app: Callable[..., FastAPI],
            settings_class: type[ServiceSettings],
            *,
            package: str,
            bus: EventBus | None = None,
            **overrides: Any,
        ) -> httpx.AsyncClient:
            settings = service_settings(
                settings_class, databases, tokens, package=package, **overrides
            )
            await asyncio.to_thread(truncate_all_tables, settings.effective_database_url)
            app = create_app(settings, bus=bus)
            manager = await stack.enter_async_context(LifespanManager(app))
            # Unhandled errors must reach the client as the 500 problem a real server sends.
            transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://testserver")
            )

        yield open_client
