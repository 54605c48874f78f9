"""Two platforms on one broker (item 4 of issue 18): each has its own ``kafka_prefix``, so
the same catalogue topic and the same consumer name are different topics and groups on the
broker, and neither platform sees the other's events."""

import asyncio
import uuid

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.testing.example.app import changed_event
from common.testing.kafka import create_topic, read_topic
from common.testing.witness import create_things


async def groups_and_topics(bootstrap: str) -> tuple[set[str], set[str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        groups = {group for group, _ in await admin.list_consumer_groups()}
        return groups, set(await admin.list_topics())
    finally:
        await admin.close()


class TestTwoPlatformsOnOneBroker:
    async def test_neither_sees_the_other_platforms_events(self, example_db, infra):
        bootstrap = infra.kafka_bootstrap_servers
        run = uuid.uuid4().hex[:8]
        logical = f"prefix.t{run}.v1"  # the same catalogue topic on both platforms
        prefixes = {"blue": f"{infra.kafka_prefix}blue.", "green": f"{infra.kafka_prefix}green."}
        for prefix in prefixes.values():
            await create_topic(bootstrap, f"{prefix}{logical}")
        seen: dict[str, list[Envelope]] = {"blue": [], "green": []}

        def recorder(platform: str):
            async def handle(session, envelope: Envelope) -> None:
                seen[platform].append(envelope)

            return handle

        buses = {p: KafkaBus(bootstrap, prefix=prefix) for p, prefix in prefixes.items()}
        runners = [
            KafkaConsumerRunner(
                example_db,
                bootstrap,
                # the same consumer name (inbox and group) on both platforms
                Consumer(f"prefix-{run}", (logical,), recorder(platform)),
                prefix=prefix,
            )
            for platform, prefix in prefixes.items()
        ]
        sent = {
            "blue": [changed_event("b-1", 1, "blue one", logical)],
            "green": [changed_event("g-1", 1, "green one", logical)],
        }
        stop = asyncio.Event()
        tasks = [asyncio.create_task(r.run(stop)) for r in runners]
        try:
            for platform, envelopes in sent.items():
                await buses[platform].send_batch(envelopes)
            async with asyncio.timeout(60):
                while not (seen["blue"] and seen["green"]):
                    await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)  # room for a stray event to arrive where it must not
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for bus in buses.values():
                await bus.stop()

        for platform in ("blue", "green"):
            assert [e.id for e in seen[platform]] == [e.id for e in sent[platform]]
            assert [e.topic for e in seen[platform]] == [logical]  # logical names inside
        for prefix in prefixes.values():
            (record,) = await read_topic(bootstrap, f"{prefix}{logical}")
            assert record.topic == f"{prefix}{logical}"
        groups, topics = await groups_and_topics(bootstrap)
        assert logical not in topics
        assert {f"{prefix}prefix-{run}" for prefix in prefixes.values()} <= groups
        assert f"prefix-{run}" not in groups

    async def test_the_relay_publishes_to_the_prefixed_topic(self, example_db, infra):
        logical = f"prefix.r{uuid.uuid4().hex[:8]}.v1"
        physical = infra.kafka_topic(logical)
        await create_topic(infra.kafka_bootstrap_servers, physical)
        await create_things(example_db, ["k1"], topic=logical)
        bus = KafkaBus(infra.kafka_bootstrap_servers, prefix=infra.kafka_prefix)
        try:
            assert await OutboxRelay(example_db, bus).publish_once() == 1
        finally:
            await bus.stop()
        (record,) = await read_topic(infra.kafka_bootstrap_servers, physical)
        assert record.key == b"k1"

    async def test_dead_letters_go_to_the_platforms_own_dead_letter_topic(self, example_db, infra):
        logical = f"prefix.d{uuid.uuid4().hex[:8]}.v1"
        bootstrap = infra.kafka_bootstrap_servers
        await create_topic(bootstrap, infra.kafka_topic(logical))
        await create_topic(bootstrap, infra.kafka_topic(f"{logical}.dlq"), partitions=1)
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(infra.kafka_topic(logical), b"not an event", key=b"x")
        finally:
            await producer.stop()

        async def never(session, envelope):
            raise AssertionError("a malformed message reached the handler")

        runner = KafkaConsumerRunner(
            example_db,
            bootstrap,
            Consumer(f"malformed-{logical}", (logical,), never),
            prefix=infra.kafka_prefix,
        )
        stop = asyncio.Event()
        running = asyncio.create_task(runner.run(stop))
        try:
            async with asyncio.timeout(30):
                while not await read_topic(bootstrap, infra.kafka_topic(f"{logical}.dlq")):
                    await asyncio.sleep(0.2)
        finally:
            stop.set()
            await running
        (letter,) = await read_topic(bootstrap, infra.kafka_topic(f"{logical}.dlq"))
        assert letter.value == b"not an event"
