"""Shared set-up: the test infrastructure, a throw-away example-service database, fresh topics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import jwt
import psycopg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from psycopg import sql
from sqlalchemy.engine import make_url

from common.db import migrations
from common.observability import configure_logging
from common.testing import infra as infrastructure
from common.testing.fixtures import TEST_AUDIENCE, TEST_ISSUER
from common.testing.kafka import create_topic

EXAMPLE_PACKAGE = "common.testing.example"
PARTITIONS = 3


@dataclass(frozen=True)
class Infra:
    admin_dsn: str  # libpq URL of a superuser on the test server
    bootstrap: str  # Kafka bootstrap servers


def quiet_logging() -> None:
    """Warnings only (the code under test logs per batch at debug level, filtered either way)."""
    configure_logging("WARNING", json_logs=False)
    # aiokafka logs every reconnect attempt; a broker restarted under us is detected (and the
    # benchmark repeated) through server_pids() instead.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


def server_pids() -> tuple[int | None, int | None]:
    """(Kafka broker, postmaster) process ids: a change means another run restarted them."""
    return infrastructure.kafka_pid(), infrastructure.postgres_pid()


def start_infra() -> Infra:
    """The private PostgreSQL and Kafka of ``common.testing.infra`` (started if not running)."""
    return Infra(
        admin_dsn=infrastructure.ensure_postgres(), bootstrap=infrastructure.ensure_kafka()
    )


def database_url(admin_dsn: str, name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the admin DSN's server."""
    return (
        make_url(admin_dsn)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def _drop_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextlib.asynccontextmanager
async def example_database(infra: Infra) -> AsyncIterator[str]:
    """A fresh ``bench_<pid>`` database migrated to the example service's head; dropped after."""
    name = f"bench_{os.getpid()}"
    url = database_url(infra.admin_dsn, name)
    await asyncio.to_thread(_drop_database, infra.admin_dsn, name)  # a crashed run's leftover
    await asyncio.to_thread(migrations.upgrade, EXAMPLE_PACKAGE, url)
    try:
        yield url
    finally:
        await asyncio.to_thread(_drop_database, infra.admin_dsn, name)


def unique_name(purpose: str) -> str:
    """A topic or consumer-group name no earlier run used."""
    return f"bench.{purpose}.{os.getpid()}.{uuid.uuid4().hex[:6]}"


_created_topics: list[str] = []


async def new_topic(infra: Infra, purpose: str) -> str:
    topic = unique_name(purpose)
    await create_topic(infra.bootstrap, topic, partitions=PARTITIONS)
    _created_topics.append(topic)
    return topic


async def delete_created_topics(infra: Infra) -> None:
    """Remove this run's topics from the shared broker (best effort)."""
    if not _created_topics:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap)
    with contextlib.suppress(KafkaError, OSError):
        await admin.start()
        try:
            await admin.delete_topics(list(_created_topics))
        finally:
            await admin.close()
    _created_topics.clear()


def baseline_claims(token: str, key: Any) -> dict[str, Any]:
    """A hand-written baseline's token check, as strict as the kit's: ES256 against the run's
    public ``key``, issuer, audience and the required claims. Raises ``jwt.InvalidTokenError``
    for a token to refuse."""
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["ES256"],
        audience=TEST_AUDIENCE,
        issuer=TEST_ISSUER,
        options={"require": ["exp", "sub", "iss", "aud"]},
    )
    return claims
