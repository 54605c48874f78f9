"""Consumers that apply each event exactly once, in order per key.

A consumer's handler runs in one database transaction together with an inbox row
``(consumer, event_id)``: a redelivered event finds its inbox row and is skipped. The Kafka
runner applies each fetched partition batch in one transaction: one statement claims the inbox
rows of the whole batch, the new events are applied (by the consumer's ``batch_handler`` if it
has one, else its ``handler`` per event), one COMMIT. Only if that fails does it fall back to
a SAVEPOINT per event. The Kafka
offset is committed only after that transaction committed, so a crash in between redelivers
the event (at-least-once delivery) and the inbox turns it into exactly-once application.
Messages of one partition — hence of one key — are handled one after the other.

A handler that keeps failing is retried with backoff; after ``max_attempts`` the event is
recorded in ``dead_letters``, sent to ``<topic>.dlq`` with its error, and the consumer moves
on. ``housing events redrive`` applies dead letters again once the cause is fixed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import psycopg
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from common.db.engine import Database, driver_connection
from common.db.tables import dead_letters, inbox
from common.events.envelope import Envelope, decode_kafka_records
from common.events.naming import KafkaNames
from common.events.transport import InProcessBus
from common.observability import current_event_var
from common.waiting import at_most

log = structlog.get_logger(__name__)

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[Envelope]], Awaitable[None]]
T = TypeVar("T")

# How often a Kafka consumer asks the broker about its topics; aiokafka's default is five minutes.
# A topic created after the consumer started — on a bare broker its own subscription creates it,
# and a slow broker answers before the topic is ready — or partitions added to a topic are only
# consumed once the consumer has asked again (aiokafka issue 486).
TOPIC_METADATA_REFRESH_MS = 5_000

# Failures of our own infrastructure rather than of the event being handled.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError)


async def _retry_on_infrastructure_errors(
    action: Callable[[], Awaitable[T]], max_backoff: float = 10.0
) -> T:
    delay = 0.2
    while True:
        try:
            return await action()
        except INFRASTRUCTURE_ERRORS as exc:
            log.warning("consumer.database_unavailable", error=repr(exc), retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_backoff)


# The inbox rows of a whole batch in one statement. The rows travel as ONE JSON parameter
# ([[event_id, topic, key, event_type], ...]): psycopg quotes each element of a text array
# with a regular expression, which cost more than the INSERT itself. The answer is one row:
# how many rows were claimed, and — only if that is fewer than the batch's events (an event
# seen before, or an id twice in the batch) — which ids were claimed (an id twice in the batch
# is claimed once). The usual batch, all of it new, thus sends back no row per event: no
# UUID parsed, hashed and compared per event in Python. (The subquery is an InitPlan,
# evaluated only when the CASE needs it.) jsonb rather than json: parsed once, where json's
# ->> parses each element's text again per field (~1 µs of server CPU per row less, measured).
# Sent on the session's psycopg connection (common.db.engine.driver_connection), in the
# session's transaction, without SQLAlchemy's statement layer: ~0.1–0.15 ms of CPU less per
# fetch, of ~0.8 ms for the whole transaction of an event with a no-op handler (measured; at a
# trickle of events every event is a fetch).
_CLAIM = """
WITH claimed AS (
    INSERT INTO inbox (consumer, event_id, topic, key, event_type)
    SELECT %(consumer)s, CAST(t.r->>0 AS uuid), t.r->>1, t.r->>2, t.r->>3
    FROM jsonb_array_elements(CAST(%(rows)s AS jsonb)) WITH ORDINALITY AS t(r, n)
    ORDER BY t.n
    ON CONFLICT DO NOTHING
    RETURNING event_id
), counted AS (SELECT count(*) AS n FROM claimed)
SELECT counted.n,
       CASE WHEN counted.n < %(events)s
            THEN ARRAY(SELECT CAST(event_id AS text) FROM claimed) END AS ids
FROM counted
"""
_ROWS_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


_startup_objects_frozen = False


def freeze_startup_objects() -> None:
    """Once per process, when it has set itself up (modules, settings, engines, consumers):
    collect, then move every object there is out of the cyclic garbage collector's view
    (``gc.freeze``).

    A consumer catching up holds a fetch's events (2,000 envelopes, their data dicts, the
    records) while it handles them, so they survive the young generations' collections and
    are promoted; every ~40,000 objects promoted start a full collection, which walks every
    object of the process — the startup's ~170,000 too. Measured on the floor's 35,267
    events: the collector took ~18 µs of ~42 µs of Python per event, ~3 µs with the startup's
    objects frozen. Objects frozen are never collected: what the startup made and later drops
    is freed by reference counting as usual, only a reference cycle among them would stay."""
    global _startup_objects_frozen
    if _startup_objects_frozen:
        return
    _startup_objects_frozen = True
    gc.collect()
    gc.freeze()


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


@dataclass(frozen=True, slots=True)
class Consumer:
    """``name`` is both the Kafka consumer group and the inbox's consumer column.

    ``handler`` applies one event. ``batch_handler``, if given, applies a fetched batch's new
    events (in order, duplicates already removed) at once and must leave the database exactly
    as ``handler`` applied to each in turn would; if it raises, the runner rolls it back and
    applies the batch again per event with ``handler`` (a savepoint each, stopping before the
    first that fails). Single events (retries, redrive, the in-process transport) always go
    through ``handler``."""

    name: str
    topics: tuple[str, ...]
    handler: Handler
    batch_handler: BatchHandler | None = None


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


class InboxProcessor:
    def __init__(
        self,
        database: Database,
        consumer: Consumer,
        *,
        max_attempts: int = 5,
        base_backoff: float = 0.2,
        max_backoff: float = 10.0,
    ) -> None:
        self.database = database
        self.consumer = consumer
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff

    async def apply(self, envelope: Envelope) -> Outcome:
        """One attempt: inbox row and the handler's effects in one transaction."""
        async with self.database.session() as session, session.begin():
            return await self._apply_in(session, envelope)

    async def apply_leading(
        self, envelopes: Sequence[Envelope], ids: Sequence[str] | None = None
    ) -> list[Outcome]:
        """Apply envelopes in order in ONE transaction and stop before the first whose handler
        fails (it is retried on its own, so no later event of its key overtakes it). Returns
        the outcomes of the applied prefix.

        First set-wise, in one transaction: one INSERT claims the inbox rows of all envelopes,
        the new ones are applied together (``batch_handler``) or one after the other
        (``handler``), one COMMIT. If that raises, it is rolled back and the envelopes are
        applied again in a new transaction, each under its own savepoint. Under a backlog this
        pays BEGIN/COMMIT and the inbox INSERT once per fetched batch instead of per event, and
        the usual case pays no savepoint at all.

        ``ids``, if given, are the envelopes' ids as text (``str(envelope.id)``, which the
        decoder has at hand), so they are not formatted again."""
        async with self.database.session() as session:
            try:
                async with session.begin():
                    return await self._apply_set(session, envelopes, ids)
            except INFRASTRUCTURE_ERRORS:
                raise
            except Exception as exc:  # rolled back; apply them again one by one
                log.info(
                    "consumer.batch_failed",
                    consumer=self.consumer.name,
                    events=len(envelopes),
                    error=f"{type(exc).__name__}: {exc}",
                )
        async with self.database.session() as session, session.begin():
            outcomes: list[Outcome] = []
            for envelope in envelopes:
                try:
                    async with session.begin_nested():
                        outcome = await self._apply_in(session, envelope)
                except INFRASTRUCTURE_ERRORS:
                    raise
                except Exception:
                    break  # rolled back to the savepoint; the caller retries it alone
                outcomes.append(outcome)
            return outcomes

    async def _apply_set(
        self,
        session: AsyncSession,
        envelopes: Sequence[Envelope],
        ids: Sequence[str] | None = None,
    ) -> list[Outcome]:
        """Claim the inbox rows of all envelopes in one statement, then apply the new ones."""
        if not envelopes:
            return []
        if ids is None:
            ids = [str(e.id) for e in envelopes]
        rows = [[i, e.topic, e.subject, e.type] for i, e in zip(ids, envelopes, strict=True)]
        claim = await (await driver_connection(session)).execute(
            _CLAIM,
            {
                "consumer": self.consumer.name,
                "rows": _ROWS_ENCODER.encode(rows),
                "events": len(envelopes),
            },
        )
        ((_claimed, claimed_ids),) = await claim.fetchall()  # one row, always
        fresh: list[Envelope]
        outcomes: list[Outcome]
        if claimed_ids is None:  # every event claimed: all new, no id twice
            fresh = list(envelopes)
            outcomes = [Outcome.APPLIED] * len(envelopes)
        else:
            unclaimed = set(claimed_ids)
            outcomes, fresh = [], []
            for envelope, (event_id, *_) in zip(envelopes, rows, strict=True):
                if event_id in unclaimed:  # the first of the batch with this id
                    unclaimed.discard(event_id)
                    fresh.append(envelope)
                    outcomes.append(Outcome.APPLIED)
                else:
                    outcomes.append(Outcome.DUPLICATE)
        if not fresh:
            return outcomes
        if self.consumer.batch_handler is not None:
            with structlog.contextvars.bound_contextvars(consumer=self.consumer.name):
                await self.consumer.batch_handler(session, fresh)
        else:
            # The consumer's name is bound once per batch; the event being handled is set
            # per event in one ContextVar, from which common.observability's
            # merge_event_context writes its event_id and correlation_id into every log line
            # (binding the two as structlog context variables per event cost ~2.3 µs an event).
            handler = self.consumer.handler
            batch_tokens = structlog.contextvars.bind_contextvars(consumer=self.consumer.name)
            event_token = current_event_var.set(None)
            try:
                for envelope in fresh:
                    current_event_var.set(envelope)
                    await handler(session, envelope)
            finally:
                current_event_var.reset(event_token)
                structlog.contextvars.reset_contextvars(**batch_tokens)
        return outcomes

    async def _apply_in(self, session: AsyncSession, envelope: Envelope) -> Outcome:
        claimed = await session.execute(
            pg_insert(inbox)
            .values(
                consumer=self.consumer.name,
                event_id=envelope.id,
                topic=envelope.topic,
                key=envelope.key,
                event_type=envelope.type,
            )
            .on_conflict_do_nothing()
            .returning(inbox.c.event_id)
        )
        if claimed.first() is None:
            return Outcome.DUPLICATE
        with structlog.contextvars.bound_contextvars(
            correlation_id=envelope.correlation_id,
            event_id=str(envelope.id),
            consumer=self.consumer.name,
        ):
            await self.consumer.handler(session, envelope)
        return Outcome.APPLIED

    async def process(self, envelope: Envelope) -> tuple[Outcome, str | None]:
        """Apply with retries; after the last failure record a dead letter.

        Returns the outcome and, when dead-lettered, the error text."""
        delay = self.base_backoff
        error = ""
        attempt = 0
        while attempt < self.max_attempts:
            try:
                return await self.apply(envelope), None
            except INFRASTRUCTURE_ERRORS as exc:
                # The database is away (restart, failover): not the event's fault, so it
                # does not count towards dead-lettering; wait and try again.
                log.warning("consumer.database_unavailable", error=repr(exc), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            except Exception as exc:
                attempt += 1
                error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "consumer.handler_failed",
                    consumer=self.consumer.name,
                    event_id=str(envelope.id),
                    attempt=attempt,
                    error=error,
                )
                if attempt < self.max_attempts:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.max_backoff)
        await _retry_on_infrastructure_errors(lambda: self.record_dead_letter(envelope, error))
        return Outcome.DEAD_LETTERED, error

    async def record_dead_letter(self, envelope: Envelope, error: str) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(
                pg_insert(dead_letters)
                .values(
                    consumer=self.consumer.name,
                    event_id=envelope.id,
                    topic=envelope.topic,
                    key=envelope.key,
                    envelope=envelope.to_structured(),
                    error=error[:4000],
                    attempts=self.max_attempts,
                )
                .on_conflict_do_nothing()
            )
        log.error(
            "consumer.dead_lettered",
            consumer=self.consumer.name,
            event_id=str(envelope.id),
            topic=envelope.topic,
            error=error,
        )

    async def redrive(self) -> tuple[int, int]:
        """Apply this consumer's dead letters again, oldest first.

        Returns (applied or already applied, still failing)."""
        async with self.database.session() as session:
            rows = (
                await session.execute(
                    select(dead_letters.c.id, dead_letters.c.envelope)
                    .where(
                        dead_letters.c.consumer == self.consumer.name,
                        dead_letters.c.redriven_at.is_(None),
                    )
                    .order_by(dead_letters.c.id)
                )
            ).all()
        done = failed = 0
        for row in rows:
            try:
                await self.apply(Envelope.from_structured(row.envelope))
            except Exception as exc:
                failed += 1
                log.warning("consumer.redrive_failed", dead_letter_id=row.id, error=repr(exc))
                continue
            async with self.database.session() as session, session.begin():
                await session.execute(
                    update(dead_letters)
                    .where(dead_letters.c.id == row.id)
                    .values(redriven_at=func.now())
                )
            done += 1
        return done, failed


class KafkaConsumerRunner:
    """Runs one consumer group against Kafka until ``stop`` is set.

    ``prefix`` (the setting ``kafka_prefix``) is put before the consumer's topics, its group id
    and its dead-letter topics on the broker; envelopes, the inbox and ``dead_letters`` keep the
    catalogue's names (:class:`~common.events.naming.KafkaNames`)."""

    def __init__(
        self,
        database: Database,
        bootstrap_servers: str,
        consumer: Consumer,
        *,
        max_attempts: int = 5,
        base_backoff: float = 0.2,
        max_records: int = 2000,
        prefix: str = "",
        small_fetch: int = 100,
        commit_interval: float = 0.5,
    ) -> None:
        """``small_fetch``: a fetch of fewer records than this is applied in ONE transaction
        for all its partitions (each partition's events still in order) instead of one
        concurrent transaction per partition — at a trickle of events the per-transaction
        work (session, BEGIN, the inbox claim, COMMIT) is most of the cost; 0 turns it off.

        ``commit_interval``: seconds from one offset commit to the next at the least (see
        :meth:`_queue_commit`); 0 commits after every handled fetch."""
        self.names = KafkaNames(prefix)
        self.processor = InboxProcessor(
            database, consumer, max_attempts=max_attempts, base_backoff=base_backoff
        )
        self.consumer = consumer
        self.bootstrap_servers = bootstrap_servers
        self.max_records = max_records
        self.small_fetch = small_fetch
        self.commit_interval = commit_interval
        # The offset committer (see _handle_fetch): the task sending commits, and the offsets
        # of handled fetches that it has not sent yet.
        self._commit: asyncio.Task[None] | None = None
        self._flush = asyncio.Event()  # set while stopping: no more pauses between commits
        self._uncommitted: dict[TopicPartition, int] = {}
        # What the fetcher (_keep_fetching) fetched and run has not taken yet, and the futures
        # on which each waits for the other.
        self._fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] = {}
        self._fetch_waiter: asyncio.Future[None] | None = None
        self._room_waiter: asyncio.Future[None] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        kafka = AIOKafkaConsumer(
            *self.names.topics(self.consumer.topics),
            bootstrap_servers=self.bootstrap_servers,
            group_id=self.names.group(self.consumer.name),
            client_id=self.consumer.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.max_records,
            metadata_max_age_ms=TOPIC_METADATA_REFRESH_MS,
        )
        dlq = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers, enable_idempotence=True, acks="all"
        )
        await kafka.start()
        await dlq.start()
        log.info("consumer.started", consumer=self.consumer.name, topics=self.consumer.topics)
        missing = [
            t for t in self.names.topics(self.consumer.topics) if not kafka.partitions_for_topic(t)
        ]
        if missing:
            log.warning(
                "consumer.waiting_for_topics",
                consumer=self.consumer.name,
                topics=missing,
                detail="the broker has no such topic yet; its events are consumed once it exists",
            )
        # Fetching never waits for the handling: a fetcher task takes what Kafka has as soon as
        # it arrives and keeps it (up to max_records; then it waits for room), and each time
        # the handling of a partition ends it takes everything kept for that partition
        # meanwhile, all of it in one batch. aiokafka asks the broker again only once its
        # buffer was read, so reading it only between handlings (as before) left an event that
        # arrived after the first of a handling's events at the broker, to be fetched only
        # after the NEXT handling: the commit → handler tail at 200 events/s (bench latency's
        # consumer stages). Catching up, the next max_records are fetched while the last are
        # handled, as before.
        # Each partition is handled by at most one handling at a time (its events in order),
        # and a partition's handling does not wait for the others': a partition whose batch
        # is committed goes on with its next while the others' are still in the database (see
        # _start_handlings). A handling that failed ends the run once the others have ended.
        self._fetched = {}
        fetcher = asyncio.create_task(self._keep_fetching(kafka, stop))
        handlings: dict[asyncio.Task[None], list[TopicPartition]] = {}
        failure: BaseException | None = None
        try:
            while True:
                if failure is None:
                    self._start_handlings(kafka, dlq, handlings)
                fetching = failure is None and not fetcher.done()
                if not handlings and not fetching:
                    break
                waits: set[asyncio.Future[None]] = set(handlings)
                if fetching:
                    self._fetch_waiter = asyncio.get_running_loop().create_future()
                    waits.add(self._fetch_waiter)
                done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for ended in [task for task in handlings if task in done]:
                    del handlings[ended]
                    if failure is None:
                        failure = ended.exception()
            if failure is not None:
                raise failure
            fetcher.result()  # raises the fetcher's error
            await self._settle_commit()
        finally:
            for task in handlings:  # leaving on an error or cancelled
                task.cancel()
            await asyncio.gather(*handlings, return_exceptions=True)
            if not fetcher.done():  # leaving on an error; not committed, so fetched again
                fetcher.cancel()
            await asyncio.gather(fetcher, return_exceptions=True)
            with contextlib.suppress(Exception):  # leaving on an error: let the commit end first
                await self._settle_commit()
            with contextlib.suppress(Exception):
                await kafka.stop()
            with contextlib.suppress(Exception):
                await dlq.stop()

    def _start_handlings(
        self,
        kafka: AIOKafkaConsumer,
        dlq: AIOKafkaProducer,
        handlings: dict[asyncio.Task[None], list[TopicPartition]],
    ) -> None:
        """Hand what was kept for the partitions no handling holds to new handlings (tasks of
        :meth:`_handle_fetch`): a trickle (:meth:`_is_trickle`) to one, otherwise one per
        partition, so that no partition's batch waits for another's. Fewer than
        ``small_fetch`` records wait while a handling is under way, to be handled with what
        arrives meanwhile when it ends: at a trickle the per-transaction work is most of the
        cost, so a handling per arrival would cost more than the wait."""
        busy = {partition for partitions in handlings.values() for partition in partitions}
        ready = {p: records for p, records in self._fetched.items() if p not in busy}
        if not ready or (handlings and sum(map(len, ready.values())) < self.small_fetch):
            return
        for partition in ready:
            del self._fetched[partition]
        self._wake(self._room_waiter)
        groups = [ready] if self._is_trickle(ready) else [{p: r} for p, r in ready.items()]
        for group in groups:
            task = asyncio.create_task(self._handle_fetch(kafka, group, dlq))
            handlings[task] = list(group)

    def _is_trickle(
        self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> bool:
        """Records of several partitions, fewer than ``small_fetch`` in all."""
        return len(batches) > 1 and sum(map(len, batches.values())) < self.small_fetch

    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _keep_fetching(self, kafka: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        """Until ``stop``: fetch, and keep what was fetched (in order per partition) for
        :meth:`run`, at most ``max_records`` at a time. Wakes :meth:`run` when it kept
        something and when it ends."""
        try:
            while not stop.is_set():
                room = self.max_records - sum(map(len, self._fetched.values()))
                if room <= 0:
                    self._room_waiter = asyncio.get_running_loop().create_future()
                    await self._room_waiter
                    continue
                fetched = await self._fetch(kafka, room)
                for partition, records in fetched.items():
                    if records:
                        self._fetched.setdefault(partition, []).extend(records)
                if self._fetched:
                    self._wake(self._fetch_waiter)
        finally:
            self._wake(self._fetch_waiter)

    async def _handle_fetch(
        self,
        kafka: AIOKafkaConsumer,
        batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
        dlq: AIOKafkaProducer,
    ) -> None:
        """Handle the given partitions' records concurrently (each in order, on its own database
        connection: order per key is order per partition), then commit the offsets of those
        handled. :meth:`run` hands a partition's next records to a handling only once its
        last handling has ended, so no partition's events are handled by two handlings of
        this runner at once. A small fetch (fewer than ``small_fetch`` records: a
        trickle) is handled as one run instead — all its partitions in one transaction, each
        partition's events in their order.

        The offset commit is queued, not awaited (:meth:`_queue_commit`): the next fetch is
        handled while it travels, and never waits for the broker's answer. Offsets are
        committed only for events whose transaction has committed, so a commit that arrives
        late or fails (a rebalance) only means the new owner gets events again that the inbox
        drops."""
        partitions = list(batches)
        results: list[list[Outcome] | BaseException]
        if self._is_trickle(batches):
            merged = [record for partition in partitions for record in batches[partition]]
            try:
                outcome: list[Outcome] | BaseException = await self._handle_records(merged, dlq)
            except Exception as exc:
                outcome = exc
            results = [outcome] * len(partitions)
        else:
            results = await asyncio.gather(
                *(self._handle_records(batches[p], dlq) for p in partitions),
                return_exceptions=True,
            )
        offsets = {
            partition: batches[partition][-1].offset + 1
            for partition, result in zip(partitions, results, strict=True)
            if not isinstance(result, BaseException)
        }
        if offsets:
            self._queue_commit(kafka, offsets)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _fetch(
        self, kafka: AIOKafkaConsumer, max_records: int
    ) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]:
        fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
        fetched = await kafka.getmany(timeout_ms=200, max_records=max_records)
        return fetched

    def _queue_commit(self, kafka: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """Commit ``offsets`` without waiting: one commit at a time, in order, and at most one
        per ``commit_interval`` (or per broker round trip, if that is longer); offsets handled
        meanwhile are merged (a partition's latest wins) and sent in the next. At a trickle of
        events every fetch used to send its own commit (a request and its answer, in this
        process and in the broker); a commit that comes later only means that after a crash or
        a rebalance more events are delivered again, which the inbox drops.
        Stopping (:meth:`_settle_commit`) sends what is left at once.
        A commit that failed other than by a rebalance is raised here, as before."""
        commit = self._commit
        if commit is not None and commit.done():
            self._commit = None
            commit.result()
        self._uncommitted.update(offsets)
        if self._commit is None:
            self._commit = asyncio.create_task(self._commit_uncommitted(kafka))

    async def _commit_uncommitted(self, kafka: AIOKafkaConsumer) -> None:
        loop = asyncio.get_running_loop()
        while self._uncommitted:
            offsets, self._uncommitted = self._uncommitted, {}
            sent = loop.time()
            await self._commit_offsets(kafka, offsets)
            pause = sent + self.commit_interval - loop.time()
            if pause > 0:  # keep the turn until the interval is over (or the runner stops)
                await at_most(pause, self._flush.wait())

    async def _settle_commit(self) -> None:
        """Wait until every queued offset commit has been answered (raising what it raised),
        without waiting for the rest of a commit interval."""
        commit, self._commit = self._commit, None
        if commit is not None:
            self._flush.set()
            try:
                await commit
            finally:
                self._flush.clear()

    @staticmethod
    async def _commit_offsets(kafka: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await kafka.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # rebalanced (or the partition is no longer ours): the new owner redelivers
            log.warning("consumer.commit_failed", error=repr(exc))

    async def _handle_records(
        self, records: Sequence[ConsumerRecord[bytes, bytes]], dlq: AIOKafkaProducer
    ) -> list[Outcome]:
        """Handle one partition's records in order: runs of well-formed events are applied in
        one transaction each; a failing event is retried alone (then dead-lettered), a
        malformed one dead-lettered at once."""
        if not records:
            return []
        # one partition's records: one topic, its logical name worked out once
        topic = self.names.logical_topic(records[0].topic)
        decoded = decode_kafka_records([(topic, r.headers, r.value or b"") for r in records])
        outcomes: list[Outcome] = []
        position = 0
        while position < len(records):
            item, item_id = decoded[position]
            if item_id is None:
                log.error("consumer.malformed_event", topic=records[position].topic)
                await self._send_to_dlq(dlq, records[position], str(item))
                outcomes.append(Outcome.DEAD_LETTERED)
                position += 1
                continue
            run: list[Envelope] = []
            ids: list[str] = []
            for candidate, candidate_id in decoded[position:]:
                if candidate_id is None:
                    break
                run.append(candidate)  # type: ignore[arg-type]
                ids.append(candidate_id)
            applied = await _retry_on_infrastructure_errors(
                lambda run=run, ids=ids: self.processor.apply_leading(run, ids)  # type: ignore[misc]
            )
            outcomes.extend(applied)
            position += len(applied)
            if len(applied) < len(run):  # the next event's handler failed
                outcome, error = await self.processor.process(run[len(applied)])
                if outcome is Outcome.DEAD_LETTERED:
                    await self._send_to_dlq(dlq, records[position], error or "")
                outcomes.append(outcome)
                position += 1
        return outcomes

    async def _send_to_dlq(
        self, dlq: AIOKafkaProducer, record: ConsumerRecord[bytes, bytes], error: str
    ) -> None:
        headers = [
            *record.headers,
            ("dlq_error", error[:4000].encode()),
            ("dlq_consumer", self.consumer.name.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
        ]
        await dlq.send_and_wait(
            self.names.dead_letter_topic(self.names.logical_topic(record.topic)),
            value=record.value,
            key=record.key,
            headers=headers,
        )


def subscribe_in_process(
    bus: InProcessBus, database: Database, consumer: Consumer, *, max_attempts: int = 5
) -> InboxProcessor:
    """The embedded run's consumer: same handler, same inbox, dead letters in the table."""
    processor = InboxProcessor(database, consumer, max_attempts=max_attempts)

    async def deliver(envelope: Envelope) -> None:
        await processor.process(envelope)

    bus.subscribe(consumer.topics, deliver)
    return processor
