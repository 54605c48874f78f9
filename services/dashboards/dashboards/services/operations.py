"""The operations page: consumer lag per consumer group and topic (Kafka's admin client),
each service's outbox lag, unpublished events and open dead letters (read from the services'
own ``/metrics``), and the dashboards' own dead letters.

Unlike the other pages these figures are not in the read model: they describe the event
backbone itself, so they are read when the page is drawn."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal

import httpx
import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text

from common.db.engine import Database
from dashboards.services.reading import Page, Table
from dashboards.settings import DashboardsSettings

log = structlog.get_logger(__name__)

METRICS: Mapping[str, str] = {
    "outbox_oldest_unpublished_age_seconds": "outbox_lag",
    "outbox_unpublished_events": "unpublished",
    "dead_letters_open": "dead_letters",
}
TIMEOUT = 3.0


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


async def service_backlogs(
    settings: DashboardsSettings,
) -> list[tuple[str, object, object, object]]:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    rows: list[tuple[str, object, object, object]] = []
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        for service, url in sorted(settings.metrics_urls.items()):
            try:
                response = await client.get(url, headers=headers)
                response.raise_for_status()
                figures = parse_metrics(response.text)
                rows.append(
                    (
                        service,
                        figures.get("outbox_lag", Decimal(0)).quantize(Decimal("0.1")),
                        int(figures.get("unpublished", 0)),
                        int(figures.get("dead_letters", 0)),
                    )
                )
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("dashboards.metrics_unavailable", service=service, error=repr(exc))
                rows.append((service, "utilgængelig", "utilgængelig", "utilgængelig"))
    return rows


async def consumer_lag(bootstrap: str) -> list[tuple[str, str, int]]:
    """(consumer group, topic, messages not yet consumed) for every group on the broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        groups = sorted(str(g[0]) for g in await admin.list_consumer_groups())
        committed = {g: await admin.list_consumer_group_offsets(g) for g in groups}
        partitions = {tp for offsets in committed.values() for tp in offsets}
        ends = await consumer.end_offsets(list(partitions)) if partitions else {}
        rows: dict[tuple[str, str], int] = {}
        for group, offsets in committed.items():
            for tp, meta in offsets.items():
                if tp.topic.startswith("__"):
                    continue
                lag = max(ends.get(tp, 0) - max(meta.offset, 0), 0)
                rows[(group, tp.topic)] = rows.get((group, tp.topic), 0) + lag
        return [(g, t, n) for (g, t), n in sorted(rows.items())]
    finally:
        await consumer.stop()
        await admin.close()


async def own_dead_letters(database: Database) -> int:
    async with database.session() as session:
        value = (
            await session.execute(
                text("SELECT count(*) FROM dead_letters WHERE redriven_at IS NULL")
            )
        ).scalar()
    return int(value or 0)


async def operations_page(database: Database, settings: DashboardsSettings) -> Page:
    page = Page()
    if settings.kafka_bootstrap_servers:
        try:
            lag = await asyncio.wait_for(consumer_lag(settings.kafka_bootstrap_servers), timeout=10)
            lag_rows: list[tuple[object, ...]] = list(lag)
        except Exception as exc:  # the page reports an unreachable broker, it does not fail
            log.warning("dashboards.consumer_lag_unavailable", error=repr(exc))
            lag_rows = [("Kafka svarer ikke", str(type(exc).__name__), 0)]
    else:
        lag_rows = []
    page.tables["consumer_lag"] = Table(
        "consumer_lag",
        "Forbrugerforsinkelse pr. forbrugergruppe og emne (hændelser endnu ikke behandlet)"
        + ("" if settings.kafka_bootstrap_servers else " — indlejret kørsel uden Kafka"),
        ("Forbrugergruppe", "Emne", "Forsinkelse (hændelser)"),
        lag_rows,
    )
    backlogs = await service_backlogs(settings)
    page.tables["outbox"] = Table(
        "outbox",
        "Udbakke og fejlkø pr. tjeneste",
        ("Tjeneste", "Ældste ikke-udgivne (sek.)", "Ikke-udgivne", "Åbne fejlhændelser"),
        backlogs,
    )
    page.headline = {
        "groups": len({row[0] for row in lag_rows}),
        "lag": sum(int(row[2]) for row in lag_rows if isinstance(row[2], int)),
        "dead_letters": sum(r[3] for r in backlogs if isinstance(r[3], int))
        + await own_dead_letters(database),
    }
    return page
