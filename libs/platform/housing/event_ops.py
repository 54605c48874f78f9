"""`housing events ...`: replay, redrive, tail and the AsyncAPI document."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiokafka import AIOKafkaConsumer

from common.db.engine import Database
from common.events.consumer import InboxProcessor
from common.events.contracts.catalogue import CATALOGUE
from common.events.envelope import Envelope
from common.events.naming import KafkaNames
from common.events.outbox import requeue_since
from housing.embedded import command_settings
from housing.services import ServiceEntry, service
from housing.settings import PlatformSettings


async def dispatch(args: argparse.Namespace) -> int:
    action = args.events_command
    if action == "replay":
        return await replay(args.service, args.since)
    if action == "redrive":
        return await redrive(args.service, args.consumer)
    if action == "tail":
        return await tail(args.topic, from_beginning=args.from_beginning, limit=args.limit)
    if action == "asyncapi":
        from common.events.asyncapi import write_document

        path = write_document(args.output)
        print(f"wrote {path}", file=sys.stderr)
        return 0
    return 2


async def replay(service_name: str, since: datetime) -> int:
    if since.tzinfo is None:
        print("--since needs a time zone, e.g. 2026-11-01T00:00:00+00:00", file=sys.stderr)
        return 2
    entry = service(service_name)
    rebuild = entry.rebuild()
    if rebuild is not None:
        return await rebuild_read_model(entry, rebuild, since)
    print(f"{service_name}: {await _requeue(entry, since)} event(s) queued for republishing",
          file=sys.stderr)  # fmt: skip
    return 0


async def _requeue(entry: ServiceEntry, since: datetime) -> int:
    with command_settings(entry, PlatformSettings()) as settings:
        database = Database(settings.effective_database_url)
        try:
            return await requeue_since(database.engine, since)
        finally:
            await database.dispose()


async def rebuild_read_model(
    entry: ServiceEntry, rebuild: Callable[[Database], Awaitable[None]], since: datetime
) -> int:
    """A read model fed only by events (the dashboards): empty it, then have every service
    that produces a topic it consumes publish its outbox again from ``since``; the running
    consumers apply the events anew and arrive at the same figures."""
    with command_settings(entry, PlatformSettings()) as settings:
        database = Database(settings.effective_database_url)
        try:
            await rebuild(database)
        finally:
            await database.dispose()
    topics = entry.consumed_topics()
    producers = sorted({c.producer for c in CATALOGUE if c.topic in topics})
    total = 0
    for producer in producers:
        count = await _requeue(service(producer), since)
        total += count
        print(f"{producer}: {count} event(s) queued for republishing", file=sys.stderr)
    print(
        f"{entry.name}: read model emptied; {total} event(s) from {', '.join(producers)} "
        "queued to rebuild it",
        file=sys.stderr,
    )
    return 0


async def redrive(service_name: str, consumer_name: str | None) -> int:
    entry = service(service_name)
    consumers = [c for c in entry.consumers() if consumer_name in (None, c.name)]
    if not consumers:
        print(f"{service_name} has no consumer {consumer_name or ''}".strip(), file=sys.stderr)
        return 1
    failures = 0
    with command_settings(entry, PlatformSettings()) as settings:
        database = Database(settings.effective_database_url)
        try:
            for consumer in consumers:
                done, failed = await InboxProcessor(database, consumer).redrive()
                failures += failed
                print(f"{consumer.name}: {done} redriven, {failed} still failing", file=sys.stderr)
        finally:
            await database.dispose()
    return 1 if failures else 0


async def tail(topic: str, *, from_beginning: bool, limit: int | None) -> int:
    """The ops view: one JSON line per event (CloudEvents structured form)."""
    platform = PlatformSettings()
    bootstrap = platform.kafka_bootstrap_servers
    names = KafkaNames(platform.kafka_prefix)
    if not bootstrap:
        print("set HOUSING_KAFKA_BOOTSTRAP_SERVERS to tail a topic", file=sys.stderr)
        return 2
    consumer = AIOKafkaConsumer(
        names.topic(topic),
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    await consumer.start()
    seen = 0
    try:
        async for record in consumer:
            try:
                envelope = Envelope.from_kafka(
                    names.logical_topic(record.topic), list(record.headers), record.value or b""
                )
                line = envelope.to_structured()
            except (ValueError, KeyError) as exc:
                line = {"malformed": str(exc), "offset": record.offset}
            line["partition"] = record.partition
            line["offset"] = record.offset
            print(json.dumps(line, ensure_ascii=False), flush=True)
            seen += 1
            if limit is not None and seen >= limit:
                break
    finally:
        await consumer.stop()
    return 0
