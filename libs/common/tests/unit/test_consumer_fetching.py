"""The consumer runner's fetching: it keeps fetching while a fetch is handled, so everything
that reached a partition's broker meanwhile is handed over together when that partition's
handling ends; another partition's records do not wait for it (no broker: a stand-in that
follows aiokafka's prefetch rule)."""

import asyncio
from typing import Any, cast

import pytest
from aiokafka import ConsumerRecord, TopicPartition

from common.db.engine import Database
from common.events import consumer as consumer_module
from common.events.consumer import Consumer, KafkaConsumerRunner

P0, P1 = TopicPartition("t", 0), TopicPartition("t", 1)


def record(partition: TopicPartition, offset: int) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        partition.topic, partition.partition, offset, 0, 0, b"k", b"{}", None, 1, 2, []
    )


class PrefetchingKafka:
    """aiokafka's fetcher, as far as the runner sees it: a fetch request is out only while the
    buffer is empty (aiokafka asks a broker again only once what it buffered from it was
    read). A record reaching the broker while a request is out is buffered at once; otherwise
    it stays on the broker until the buffer was read and the next request went out."""

    def __init__(self) -> None:
        self.buffer: list[ConsumerRecord[bytes, bytes]] = []
        self.broker: list[ConsumerRecord[bytes, bytes]] = []
        self.request_out = True
        self.arrived = asyncio.Event()
        self.asked_for: list[int] = []  # max_records of each getmany
        self.commits: list[dict[TopicPartition, int]] = []

    def committed(self) -> dict[TopicPartition, int]:
        """Each partition's last committed offset."""
        return {p: o for commit in self.commits for p, o in commit.items()}

    def publish(self, partition: TopicPartition, offset: int) -> None:
        if self.request_out:
            self.buffer.append(record(partition, offset))
            self.request_out = False
            self.arrived.set()
        else:
            self.broker.append(record(partition, offset))

    async def getmany(
        self, *, timeout_ms: int, max_records: int
    ) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]:
        self.asked_for.append(max_records)
        if not self.buffer:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), timeout_ms / 1000)
            except TimeoutError:
                return {}
        taken, self.buffer = self.buffer[:max_records], self.buffer[max_records:]
        if not self.buffer:  # read: the next request goes out, answered with what is there
            self.request_out = True
            if self.broker:
                self.buffer, self.broker, self.request_out = self.broker, [], False
        fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] = {}
        for r in taken:
            fetched.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
        return fetched

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0, 1}


class Producer:
    def __init__(self, **config: Any) -> None:
        pass

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class HeldRunner(KafkaConsumerRunner):
    """Records what each handling got; the first handling waits until the test releases it."""

    def __init__(self, max_records: int = 2000, small_fetch: int = 100) -> None:
        async def handler(session: Any, envelope: Any) -> None:
            raise AssertionError("no event is handled here")

        super().__init__(
            cast(Database, None),
            "unused:9092",
            Consumer("c1", ("t",), handler),
            max_records=max_records,
            small_fetch=small_fetch,
        )
        self.handed: list[dict[int, list[int]]] = []
        self.release = asyncio.Event()

    async def _handle_fetch(self, kafka: Any, batches: Any, dlq: Any) -> None:
        self.handed.append({tp.partition: [r.offset for r in rs] for tp, rs in batches.items()})
        if len(self.handed) == 1:
            await self.release.wait()
        self._queue_commit(kafka, {tp: rs[-1].offset + 1 for tp, rs in batches.items()})


class FailingP1Runner(HeldRunner):
    """As :class:`HeldRunner`, but a handling of partition 1 fails."""

    async def _handle_fetch(self, kafka: Any, batches: Any, dlq: Any) -> None:
        if P1 in batches:
            self.handed.append({tp.partition: [r.offset for r in rs] for tp, rs in batches.items()})
            raise RuntimeError("P1 failed")
        await super()._handle_fetch(kafka, batches, dlq)


@pytest.fixture
def kafka(monkeypatch: pytest.MonkeyPatch) -> PrefetchingKafka:
    stand_in = PrefetchingKafka()
    monkeypatch.setattr(consumer_module, "AIOKafkaConsumer", lambda *topics, **config: stand_in)
    monkeypatch.setattr(consumer_module, "AIOKafkaProducer", Producer)
    return stand_in


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def publish_one_by_one(kafka: PrefetchingKafka, *records: tuple[TopicPartition, int]) -> None:
    for partition, offset in records:
        kafka.publish(partition, offset)
        await settle()


async def run_with_p0_held(
    runner: HeldRunner, kafka: PrefetchingKafka, stop: asyncio.Event
) -> asyncio.Task[None]:
    """Start the runner with one record of P0 published: its first handling, held."""
    kafka.publish(P0, 0)
    running = asyncio.create_task(runner.run(stop))
    await settle()
    assert runner.handed == [{0: [0]}]
    return running


class TestFetchingWhileHandling:
    async def test_what_reaches_the_broker_during_a_handling_is_handed_over_at_once_after_it(
        self, kafka: PrefetchingKafka
    ):
        runner, stop = HeldRunner(), asyncio.Event()
        running = await run_with_p0_held(runner, kafka, stop)
        await publish_one_by_one(kafka, (P0, 1), (P0, 2))
        assert kafka.broker == []  # each was fetched while the first fetch was handled
        assert runner.handed == [{0: [0]}]  # and kept: P0 is still being handled
        runner.release.set()
        await settle()
        assert runner.handed == [{0: [0]}, {0: [1, 2]}]  # one handling for both, in order
        stop.set()
        await running
        assert kafka.committed() == {P0: 3}

    async def test_at_a_trickle_another_partitions_records_wait_to_be_handled_together(
        self, kafka: PrefetchingKafka
    ):
        runner, stop = HeldRunner(), asyncio.Event()  # small_fetch 100
        running = await run_with_p0_held(runner, kafka, stop)
        await publish_one_by_one(kafka, (P1, 0), (P0, 1), (P1, 1))
        assert runner.handed == [{0: [0]}]  # the trickle waits for the handling under way
        runner.release.set()
        await settle()
        assert runner.handed == [{0: [0]}, {0: [1], 1: [0, 1]}]  # then one handling
        stop.set()
        await running
        assert kafka.committed() == {P0: 2, P1: 2}

    async def test_a_partition_does_not_wait_for_another_partitions_handling(
        self, kafka: PrefetchingKafka
    ):
        runner, stop = HeldRunner(small_fetch=0), asyncio.Event()
        running = await run_with_p0_held(runner, kafka, stop)
        await publish_one_by_one(kafka, (P0, 1), (P1, 0), (P0, 2), (P1, 1))
        # P1's records are handled (and committed) while P0's first handling is held; P0's
        # are kept until it ends
        assert runner.handed == [{0: [0]}, {1: [0]}, {1: [1]}]
        assert kafka.committed() == {P1: 1}  # the next commit waits for the commit interval
        runner.release.set()
        await settle()
        assert runner.handed == [{0: [0]}, {1: [0]}, {1: [1]}, {0: [1, 2]}]
        stop.set()
        await running
        assert kafka.committed() == {P0: 3, P1: 2}

    async def test_a_failed_handling_ends_the_run_once_the_others_have_ended(
        self, kafka: PrefetchingKafka
    ):
        runner, stop = FailingP1Runner(small_fetch=0), asyncio.Event()
        running = await run_with_p0_held(runner, kafka, stop)
        # P1's handling fails while P0's is held; P0's next is kept, never handed over: the
        # run is ending
        await publish_one_by_one(kafka, (P1, 0), (P0, 1))
        assert not running.done()  # P0's handling has not ended yet
        runner.release.set()
        with pytest.raises(RuntimeError, match="P1 failed"):
            await running
        assert runner.handed == [{0: [0]}, {1: [0]}]
        assert kafka.committed() == {P0: 1}  # the failed partition's offset is not committed

    async def test_it_keeps_at_most_max_records_and_fetches_the_rest_once_they_are_taken(
        self, kafka: PrefetchingKafka
    ):
        runner, stop = HeldRunner(max_records=3), asyncio.Event()
        kafka.publish(P0, 0)
        running = asyncio.create_task(runner.run(stop))
        await settle()
        kafka.publish(P0, 1)  # buffered, fetched (room 3)
        await settle()
        for offset in range(2, 7):  # 2 buffered at once, the rest on the broker
            kafka.publish(P0, offset)
        await settle()
        assert sum(map(len, runner._fetched.values())) == 3  # kept
        assert kafka.asked_for[-1] == 1  # only for the room left
        assert [r.offset for r in kafka.buffer] == [4, 5, 6]  # the rest waits in aiokafka
        runner.release.set()
        await settle()
        stop.set()
        await running
        assert runner.handed == [{0: [0]}, {0: [1, 2, 3]}, {0: [4, 5, 6]}]
        assert kafka.committed() == {P0: 7}

    async def test_stopping_hands_over_what_was_fetched_before_it_returns(
        self, kafka: PrefetchingKafka
    ):
        runner, stop = HeldRunner(), asyncio.Event()
        kafka.publish(P1, 0)
        running = asyncio.create_task(runner.run(stop))
        await settle()
        kafka.publish(P1, 1)
        await settle()
        stop.set()
        runner.release.set()
        await running
        assert runner.handed == [{1: [0]}, {1: [1]}]
        assert kafka.commits[-1] == {P1: 2}
