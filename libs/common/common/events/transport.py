"""Transports: Kafka (every deployed mode) and in-process (the embedded single-process run only).

Both carry the same envelopes. The relay hands batches to :meth:`EventBus.send_batch`; consumers
receive through the consumer runner. Request code never touches a transport.
"""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.client import AIOKafkaClient

from common.events.envelope import Envelope
from common.events.naming import KafkaNames
from common.settings import ServiceSettings

PING_TIMEOUT_SECONDS = 3.0

InProcessHandler = Callable[[Envelope], Awaitable[None]]


class EventBus(ABC):
    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open connections that must live as long as the bus."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Close them."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise when the bus cannot be reached."""

    @abstractmethod
    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        """Deliver every envelope durably, in order per key, or raise."""

    async def send_structured(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        """Deliver envelopes given in CloudEvents' structured form (the outbox's), as
        :meth:`send_batch` does. The relay calls this; a transport may send them without
        building :class:`Envelope` objects first."""
        await self.send_batch([Envelope.from_structured(dict(body)) for body in bodies])


class KafkaBus(EventBus):
    """An idempotent producer with ``acks=all``; started on first use so an API process that
    never publishes does not need the broker to start.

    ``prefix`` (the setting ``kafka_prefix``) is put before every envelope's topic on the way
    out (:class:`~common.events.naming.KafkaNames`); envelopes keep the catalogue's names."""

    def __init__(
        self, bootstrap_servers: str, *, client_id: str = "housing", prefix: str = ""
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        self.names = KafkaNames(prefix)
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def producer(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap_servers,
                    client_id=self.client_id,
                    enable_idempotence=True,
                    acks="all",
                    linger_ms=2,
                    max_batch_size=256 * 1024,
                    request_timeout_ms=15000,
                )
                await producer.start()
                self._producer = producer
            return self._producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def ping(self) -> None:
        client = AIOKafkaClient(
            bootstrap_servers=self.bootstrap_servers,
            client_id=f"{self.client_id}-health",
            request_timeout_ms=int(PING_TIMEOUT_SECONDS * 1000),
        )
        try:
            await asyncio.wait_for(client.bootstrap(), PING_TIMEOUT_SECONDS)
        finally:
            await client.close()

    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        producer = await self.producer()
        futures = [
            await producer.send(
                self.names.topic(envelope.topic),
                value=envelope.kafka_value(),
                key=envelope.key.encode(),
                headers=envelope.kafka_headers(),
            )
            for envelope in envelopes
        ]
        await asyncio.gather(*futures)

    async def send_structured(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        """The relay's path: Kafka records straight from the structured form — the header
        values are its strings as stored, the value is the data encoded as
        :meth:`Envelope.kafka_value` encodes it — with no :class:`Envelope` in between (no UUID
        or timestamp parsed and formatted again). The records are byte for byte those
        :meth:`send_batch` sends. A subclass that overrides :meth:`send_batch` keeps getting
        envelopes through it."""
        if type(self).send_batch is not KafkaBus.send_batch:
            await super().send_structured(bodies)
            return
        await self.send_structured_records(bodies)

    async def send_structured_records(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        """The records of :meth:`send_structured`, whatever a subclass does to ``send_batch``
        (for a subclass that wraps both, e.g. to announce each batch)."""
        producer = await self.producer()
        topic = self.names.topic
        futures = [
            await producer.send(
                topic(body["topic"]),
                value=_DATA_ENCODER.encode(body["data"]).encode(),
                key=body["subject"].encode(),
                headers=structured_kafka_headers(body),
            )
            for body in bodies
        ]
        await asyncio.gather(*futures)


class InProcessBus(EventBus):
    """Delivers envelopes to handlers subscribed in the same process (embedded run).

    Each subscription gets its own queue and task, so subscribers do not wait for each other,
    and envelopes are handled in publication order (hence in order per key).

    ``send_batch`` returns only when every subscriber has handled every envelope — each
    subscriber's handler applies it through its inbox and commits. The relay marks outbox rows
    published only after that, so a kill -9 loses nothing: rows still in flight stay unpublished
    and the next start delivers them again (the inboxes drop the repeats). This is the guarantee
    Kafka's acknowledgement gives the relay in the other modes. A handler that raises fails the
    envelopes queued behind it too (none of them overtakes it); the relay sends them again.
    """

    def __init__(self) -> None:
        self._subscriptions: dict[str, list[asyncio.Queue[_Delivery]]] = defaultdict(list)
        self._queues: list[asyncio.Queue[_Delivery]] = []
        self._tasks: list[asyncio.Task[None]] = []

    def subscribe(self, topics: Sequence[str], handler: InProcessHandler) -> None:
        queue: asyncio.Queue[_Delivery] = asyncio.Queue()
        self._queues.append(queue)
        for topic in topics:
            self._subscriptions[topic].append(queue)

        async def pump() -> None:
            while True:
                envelope, handled = await queue.get()
                try:
                    await handler(envelope)
                except Exception as exc:
                    _settle(handled, exc)
                    _fail_queued(queue, exc)
                else:
                    _settle(handled, None)

        self._tasks.append(asyncio.get_running_loop().create_task(pump()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for queue in self._queues:
            _fail_queued(queue, RuntimeError("the in-process event bus stopped"))

    async def ping(self) -> None:
        return None

    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        loop = asyncio.get_running_loop()
        pending: list[asyncio.Future[None]] = []
        for envelope in envelopes:
            for queue in self._subscriptions.get(envelope.topic, []):
                handled: asyncio.Future[None] = loop.create_future()
                queue.put_nowait((envelope, handled))
                pending.append(handled)
        outcomes = await asyncio.gather(*pending, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome


_Delivery = tuple[Envelope, "asyncio.Future[None]"]

# Envelope.kafka_value's encoding (compact, sorted keys), built once.
_DATA_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)
_SPEC_VERSION = (b"1.0", b"application/json")


def structured_kafka_headers(body: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """:meth:`Envelope.kafka_headers` of the envelope whose structured form is ``body``."""
    headers = [
        ("ce_specversion", _SPEC_VERSION[0]),
        ("ce_id", body["id"].encode()),
        ("ce_source", body["source"].encode()),
        ("ce_type", body["type"].encode()),
        ("ce_subject", body["subject"].encode()),
        ("ce_time", body["time"].encode()),
        ("ce_schemaversion", str(int(body.get("schemaversion", 1))).encode()),
        ("content-type", _SPEC_VERSION[1]),
    ]
    if correlation := body.get("correlationid"):
        headers.append(("ce_correlationid", correlation.encode()))
    if causation := body.get("causationid"):
        headers.append(("ce_causationid", causation.encode()))
    return headers


def _settle(handled: asyncio.Future[None], error: BaseException | None) -> None:
    if handled.done():
        return
    if error is None:
        handled.set_result(None)
    else:
        handled.set_exception(error)


def _fail_queued(queue: asyncio.Queue[_Delivery], error: BaseException) -> None:
    while not queue.empty():
        _, handled = queue.get_nowait()
        _settle(handled, error)


def bus_from_settings(settings: ServiceSettings) -> EventBus:
    if settings.kafka_bootstrap_servers:
        return KafkaBus(
            settings.kafka_bootstrap_servers,
            client_id=settings.service_name,
            prefix=settings.kafka_prefix,
        )
    return InProcessBus()
