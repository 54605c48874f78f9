"""The event backbone against the real PostgreSQL and the real Kafka broker."""

import asyncio
import json
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from common.auth import Role
from common.db.tables import dead_letters, outbox
from common.db.uow import UnitOfWork
from common.events.consumer import Consumer, InboxProcessor, KafkaConsumerRunner, Outcome
from common.events.envelope import Envelope
from common.events.outbox import requeue_since, write_outbox
from common.events.relay import OutboxRelay
from common.events.transport import EventBus, KafkaBus
from common.testing.example.app import TOPIC, changed_event
from common.testing.example.db.models import applied_events, things
from common.testing.kafka import create_topic, read_topic
from common.testing.witness import (
    check_invariants,
    create_things,
    unpublished_count,
    wait_until_settled,
    witness_handler,
    write_changes,
)


def headers_of(record) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


async def outbox_rows(database):
    async with database.engine.connect() as connection:
        return (await connection.execute(select(outbox).order_by(outbox.c.id))).all()


class FailingBus(EventBus):
    async def ping(self) -> None:
        return None

    async def send_batch(self, envelopes) -> None:
        raise ConnectionError("broker unreachable")


class TestOutboxAndRelay:
    async def test_rollback_publishes_nothing(self, example_db, infra, topic):
        async with UnitOfWork(example_db) as uow:
            await uow.session.execute(
                insert(things).values(id="k1", organisation_id="o", name="n", version=1)
            )
            uow.record_event(changed_event("k1", 1, "n", topic))
            await uow.rollback()
        async with UnitOfWork(example_db) as uow:  # leaving without commit rolls back too
            uow.record_event(changed_event("k2", 1, "n", topic))
        relay = OutboxRelay(example_db, KafkaBus(infra.kafka_bootstrap_servers))
        assert await relay.publish_once() == 0
        assert await outbox_rows(example_db) == []
        assert await read_topic(infra.kafka_bootstrap_servers, topic) == []

    async def test_writing_no_events_writes_no_row(self, example_db):
        """A use case that found nothing to announce (e.g. generating what already exists)
        hands over an empty list: no outbox row of defaults, no error."""
        async with UnitOfWork(example_db) as uow:
            await write_outbox(uow.session, [])
            await uow.commit()
        assert await outbox_rows(example_db) == []

    @pytest.mark.parametrize("events", [1, 3, 150])
    async def test_the_outbox_rows_wake_the_relay_once_on_commit(self, example_db, events):
        """Up to 100 envelopes are one statement that also raises the notification (no NOTIFY
        round trip of its own); more go by ``COPY`` on the driver's connection and a NOTIFY (no
        statement through SQLAlchemy). Either way: every row as its envelope, one
        notification, delivered only once the transaction commits."""
        import psycopg
        from sqlalchemy import event

        from common.db.engine import libpq_dsn
        from common.events.outbox import NOTIFY_CHANNEL

        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement.split()[0].upper())

        async with await psycopg.AsyncConnection.connect(
            libpq_dsn(example_db.url), autocommit=True
        ) as listener:
            await listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
            envelopes = [changed_event(f"k{i}", 1, "n") for i in range(events)]
            event.listen(example_db.engine.sync_engine, "before_cursor_execute", count)
            try:
                async with UnitOfWork(example_db) as uow:
                    await write_outbox(uow.session, envelopes)
                    before_commit = [n async for n in listener.notifies(timeout=0.2)]
                    await uow.commit()
            finally:
                event.remove(example_db.engine.sync_engine, "before_cursor_execute", count)
            after_commit = [n.channel async for n in listener.notifies(timeout=30.0, stop_after=1)]
            after_commit += [n.channel async for n in listener.notifies(timeout=0.3)]
        assert before_commit == []
        assert after_commit == [NOTIFY_CHANNEL]
        assert statements == (["INSERT"] if events <= 100 else [])
        rows = await outbox_rows(example_db)
        assert [
            (row.event_id, row.topic, row.key, row.event_type, row.envelope) for row in rows
        ] == [(e.id, e.topic, e.key, e.type, e.to_structured()) for e in envelopes]

    @pytest.mark.parametrize("events", [3, 150])
    async def test_the_outbox_rows_hold_the_documents_as_sent(self, example_db, events):
        """Both ways of writing (one statement, ``COPY``) store each envelope as its document:
        non-ASCII text, nesting, numbers; a document PostgreSQL refuses (NaN) fails the write
        either way, as ``json.dumps``' did."""
        import psycopg
        import sqlalchemy.exc

        data = {"name": "Søndergade 3, 2. th. ✓", "nested": {"list": [1, 2.5, None, True, "x"]}}
        envelopes = [
            Envelope(type="example.thing.changed", source="/housing/example", subject=f"k{i}",
                     topic=TOPIC, data={**data, "version": i})
            for i in range(events)
        ]  # fmt: skip
        async with UnitOfWork(example_db) as uow:
            await write_outbox(uow.session, envelopes)
            await uow.commit()
        rows = await outbox_rows(example_db)
        assert [row.envelope for row in rows] == [e.to_structured() for e in envelopes]
        refused = [*envelopes[1:], changed_event("k", 1, "n")]
        refused[0] = Envelope(type="t", source="/s", subject="s", topic=TOPIC,
                              data={"x": float("nan")})  # fmt: skip
        with pytest.raises((psycopg.DataError, sqlalchemy.exc.DataError)):
            async with UnitOfWork(example_db) as uow:
                await write_outbox(uow.session, refused)

    async def test_the_notifying_insert_writes_the_rows_write_outbox_writes(self, example_db):
        """``notifying_insert`` (``write_outbox``'s statement, also for a caller that sends it
        with its own statements): the envelopes' rows, and the relay woken once, on commit."""
        import psycopg

        from common.db.engine import driver_connection, libpq_dsn
        from common.events.outbox import NOTIFY_CHANNEL, notifying_insert

        envelopes = [changed_event(f"k{i}", i, "n") for i in range(3)]
        async with await psycopg.AsyncConnection.connect(
            libpq_dsn(example_db.url), autocommit=True
        ) as listener:
            await listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
            async with UnitOfWork(example_db) as uow:
                driver = await driver_connection(uow.session)
                await driver.execute(*notifying_insert(envelopes))
                before_commit = [n async for n in listener.notifies(timeout=0.2)]
                await uow.commit()
            after_commit = [n.channel async for n in listener.notifies(timeout=30.0, stop_after=1)]
            after_commit += [n.channel async for n in listener.notifies(timeout=0.3)]
        assert before_commit == []
        assert after_commit == [NOTIFY_CHANNEL]
        rows = await outbox_rows(example_db)
        assert [
            (row.event_id, row.topic, row.key, row.event_type, row.envelope) for row in rows
        ] == [(e.id, e.topic, e.key, e.type, e.to_structured()) for e in envelopes]
        with pytest.raises(ValueError, match="1 to 100 envelopes"):
            notifying_insert([])

    async def test_commit_publishes_exactly_one_event_with_key_and_headers(
        self, example_db, infra, topic
    ):
        await create_things(example_db, ["k1"], topic=topic)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        relay = OutboxRelay(example_db, bus)
        try:
            assert await relay.publish_once() == 1
            assert await relay.publish_once() == 0
        finally:
            await bus.stop()
        (row,) = await outbox_rows(example_db)
        assert row.published_at is not None
        (record,) = await read_topic(infra.kafka_bootstrap_servers, topic)
        assert record.key == b"k1"
        headers = headers_of(record)
        assert headers["ce_id"] == str(row.event_id)
        assert headers["ce_type"] == "example.thing.changed"
        assert headers["ce_subject"] == "k1"
        assert headers["ce_source"] == "/housing/example"
        assert headers["ce_specversion"] == "1.0"
        assert headers["ce_schemaversion"] == "1"
        assert headers["content-type"] == "application/json"
        assert json.loads(record.value) == {"id": "k1", "version": 1, "name": "v1"}
        envelope = Envelope.from_kafka(record.topic, record.headers, record.value)
        assert envelope == Envelope.from_structured(row.envelope)

    async def test_request_correlation_id_travels_into_the_event(
        self, example_client, tokens, example_db
    ):
        client = await example_client()
        response = await client.post(
            "/example/v1/things",
            json={"id": "c1", "organisation_id": "org-1", "name": "n", "amount": "1.00"},
            headers={
                **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
                "X-Correlation-ID": "corr-42",
            },
        )
        assert response.status_code == 201
        (row,) = await outbox_rows(example_db)
        assert row.topic == TOPIC
        assert row.key == "c1"
        assert row.envelope["correlationid"] == "corr-42"
        assert ("ce_correlationid", b"corr-42") in Envelope.from_structured(
            row.envelope
        ).kafka_headers()

    async def test_a_refused_request_records_no_event(self, example_client, tokens, example_db):
        client = await example_client()
        body = {"id": "c2", "organisation_id": "org-1", "name": "n", "amount": "1.00"}
        headers = tokens.headers(Role.HOUSING_ORG, orgs=["org-1"])
        assert (
            await client.post("/example/v1/things", json=body, headers=headers)
        ).status_code == 201
        assert (
            await client.post("/example/v1/things", json=body, headers=headers)
        ).status_code == 409
        assert len(await outbox_rows(example_db)) == 1

    async def test_a_failed_publish_keeps_the_row_with_its_error(self, example_db, topic):
        await create_things(example_db, ["k1"], topic=topic)
        relay = OutboxRelay(example_db, FailingBus())
        with pytest.raises(ConnectionError):
            await relay.publish_once()
        (row,) = await outbox_rows(example_db)
        assert row.published_at is None
        assert row.attempts == 1
        assert "broker unreachable" in row.last_error
        assert await relay.lag_seconds() >= 0

    async def test_published_rows_are_kept_for_the_retention_then_purged(
        self, example_db, infra, topic
    ):
        await create_things(example_db, ["k1", "k2"], topic=topic)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        relay = OutboxRelay(example_db, bus, retention=timedelta(days=7))
        try:
            await relay.publish_once()
        finally:
            await bus.stop()
        assert await relay.purge_published() == 0
        async with example_db.engine.begin() as connection:
            await connection.execute(
                text("UPDATE outbox SET published_at = now() - interval '8 days' WHERE key = 'k1'")
            )
        assert await relay.purge_published() == 1
        assert [row.key for row in await outbox_rows(example_db)] == ["k2"]

    async def test_the_relay_wakes_on_commit_without_waiting_for_the_poll(
        self, example_db, infra, topic
    ):
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        relay = OutboxRelay(example_db, bus, poll_interval=60)
        stop = asyncio.Event()
        running = asyncio.create_task(relay.run(stop))
        try:
            await asyncio.sleep(1.0)  # its first pass found nothing; it listens, next poll in 60 s
            await create_things(example_db, ["k1"], topic=topic)
            deadline = asyncio.get_running_loop().time() + 10
            while await unpublished_count(example_db):
                if asyncio.get_running_loop().time() > deadline:
                    break
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await running
            await bus.stop()
        (row,) = await outbox_rows(example_db)
        assert row.published_at is not None, "not published within 10 s of the commit"
        assert row.published_at - row.created_at < timedelta(seconds=5)  # not the 60 s poll
        (record,) = await read_topic(infra.kafka_bootstrap_servers, topic)
        assert record.key == b"k1"

    async def test_replay_requeues_events_since_a_time(self, example_db, infra, topic):
        await create_things(example_db, ["k1", "k2"], topic=topic)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        relay = OutboxRelay(example_db, bus)
        try:
            await relay.publish_once()
            (first, _) = await outbox_rows(example_db)
            assert await requeue_since(example_db.engine, first.created_at) == 2
            assert await relay.publish_once() == 2
        finally:
            await bus.stop()
        records = await read_topic(infra.kafka_bootstrap_servers, topic)
        assert sorted(r.key for r in records) == [b"k1", b"k1", b"k2", b"k2"]


class TestLagMetric:
    async def test_metrics_show_the_unpublished_backlog(self, example_client, tokens):
        client = await example_client()
        await client.post(
            "/example/v1/things",
            json={"id": "m1", "organisation_id": "org-1", "name": "n", "amount": "1.00"},
            headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
        )
        await asyncio.sleep(0.05)
        metrics = (await client.get("/example/metrics")).text
        assert 'outbox_unpublished_events{service="example"} 1.0' in metrics
        lag = next(
            line
            for line in metrics.splitlines()
            if line.startswith("outbox_oldest_unpublished_age_seconds{")
        )
        assert float(lag.rsplit(" ", 1)[1]) > 0
        assert any(
            line.startswith("http_requests_total{")
            and 'route="/example/v1/things"' in line
            and 'status="201"' in line
            for line in metrics.splitlines()
        )


class TestConcurrentWriters:
    async def test_two_writers_of_1000_changes_each_lose_no_event(self, example_db, infra, topic):
        keys = [f"k{i:02d}" for i in range(20)]
        await create_things(example_db, keys, topic=topic)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        relay = OutboxRelay(example_db, bus, batch_size=100, poll_interval=0.2)
        stop = asyncio.Event()
        running = asyncio.create_task(relay.run(stop))
        try:
            reports = await asyncio.gather(
                write_changes(example_db, keys, 1000, topic=topic, concurrency=4, seed=1),
                write_changes(example_db, keys, 1000, topic=topic, concurrency=4, seed=2),
            )
            assert [r.committed for r in reports] == [1000, 1000]
            async with asyncio.timeout(60):
                while await unpublished_count(example_db):
                    await asyncio.sleep(0.1)
        finally:
            stop.set()
            await running
            await bus.stop()
        committed = {str(row.event_id) for row in await outbox_rows(example_db)}
        assert len(committed) == 2020
        records = await read_topic(infra.kafka_bootstrap_servers, topic)
        published = [headers_of(r)["ce_id"] for r in records]
        assert set(published) == committed
        assert len(published) == len(committed)  # no crash, so no duplicates either
        versions: dict[bytes, list[int]] = defaultdict(list)
        for record in sorted(records, key=lambda r: (r.partition, r.offset)):
            versions[record.key].append(json.loads(record.value)["version"])
        for key, seen in versions.items():
            assert seen == list(range(1, len(seen) + 1)), key


class TestInbox:
    async def test_a_redelivered_event_is_applied_once(self, example_db):
        processor = InboxProcessor(example_db, Consumer("c1", (TOPIC,), witness_handler("c1")))
        envelope = changed_event("k1", 1, "n")
        assert await processor.apply(envelope) is Outcome.APPLIED
        assert await processor.apply(envelope) is Outcome.DUPLICATE
        async with example_db.engine.connect() as connection:
            count = (await connection.execute(text("SELECT count(*) FROM applied_events"))).scalar()
        assert count == 1

    async def test_a_failing_handler_leaves_no_inbox_row(self, example_db):
        async def explode(session, envelope):
            await witness_handler("c1")(session, envelope)
            raise RuntimeError("boom")

        processor = InboxProcessor(example_db, Consumer("c1", (TOPIC,), explode))
        with pytest.raises(RuntimeError):
            await processor.apply(changed_event("k1", 1, "n"))
        async with example_db.engine.connect() as connection:
            inbox_rows = (await connection.execute(text("SELECT count(*) FROM inbox"))).scalar()
            applied = (
                await connection.execute(text("SELECT count(*) FROM applied_events"))
            ).scalar()
        assert (inbox_rows, applied) == (0, 0)

    async def test_a_batch_applies_in_order_up_to_the_first_failing_event(self, example_db):
        async def handler(session, envelope):
            if envelope.data["name"] == "poison":
                raise ValueError("poison")
            await witness_handler("c1")(session, envelope)

        processor = InboxProcessor(example_db, Consumer("c1", (TOPIC,), handler))
        first, poison, third = (
            changed_event("k1", 1, "ok"),
            changed_event("k1", 2, "poison"),
            changed_event("k1", 3, "ok"),
        )
        assert await processor.apply_leading([first, poison, third]) == [Outcome.APPLIED]
        # The poison's savepoint was rolled back and the event after it was not applied, so
        # nothing of k1 can overtake the poison; what came before it is committed.
        async with example_db.engine.connect() as connection:
            versions = (await connection.execute(select(applied_events.c.version))).scalars()
            inbox_rows = (await connection.execute(text("SELECT count(*) FROM inbox"))).scalar()
        assert list(versions) == [1]
        assert inbox_rows == 1
        assert await processor.apply_leading([first, third]) == [
            Outcome.DUPLICATE,
            Outcome.APPLIED,
        ]

    async def test_a_batch_claims_its_inbox_rows_at_once_and_skips_duplicates(self, example_db):
        processor = InboxProcessor(example_db, Consumer("c1", (TOPIC,), witness_handler("c1")))
        first, second, third = (changed_event("k1", version, "n") for version in (1, 2, 3))
        assert await processor.apply(second) is Outcome.APPLIED
        # already applied, new, an id twice in one batch
        assert await processor.apply_leading([first, second, third, first]) == [
            Outcome.APPLIED,
            Outcome.DUPLICATE,
            Outcome.APPLIED,
            Outcome.DUPLICATE,
        ]
        async with example_db.engine.connect() as connection:
            versions = (
                await connection.execute(
                    select(applied_events.c.version).order_by(applied_events.c.version)
                )
            ).scalars()
            inbox_rows = (await connection.execute(text("SELECT count(*) FROM inbox"))).scalar()
        assert list(versions) == [1, 2, 3]
        assert inbox_rows == 3

    async def test_each_consumer_has_its_own_inbox(self, example_db):
        envelope = changed_event("k1", 1, "n")
        for name in ("c1", "c2"):
            processor = InboxProcessor(example_db, Consumer(name, (TOPIC,), witness_handler(name)))
            assert await processor.apply(envelope) is Outcome.APPLIED


class TestDeadLetters:
    async def test_poison_event_is_dead_lettered_then_redriven_once(self, example_db, infra, topic):
        broken = True
        name = f"poison-{topic}"
        witness = witness_handler(name)

        async def handler(session, envelope):
            if broken and envelope.data["name"] == "poison":
                raise ValueError("cannot handle poison")
            await witness(session, envelope)

        await create_things(example_db, ["a"], topic=topic)
        async with UnitOfWork(example_db) as uow:
            uow.record_event(changed_event("p", 1, "poison", topic))
            await uow.commit()
        await create_things(example_db, ["b"], topic=topic)
        await create_topic(infra.kafka_bootstrap_servers, f"{topic}.dlq", partitions=1)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        relay = OutboxRelay(example_db, bus)
        consumer = Consumer(name, (topic,), handler)
        runner = KafkaConsumerRunner(
            example_db, infra.kafka_bootstrap_servers, consumer, max_attempts=3, base_backoff=0.01
        )
        stop = asyncio.Event()
        running = asyncio.create_task(runner.run(stop))
        try:
            await relay.publish_once()
            await wait_until_settled(example_db, name, timeout=60)
        finally:
            stop.set()
            await running
            await bus.stop()

        async with example_db.engine.connect() as connection:
            (dead,) = (await connection.execute(select(dead_letters))).all()
            applied = (await connection.execute(select(applied_events.c.key))).scalars().all()
        assert dead.key == "p"
        assert dead.attempts == 3
        assert "cannot handle poison" in dead.error
        assert sorted(applied) == ["a", "b"]  # the consumer moved on past the poison
        (letter,) = await read_topic(infra.kafka_bootstrap_servers, f"{topic}.dlq")
        assert letter.key == b"p"
        letter_headers = headers_of(letter)
        assert "cannot handle poison" in letter_headers["dlq_error"]
        assert letter_headers["dlq_consumer"] == name
        assert letter_headers["ce_id"] == str(dead.event_id)

        broken = False  # the fix is deployed
        processor = InboxProcessor(example_db, consumer)
        assert await processor.redrive() == (1, 0)
        assert await processor.redrive() == (0, 0)
        verdict = await check_invariants(example_db, name)
        assert verdict.holds, verdict
        assert verdict.applied == 3

    async def test_a_stopped_runner_has_committed_the_offsets_of_all_it_applied(
        self, example_db, infra, topic
    ):
        """The runner sends each fetch's offset commit without waiting for it (each waits for
        the one before, and stopping for the last): after a stop the group's offsets are the
        ends of the partitions, not an earlier fetch's, so a restart gets nothing again."""
        from aiokafka import AIOKafkaConsumer

        from common.testing.kafka import _partitions

        name = f"offsets-{topic}"
        await create_things(example_db, [f"k{i}" for i in range(40)], topic=topic)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        try:
            await OutboxRelay(example_db, bus).publish_once()
        finally:
            await bus.stop()
        runner = KafkaConsumerRunner(
            example_db,
            infra.kafka_bootstrap_servers,
            Consumer(name, (topic,), witness_handler(name)),
            max_records=7,  # several fetches, so several commits in a row
        )
        stop = asyncio.Event()
        running = asyncio.create_task(runner.run(stop))
        try:
            await wait_until_settled(example_db, name, timeout=60)
        finally:
            stop.set()
            await running
        probe = AIOKafkaConsumer(
            bootstrap_servers=infra.kafka_bootstrap_servers,
            group_id=name,
            enable_auto_commit=False,
        )
        partitions = await _partitions(infra.kafka_bootstrap_servers, topic, 30)
        await probe.start()
        try:
            ends = await probe.end_offsets(partitions)
            committed = {p: await probe.committed(p) for p in partitions}
        finally:
            await probe.stop()
        assert sum(ends.values()) == 40
        assert committed == {p: ends[p] for p in partitions}
        verdict = await check_invariants(example_db, name)
        assert verdict.holds, verdict
        assert verdict.applied == 40

    async def test_a_malformed_message_is_dead_lettered(self, example_db, infra, topic):
        from aiokafka import AIOKafkaProducer

        await create_topic(infra.kafka_bootstrap_servers, f"{topic}.dlq", partitions=1)
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"not an event", key=b"x")
        finally:
            await producer.stop()
        consumer = Consumer(f"malformed-{topic}", (topic,), witness_handler("m"))
        runner = KafkaConsumerRunner(example_db, infra.kafka_bootstrap_servers, consumer)
        stop = asyncio.Event()
        running = asyncio.create_task(runner.run(stop))
        try:
            async with asyncio.timeout(30):
                while not await read_topic(infra.kafka_bootstrap_servers, f"{topic}.dlq"):
                    await asyncio.sleep(0.2)
        finally:
            stop.set()
            await running
        (letter,) = await read_topic(infra.kafka_bootstrap_servers, f"{topic}.dlq")
        assert letter.value == b"not an event"
        assert "malformed" in headers_of(letter)["dlq_error"]


class TestBatchHandler:
    async def test_gets_the_new_events_of_a_batch_in_order(self, example_db):
        batches: list[list[int]] = []
        per_event = witness_handler("c1")

        async def batch_handler(session, envelopes):
            batches.append([envelope.data["version"] for envelope in envelopes])
            for envelope in envelopes:
                await per_event(session, envelope)

        async def handler(session, envelope):
            raise AssertionError("the batch handler applies the batch")

        processor = InboxProcessor(example_db, Consumer("c1", (TOPIC,), handler, batch_handler))
        events = [changed_event("k1", version, "n") for version in (1, 2, 3)]
        assert await processor.apply_leading(events[:1]) == [Outcome.APPLIED]
        assert await processor.apply_leading(events) == [
            Outcome.DUPLICATE,
            Outcome.APPLIED,
            Outcome.APPLIED,
        ]
        assert await processor.apply_leading(events) == [Outcome.DUPLICATE] * 3
        assert batches == [[1], [2, 3]]  # never called without new events

    async def test_a_failing_batch_falls_back_to_one_event_at_a_time(self, example_db):
        per_event_calls: list[str] = []

        async def batch_handler(session, envelopes):
            for envelope in envelopes:
                await witness_handler("c1")(session, envelope)  # rolled back with the batch
            raise RuntimeError("one of them is poison")

        async def handler(session, envelope):
            per_event_calls.append(envelope.data["name"])
            if envelope.data["name"] == "poison":
                raise ValueError("poison")
            await witness_handler("c1")(session, envelope)

        processor = InboxProcessor(example_db, Consumer("c1", (TOPIC,), handler, batch_handler))
        first, poison, third = (
            changed_event("k1", 1, "ok"),
            changed_event("k1", 2, "poison"),
            changed_event("k1", 3, "ok"),
        )
        assert await processor.apply_leading([first, poison, third]) == [Outcome.APPLIED]
        assert per_event_calls == ["ok", "poison"]  # stopped at the poison, as without it
        async with example_db.engine.connect() as connection:
            versions = (await connection.execute(select(applied_events.c.version))).scalars()
            inbox_rows = (await connection.execute(text("SELECT count(*) FROM inbox"))).scalar()
        assert list(versions) == [1]
        assert inbox_rows == 1


class TestSmallFetches:
    """At a trickle a fetch holds an event or two, often of different partitions: applied in
    one transaction instead of one concurrent transaction per partition (``small_fetch``)."""

    @staticmethod
    def fetch(events_by_partition):
        from aiokafka import TopicPartition
        from aiokafka.structs import ConsumerRecord

        return {
            TopicPartition(TOPIC, partition): [
                ConsumerRecord(
                    TOPIC,
                    partition,
                    offset,
                    0,
                    0,
                    envelope.key.encode(),
                    envelope.kafka_value(),
                    None,
                    0,
                    0,
                    tuple(envelope.kafka_headers()),
                )
                for offset, envelope in enumerate(envelopes, start=10)
            ]
            for partition, envelopes in events_by_partition.items()
        }

    @staticmethod
    def recording_runner(example_db, transactions, **settings):
        per_event = witness_handler("c1")

        async def handler(session, envelope):
            txid = (await session.execute(text("SELECT txid_current()"))).scalar_one()
            transactions.append((envelope.key, envelope.data["version"], txid))
            await per_event(session, envelope)

        return KafkaConsumerRunner(
            example_db, "unused:9092", Consumer("c1", (TOPIC,), handler), **settings
        )

    class Commits:
        def __init__(self):
            self.sent = []

        async def commit(self, offsets):
            self.sent.append({tp.partition: offset for tp, offset in offsets.items()})

    async def test_its_partitions_are_applied_in_one_transaction_in_order(self, example_db):
        transactions = []
        runner = self.recording_runner(example_db, transactions)
        kafka = self.Commits()
        fetch = self.fetch(
            {
                0: [changed_event("k1", 1, "a"), changed_event("k1", 2, "b")],
                2: [changed_event("k2", 1, "c")],
            }
        )
        await runner._handle_fetch(kafka, fetch, None)
        await runner._settle_commit()
        assert [(key, version) for key, version, _ in transactions] == [
            ("k1", 1),
            ("k1", 2),
            ("k2", 1),
        ]
        assert len({txid for *_, txid in transactions}) == 1
        assert kafka.sent == [{0: 12, 2: 11}]
        verdict = await check_invariants(example_db, "c1")
        assert verdict.applied == 3
        async with example_db.engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM inbox"))).scalar() == 3

    async def test_a_large_fetch_or_small_fetch_0_keeps_a_transaction_per_partition(
        self, example_db
    ):
        transactions = []
        runner = self.recording_runner(example_db, transactions, small_fetch=0)
        kafka = self.Commits()
        fetch = self.fetch({0: [changed_event("k1", 1, "a")], 1: [changed_event("k2", 1, "b")]})
        await runner._handle_fetch(kafka, fetch, None)
        await runner._settle_commit()
        assert sorted((key, version) for key, version, _ in transactions) == [("k1", 1), ("k2", 1)]
        assert len({txid for *_, txid in transactions}) == 2
        assert kafka.sent == [{0: 11, 1: 11}]

    async def test_a_failing_event_is_retried_alone_and_the_others_still_applied(self, example_db):
        transactions = []
        attempts = []
        per_event = witness_handler("c1")

        async def handler(session, envelope):
            attempts.append(envelope.data["name"])
            if envelope.data["name"] == "flaky" and attempts.count("flaky") == 1:
                raise RuntimeError("first attempt fails")
            txid = (await session.execute(text("SELECT txid_current()"))).scalar_one()
            transactions.append((envelope.key, envelope.data["version"], txid))
            await per_event(session, envelope)

        runner = KafkaConsumerRunner(
            example_db, "unused:9092", Consumer("c1", (TOPIC,), handler), base_backoff=0.01
        )
        kafka = self.Commits()
        fetch = self.fetch(
            {0: [changed_event("k1", 1, "flaky")], 1: [changed_event("k2", 1, "ok")]}
        )
        await runner._handle_fetch(kafka, fetch, None)
        await runner._settle_commit()
        # the run stopped before the failing event; it was retried alone, then the rest ran
        assert attempts == ["flaky", "flaky", "ok"]
        assert [(key, version) for key, version, _ in transactions] == [("k1", 1), ("k2", 1)]
        assert kafka.sent == [{0: 11, 1: 11}]
        verdict = await check_invariants(example_db, "c1")
        assert verdict.applied == 2
