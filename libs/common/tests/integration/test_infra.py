"""The test infrastructure itself: real PostgreSQL and Kafka come up and are reused."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from common.testing import infra
from common.testing.kafka import create_topic


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


async def _topics(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


def _free_port_pair() -> int:
    """A free port p with p + 1 free as well (the broker's controller listens on p + 1)."""
    for _ in range(50):
        port = infra.free_port()
        if not infra._port_open("127.0.0.1", port + 1):
            return port
    raise AssertionError("no two free neighbouring ports in 50 tries")


def test_a_broker_we_start_begins_without_the_topics_of_ended_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A broker of its own (its own cache folder and port), on the shared broker's jars.
    shared = infra._kafka_paths(infra.load_config())
    infra.ensure_kafka_jars()
    home = tmp_path / f"kafka-{infra.KAFKA_VERSION}"
    home.mkdir()
    (home / "lib").symlink_to(shared.lib)
    shutil.copy(shared.marker, home / "lib.complete")
    monkeypatch.setenv("HOUSING_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HOUSING_TEST_KAFKA_PORT", str(_free_port_pair()))
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    try:
        bootstrap = infra.ensure_kafka()
        asyncio.run(create_topic(bootstrap, "test.ended-run.lease.v1", partitions=3))
        assert "test.ended-run.lease.v1" in asyncio.run(_topics(bootstrap))
        assert infra.stop_kafka()

        assert infra.ensure_kafka() == bootstrap

        assert "test.ended-run.lease.v1" not in asyncio.run(_topics(bootstrap))
        assert not (tmp_path / "kafka-data" / "test.ended-run.lease.v1-0").exists()
    finally:
        infra.stop_kafka()
