"""The test infrastructure itself: real PostgreSQL and Kafka come up and are reused."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from common.testing import infra


def test_ensure_postgres_gives_a_dsn_that_answers() -> None:
    dsn = infra.ensure_postgres()

    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        is_superuser = conn.execute("SHOW is_superuser").fetchone()
    assert is_superuser == ("on",)


def test_ensure_postgres_twice_reuses_the_running_server() -> None:
    first = infra.ensure_postgres()
    pid = infra.postgres_pid()
    with psycopg.connect(first) as conn:
        started_at = conn.execute("SELECT pg_postmaster_start_time()").fetchone()

    second = infra.ensure_postgres()

    assert second == first
    assert infra.postgres_pid() == pid
    with psycopg.connect(second) as conn:
        assert conn.execute("SELECT pg_postmaster_start_time()").fetchone() == started_at


async def test_ensure_kafka_gives_a_broker_that_round_trips_a_message() -> None:
    bootstrap = infra.ensure_kafka()
    topic = f"test-infra-{uuid.uuid4().hex}"
    payload = uuid.uuid4().bytes

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, payload, key=b"k")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), timeout=30)
    finally:
        await consumer.stop()
    assert (message.key, message.value) == (b"k", payload)


def test_ensure_kafka_twice_reuses_the_running_broker() -> None:
    first = infra.ensure_kafka()
    pid = infra.kafka_pid()

    second = infra.ensure_kafka()

    assert second == first
    assert infra.kafka_pid() == pid  # None for an external broker: then nothing was started either
