"""The operations page on the real broker: consumer lag and the event rates per consumer group
and topic, measured between two readings (a controlled clock)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from common.auth import Role
from common.testing.fixtures import service_settings
from common.testing.kafka import create_topic
from dashboards.services.operations import RateMeter, operations_page, read_backbone
from dashboards.settings import DashboardsSettings


async def produce(bootstrap: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for n in range(count):
            await producer.send_and_wait(topic, f"event {n}".encode())
    finally:
        await producer.stop()


async def commit(bootstrap: str, group: str, topic: str, offset: int) -> None:
    # no auto-commit: on stop it would commit the position the consumer fetched for the
    # assigned partition in the background (the offset committed before), undoing this one
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.commit({partition: OffsetAndMetadata(offset, "")})
    finally:
        await consumer.stop()


class TestEventRates:
    async def test_rates_per_group_and_topic_between_two_readings(
        self, infra, databases, tokens, dashboards_db
    ):
        bootstrap = infra.kafka_bootstrap_servers
        run = uuid.uuid4().hex[:10]
        topic = infra.kafka_topic(f"dash-rate-{run}.v1")
        group = f"{infra.kafka_prefix}dashboards.rate-{run}"  # a group of the platform
        await create_topic(bootstrap, topic, partitions=1)
        await produce(bootstrap, topic, 4)
        await commit(bootstrap, group, topic, 2)
        now = [100.0]
        meter = RateMeter(clock=lambda: now[0])
        meter.measure(await read_backbone(bootstrap, infra.kafka_prefix))
        await produce(bootstrap, topic, 6)
        await commit(bootstrap, group, topic, 8)
        now[0] = 102.0  # two seconds later
        settings = service_settings(
            DashboardsSettings, databases, tokens, package="dashboards", metrics_urls={}
        )
        page = await operations_page(dashboards_db, settings, meter)
        [row] = [r for r in page.tables["consumer_lag"].rows if r[0] == group]
        assert row == (group, topic, 2, Decimal("3.0"))  # 6 consumed in 2 s, 2 left
        rates = dict(page.tables["topic_rate"].rows)
        assert rates[topic] == Decimal("3.0")  # 6 published in 2 s
        assert page.headline["published_rate"] >= Decimal("3.0")

    async def test_the_page_with_a_broker_draws_its_charts(self, infra, dashboards_client, tokens):
        bootstrap = infra.kafka_bootstrap_servers
        run = uuid.uuid4().hex[:10]
        topic = infra.kafka_topic(f"dash-page-{run}.v1")
        group = f"{infra.kafka_prefix}notifications.page-{run}"
        await create_topic(bootstrap, topic, partitions=1)
        await produce(bootstrap, topic, 3)
        await commit(bootstrap, group, topic, 1)
        client = await dashboards_client()
        html = await client.get("/dashboards/operations", headers=tokens.headers(Role.OPERATIONS))
        assert html.status_code == 200, html.text
        assert f"{group} · {topic}" in html.text  # the lag chart's bar
        assert '<table id="table-topic_rate">' in html.text
        assert "Behandlet pr. sek." in html.text


class TestOnlyThePlatformsGroups:
    async def test_groups_of_other_platforms_and_test_runs_are_not_read(
        self, infra, databases, tokens, dashboards_db
    ):
        """A shared broker holds other runs' groups (thousands on the test broker): the page
        reads only its own platform's — its prefix, then a service's name."""
        bootstrap = infra.kafka_bootstrap_servers
        run = uuid.uuid4().hex[:10]
        topic = infra.kafka_topic(f"dash-own-{run}.v1")
        await create_topic(bootstrap, topic, partitions=1)
        await produce(bootstrap, topic, 5)
        own = f"{infra.kafka_prefix}dashboards.own-{run}"
        others = (
            f"other.{run}.dashboards.read-model",  # another platform's prefix
            f"dash-own-{run}",  # no prefix, not a service of the platform
            f"{infra.kafka_prefix}stranger-{run}",  # this prefix, not a service
        )
        for group in (own, *others):
            await commit(bootstrap, group, topic, 3)
        settings = service_settings(
            DashboardsSettings, databases, tokens, package="dashboards", metrics_urls={}
        )
        page = await operations_page(dashboards_db, settings, RateMeter())
        groups = {row[0] for row in page.tables["consumer_lag"].rows}
        assert (own, topic, 2) in [row[:3] for row in page.tables["consumer_lag"].rows]
        assert not groups & set(others)
        assert all(g.startswith(infra.kafka_prefix) for g in groups), groups
        everything = await read_backbone(bootstrap)  # without a prefix: every group
        assert {(g, topic) for g in (own, *others)} <= set(everything.lag)
