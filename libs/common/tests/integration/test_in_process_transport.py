"""The embedded run's transport: outbox relay → in-process bus → inbox consumer, no Kafka.

The same promises as with Kafka hold: every committed event is applied exactly once, in order
per key, and an event whose handler keeps failing is dead-lettered without holding up the rest.
Runs against the real PostgreSQL test server.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from common.db.engine import Database
from common.db.tables import dead_letters, inbox, outbox
from common.events.consumer import Consumer, Handler, InboxProcessor, subscribe_in_process
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import InProcessBus
from common.testing.witness import (
    applied_count,
    check_invariants,
    create_things,
    wait_until_settled,
    witness_handler,
    write_changes,
)

SETTLE_TIMEOUT = 30.0


@dataclass
class EmbeddedBackbone:
    bus: InProcessBus
    relay: OutboxRelay
    processor: InboxProcessor
    consumer: str
    topic: str


StartBackbone = Callable[..., Awaitable[EmbeddedBackbone]]


@pytest.fixture
async def embedded(example_db: Database) -> AsyncIterator[StartBackbone]:
    """``await embedded(handler_for=witness_handler, max_attempts=5)`` → a running relay
    publishing the example database's outbox onto an in-process bus, and one inbox consumer
    (handler ``handler_for(consumer_name)``) subscribed to it."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    buses: list[InProcessBus] = []

    async def start(
        handler_for: Callable[[str], Handler] = witness_handler, max_attempts: int = 5
    ) -> EmbeddedBackbone:
        topic = f"in-process.t{uuid.uuid4().hex[:8]}.v1"  # no broker: any name will do
        consumer = f"witness-{uuid.uuid4().hex[:8]}"
        bus = InProcessBus()
        buses.append(bus)
        processor = subscribe_in_process(
            bus,
            example_db,
            Consumer(consumer, (topic,), handler_for(consumer)),
            max_attempts=max_attempts,
        )
        relay = OutboxRelay(example_db, bus, poll_interval=0.2)
        tasks.append(asyncio.create_task(relay.run(stop)))
        return EmbeddedBackbone(bus, relay, processor, consumer, topic)

    yield start
    stop.set()
    await asyncio.gather(*tasks)
    for bus in buses:
        await bus.stop()


async def outbox_envelopes(database: Database) -> list[Envelope]:
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(outbox.c.envelope).order_by(outbox.c.id))).all()
    return [Envelope.from_structured(row.envelope) for row in rows]


async def inbox_count(database: Database, consumer: str) -> int:
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(inbox).where(inbox.c.consumer == consumer))).all()
    return len(rows)


class TestExactlyOnceInProcess:
    async def test_every_committed_event_is_applied_once(self, embedded, example_db):
        backbone = await embedded()
        keys = [f"k{n}" for n in range(20)]
        await create_things(example_db, keys, topic=backbone.topic)
        await wait_until_settled(example_db, backbone.consumer, timeout=SETTLE_TIMEOUT)
        verdict = await check_invariants(example_db, backbone.consumer)
        assert verdict.holds, verdict
        assert verdict.committed == verdict.applied == 20
        assert verdict.dead_letters == 0
        assert await inbox_count(example_db, backbone.consumer) == 20

    async def test_publishing_the_same_envelopes_again_applies_nothing_more(
        self, embedded, example_db
    ):
        backbone = await embedded()
        await create_things(example_db, ["k1", "k2", "k3"], topic=backbone.topic)
        await wait_until_settled(example_db, backbone.consumer, timeout=SETTLE_TIMEOUT)
        already_published = await outbox_envelopes(example_db)
        await backbone.bus.send_batch(already_published)
        await backbone.bus.send_batch(already_published)
        # The bus delivers in publication order: once this later event is applied, the
        # duplicates sent before it have been handled too.
        await create_things(example_db, ["k4"], topic=backbone.topic)
        await wait_until_settled(example_db, backbone.consumer, timeout=SETTLE_TIMEOUT)
        verdict = await check_invariants(example_db, backbone.consumer)
        assert verdict.holds, verdict
        assert verdict.applied_twice == []
        assert verdict.committed == verdict.applied == 4
        assert await inbox_count(example_db, backbone.consumer) == 4

    async def test_order_per_key_holds_under_concurrent_writers(self, embedded, example_db):
        backbone = await embedded()
        keys = ["a", "b", "c"]
        await create_things(example_db, keys, topic=backbone.topic)
        await write_changes(example_db, keys, 60, topic=backbone.topic, concurrency=6, seed=7)
        await wait_until_settled(example_db, backbone.consumer, timeout=SETTLE_TIMEOUT)
        verdict = await check_invariants(example_db, backbone.consumer)
        assert verdict.holds, verdict
        assert verdict.out_of_order == []
        assert verdict.committed == verdict.applied == 63

    async def test_two_consumers_of_one_topic_each_apply_every_event(self, embedded, example_db):
        first = await embedded()
        second_consumer = f"witness-{uuid.uuid4().hex[:8]}"
        subscribe_in_process(
            first.bus,
            example_db,
            Consumer(second_consumer, (first.topic,), witness_handler(second_consumer)),
        )
        await create_things(example_db, ["k1", "k2"], topic=first.topic)
        for consumer in (first.consumer, second_consumer):
            await wait_until_settled(example_db, consumer, timeout=SETTLE_TIMEOUT)
            assert (await check_invariants(example_db, consumer)).holds
            assert await applied_count(example_db, consumer) == 2


class TestDeadLettersInProcess:
    async def test_a_failing_event_is_dead_lettered_and_the_others_still_apply(
        self, embedded, example_db
    ):
        attempts: list[str] = []

        def refusing_poison(consumer: str) -> Handler:
            apply = witness_handler(consumer)

            async def handle(session: AsyncSession, envelope: Envelope) -> None:
                if envelope.key == "poison":
                    attempts.append(envelope.key)
                    raise ValueError("cannot apply the poison thing")
                await apply(session, envelope)

            return handle

        backbone = await embedded(handler_for=refusing_poison, max_attempts=2)
        consumer = backbone.consumer
        await create_things(example_db, ["before", "poison", "after"], topic=backbone.topic)
        await wait_until_settled(example_db, consumer, timeout=SETTLE_TIMEOUT)

        verdict = await check_invariants(example_db, consumer)
        assert verdict.holds, verdict
        assert verdict.committed == 3
        assert verdict.applied == 2
        assert verdict.dead_letters == 1
        assert attempts == ["poison", "poison"]
        async with example_db.engine.connect() as connection:
            (letter,) = (await connection.execute(select(dead_letters))).all()
            applied_keys = sorted(
                row.key
                for row in (
                    await connection.execute(select(inbox).where(inbox.c.consumer == consumer))
                ).all()
            )
        assert letter.consumer == consumer
        assert letter.key == "poison"
        assert letter.topic == backbone.topic
        assert letter.attempts == 2
        assert "ValueError: cannot apply the poison thing" in letter.error
        assert letter.redriven_at is None
        poison = next(e for e in await outbox_envelopes(example_db) if e.key == "poison")
        assert letter.event_id == poison.id
        assert Envelope.from_structured(letter.envelope) == poison
        assert applied_keys == ["after", "before"]  # the failed attempts left no inbox row


class TestDeliveredMeansHandled:
    """``send_batch`` returns only once every subscriber handled the envelopes (issue 12, item 5):
    the relay's mark "published" then means "applied", as Kafka's acknowledgement means "stored"."""

    async def test_send_batch_returns_after_the_handlers_committed(self, example_db):
        bus = InProcessBus()
        handled: list[str] = []

        async def slow(envelope: Envelope) -> None:
            await asyncio.sleep(0.05)
            handled.append(envelope.key)

        bus.subscribe(["t.v1"], slow)
        bus.subscribe(["t.v1"], slow)
        envelopes = await _envelopes(example_db, ["a", "b"])
        try:
            await bus.send_batch(envelopes)
            assert sorted(handled) == ["a", "a", "b", "b"]
        finally:
            await bus.stop()

    async def test_a_failing_handler_fails_the_send_and_nothing_overtakes_it(self, example_db):
        bus = InProcessBus()
        handled: list[str] = []

        async def fails_on_b(envelope: Envelope) -> None:
            if envelope.key == "b":
                raise RuntimeError("database down")
            handled.append(envelope.key)

        bus.subscribe(["t.v1"], fails_on_b)
        envelopes = await _envelopes(example_db, ["a", "b", "c"])
        try:
            with pytest.raises(RuntimeError, match="database down"):
                await bus.send_batch(envelopes)
            assert handled == ["a"]  # "c" waited behind "b" and failed with it
        finally:
            await bus.stop()


async def _envelopes(database: Database, keys: list[str]) -> list[Envelope]:
    await create_things(database, keys, topic="t.v1")
    return [e for e in await outbox_envelopes(database) if e.key in keys]
