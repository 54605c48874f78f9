"""The consumer runner's offset commits: queued, never awaited by the handling, one in flight
at a time and at most one per commit interval, offsets handled meanwhile merged into the next
(no broker: a stand-in consumer)."""

import asyncio
from typing import Any, cast

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaConnectionError

from common.db.engine import Database
from common.events.consumer import Consumer, KafkaConsumerRunner

P0, P1 = TopicPartition("t", 0), TopicPartition("t", 1)


class HeldCommits:
    """Records each commit and answers it only when the test releases it."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.sent: list[dict[TopicPartition, int]] = []
        self.release = asyncio.Event()
        self.fail_with = fail_with

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.sent.append(dict(offsets))
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with


def runner(commit_interval: float = 0.5) -> KafkaConsumerRunner:
    async def handler(session: Any, envelope: Any) -> None:
        raise AssertionError("no event is handled here")

    return KafkaConsumerRunner(
        cast(Database, None),
        "unused:9092",
        Consumer("c1", ("t",), handler),
        commit_interval=commit_interval,
    )


async def settle_tasks() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


class TestQueuedCommits:
    async def test_offsets_handled_during_a_commit_go_out_merged_in_the_next(self):
        kafka = HeldCommits()
        consumer = runner()
        as_kafka = cast(AIOKafkaConsumer, kafka)
        consumer._queue_commit(as_kafka, {P0: 3})
        await settle_tasks()
        # the first is in flight; three more fetches are handled meanwhile, none waits
        consumer._queue_commit(as_kafka, {P0: 5})
        consumer._queue_commit(as_kafka, {P1: 2})
        consumer._queue_commit(as_kafka, {P0: 7})
        await settle_tasks()
        assert kafka.sent == [{P0: 3}]
        kafka.release.set()
        await consumer._settle_commit()
        assert kafka.sent == [{P0: 3}, {P0: 7, P1: 2}]

    async def test_settling_waits_for_every_queued_offset(self):
        kafka = HeldCommits()
        kafka.release.set()
        consumer = runner()
        as_kafka = cast(AIOKafkaConsumer, kafka)
        for offset in (1, 2, 3):
            consumer._queue_commit(as_kafka, {P1: offset})
        await consumer._settle_commit()
        assert kafka.sent[-1] == {P1: 3}
        assert consumer._commit is None

    async def test_a_rebalance_refusing_a_commit_is_only_logged(self):
        kafka = HeldCommits(fail_with=CommitFailedError("rebalanced"))
        kafka.release.set()
        consumer = runner()
        as_kafka = cast(AIOKafkaConsumer, kafka)
        consumer._queue_commit(as_kafka, {P0: 1})
        await consumer._settle_commit()
        consumer._queue_commit(as_kafka, {P0: 2})
        await consumer._settle_commit()
        assert kafka.sent == [{P0: 1}, {P0: 2}]

    async def test_any_other_failed_commit_is_raised_at_the_next(self):
        kafka = HeldCommits(fail_with=KafkaConnectionError("broker gone"))
        kafka.release.set()
        consumer = runner()
        as_kafka = cast(AIOKafkaConsumer, kafka)
        consumer._queue_commit(as_kafka, {P0: 1})
        await settle_tasks()
        with pytest.raises(KafkaConnectionError):
            consumer._queue_commit(as_kafka, {P0: 2})


class TestCommitInterval:
    async def test_offsets_handled_within_the_interval_go_out_together_when_it_ends(self):
        kafka = HeldCommits()
        kafka.release.set()  # the broker answers at once
        consumer = runner(commit_interval=1.0)
        as_kafka = cast(AIOKafkaConsumer, kafka)
        loop = asyncio.get_running_loop()
        started = loop.time()
        consumer._queue_commit(as_kafka, {P0: 1})
        await settle_tasks()
        assert kafka.sent == [{P0: 1}]  # the first goes at once
        for offsets in ({P0: 2}, {P1: 1}, {P0: 3}):  # a trickle of fetches, handled
            await asyncio.sleep(0.05)
            consumer._queue_commit(as_kafka, offsets)
        await settle_tasks()
        assert kafka.sent == [{P0: 1}]  # answered, but the interval is not over
        async with asyncio.timeout(5):
            while len(kafka.sent) < 2:
                await asyncio.sleep(0.01)
        assert loop.time() - started >= 1.0  # not before the interval ended
        assert kafka.sent == [{P0: 1}, {P0: 3, P1: 1}]  # one commit for the three
        await consumer._settle_commit()
        assert consumer._commit is None

    async def test_settling_sends_what_is_left_without_waiting_for_the_interval(self):
        kafka = HeldCommits()
        consumer = runner(commit_interval=60)
        as_kafka = cast(AIOKafkaConsumer, kafka)
        consumer._queue_commit(as_kafka, {P0: 1})
        await settle_tasks()
        consumer._queue_commit(as_kafka, {P0: 2})
        kafka.release.set()
        await asyncio.wait_for(consumer._settle_commit(), 5)  # in flight when stopping
        assert kafka.sent == [{P0: 1}, {P0: 2}]
        consumer._queue_commit(as_kafka, {P1: 4})
        await settle_tasks()
        await asyncio.wait_for(consumer._settle_commit(), 5)  # pausing when stopping
        assert kafka.sent == [{P0: 1}, {P0: 2}, {P1: 4}]
