"""Processes and checks for the event backbone's crash tests.

The tests start a relay and a consumer of the example service's events as real subprocesses,
``kill -9`` them at the worst moments and restart them, while writers change things. Every
application of an event leaves a row in ``applied_events`` (no unique constraint, so a double
application would show); :func:`check_invariants` then checks the promise over the whole
history: every committed change published and applied exactly once, in order per key.

    python -m common.testing.witness relay --database-url URL --kafka HOST:PORT
    python -m common.testing.witness consume --database-url URL --kafka HOST:PORT --group NAME
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer, ConsumerRecord
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from common.db.engine import Database
from common.db.tables import dead_letters, outbox
from common.db.uow import UnitOfWork
from common.events.consumer import (
    Consumer,
    Handler,
    KafkaConsumerRunner,
    Outcome,
    subscribe_in_process,
)
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import InProcessBus, KafkaBus
from common.testing.example.app import TOPIC, changed_event
from common.testing.example.db.models import applied_events, things


def witness_row(
    consumer_name: str, envelope: Envelope, version: int | None = None
) -> dict[str, Any]:
    """The row a witness consumer writes for an event: its key and version (from its data
    unless given) under the consumer's name."""
    return {
        "consumer": consumer_name,
        "key": envelope.key,
        "version": int(envelope.data["version"]) if version is None else version,
        "event_id": envelope.id,
    }


def witness_handler(consumer_name: str) -> Handler:
    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        await session.execute(insert(applied_events), [witness_row(consumer_name, envelope)])

    return handle


# --- writers (run in the test process) ---------------------------------------------------------


async def create_things(database: Database, keys: Sequence[str], *, topic: str) -> None:
    async with UnitOfWork(database) as uow:
        for key in keys:
            await uow.session.execute(
                insert(things).values(id=key, organisation_id="org-w", name="v1", version=1)
            )
            uow.record_event(changed_event(key, 1, "v1", topic))
        await uow.commit()


async def change_thing(
    database: Database, key: str, *, topic: str, hold_seconds: float = 0.0
) -> int:
    """One change of one thing: bump its version under the row lock and record the event."""
    async with UnitOfWork(database) as uow:
        current: int | None = await uow.session.scalar(
            select(things.c.version).where(things.c.id == key).with_for_update()
        )
        if current is None:
            raise LookupError(key)
        version = current + 1
        await uow.session.execute(update(things).where(things.c.id == key).values(version=version))
        uow.record_event(changed_event(key, version, f"v{version}", topic))
        if hold_seconds:
            await asyncio.sleep(hold_seconds)  # keeps commit order different from id order
        await uow.commit()
        return version


@dataclass
class WriterReport:
    committed: int = 0
    failed: int = 0


async def write_changes(
    database: Database,
    keys: Sequence[str],
    changes: int,
    *,
    topic: str,
    concurrency: int = 4,
    max_hold: float = 0.003,
    seed: int = 0,
    report: WriterReport | None = None,
) -> WriterReport:
    """``changes`` committed changes spread over ``keys``; database errors are retried, as a
    real client would (an unknown outcome just means one more change — the outbox is the
    ground truth)."""
    report = report or WriterReport()
    rng = random.Random(seed)
    remaining = changes

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            key = rng.choice(keys)
            while True:
                try:
                    await change_thing(
                        database, key, topic=topic, hold_seconds=rng.uniform(0, max_hold)
                    )
                    report.committed += 1
                    break
                except (DBAPIError, OSError):
                    report.failed += 1
                    await asyncio.sleep(0.1)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return report


# --- checks ------------------------------------------------------------------------------------


@dataclass
class Verdict:
    committed: int
    applied: int
    missing: list[str] = field(default_factory=list)
    applied_twice: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    dead_letters: int = 0

    @property
    def holds(self) -> bool:
        return not (self.missing or self.applied_twice or self.out_of_order or self.unknown)


async def unpublished_count(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int(
            (
                await connection.execute(
                    text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                )
            ).scalar_one()
        )


async def applied_count(database: Database, consumer: str) -> int:
    async with database.engine.connect() as connection:
        return int(
            (
                await connection.execute(
                    text("SELECT count(*) FROM applied_events WHERE consumer = :c"), {"c": consumer}
                )
            ).scalar_one()
        )


async def wait_until_settled(database: Database, consumer: str, *, timeout: float = 120.0) -> None:
    """Until every outbox row is published and applied (or dead-lettered) by ``consumer``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with database.engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM outbox) AS total,"
                        " (SELECT count(*) FROM outbox WHERE published_at IS NULL) AS unpublished,"
                        " (SELECT count(DISTINCT event_id) FROM applied_events WHERE consumer = :c)"
                        "   AS applied,"
                        " (SELECT count(*) FROM dead_letters WHERE consumer = :c) AS dead"
                    ),
                    {"c": consumer},
                )
            ).one()
        if row.unpublished == 0 and row.applied + row.dead >= row.total:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(
                f"not settled after {timeout}s: {row.total} events, {row.unpublished} "
                f"unpublished, {row.applied} applied, {row.dead} dead-lettered"
            )
        await asyncio.sleep(0.25)


async def check_invariants(database: Database, consumer: str) -> Verdict:
    async with database.engine.connect() as connection:
        committed = (
            await connection.execute(select(outbox.c.event_id, outbox.c.key, outbox.c.envelope))
        ).all()
        applied = (
            await connection.execute(
                select(applied_events.c.event_id, applied_events.c.key, applied_events.c.version)
                .where(applied_events.c.consumer == consumer)
                .order_by(applied_events.c.id)
            )
        ).all()
        dead = (
            await connection.execute(
                select(dead_letters.c.event_id).where(dead_letters.c.consumer == consumer)
            )
        ).all()
    committed_ids = {str(row.event_id) for row in committed}
    dead_ids = {str(row.event_id) for row in dead}
    times_applied = Counter(str(row.event_id) for row in applied)
    verdict = Verdict(committed=len(committed_ids), applied=len(applied), dead_letters=len(dead))
    verdict.missing = sorted(committed_ids - set(times_applied) - dead_ids)
    verdict.applied_twice = sorted(e for e, n in times_applied.items() if n > 1)
    verdict.unknown = sorted(set(times_applied) - committed_ids)
    versions_by_key: dict[str, list[int]] = defaultdict(list)
    for row in applied:
        versions_by_key[row.key].append(row.version)
    verdict.out_of_order = sorted(
        key for key, versions in versions_by_key.items() if versions != sorted(versions)
    )
    return verdict


# --- the processes the tests kill --------------------------------------------------------------


class AnnouncingBus(KafkaBus):
    """Says when a batch was acknowledged by Kafka, then pauses before the relay marks it
    published: a kill during the pause lands exactly between the two."""

    def __init__(self, bootstrap_servers: str, pause: float) -> None:
        super().__init__(bootstrap_servers, client_id="witness-relay")
        self.pause = pause

    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        await super().send_batch(envelopes)
        print(f"sent {len(envelopes)}", flush=True)
        await asyncio.sleep(self.pause)

    async def send_structured(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        await self.send_structured_records(bodies)  # the relay's own (fast) path
        print(f"sent {len(bodies)}", flush=True)
        await asyncio.sleep(self.pause)


class CrashingConsumerRunner(KafkaConsumerRunner):
    """Kills its own process right after the database commit that took it past N handled
    events, before the Kafka offsets of those events are committed."""

    def __init__(self, *args: object, crash_after: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.crash_after = crash_after
        self.handled = 0

    async def _handle_records(
        self, records: Sequence[ConsumerRecord[bytes, bytes]], dlq: AIOKafkaProducer
    ) -> list[Outcome]:
        outcomes = await super()._handle_records(records, dlq)  # committed in the database
        for outcome in outcomes:
            print(outcome.value, flush=True)
        self.handled += len(outcomes)
        if self.crash_after is not None and self.handled >= self.crash_after:
            print("crash", flush=True)  # before the Kafka offsets of these records
            os.kill(os.getpid(), signal.SIGKILL)
        return outcomes


async def _run_relay(args: argparse.Namespace) -> None:
    database = Database(args.database_url, pre_ping=False)  # as in a worker
    relay = OutboxRelay(
        database,
        AnnouncingBus(args.kafka, args.pause_after_send),
        batch_size=args.batch_size,
        lanes=args.lanes,
        lane_check_interval=0.2,
        concurrency=args.concurrency,
    )
    print("started", flush=True)
    await relay.run(asyncio.Event())


async def _run_consumer(args: argparse.Namespace) -> None:
    database = Database(args.database_url, pre_ping=False)  # as in a worker
    consumer = Consumer(args.group, (args.topic,), witness_handler(args.group))
    runner = CrashingConsumerRunner(
        database, args.kafka, consumer, crash_after=args.crash_after, max_records=50
    )
    await runner.run(asyncio.Event())


async def _run_embedded(args: argparse.Namespace) -> None:
    """The embedded run's shape in one process: relay → in-process bus → inbox consumer, with a
    consumer slower than the relay (``--handle-delay``) so events wait in the bus when killed."""
    database = Database(args.database_url, pre_ping=False)
    applies = witness_handler(args.group)

    async def slow_handler(session: AsyncSession, envelope: Envelope) -> None:
        await asyncio.sleep(args.handle_delay)
        await applies(session, envelope)

    bus = InProcessBus()
    subscribe_in_process(bus, database, Consumer(args.group, (args.topic,), slow_handler))
    print("ready", flush=True)
    await OutboxRelay(database, bus, batch_size=args.batch_size, poll_interval=0.1).run(
        asyncio.Event()
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m common.testing.witness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    relay = commands.add_parser("relay", help="run the example service's outbox relay")
    consume = commands.add_parser("consume", help="apply example events into applied_events")
    embedded = commands.add_parser(
        "embedded", help="relay, in-process bus and consumer in one process (the embedded run)"
    )
    for command in (relay, consume, embedded):
        command.add_argument("--database-url", required=True)
    for command in (relay, consume):
        command.add_argument("--kafka", required=True)
    for command in (relay, embedded):
        command.add_argument("--batch-size", type=int, default=50)
    embedded.add_argument("--group", required=True)
    embedded.add_argument("--topic", required=True, help="the test's own topic (no broker)")
    embedded.add_argument("--handle-delay", type=float, default=0.005, help="seconds per event")
    relay.add_argument("--pause-after-send", type=float, default=0.0)
    relay.add_argument("--lanes", type=int, default=0, help="own lanes (a power of two)")
    relay.add_argument("--concurrency", type=int, default=1, help="publishing loops (lanes)")
    consume.add_argument("--group", required=True)
    consume.add_argument("--topic", default=TOPIC, help="the test's own topic")
    consume.add_argument("--crash-after", type=int, help="kill -9 self after N handled events")
    args = parser.parse_args(argv)
    runner = {"relay": _run_relay, "consume": _run_consumer, "embedded": _run_embedded}[
        args.command
    ]
    try:
        asyncio.run(runner(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
