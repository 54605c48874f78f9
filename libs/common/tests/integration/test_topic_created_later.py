"""A consumer learns of topics and partitions that appear after it started within seconds, not at
aiokafka's default metadata refresh five minutes later (aiokafka issue 486).

On a bare broker (``housing run`` against a broker without the compose topic job) a consumer's
own subscription auto-creates its topics; when the broker is slow to create them, the consumer's
first metadata answers come before they are ready and it joins its group without them — the
platform-flow test saw governance never receive the calculator's key figures for that reason. The
same blind spot hides partitions an operator adds (``deploy/kafka/create-topics.sh`` raises a
topic to its listed count)."""

import asyncio
import uuid

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions

from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.envelope import Envelope
from common.events.transport import KafkaBus
from common.testing.example.app import changed_event
from common.testing.kafka import create_topic


def recording_runner(example_db, infra, logical: str, seen: list[Envelope]) -> KafkaConsumerRunner:
    async def handle(session, envelope: Envelope) -> None:
        seen.append(envelope)

    return KafkaConsumerRunner(
        example_db,
        infra.kafka_bootstrap_servers,
        Consumer(f"later-{logical}", (logical,), handle),
        prefix=infra.kafka_prefix,
    )


async def wait_for(seen: list[Envelope], count: int, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while len(seen) < count:
            await asyncio.sleep(0.2)


async def test_partitions_added_after_the_consumer_joined_are_consumed(example_db, infra):
    bootstrap = infra.kafka_bootstrap_servers
    logical = f"later.p{uuid.uuid4().hex[:8]}.v1"
    await create_topic(bootstrap, infra.kafka_topic(logical), partitions=1)
    seen: list[Envelope] = []
    stop = asyncio.Event()
    running = asyncio.create_task(recording_runner(example_db, infra, logical, seen).run(stop))
    first = KafkaBus(bootstrap, prefix=infra.kafka_prefix)
    try:
        await first.send_batch([changed_event("k-0", 1, "before", logical)])
        await wait_for(seen, 1, 30)  # joined, with the one partition
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.create_partitions({infra.kafka_topic(logical): NewPartitions(4)})
        finally:
            await admin.close()
        # A new producer knows the four partitions; keyed, the events spread over all of them.
        later = KafkaBus(bootstrap, prefix=infra.kafka_prefix)
        events = [changed_event(f"k-{n}", 1, "after", logical) for n in range(1, 41)]
        try:
            await later.send_batch(events)
        finally:
            await later.stop()
        await wait_for(seen, 1 + len(events), 30)
    finally:
        stop.set()
        await running
        await first.stop()
    assert sorted(e.id for e in seen[1:]) == sorted(e.id for e in events)


async def test_a_topic_created_after_the_consumer_started_is_consumed(example_db, infra):
    """The whole path on a topic the consumer's own subscription creates. On this quick broker
    the topic is usually ready before the consumer joins, so this does not show the refresh;
    the partitions test above does (it fails without it)."""
    logical = f"later.t{uuid.uuid4().hex[:8]}.v1"  # no such topic on the broker yet
    seen: list[Envelope] = []
    stop = asyncio.Event()
    running = asyncio.create_task(recording_runner(example_db, infra, logical, seen).run(stop))
    bus = KafkaBus(infra.kafka_bootstrap_servers, prefix=infra.kafka_prefix)
    event = changed_event("t-1", 1, "created later", logical)
    try:
        await asyncio.sleep(3)  # the consumer has joined its group
        await bus.send_batch([event])
        await wait_for(seen, 1, 30)
    finally:
        stop.set()
        await running
        await bus.stop()
    assert [e.id for e in seen] == [event.id]
