"""Relay replicas with lanes (issue 18, item 1): the outbox split by a hash of the key, each
lane published by one replica at a time, fair shares, take-over of a stopped replica's lanes,
and order per key with several replicas publishing side by side."""

import asyncio
from collections import Counter
from collections.abc import Sequence

import pytest

from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.testing.witness import (
    check_invariants,
    create_things,
    wait_until_settled,
    witness_handler,
    write_changes,
)

KEYS = [f"k{i:02d}" for i in range(24)]


class CountingBus(KafkaBus):
    """A Kafka bus that counts what it sent (through the relay's structured path)."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__(bootstrap)
        self.sent: Counter[str] = Counter()

    async def send_structured(self, bodies: Sequence[object]) -> None:
        await super().send_structured(bodies)  # type: ignore[arg-type]
        self.sent.update(body["subject"] for body in bodies)  # type: ignore[index]


class TestLaneLeases:
    async def test_replicas_share_the_lanes_and_take_over_a_stopped_ones(self, example_db, infra):
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        a, b = (OutboxRelay(example_db, bus, lanes=8, lane_check_interval=0) for _ in range(2))
        try:
            assert await a.owned_lanes() == list(range(8))  # alone: every lane
            assert await b.owned_lanes() == []  # all taken; a gives half back next time
            assert len(await a.owned_lanes()) == 4
            b_lanes = await b.owned_lanes()
            assert sorted(a.leases.owned + b_lanes) == list(range(8))  # type: ignore[union-attr]
            assert len(b_lanes) == 4
            await a.close()  # stopped (or killed: the server ends its session)
            # The server releases a's locks when its backend has ended, a moment after the
            # client closed the connection: b takes every lane on one of its next checks.
            async with asyncio.timeout(30):
                while (taken := await b.owned_lanes()) != list(range(8)):
                    assert set(b_lanes) <= set(taken)  # b never loses what it had
                    await asyncio.sleep(0.05)
        finally:
            await a.close()
            await b.close()
            await bus.stop()

    def test_lanes_must_be_a_power_of_two(self, example_db):
        with pytest.raises(ValueError, match="power of two"):
            OutboxRelay(example_db, KafkaBus("unused:9092"), lanes=6)

    def test_concurrent_publishing_needs_lanes(self, example_db):
        with pytest.raises(ValueError, match="needs lanes"):
            OutboxRelay(example_db, KafkaBus("unused:9092"), concurrency=2)

    def test_the_settings_refuse_lanes_that_are_not_a_power_of_two(self, monkeypatch):
        from pydantic import ValidationError

        from common.testing.example.app import ExampleSettings

        monkeypatch.setenv("HOUSING_OUTBOX_LANES", "12")
        with pytest.raises(ValidationError, match="power of two"):
            ExampleSettings()
        monkeypatch.setenv("HOUSING_OUTBOX_LANES", "16")
        assert ExampleSettings().outbox_lanes == 16


class TestReplicasWithLanes:
    async def test_three_replicas_of_two_loops_publish_side_by_side_in_order_per_key(
        self, example_db, infra, topic
    ):
        kafka = infra.kafka_bootstrap_servers
        group = f"lanes-{topic}"
        await create_things(example_db, KEYS, topic=topic)
        report = await write_changes(example_db, KEYS, 900, topic=topic, seed=18)
        buses = [CountingBus(kafka) for _ in range(3)]
        relays = [
            OutboxRelay(
                example_db, bus, lanes=8, batch_size=40, lane_check_interval=0.05, concurrency=2
            )
            for bus in buses
        ]
        runner = KafkaConsumerRunner(
            example_db, kafka, Consumer(group, (topic,), witness_handler(group))
        )
        stop = asyncio.Event()
        tasks = [asyncio.create_task(r.run(stop)) for r in relays]
        tasks.append(asyncio.create_task(runner.run(stop)))
        try:
            await wait_until_settled(example_db, group, timeout=120)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for bus in buses:
                await bus.stop()
        verdict = await check_invariants(example_db, group)
        assert verdict.holds, verdict
        assert verdict.applied == verdict.committed == report.committed + len(KEYS)
        busy = [bus for bus in buses if bus.sent]
        assert len(busy) >= 2  # the lanes were shared, not published by one replica
        assert sum(sum(bus.sent.values()) for bus in buses) >= verdict.committed
