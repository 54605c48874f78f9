"""The service's consumers against the real Kafka broker: the register's master data and the
benchmark calculator's key figures arrive as published envelopes (on topics unique to this
test run) and end up in the read model and the forms, each exactly once."""

from __future__ import annotations

import asyncio
import dataclasses

from common.events.consumer import KafkaConsumerRunner
from common.events.contracts import CriticalColour
from common.events.transport import KafkaBus
from common.testing.kafka import create_topic
from governance.events.incoming import consumers

from .support import API, YEAR, department, figure, key_figures, open_year, org, organisation, sql


async def wait_for(predicate, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.2)


class TestConsumersOnKafka:
    async def test_master_data_and_key_figures_are_applied_once_from_the_broker(
        self, governance_client, governance_db, governance_db_url, tokens, infra
    ):
        client = await governance_client()
        run = infra.run_id.replace("_", "-")
        topics = {
            name: f"test.{run}.{name}"
            for name in ("organisation", "department", "keyfigures", "delivery")
        }
        for topic in topics.values():
            await create_topic(infra.kafka_bootstrap_servers, topic, partitions=1)
        runners = [
            KafkaConsumerRunner(
                governance_db,
                infra.kafka_bootstrap_servers,
                dataclasses.replace(c, name=f"test.{run}.{c.name}"),
            )
            for c in consumers(
                master_data_topics=(topics["organisation"], topics["department"]),
                key_figures_topic=topics["keyfigures"],
                delivery_topic=topics["delivery"],
            )
        ]
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(r.run(stop)) for r in runners]
        try:
            master = [
                dataclasses.replace(organisation("BO-K", "101"), topic=topics["organisation"]),
                dataclasses.replace(department("d-k", "BO-K", "147"), topic=topics["department"]),
            ]
            await bus.send_batch([*master, *master])  # delivered twice: applied once
            await wait_for(
                lambda: sql(governance_db_url, "SELECT count(*) FROM departments")[0][0] == 1
            )
            await open_year(client, tokens)
            figures = dataclasses.replace(
                key_figures(
                    "d-k", "BO-K", figure("rent_per_m2", CriticalColour.RED), municipality="147"
                ),
                topic=topics["keyfigures"],
            )
            await bus.send_batch([figures])
            await wait_for(
                lambda: (
                    sql(governance_db_url, "SELECT count(*) FROM forms WHERE figures IS NOT NULL")[
                        0
                    ][0]
                    == 1
                )
            )
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await bus.stop()
        assert sql(governance_db_url, "SELECT id, home_municipality_code FROM organisations") == [
            ("BO-K", "101")
        ]
        assert sql(governance_db_url, "SELECT count(*) FROM inbox")[0][0] == 3
        form = (
            await client.get(
                f"{API}/packages/pkg-{YEAR}-BO-K/departments/d-k", headers=org(tokens, "BO-K")
            )
        ).json()
        assert [(f["code"], f["colour"]) for f in form["key_figures"]] == [("rent_per_m2", "red")]
