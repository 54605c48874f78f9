"""The embedded run's bounded stop (`housing.embedded.stop_tasks`): what the relays and the
in-process consumers are still handling after the grace is cancelled — and delivered again,
exactly once, on the next start. Real PostgreSQL (the example service's database)."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from common.db.engine import Database
from common.db.tables import inbox, outbox
from common.events.consumer import Consumer, Handler, subscribe_in_process
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import InProcessBus
from common.testing.fixtures import truncate_all_tables
from common.testing.witness import (
    applied_count,
    check_invariants,
    create_things,
    wait_until_settled,
    witness_handler,
)
from housing.embedded import stop_tasks
from housing.services import SERVICES

# A guard against a hang, not a measurement: the stop under test takes ~2 × cancel_wait.
HANG_GUARD = 60.0
SETTLE_TIMEOUT = 60.0


@pytest.fixture
async def example_db(databases) -> AsyncIterator[Database]:
    url = databases.url("common.testing.example", "example")
    await asyncio.to_thread(truncate_all_tables, url)
    database = Database(url)
    yield database
    await database.dispose()


def stuck_handler(consumer: str, entered: asyncio.Event, *, swallow: int = 0) -> Handler:
    """Writes the witness row, then never returns (a consumer busy when the stop comes); with
    ``swallow`` it ignores that many cancellations first (a handler that catches too much)."""
    apply = witness_handler(consumer)

    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        await apply(session, envelope)
        await session.flush()
        entered.set()
        for _ in range(swallow):
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()
        await asyncio.Event().wait()

    return handle


async def published(database: Database) -> list[bool]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(select(outbox.c.published_at).order_by(outbox.c.id))
        return [row.published_at is not None for row in rows]


async def inbox_events(database: Database, consumer: str) -> list[uuid.UUID]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            select(inbox.c.event_id).where(inbox.c.consumer == consumer)
        )
        return [row.event_id for row in rows]


async def start(
    database: Database, consumer: str, topic: str, handler: Handler, stop: asyncio.Event
) -> tuple[InProcessBus, asyncio.Task[None]]:
    """One start of the embedded backbone: a bus, the consumer subscribed, the relay running."""
    bus = InProcessBus()
    subscribe_in_process(bus, database, Consumer(consumer, (topic,), handler))
    relay = OutboxRelay(database, bus, poll_interval=0.1)
    return bus, asyncio.create_task(relay.run(stop))


class TestBoundedStop:
    @pytest.mark.parametrize("swallow", [0, 1], ids=["plain", "swallows-one-cancellation"])
    async def test_a_delivery_cancelled_by_the_stop_is_delivered_again_on_the_next_start(
        self, example_db, swallow
    ):
        topic = f"in-process.t{uuid.uuid4().hex[:8]}.v1"
        consumer = f"witness-{uuid.uuid4().hex[:8]}"
        entered = asyncio.Event()
        stop = asyncio.Event()
        bus, relay = await start(
            example_db, consumer, topic, stuck_handler(consumer, entered, swallow=swallow), stop
        )
        await create_things(example_db, ["k1", "k2"], topic=topic)
        await asyncio.wait_for(entered.wait(), HANG_GUARD)

        stop.set()
        cancelled = await asyncio.wait_for(
            stop_tasks([relay], bus, grace=0.2, cancel_wait=1.0), HANG_GUARD
        )
        await bus.stop()

        assert cancelled == 1
        assert relay.done()
        # the handler's transaction and the relay's claim both rolled back: nothing applied,
        # nothing in the inbox, both rows still to be published
        assert await applied_count(example_db, consumer) == 0
        assert await inbox_events(example_db, consumer) == []
        assert await published(example_db) == [False, False]

        next_stop = asyncio.Event()
        next_bus, next_relay = await start(
            example_db, consumer, topic, witness_handler(consumer), next_stop
        )
        try:
            await wait_until_settled(example_db, consumer, timeout=SETTLE_TIMEOUT)
        finally:
            next_stop.set()
            assert await stop_tasks([next_relay], next_bus) == 0
            await next_bus.stop()
        verdict = await check_invariants(example_db, consumer)
        assert verdict.holds, verdict
        assert verdict.committed == verdict.applied == 2
        assert verdict.applied_twice == []
        assert len(await inbox_events(example_db, consumer)) == 2
        assert await published(example_db) == [True, True]

    async def test_tasks_that_finish_within_the_grace_are_not_cancelled(self, example_db):
        topic = f"in-process.t{uuid.uuid4().hex[:8]}.v1"
        consumer = f"witness-{uuid.uuid4().hex[:8]}"
        stop = asyncio.Event()
        bus, relay = await start(example_db, consumer, topic, witness_handler(consumer), stop)
        await create_things(example_db, ["k1", "k2", "k3"], topic=topic)
        await wait_until_settled(example_db, consumer, timeout=SETTLE_TIMEOUT)

        stop.set()
        cancelled = await asyncio.wait_for(stop_tasks([relay], bus), HANG_GUARD)
        await bus.stop()

        assert cancelled == 0
        assert relay.done()
        assert not relay.cancelled()
        assert await applied_count(example_db, consumer) == 3
        assert await published(example_db) == [True, True, True]

    async def test_no_tasks_no_bus(self):
        assert await stop_tasks([], None) == 0


# --- the whole embedded run: Ctrl-C during the demo seed's events, then a second start --------

HOUSING = Path(sys.executable).parent / "housing"
RUN_TIMEOUT = 300.0  # a guard against a hang (two-core machines shared with other suites)


def start_housing_run(data_dir: Path, log_name: str) -> tuple[subprocess.Popen[bytes], str]:
    os.chmod(data_dir, 0o755)  # the embedded PostgreSQL runs as an unprivileged user under root
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOUSING_", "KAFKA_"))}
    env.update(HOUSING_PORT=str(port), HOUSING_DATA_DIR=str(data_dir), HOUSING_DEMO_DWELLINGS="40")
    log = (data_dir / log_name).open("wb")
    process = subprocess.Popen([str(HOUSING), "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/register/health/live"
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, (data_dir / log_name).read_text()
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1).status_code == 200:
                return process, url
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"housing run did not answer:\n{(data_dir / log_name).read_text()}")


def embedded_events(data_dir: Path) -> tuple[int, dict[str, set[uuid.UUID]], dict[str, set]]:
    """(unpublished outbox rows of all services, event ids per topic, per consumer the event
    ids in its inbox or dead letters), read from the running embedded server."""
    unpublished = 0
    by_topic: dict[str, set[uuid.UUID]] = {}
    handled: dict[str, set[uuid.UUID]] = {}
    for entry in SERVICES:
        name = entry.settings_class().database_name
        with psycopg.connect(host=str(data_dir / "postgres"), user="postgres", dbname=name) as db:
            for topic, event_id, published_at in db.execute(
                "SELECT topic, event_id, published_at FROM outbox"
            ):
                by_topic.setdefault(topic, set()).add(event_id)
                unpublished += published_at is None
            for consumer in entry.consumers():
                handled[consumer.name] = {
                    row[0]
                    for row in db.execute(
                        "SELECT event_id FROM inbox WHERE consumer = %(c)s "
                        "UNION SELECT event_id FROM dead_letters WHERE consumer = %(c)s",
                        {"c": consumer.name},
                    )
                }
    return unpublished, by_topic, handled


def missing_deliveries(data_dir: Path) -> dict[str, int]:
    """Per consumer, how many events of its topics it has not handled, plus the outboxes'
    unpublished rows (``"(unpublished)"``); empty when nothing is missing."""
    unpublished, by_topic, handled = embedded_events(data_dir)
    missing = {"(unpublished)": unpublished} if unpublished else {}
    for entry in SERVICES:
        for consumer in entry.consumers():
            expected = set().union(*(by_topic.get(t, set()) for t in consumer.topics))
            if lacking := len(expected - handled[consumer.name]):
                missing[consumer.name] = lacking
    return missing


class TestNoEventLostAcrossABoundedStop:
    def test_ctrl_c_while_the_demo_seeds_events_flow_loses_none(self, tmp_path):
        first, _ = start_housing_run(tmp_path, "first.log")
        first.send_signal(signal.SIGINT)  # at once: the seed's events are in flight
        assert first.wait(timeout=RUN_TIMEOUT) == 0
        printed = (tmp_path / "first.log").read_text()
        assert "platform.background_stopped" in printed
        assert "Housing platform stopped." in printed

        second, _ = start_housing_run(tmp_path, "second.log")
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            missing = missing_deliveries(tmp_path)
            while missing and time.monotonic() < deadline:
                time.sleep(1)
                missing = missing_deliveries(tmp_path)
            _, by_topic, _ = embedded_events(tmp_path)
        finally:
            second.send_signal(signal.SIGINT)
            assert second.wait(timeout=RUN_TIMEOUT) == 0
        assert missing == {}
        assert len(by_topic.get("register.lease.v1", ())) >= 40  # the seed's leases, at least
