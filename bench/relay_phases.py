"""Where the relay's time goes, measured from the outside of :class:`OutboxRelay`.

The relay code is not touched. For one instrumented drain we attach, and afterwards remove:

* SQLAlchemy cursor events around the claim and the mark statements. SQLAlchemy's async
  psycopg adapter fetches every row inside ``execute``, so the claim's time includes psycopg
  decoding the ``envelope`` jsonb column; that decoding is timed separately (below) and
  subtracted;
* a timing ``json.loads`` installed with psycopg's public ``set_json_loads``;
* timing wrappers around ``Envelope.from_structured``, ``kafka_value`` and ``kafka_headers``;
* a :class:`KafkaBus` subclass timing ``send_batch`` (encoding + producer + waiting for acks);
* a relay subclass timing each whole ``publish_once``.

What is left over (pool checkout with its pre-ping, BEGIN, COMMIT, SQLAlchemy's result
handling, event-loop switches) is reported as "other".
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import set_json_loads
from sqlalchemy import event

from common.db.engine import Database
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus

CLAIM_PREFIX = "WITH candidates"
MARK_PREFIX = "UPDATE outbox SET published_at"


@dataclass
class PhaseTimes:
    """Seconds summed over one drain."""

    total: float = 0.0
    batches: int = 0
    events: int = 0
    claim_sql: float = 0.0
    json_decode: float = 0.0
    from_structured: float = 0.0
    send_batch: float = 0.0
    encode: float = 0.0
    mark_sql: float = 0.0

    def rows(self) -> list[tuple[str, float]]:
        """(phase, seconds); the phases add up to ``total``."""
        measured = self.claim_sql + self.from_structured + self.send_batch + self.mark_sql
        return [
            (
                "claim query: PostgreSQL (SKIP LOCKED + advisory locks)",
                self.claim_sql - self.json_decode,
            ),
            ("claim rows: jsonb → dict (psycopg, json.loads)", self.json_decode),
            ("rows → Envelope.from_structured", self.from_structured),
            ("encode for Kafka: kafka_value + kafka_headers", self.encode),
            ("aiokafka send + wait for acks=all", self.send_batch - self.encode),
            ("mark published: UPDATE … WHERE id = ANY", self.mark_sql),
            ("other: pool checkout + pre-ping, BEGIN, COMMIT, SQLAlchemy", self.total - measured),
        ]


class TimedBus(KafkaBus):
    def __init__(self, bootstrap_servers: str, times: PhaseTimes) -> None:
        super().__init__(bootstrap_servers, client_id="bench-relay-profiled")
        self.times = times

    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        started = time.perf_counter()
        try:
            await super().send_batch(envelopes)
        finally:
            self.times.send_batch += time.perf_counter() - started


class TimedRelay(OutboxRelay):
    def __init__(self, database: Database, bus: TimedBus, *, batch_size: int) -> None:
        super().__init__(database, bus, batch_size=batch_size)
        self.times = bus.times

    async def publish_once(self) -> int:
        started = time.perf_counter()
        published = await super().publish_once()
        self.times.total += time.perf_counter() - started
        if published:
            self.times.batches += 1
            self.times.events += published
        return published


def _timed(function: Callable[..., Any], add: Callable[[float], None]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            add(time.perf_counter() - started)

    return wrapper


def _adder(times: PhaseTimes, attribute: str) -> Callable[[float], None]:
    def add(seconds: float) -> None:
        setattr(times, attribute, getattr(times, attribute) + seconds)

    return add


@contextlib.contextmanager
def _envelope_hooks(times: PhaseTimes) -> Iterator[None]:
    originals = {
        name: Envelope.__dict__[name]
        for name in ("from_structured", "kafka_value", "kafka_headers")
    }
    from_structured = originals["from_structured"].__func__
    patched = {
        "from_structured": classmethod(_timed(from_structured, _adder(times, "from_structured"))),
        "kafka_value": _timed(originals["kafka_value"], _adder(times, "encode")),
        "kafka_headers": _timed(originals["kafka_headers"], _adder(times, "encode")),
    }
    for name, replacement in patched.items():
        setattr(Envelope, name, replacement)
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(Envelope, name, original)


@contextlib.contextmanager
def _json_hook(times: PhaseTimes) -> Iterator[None]:
    set_json_loads(_timed(json.loads, _adder(times, "json_decode")))
    try:
        yield
    finally:
        set_json_loads(json.loads)  # psycopg's default


@contextlib.contextmanager
def _sql_hooks(database: Database, times: PhaseTimes) -> Iterator[None]:
    engine = database.engine.sync_engine

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        elapsed = time.perf_counter() - conn.info.pop("bench_started")
        text = statement.lstrip()
        if text.startswith(CLAIM_PREFIX):
            times.claim_sql += elapsed
        elif text.startswith(MARK_PREFIX):
            times.mark_sql += elapsed

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


@contextlib.contextmanager
def instrumented(database: Database, times: PhaseTimes) -> Iterator[None]:
    """Attach every hook for the duration of the block (process-wide: run nothing else then)."""
    with _sql_hooks(database, times), _json_hook(times), _envelope_hooks(times):
        yield
