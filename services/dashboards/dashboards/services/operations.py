"""The operations page: consumer lag per consumer group and topic (Kafka's admin client),
each service's outbox lag, unpublished events and open dead letters (read from the services'
own ``/metrics``), and the dashboards' own dead letters.

Unlike the other pages these figures are not in the read model: they describe the event
backbone itself, so they are read when the page is drawn. Only the platform's own consumer
groups are read (its ``kafka_prefix``, then a service's name): a broker shared with other
platforms or test runs may hold thousands of groups, and reading every group's offsets and
every topic's end offsets took longer than the page's budget."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import httpx
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text

from common.db.engine import Database
from common.events.contracts import CATALOGUE
from dashboards.services.reading import Page, Table
from dashboards.settings import DashboardsSettings

log = structlog.get_logger(__name__)

METRICS: Mapping[str, str] = {
    "outbox_oldest_unpublished_age_seconds": "outbox_lag",
    "outbox_unpublished_events": "unpublished",
    "dead_letters_open": "dead_letters",
}
TIMEOUT = 3.0
BACKBONE_TIMEOUT_SECONDS: Final = 15.0
"""The most the page waits for the broker's figures; then it says "Kafka svarer ikke"."""
GROUP_READS = 16  # consumer groups' offsets read at once


def parse_metrics(body: str) -> dict[str, Decimal]:
    """The backlog gauges of one service's Prometheus text exposition."""
    found: dict[str, Decimal] = {}
    for line in body.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, _rest = line.partition("{")
        if name not in METRICS:
            name = line.split(" ", 1)[0]
            if name not in METRICS:
                continue
        value = line.rsplit(" ", 1)[-1]
        try:
            found[METRICS[name]] = Decimal(value)
        except ArithmeticError:
            continue
    return found


RELAY_BEHIND_SECONDS: Final = 60
"""An outbox whose oldest unpublished event is older than this has a relay that is stopped or
behind (the relays poll every second or so)."""


def relay_state(outbox_lag: Decimal, unpublished: int) -> str:
    """The relay's state as its outbox shows it: nothing waiting, publishing, or stopped or
    behind (the oldest waiting event older than :data:`RELAY_BEHIND_SECONDS`)."""
    if unpublished == 0:
        return "Ajour"
    if outbox_lag > RELAY_BEHIND_SECONDS:
        return "Står stille eller er bagud"
    return "Udgiver"


async def service_backlogs(
    settings: DashboardsSettings,
) -> list[tuple[str, object, object, object, str]]:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    rows: list[tuple[str, object, object, object, str]] = []
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        for service, url in sorted(settings.metrics_urls.items()):
            try:
                response = await client.get(url, headers=headers)
                response.raise_for_status()
                figures = parse_metrics(response.text)
                lag = figures.get("outbox_lag", Decimal(0)).quantize(Decimal("0.1"))
                unpublished = int(figures.get("unpublished", 0))
                rows.append(
                    (
                        service,
                        lag,
                        unpublished,
                        int(figures.get("dead_letters", 0)),
                        relay_state(lag, unpublished),
                    )
                )
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("dashboards.metrics_unavailable", service=service, error=repr(exc))
                gone = "utilgængelig"
                rows.append((service, gone, gone, gone, gone))
    return rows


@dataclass(frozen=True, slots=True)
class Backbone:
    """One reading of the broker: per (consumer group, topic) the committed offsets and the
    lag, per topic the end offsets (all partitions summed)."""

    committed: Mapping[tuple[str, str], int]
    lag: Mapping[tuple[str, str], int]
    ends: Mapping[str, int]


PLATFORM_SERVICES: Final = frozenset(
    name for contract in CATALOGUE for name in (contract.producer, *contract.consumers)
)
"""The platform's services, as the contract catalogue names them (producers and consumers)."""


def platform_group(group: str, prefix: str) -> bool:
    """A consumer group of this platform: ``<prefix><service>`` or ``<prefix><service>.<name>``
    (``common.events.naming.KafkaNames.group``) for one of :data:`PLATFORM_SERVICES`."""
    if not group.startswith(prefix):
        return False
    name = group[len(prefix) :]
    return name.split(".", 1)[0] in PLATFORM_SERVICES


async def read_backbone(bootstrap: str, prefix: str | None = None) -> Backbone:
    """The platform's consumer groups' committed offsets (``prefix``: its ``kafka_prefix``;
    ``None``: every group on the broker) against their topics' end offsets."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        groups = sorted(
            name
            for name in (str(g[0]) for g in await admin.list_consumer_groups())
            if prefix is None or platform_group(name, prefix)
        )
        slots = asyncio.Semaphore(GROUP_READS)

        async def offsets_of(group: str) -> Any:
            async with slots:
                return await admin.list_consumer_group_offsets(group)

        # one request per group, several at once (a shared broker has many groups)
        read = await asyncio.gather(*(offsets_of(g) for g in groups))
        committed = dict(zip(groups, read, strict=True))
        existing = await consumer.topics()  # a group may keep offsets of a deleted topic
        by_topic: dict[str, list[TopicPartition]] = {}
        for offsets in committed.values():
            for tp in offsets:
                if tp.topic in existing and tp not in by_topic.get(tp.topic, []):
                    by_topic.setdefault(tp.topic, []).append(tp)

        async def ends_of(partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
            async with slots:
                found: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
                return found

        # one request per topic, several at once (one request for all took a second per
        # ten topics on a broker with many)
        ends: dict[TopicPartition, int] = {}
        for found in await asyncio.gather(*(ends_of(p) for p in by_topic.values())):
            ends.update(found)
        lag: dict[tuple[str, str], int] = {}
        done: dict[tuple[str, str], int] = {}
        for group, offsets in committed.items():
            for tp, meta in offsets.items():
                if tp.topic.startswith("__"):
                    continue
                key = (group, tp.topic)
                lag[key] = lag.get(key, 0) + max(ends.get(tp, 0) - max(meta.offset, 0), 0)
                done[key] = done.get(key, 0) + max(meta.offset, 0)
        produced: dict[str, int] = {}
        for tp, end in ends.items():
            if not tp.topic.startswith("__"):
                produced[tp.topic] = produced.get(tp.topic, 0) + end
        return Backbone(done, lag, produced)
    finally:
        await consumer.stop()
        await admin.close()


async def consumer_lag(bootstrap: str, prefix: str | None = None) -> list[tuple[str, str, int]]:
    """(consumer group, topic, messages not yet consumed) for the platform's groups (every
    group on the broker when ``prefix`` is ``None``)."""
    backbone = await read_backbone(bootstrap, prefix)
    return [(g, t, n) for (g, t), n in sorted(backbone.lag.items())]


RATE_WINDOW_SECONDS: Final = 1.0
"""A first reading (or one after :data:`STALE_SECONDS`) is followed by a second this much
later, so the page always shows a rate."""
STALE_SECONDS: Final = 300.0


def per_second(before: int | None, after: int, seconds: float) -> Decimal | None:
    """Events per second between two readings of a counter (``None`` without a first)."""
    if before is None or seconds <= 0:
        return None
    return (Decimal(max(after - before, 0)) / Decimal(str(seconds))).quantize(Decimal("0.1"))


@dataclass
class RateMeter:
    """Event rates from two readings of the broker: consumed per (group, topic) — the committed
    offsets' growth — and published per topic — the end offsets' growth. The web process
    keeps the last reading; the next page view measures against it."""

    clock: Callable[[], float] = time.monotonic
    last: Backbone | None = None
    last_at: float = 0.0

    def stale(self) -> bool:
        return self.last is None or self.clock() - self.last_at > STALE_SECONDS

    def measure(
        self, backbone: Backbone
    ) -> tuple[dict[tuple[str, str], Decimal | None], dict[str, Decimal | None]]:
        now = self.clock()
        before, seconds = self.last, now - self.last_at
        consumed = {
            key: per_second(before.committed.get(key) if before else None, value, seconds)
            for key, value in backbone.committed.items()
        }
        published = {
            topic: per_second(before.ends.get(topic) if before else None, value, seconds)
            for topic, value in backbone.ends.items()
        }
        self.last, self.last_at = backbone, now
        return consumed, published


METER = RateMeter()


async def measured_backbone(
    bootstrap: str, meter: RateMeter, prefix: str | None = None
) -> tuple[Backbone, dict[tuple[str, str], Decimal | None], dict[str, Decimal | None]]:
    """A reading of the broker with the rates since the meter's last (a fresh meter reads
    twice, :data:`RATE_WINDOW_SECONDS` apart)."""
    if meter.stale():
        meter.measure(await read_backbone(bootstrap, prefix))
        await asyncio.sleep(RATE_WINDOW_SECONDS)
    backbone = await read_backbone(bootstrap, prefix)
    consumed, published = meter.measure(backbone)
    return backbone, consumed, published


async def own_dead_letters(database: Database) -> int:
    async with database.session() as session:
        value = (
            await session.execute(
                text("SELECT count(*) FROM dead_letters WHERE redriven_at IS NULL")
            )
        ).scalar()
    return int(value or 0)


async def operations_page(
    database: Database, settings: DashboardsSettings, meter: RateMeter = METER
) -> Page:
    page = Page()
    lag_rows: list[tuple[object, ...]] = []
    topic_rows: list[tuple[object, ...]] = []
    if settings.kafka_bootstrap_servers:
        try:
            backbone, consumed, published = await asyncio.wait_for(
                measured_backbone(settings.kafka_bootstrap_servers, meter, settings.kafka_prefix),
                timeout=BACKBONE_TIMEOUT_SECONDS,
            )
            lag_rows = [
                (group, topic, lag, consumed.get((group, topic)))
                for (group, topic), lag in sorted(backbone.lag.items())
            ]
            topic_rows = [(topic, rate) for topic, rate in sorted(published.items())]
        except Exception as exc:  # the page reports an unreachable broker, it does not fail
            log.warning("dashboards.consumer_lag_unavailable", error=repr(exc))
            lag_rows = [("Kafka svarer ikke", str(type(exc).__name__), 0, None)]
    without_kafka = "" if settings.kafka_bootstrap_servers else " — indlejret kørsel uden Kafka"
    page.tables["consumer_lag"] = Table(
        "consumer_lag",
        "Forbrugerforsinkelse og hastighed pr. forbrugergruppe og emne" + without_kafka,
        ("Forbrugergruppe", "Emne", "Forsinkelse (hændelser)", "Behandlet pr. sek."),
        lag_rows,
    )
    page.tables["topic_rate"] = Table(
        "topic_rate",
        "Udgivne hændelser pr. sekund pr. emne" + without_kafka,
        ("Emne", "Udgivet pr. sek."),
        topic_rows,
    )
    backlogs = await service_backlogs(settings)
    page.tables["outbox"] = Table(
        "outbox",
        "Udbakke og fejlkø pr. tjeneste",
        ("Tjeneste", "Ældste ikke-udgivne (sek.)", "Ikke-udgivne", "Åbne fejlhændelser", "Relæ"),
        backlogs,
    )
    page.headline = {
        "groups": len({row[0] for row in lag_rows}),
        "lag": sum(int(row[2]) for row in lag_rows if isinstance(row[2], int)),
        "published_rate": sum(
            (rate for _, rate in topic_rows if isinstance(rate, Decimal)), Decimal(0)
        ),
        "dead_letters": sum(r[3] for r in backlogs if isinstance(r[3], int))
        + await own_dead_letters(database),
    }
    return page
