"""The read model is fed only by events and can be rebuilt from them: consuming the topics
incrementally (in bursts, with recomputes in between, from the real broker) and rebuilding from
scratch (empty read model, fresh consumer group, topics from the beginning) give identical
figures."""

from __future__ import annotations

import asyncio
import uuid

from benchmarks.events.incoming import TOPICS, read_model_consumer
from benchmarks.services.rebuild import reset_read_model
from common.events.consumer import KafkaConsumerRunner
from common.events.contracts import to_envelope
from common.events.transport import KafkaBus
from common.testing.kafka import create_topic

from ..conftest import sql
from .bm_factories import accounts, simple_department
from .test_event_order import cells, snapshot
from .test_key_figures import fixture_events


async def consumed(db_url: str, group: str, expected: int, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            [(count,)] = sql(db_url, "SELECT count(*) FROM inbox WHERE consumer = %s", group)
            if count >= expected:
                return
            await asyncio.sleep(0.1)


async def run_group(database, infra, group: str, topics: tuple[str, ...], until) -> None:
    runner = KafkaConsumerRunner(
        database, infra.kafka_bootstrap_servers, read_model_consumer(group, topics)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await until()
    finally:
        stop.set()
        await task


class TestReplayEqualsIncremental:
    async def test_rebuilding_from_the_topics_gives_the_same_figures(
        self, infra, feed, benchmarks_db, benchmarks_db_url
    ):
        run = uuid.uuid4().hex[:8]
        renamed = {topic: f"bm{run}.{topic}" for topic in TOPICS}
        for topic in renamed.values():
            await create_topic(infra.kafka_bootstrap_servers, topic)
        bursts = [
            fixture_events(),
            [*simple_department("P1", "1000.00"), *simple_department("P2", "1200.00")],
            [accounts("P1", 2025), accounts("A", 2025, revision=2, administration="21000.00")],
        ]
        envelopes = [
            [to_envelope(e).caused(topic=renamed[e.topic]) for e in burst] for burst in bursts
        ]
        total = sum(len(b) for b in envelopes)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        first = f"benchmarks.replay-{run}-1"

        async def incrementally() -> None:
            sent = 0
            for burst in envelopes:
                await bus.send_batch(burst)
                sent += len(burst)
                await consumed(benchmarks_db_url, first, sent)
                await feed.recompute()

        try:
            await run_group(benchmarks_db, infra, first, tuple(renamed.values()), incrementally)
        finally:
            await bus.stop()
        incremental = snapshot(benchmarks_db_url)
        incremental_cells = cells(benchmarks_db_url)
        assert {row[0] for row in incremental} == {"A", "P1", "P2"}

        async with benchmarks_db.session() as session, session.begin():
            await reset_read_model(session, first)
        assert snapshot(benchmarks_db_url) == []
        second = f"benchmarks.replay-{run}-2"

        async def from_the_beginning() -> None:
            await consumed(benchmarks_db_url, second, total)

        await run_group(benchmarks_db, infra, second, tuple(renamed.values()), from_the_beginning)
        await feed.recompute()
        assert snapshot(benchmarks_db_url) == incremental
        assert cells(benchmarks_db_url) == incremental_cells
