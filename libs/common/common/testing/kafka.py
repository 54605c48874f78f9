"""Reading and preparing real Kafka topics in tests."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError


async def create_topic(bootstrap_servers: str, topic: str, *, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(
                [NewTopic(topic, num_partitions=partitions, replication_factor=1)]
            )
    finally:
        await admin.close()


def listed_topics(topics_file: Path) -> list[tuple[str, int]]:
    """A deployment's topic list (deploy/kafka/topics.txt: ``name partitions [config=value …]``
    a line, ``#`` starts a comment): each topic with its partition count."""
    listed = []
    for line in topics_file.read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            listed.append((fields[0], int(fields[1])))
    return listed


async def create_listed_topics(
    bootstrap_servers: str, topics_file: Path, *, prefix: str = ""
) -> list[str]:
    """Create every topic of ``topics_file`` under ``prefix`` (what the deployment's topic job
    does); returns their names."""
    names = []
    for name, partitions in listed_topics(topics_file):
        await create_topic(bootstrap_servers, prefix + name, partitions=partitions)
        names.append(prefix + name)
    return names


async def delete_topic(
    bootstrap_servers: str, topic: str, *, groups: tuple[str, ...] = (), timeout: float = 30.0
) -> None:
    """Delete ``topic`` and wait until the broker has forgotten it, and ``groups``' committed
    offsets on it (removed asynchronously, a moment later): the broker's data loss, for this
    topic only."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        await admin.delete_topics([topic])
        async with asyncio.timeout(timeout):
            # asked until it is gone, not after: the question may auto-create it again
            while await _exists(admin, topic):  # noqa: ASYNC110 - the broker has no event to await
                await asyncio.sleep(0.2)
            for group in groups:
                while await _committed(admin, group, topic):  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def committed_offsets(bootstrap_servers: str, group: str, topic: str) -> dict[int, int]:
    """``group``'s committed offset per partition of ``topic``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        return await _committed(admin, group, topic)
    finally:
        await admin.close()


async def _exists(admin: AIOKafkaAdminClient, topic: str) -> bool:
    (description,) = await admin.describe_topics([topic])
    return bool(description["error_code"] != UnknownTopicOrPartitionError.errno)


async def _committed(admin: AIOKafkaAdminClient, group: str, topic: str) -> dict[int, int]:
    offsets = await admin.list_consumer_group_offsets(group)
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


async def read_topic(
    bootstrap_servers: str, topic: str, *, timeout: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record now on ``topic``, from the beginning up to the current end offsets."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        partitions = await _partitions(bootstrap_servers, topic, timeout)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        async with asyncio.timeout(timeout):
            while [p for p in partitions if await consumer.position(p) < ends[p]]:
                batches = await consumer.getmany(timeout_ms=200)
                for batch in batches.values():
                    records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def _partitions(bootstrap_servers: str, topic: str, timeout: float) -> list[TopicPartition]:
    """The topic's partitions (waiting for it to exist, e.g. auto-created by a producer)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        async with asyncio.timeout(timeout):
            while True:
                (description,) = await admin.describe_topics([topic])
                if description["error_code"] == 0 and description["partitions"]:
                    return [
                        TopicPartition(topic, p["partition"])
                        for p in sorted(description["partitions"], key=lambda p: p["partition"])
                    ]
                await asyncio.sleep(0.2)
    finally:
        await admin.close()
