"""The service's consumers against the real Kafka broker: the register's master data and
vacancy events arrive as published envelopes (on topics unique to this test run), each applied
once through the inbox, and the 4th family vacancy opens an offer in the outbox."""

from __future__ import annotations

import asyncio
import dataclasses

from allocation.events.incoming import consumers
from common.events.consumer import KafkaConsumerRunner
from common.events.transport import KafkaBus
from common.testing.kafka import create_topic

from .support import department, make_agreement, organisation, outbox, sql, vacancy


async def wait_for(predicate, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.2)


class TestConsumersOnKafka:
    async def test_vacancies_from_the_broker_open_the_municipalitys_offer_once(
        self, allocation_client, allocation_db, allocation_db_url, tokens, infra
    ):
        client = await allocation_client()
        await make_agreement(client, tokens)
        run = infra.run_id.replace("_", "-")
        topics = {name: f"test.{run}.alloc.{name}" for name in ("org", "dep", "dwelling")}
        for topic in topics.values():
            await create_topic(infra.kafka_bootstrap_servers, topic, partitions=2)
        runners = [
            KafkaConsumerRunner(
                allocation_db,
                infra.kafka_bootstrap_servers,
                dataclasses.replace(c, name=f"test.{run}.{c.name}"),
            )
            for c in consumers(
                master_data_topics=(topics["org"], topics["dep"]),
                dwelling_topics=(topics["dwelling"],),
            )
        ]
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(r.run(stop)) for r in runners]
        try:
            master = [
                dataclasses.replace(organisation("BO-1"), topic=topics["org"]),
                dataclasses.replace(department("dep-1", "BO-1"), topic=topics["dep"]),
            ]
            vacancies = [
                dataclasses.replace(vacancy(f"dw-{i}", lease_id=f"L-{i}"), topic=topics["dwelling"])
                for i in range(1, 6)
            ]
            await bus.send_batch([*master, *vacancies, *vacancies])  # delivered twice
            await wait_for(lambda: sql(allocation_db_url, "SELECT count(*) FROM inbox")[0][0] == 7)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await bus.stop()
        assert sql(allocation_db_url, "SELECT id FROM organisations") == [("BO-1",)]
        assert sql(allocation_db_url, "SELECT id FROM departments") == [("dep-1",)]
        assert sql(allocation_db_url, "SELECT counted FROM agreements") == [(5,)]
        opened = outbox(allocation_db_url, "allocation.offer.opened")
        assert len(opened) == 1
        numbers = sql(
            allocation_db_url, "SELECT dwelling_id FROM vacancies WHERE municipal ORDER BY number"
        )
        assert [opened[0]["data"]["dwelling_id"]] == [n[0] for n in numbers]
