"""On the real broker: the read model consumed incrementally (in bursts) and rebuilt from
scratch (emptied, a fresh consumer group, the topics from the beginning) is the same."""

from __future__ import annotations

import asyncio
import uuid

from common.events.consumer import KafkaConsumerRunner
from common.events.contracts import to_envelope
from common.events.transport import KafkaBus
from common.testing.kafka import create_topic
from dashboards.events.incoming import TOPICS, read_model_consumer
from dashboards.worker import rebuild

from ..conftest import sql
from .test_read_model import history, snapshot


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


class TestRebuildFromTheTopics:
    async def test_rebuilding_gives_the_same_read_model(
        self, infra, dashboards_db, dashboards_db_url, monkeypatch
    ):
        run = uuid.uuid4().hex[:8]
        renamed = {topic: f"db{run}.{topic}" for topic in TOPICS}
        for topic in renamed.values():
            await create_topic(infra.kafka_bootstrap_servers, topic)
        events = history()
        bursts = [events[:5], events[5:11], events[11:]]
        envelopes = [
            [to_envelope(e).caused(topic=renamed[e.topic]) for e in burst] for burst in bursts
        ]
        total = sum(len(b) for b in envelopes)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        first = f"dashboards.rebuild-{run}-1"

        async def incrementally() -> None:
            sent = 0
            for burst in envelopes:
                await bus.send_batch(burst)
                sent += len(burst)
                await consumed(dashboards_db_url, first, sent)

        try:
            await run_group(dashboards_db, infra, first, tuple(renamed.values()), incrementally)
        finally:
            await bus.stop()
        incremental = snapshot(dashboards_db_url)
        assert len(incremental["leases"]) == 2
        assert len(incremental["packages"]) == 2

        monkeypatch.setattr("dashboards.worker.CONSUMER_NAME", first)
        await rebuild(dashboards_db)
        assert snapshot(dashboards_db_url) == {key: [] for key in incremental}
        second = f"dashboards.rebuild-{run}-2"

        async def from_the_beginning() -> None:
            await consumed(dashboards_db_url, second, total)

        await run_group(dashboards_db, infra, second, tuple(renamed.values()), from_the_beginning)
        assert snapshot(dashboards_db_url) == incremental
