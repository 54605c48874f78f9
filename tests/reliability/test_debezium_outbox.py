"""Debezium's outbox engine (issue 18, item 2) on the real thing: a PostgreSQL cluster of its own
with ``wal_level=logical`` (the shared test server is never reconfigured), Kafka Connect 3.9.1
(the broker's version) with ``debezium-connector-postgres`` 3.6.1.Final, its outbox event router
and our ``CloudEventsBinary`` transformation — all installed by ``common.testing.debezium``.

* the records Debezium publishes are byte for byte those our relay publishes for the same outbox
  rows (topic with the Kafka prefix, partition, key, headers in order, value);
* a platform consumer (``KafkaConsumerRunner``) applies them unchanged;
* the Connect worker killed with SIGKILL mid-stream, three times: every committed change
  published at least once and applied exactly once in order per key, nothing rolled back
  published;
* while Connect is down the replication slot keeps the WAL (the disk grows) and gives it back
  once Connect caught up.
"""

import asyncio
import contextlib
import os
import random
import shutil
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from common.db import migrations
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.testing import debezium
from common.testing.example.app import changed_event
from common.testing.example.db.models import things
from common.testing.kafka import create_topic, read_topic
from common.testing.witness import (
    applied_count,
    check_invariants,
    create_things,
    witness_handler,
    write_changes,
)

pytestmark = pytest.mark.debezium

KEYS = [f"k{i:02d}" for i in range(20)]


@pytest.fixture(scope="module")
def logical_pg() -> str:
    dsn = debezium.ensure_logical_postgres()
    yield dsn
    debezium.stop_logical_postgres()


class Outbox:
    """One example-service database on the logical cluster and its Connect worker."""

    def __init__(self, admin_dsn: str, name: str, kafka: str, workdir: Path) -> None:
        self.admin_dsn = admin_dsn
        self.name = name
        self.kafka = kafka
        self.workdir = workdir
        self.url = (
            make_url(admin_dsn)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
        self.database = Database(self.url)
        self.worker: debezium.ConnectWorker | None = None

    def connect(self, kafka_prefix: str = "") -> debezium.ConnectWorker:
        connector = debezium.outbox_connector(
            f"outbox-{self.name}",
            admin_dsn=self.admin_dsn,
            database=self.name,
            kafka_prefix=kafka_prefix,
        )
        self.worker = debezium.ConnectWorker(self.workdir, connector, bootstrap=self.kafka)
        return self.worker

    def slot(self) -> debezium.SlotState | None:
        assert self.worker is not None
        return debezium.slot_state(self.admin_dsn, self.worker.connector["slot.name"])


@pytest.fixture
async def outbox(logical_pg, infra, tmp_path) -> AsyncIterator[Outbox]:
    name = f"deb_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    created = Outbox(logical_pg, name, infra.kafka_bootstrap_servers, tmp_path / "connect")
    await asyncio.to_thread(_create_database, logical_pg, name)
    await asyncio.to_thread(migrations.upgrade, "common.testing.example", created.url)
    try:
        yield created
    finally:
        await created.database.dispose()
        if created.worker is not None:
            created.worker.stop()
            connector = created.worker.connector
            await asyncio.to_thread(
                debezium.drop_slot,
                logical_pg,
                connector["slot.name"],
                connector["publication.name"],
                name,
            )
        await asyncio.to_thread(_drop_database, logical_pg, name)
        shutil.rmtree(created.workdir, ignore_errors=True)


def _create_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def unique_topic(purpose: str) -> str:
    return f"debezium.{purpose}.{os.getpid()}.{time.time_ns() % 10**9}.v1"


async def outbox_size(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM outbox"))).scalar_one())


async def wait_applied(database: Database, consumer: str, *, timeout: float = 180.0) -> None:
    """Until the consumer applied (or dead-lettered) every outbox row. With Debezium the
    outbox's ``published_at`` stays empty: the slot, not the row, knows what was read."""
    deadline = time.monotonic() + timeout
    while True:
        async with database.engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM outbox) AS total,"
                        " (SELECT count(DISTINCT event_id) FROM applied_events"
                        "   WHERE consumer = :c) AS applied,"
                        " (SELECT count(*) FROM dead_letters WHERE consumer = :c) AS dead"
                    ),
                    {"c": consumer},
                )
            ).one()
        if row.applied + row.dead >= row.total:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"after {timeout}s: {row.applied} of {row.total} applied")
        await asyncio.sleep(0.25)


async def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout}s")
        await asyncio.sleep(0.25)


def tricky_envelopes(topic: str) -> list[Envelope]:
    """Data whose JSON encoding has every corner our relay's encoding has: keys of different
    lengths out of order, non-ASCII (Danish and beyond the BMP), escapes, floats that Python
    writes in exponent form, big integers, null, booleans, nesting; optional attributes."""
    data = [
        {"zz": 1, "a": "æøå ÆØÅ", "mm": [1, 2.5, None, True, False], "é": {"b": 1, "a": 2}},
        {"text": 'quote " backslash \\ newline \n tab \t bell \x07 del \x7f', "emoji": "🏠"},
        {"small": 1e-07, "large": 1e16, "price": 1234.5, "tenth": 0.1, "neg": -2.75e-05},
        {"big": 123456789012345678901234567890, "zero": 0, "negzero": -0.0, "list": []},
        {"nested": {"deeper": {"deepest": ["x", {"k": "v", "K": "V"}]}}, "empty": {}},
    ]
    envelopes = []
    for i, item in enumerate(data):
        envelopes.append(
            Envelope(
                type="example.thing.changed",
                source="/housing/example",
                subject=f"thing-{i}",
                topic=topic,
                data=item,
                schema_version=1 + i % 2,
                correlation_id=f"corr-{i}" if i % 2 else None,
                causation_id=str(uuid.uuid4()) if i % 3 == 0 else None,
            )
        )
    for i in range(200):  # and volume, over a few keys
        envelopes.append(changed_event(f"thing-{i % 7}", i + 1, f"navn {i} ø", topic))
    return envelopes


class TestSameRecordsAsTheRelay:
    async def test_debezium_publishes_byte_for_byte_the_relays_records(self, outbox, infra):
        """The same outbox rows, published by Debezium under one Kafka prefix and by our relay
        under another: every record equal in partition, key, headers (in order) and value."""
        kafka = infra.kafka_bootstrap_servers
        logical = unique_topic("same")
        run = uuid.uuid4().hex[:6]
        debezium_prefix, relay_prefix = f"deb{run}.", f"rel{run}."
        for prefix in (debezium_prefix, relay_prefix):
            await create_topic(kafka, f"{prefix}{logical}")
        await asyncio.to_thread(outbox.connect(kafka_prefix=debezium_prefix).start)
        envelopes = tricky_envelopes(logical)
        for start in range(0, len(envelopes), 50):
            async with UnitOfWork(outbox.database) as uow:
                for envelope in envelopes[start : start + 50]:
                    uow.record_event(envelope)
                await uow.commit()
        bus = KafkaBus(kafka, client_id="relay-beside-debezium", prefix=relay_prefix)
        relay = OutboxRelay(outbox.database, bus)
        try:
            while await relay.publish_once():
                pass
        finally:
            await bus.stop()

        relayed = await read_topic(kafka, f"{relay_prefix}{logical}")
        deadline = time.monotonic() + 60
        while True:
            published = await read_topic(kafka, f"{debezium_prefix}{logical}")
            if len(published) >= len(envelopes) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)

        def by_id(records):
            return {dict(r.headers)["ce_id"].decode(): r for r in records}

        from_relay, from_debezium = by_id(relayed), by_id(published)
        assert len(relayed) == len(from_relay) == len(envelopes)
        assert len(published) == len(from_debezium) == len(envelopes)
        for event_id, ours in from_relay.items():
            theirs = from_debezium[event_id]
            assert (theirs.partition, theirs.key, theirs.value) == (
                ours.partition,
                ours.key,
                ours.value,
            ), event_id
            assert list(theirs.headers) == list(ours.headers), event_id
        # and the consumer's decoding gives back the envelopes that were recorded
        expected = {str(envelope.id): envelope for envelope in envelopes}
        for event_id, record in from_debezium.items():
            decoded = Envelope.from_kafka(logical, list(record.headers), record.value)
            assert decoded == expected[event_id]
        assert outbox.worker is not None
        assert outbox.worker.errors() == []


class TestPlatformConsumer:
    async def test_a_platform_consumer_applies_debezium_events_under_the_kafka_prefix(
        self, outbox, infra
    ):
        kafka = infra.kafka_bootstrap_servers
        logical = unique_topic("consumer")
        prefix = f"p{uuid.uuid4().hex[:6]}."
        await create_topic(kafka, f"{prefix}{logical}")
        await asyncio.to_thread(outbox.connect(kafka_prefix=prefix).start)
        group = f"g-{logical}"
        runner = KafkaConsumerRunner(
            outbox.database,
            kafka,
            Consumer(group, (logical,), witness_handler(group)),
            prefix=prefix,
        )
        stop = asyncio.Event()
        consuming = asyncio.create_task(runner.run(stop))
        try:
            await create_things(outbox.database, KEYS, topic=logical)
            report = await write_changes(outbox.database, KEYS, 300, topic=logical, seed=3)
            await wait_applied(outbox.database, group, timeout=120)
        finally:
            stop.set()
            await consuming

        verdict = await check_invariants(outbox.database, group)
        assert verdict.holds, verdict
        assert report.committed == 300
        assert verdict.applied == verdict.committed == 300 + len(KEYS)
        async with outbox.database.engine.connect() as connection:
            applied = (
                await connection.execute(
                    text(
                        "SELECT a.key, a.version FROM applied_events a "
                        "JOIN outbox o ON o.event_id = a.event_id ORDER BY a.id"
                    )
                )
            ).all()
        assert len(applied) == 300 + len(KEYS)
        assert {key for key, _ in applied} == set(KEYS)


class TestConnectCrashes:
    async def test_connect_worker_killed_three_times_during_1500_changes(self, outbox, infra):
        """kill -9 of the Connect worker mid-stream, three times, while changes (and rolled-back
        transactions) are written; the worker restarts from its last flushed offsets and the
        slot's confirmed position."""
        kafka = infra.kafka_bootstrap_servers
        topic = unique_topic("crash")
        await create_topic(kafka, topic)
        worker = outbox.connect()
        await asyncio.to_thread(worker.start)
        group = f"g-{topic}"
        runner = KafkaConsumerRunner(
            outbox.database, kafka, Consumer(group, (topic,), witness_handler(group))
        )
        stop = asyncio.Event()
        consuming = asyncio.create_task(runner.run(stop))
        rolled_back: list[str] = []
        rng = random.Random(18)

        async def roll_back_now_and_then() -> None:
            while not stop.is_set():
                async with UnitOfWork(outbox.database) as uow:
                    envelope = changed_event(f"rolled-back-{len(rolled_back)}", 1, "x", topic)
                    await uow.session.execute(
                        insert(things).values(
                            id=envelope.subject, organisation_id="o", name="x", version=1
                        )
                    )
                    uow.record_event(envelope)
                    await uow.session.flush()
                    rolled_back.append(str(envelope.id))
                    await uow.rollback()
                await asyncio.sleep(0.05)

        kills = 0
        try:
            await create_things(outbox.database, KEYS, topic=topic)
            committed = 0
            rollbacks = asyncio.create_task(roll_back_now_and_then())
            for kill in range(3):
                # 400 changes paced at ~50/s by two writers; the kill lands while they write
                # and while events of this start are arriving
                writer = asyncio.create_task(
                    write_changes(
                        outbox.database,
                        KEYS,
                        400,
                        topic=topic,
                        seed=kill,
                        concurrency=2,
                        max_hold=0.06,
                    )
                )
                flowing = await applied_count(outbox.database, group) + rng.randint(20, 80)
                while await applied_count(outbox.database, group) < flowing:
                    await asyncio.sleep(0.05)
                assert not writer.done()
                worker.kill()
                kills += 1
                await asyncio.to_thread(worker.start)
                committed += (await writer).committed
            committed += (await write_changes(outbox.database, KEYS, 300, topic=topic)).committed
            await wait_applied(outbox.database, group, timeout=180)
        finally:
            stop.set()
            await consuming
            with contextlib.suppress(NameError):
                await rollbacks

        assert kills == 3
        assert worker.starts == 4
        assert committed == 1500
        verdict = await check_invariants(outbox.database, group)
        assert verdict.holds, verdict
        assert verdict.applied == verdict.committed == 1500 + len(KEYS)
        published = Counter(
            dict(r.headers)["ce_id"].decode() for r in await read_topic(kafka, topic, timeout=60)
        )
        assert len(published) == verdict.committed  # every committed change is on Kafka
        assert len(rolled_back) > 10
        assert not set(rolled_back) & set(published)  # nothing rolled back was published
        republished = sum(1 for times in published.values() if times > 1)
        print(f"debezium crash test: {republished} events published more than once")


class TestSlotWhileConnectIsDown:
    async def test_the_slot_keeps_the_wal_while_connect_is_down_and_frees_it_after(
        self, outbox, infra
    ):
        kafka = infra.kafka_bootstrap_servers
        topic = unique_topic("wal")
        await create_topic(kafka, topic)
        worker = outbox.connect()
        await asyncio.to_thread(worker.start)
        await create_things(outbox.database, KEYS, topic=topic)
        worker.kill()
        await wait_for(lambda: not outbox.slot().active, 30, "the slot was not released")
        before = outbox.slot()
        assert before is not None
        lsn_before = await _current_lsn(outbox.admin_dsn)
        await write_changes(outbox.database, KEYS, 1000, topic=topic, seed=5, concurrency=4)
        wal_written = await _wal_since(outbox.admin_dsn, lsn_before)
        down = outbox.slot()
        assert down is not None
        assert not down.active
        # every byte of WAL written since Connect died is kept for the slot
        assert down.retained_bytes >= before.retained_bytes + wal_written > 0

        await asyncio.to_thread(worker.start)
        deadline = time.monotonic() + 120
        while True:  # the backlog goes out...
            records = await read_topic(kafka, topic, timeout=60)
            if len({dict(r.headers)["ce_id"] for r in records}) >= 1000 + len(KEYS):
                break
            assert time.monotonic() < deadline, f"{len(records)} of {1000 + len(KEYS)} published"
            await asyncio.sleep(0.5)
        assert len({dict(r.headers)["ce_id"] for r in records}) == 1000 + len(KEYS)
        # ...and the slot gives the WAL back once Connect committed its offsets
        await wait_for(
            lambda: outbox.slot().retained_bytes < wal_written // 10,
            60,
            "the slot did not give the WAL back",
        )
        print(
            f"debezium slot: {wal_written / 1024:.0f} KiB WAL for 1,000 changes kept while "
            f"Connect was down; {outbox.slot().retained_bytes / 1024:.0f} KiB after catch-up"
        )


async def _current_lsn(admin_dsn: str) -> str:
    async with await psycopg.AsyncConnection.connect(admin_dsn) as connection:
        row = await (await connection.execute("SELECT pg_current_wal_lsn()::text")).fetchone()
    assert row is not None
    return str(row[0])


async def _wal_since(admin_dsn: str, lsn: str) -> int:
    async with await psycopg.AsyncConnection.connect(admin_dsn) as connection:
        row = await (
            await connection.execute(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)::bigint", (lsn,)
            )
        ).fetchone()
    assert row is not None
    return int(row[0])
