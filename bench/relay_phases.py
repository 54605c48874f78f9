"""Where the relay's time goes, measured from the outside of :class:`OutboxRelay`.

The relay code is not touched. For one instrumented drain we attach, and afterwards remove:

* SQLAlchemy cursor events around the claim statement (which also marks the rows published;
  SQLAlchemy's async psycopg adapter fetches every row — the envelope as JSON text — inside
  ``execute``);
* a timing ``pydantic_core.from_json`` in the relay module (the rows' JSON → dicts);
* timing wrappers around the transport's encoding of the structured form for Kafka (the
  data's JSON and the ``ce_*`` headers);
* a :class:`KafkaBus` subclass timing ``send_structured`` (encoding + producer + acks);
* a relay subclass timing each whole ``publish_once``.

What is left over (pool checkout, BEGIN, COMMIT, SQLAlchemy's result handling, event-loop
switches) is reported as "other".
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pydantic_core
from sqlalchemy import event

from common.db.engine import Database
from common.events import relay as relay_module
from common.events import transport as transport_module
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus

CLAIM_PREFIX = "WITH candidates"


@dataclass
class PhaseTimes:
    """Seconds summed over one drain."""

    total: float = 0.0
    batches: int = 0
    events: int = 0
    claim_sql: float = 0.0
    json_decode: float = 0.0
    send_batch: float = 0.0
    encode: float = 0.0

    def rows(self) -> list[tuple[str, float]]:
        """(phase, seconds); the phases add up to ``total``."""
        measured = self.claim_sql + self.json_decode + self.send_batch
        return [
            (
                "claim + mark published: one statement (SKIP LOCKED + advisory locks)",
                self.claim_sql,
            ),
            ("rows: JSON text → dict (pydantic-core)", self.json_decode),
            ("encode for Kafka: data JSON + ce_* headers from the stored strings", self.encode),
            ("aiokafka send + wait for acks=all", self.send_batch - self.encode),
            ("other: pool checkout, BEGIN, COMMIT, SQLAlchemy", self.total - measured),
        ]


class TimedBus(KafkaBus):
    def __init__(self, bootstrap_servers: str, times: PhaseTimes) -> None:
        super().__init__(bootstrap_servers, client_id="bench-relay-profiled")
        self.times = times

    async def send_structured(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        started = time.perf_counter()
        try:
            await super().send_structured(bodies)
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


class _TimedEncoder:
    def __init__(self, encoder: Any, add: Callable[[float], None]) -> None:
        self.encode = _timed(encoder.encode, add)


@contextlib.contextmanager
def _encoding_hooks(times: PhaseTimes) -> Iterator[None]:
    headers = transport_module.structured_kafka_headers
    encoder = transport_module._DATA_ENCODER
    transport_module.structured_kafka_headers = _timed(headers, _adder(times, "encode"))
    transport_module._DATA_ENCODER = _TimedEncoder(encoder, _adder(times, "encode"))  # type: ignore[assignment]
    try:
        yield
    finally:
        transport_module.structured_kafka_headers = headers
        transport_module._DATA_ENCODER = encoder


@contextlib.contextmanager
def _json_hook(times: PhaseTimes) -> Iterator[None]:
    timed = SimpleNamespace(from_json=_timed(pydantic_core.from_json, _adder(times, "json_decode")))
    setattr(relay_module, "pydantic_core", timed)  # noqa: B010 - instrumented from outside
    try:
        yield
    finally:
        setattr(relay_module, "pydantic_core", pydantic_core)  # noqa: B010


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
    with _sql_hooks(database, times), _json_hook(times), _encoding_hooks(times):
        yield
