"""Transports: Kafka (every deployed mode) and in-process (the embedded single-process run only).

Both carry the same envelopes. The relay hands batches to :meth:`EventBus.send_batch`; consumers
receive through the consumer runner. Request code never touches a transport.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.client import AIOKafkaClient

from common.events.envelope import Envelope
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


class KafkaBus(EventBus):
    """An idempotent producer with ``acks=all``; started on first use so an API process that
    never publishes does not need the broker to start."""

    def __init__(self, bootstrap_servers: str, *, client_id: str = "housing") -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
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
                envelope.topic,
                value=envelope.kafka_value(),
                key=envelope.key.encode(),
                headers=envelope.kafka_headers(),
            )
            for envelope in envelopes
        ]
        await asyncio.gather(*futures)


class InProcessBus(EventBus):
    """Delivers envelopes to handlers subscribed in the same process (embedded run).

    Each subscription gets its own queue and task, so a slow consumer does not block the relay,
    and envelopes are handled in publication order (hence in order per key).
    """

    def __init__(self) -> None:
        self._subscriptions: dict[str, list[asyncio.Queue[Envelope]]] = defaultdict(list)
        self._tasks: list[asyncio.Task[None]] = []

    def subscribe(self, topics: Sequence[str], handler: InProcessHandler) -> None:
        queue: asyncio.Queue[Envelope] = asyncio.Queue()
        for topic in topics:
            self._subscriptions[topic].append(queue)

        async def pump() -> None:
            while True:
                envelope = await queue.get()
                await handler(envelope)

        self._tasks.append(asyncio.get_running_loop().create_task(pump()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def ping(self) -> None:
        return None

    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            for queue in self._subscriptions.get(envelope.topic, []):
                queue.put_nowait(envelope)


def bus_from_settings(settings: ServiceSettings) -> EventBus:
    if settings.kafka_bootstrap_servers:
        return KafkaBus(settings.kafka_bootstrap_servers, client_id=settings.service_name)
    return InProcessBus()
