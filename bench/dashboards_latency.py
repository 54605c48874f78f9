"""Dashboards: (1) events → dashboard figure latency at 200 events/s on the real broker, against
the platform's no-op consumer in the same run; (2) the register page's first load on a
national-scale read model (the synthetic register) against the same app's health endpoint.

(1) A writer commits one ``register.lease.created`` per transaction into an outbox (the
register's write path as far as events go), open-loop at ``rate``. The outbox relay (a child
process, as the register's worker) publishes to Kafka; the consumer (another child process, as
the dashboards' worker) applies it. Lag = when the lease is visible in the dashboards' read
model (the child LISTENs for the commit's ``pg_notify``, as the pages' watcher does, and reads
the new leases) − when the writer's commit returned (``time.monotonic``, one clock for every
process on Linux). Baseline: the same writer, relay and consumer runner with a handler that only
stamps the arrival (the platform's commit → consumer path). The first 2 s are discarded.

(2) The synthetic register's leases (``--dwellings``, default 640,000; ``--quick`` 5,000) are
applied through the dashboards' own projection (the consumer's batch handler, in batches), then
``GET /dashboards/register`` is loaded as the fund (all municipalities) over HTTP in the same
process (httpx + ASGI), first load and then warm loads; baseline: ``/dashboards/health/live``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import psycopg
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench import _stats
from bench._setup import (
    Infra,
    _drop_database,
    database_url,
)
from bench.benchmarks_common import register_events
from bench.lag_rounds import TABLE_HEADER, ConsumerChild, Series, Timing, lag_round
from common.auth import DevSigningKey, Role
from common.db import migrations
from common.db.engine import Database, libpq_dsn
from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.contracts import AllocationType, HousingType, LeaseCreatedV1, to_envelope
from common.events.envelope import Envelope
from common.settings import Environment
from dashboards.db.projection import REVISION_CHANNEL
from dashboards.events.incoming import handle_batch
from dashboards.main import create_app
from dashboards.settings import DashboardsSettings

Progress = Callable[[str], None]
RATE = 200.0


@dataclass(frozen=True)
class Settings:
    seconds: float
    dwellings: int
    rate: float = RATE
    loads: int = 5


FULL = Settings(seconds=30.0, dwellings=640_000)
QUICK = Settings(seconds=6.0, dwellings=5_000)


@dataclass
class PageLoad:
    leases: int
    apply_seconds: float
    first_ms: float
    warm_ms: list[float]
    baseline_ms: list[float]
    others: dict[str, tuple[float, list[float]]] = field(default_factory=dict)
    other_events: int = 0


@dataclass
class Result:
    settings: Settings
    baseline: Series
    dashboards: Series
    page: PageLoad


@contextlib.asynccontextmanager
async def dashboards_database(infra: Infra, suffix: str) -> AsyncIterator[str]:
    name = f"bench_{os.getpid()}_dashboards_{suffix}"
    url = database_url(infra.admin_dsn, name)
    await asyncio.to_thread(_drop_database, infra.admin_dsn, name)
    await asyncio.to_thread(migrations.upgrade, "dashboards", url)
    try:
        yield url
    finally:
        await asyncio.to_thread(_drop_database, infra.admin_dsn, name)


def _lease(lease_id: str, recorded: datetime) -> Envelope:
    return to_envelope(
        LeaseCreatedV1(
            lease_id=lease_id,
            dwelling_id=f"{lease_id}-d",
            department_id="dep-bench",
            organisation_id="org-bench",
            municipality_code="101",
            start_date=date(2026, 1, 1),
            allocation_type=AllocationType.EXTERNAL_WAITING_LIST,
            monthly_rent=Decimal("5875.00"),
            area_m2=Decimal("68.50"),
            rooms=3,
            housing_type=HousingType.FAMILY,
            vacancy_loss_flag=False,
            vacant_soon_flag=False,
            recorded_at=recorded,
        )
    )


async def _watch_visible(
    url: str, pending: set[str], stamps: dict[str, float], stop: asyncio.Event
) -> None:
    """As the pages' watcher: on each commit notification, which of the leases handed to the
    consumer are now visible in the read model."""
    dsn = libpq_dsn(url)
    async with (
        await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listen,
        await psycopg.AsyncConnection.connect(dsn, autocommit=True) as read,
    ):
        await listen.execute(f"LISTEN {REVISION_CHANNEL}")
        while not stop.is_set():
            async for _ in listen.notifies(timeout=0.2, stop_after=1):
                pass
            if not pending:
                continue
            seen = time.monotonic()
            rows = await read.execute(
                "SELECT lease_id FROM leases WHERE lease_id = ANY(%s)", (list(pending),)
            )
            for (lease_id,) in await rows.fetchall():
                stamps.setdefault(lease_id, seen)
                pending.discard(lease_id)


def _consumer(child: ConsumerChild) -> list[Coroutine[Any, Any, None]]:
    """The dashboards' worker (its consumer, and the pages' watcher that stamps a lease once it
    is visible), or the baseline's runner whose handler only stamps the arrival."""
    stamps = child.stamps
    pending: set[str] = set()

    async def applied(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        pending.update(e.data["lease_id"] for e in envelopes)
        await handle_batch(session, envelopes)

    async def applied_one(session: AsyncSession, envelope: Envelope) -> None:
        await applied(session, [envelope])

    async def stamp(session: AsyncSession, envelope: Envelope) -> None:
        stamps.setdefault(envelope.data["lease_id"], time.monotonic())

    if child.kind == "baseline":
        consumer = Consumer(child.group, (child.topic,), stamp)
        return [KafkaConsumerRunner(child.database, child.bootstrap, consumer).run(child.stop)]
    consumer = Consumer(child.group, (child.topic,), applied_one, applied)
    return [
        KafkaConsumerRunner(child.database, child.bootstrap, consumer).run(child.stop),
        _watch_visible(child.url, pending, stamps, child.stop),
    ]


async def _page_load(infra: Infra, settings: Settings, progress: Progress) -> PageLoad:
    async with dashboards_database(infra, "page") as url:
        database = Database(url, pool_size=2)
        started = time.monotonic()
        leases = 0
        batch: list[Envelope] = []
        topics = {t: t for t in ("register.department.v1", "register.lease.v1")}
        try:
            for envelope in register_events(settings.dwellings, topics):
                if envelope.type != LeaseCreatedV1.event_type:
                    continue
                batch.append(envelope)
                if len(batch) == 2000:
                    async with database.session() as session, session.begin():
                        await handle_batch(session, batch)
                    leases += len(batch)
                    batch = []
            if batch:
                async with database.session() as session, session.begin():
                    await handle_batch(session, batch)
                leases += len(batch)
            other_events = 0
            for chunk in _chunks(list(_other_events(settings.dwellings)), 2000):
                async with database.session() as session, session.begin():
                    await handle_batch(session, chunk)
                other_events += len(chunk)
            async with database.engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        finally:
            await database.dispose()
        applied = time.monotonic() - started
        progress(
            f"dashboards-page: {leases:,} leases and {other_events:,} grants, allocation and "
            f"tribunal events applied in {applied:.0f} s"
        )
        key = DevSigningKey.generate()
        settings_ = DashboardsSettings(
            env=Environment.TEST,
            database_url=url,
            jwt_public_key=key.public_pem(),
            jwt_issuer="bench",
            log_json=True,
            log_level="WARNING",
        )
        token = key.mint(role=Role.FUND, issuer="bench", audience=settings_.jwt_audience)
        app = create_app(settings_)
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                headers = {"Authorization": f"Bearer {token}"}

                async def timed(path: str) -> float:
                    begun = time.perf_counter()
                    response = await client.get(path, headers=headers)
                    elapsed = (time.perf_counter() - begun) * 1000
                    if response.status_code != 200:
                        raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
                    return elapsed

                first = await timed("/dashboards/register")
                warm = [await timed("/dashboards/register") for _ in range(settings.loads)]
                others: dict[str, tuple[float, list[float]]] = {}
                for name in ("governance", "grants", "allocation", "tribunal"):
                    first_other = await timed(f"/dashboards/{name}")
                    others[name] = (
                        first_other,
                        [await timed(f"/dashboards/{name}") for _ in range(settings.loads)],
                    )
                baseline = [await timed("/dashboards/health/live") for _ in range(settings.loads)]
    return PageLoad(leases, applied, first, warm, baseline, others, other_events)


def _chunks(items: Sequence[Envelope], size: int) -> Iterator[list[Envelope]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _other_events(dwellings: int) -> Iterator[Envelope]:
    """National-scale grants, allocation and tribunal histories in proportion to the register
    (at 640,000 dwellings: 2,000 grant cases, 12,800 offers, 6,400 subsidies, 25,600 tribunal
    cases), spread over the municipalities of the year and the year before."""
    from common.calendar import add_working_days, danish_date
    from common.events.contracts import (
        ApplicationPrequalifiedV1,
        ApplicationSubmittedV1,
        CaseDecidedV1,
        CaseFiledV1,
        CommitmentGrantedV1,
        CounterpartNotifiedV1,
        OfferAnsweredV1,
        OfferLapsedV1,
        OfferOpenedV1,
        SubsidyGrantedV1,
    )
    from common.municipalities import MUNICIPALITIES

    codes = sorted(MUNICIPALITIES)
    today = danish_date()
    year = today.year
    scale = max(dwellings // 320, 1)  # 2,000 at national scale

    def when(n: int, days_back: int) -> datetime:
        day = date.fromordinal(today.toordinal() - (n * 7919) % days_back)
        return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)

    for n in range(scale):  # grant cases: submitted, half prequalified, a fifth committed
        case = {"application_id": f"bench-app-{n}", "organisation_id": f"org-{n % 500}",
                "organisation_ids": [f"org-{n % 500}"], "municipality_code": codes[n % len(codes)]}  # fmt: skip
        submitted = when(n, 700)
        yield to_envelope(ApplicationSubmittedV1.example().model_copy(update={
            **case, "year": min(submitted.year, 2026), "submitted_at": submitted}))  # fmt: skip
        if n % 2 == 0:
            yield to_envelope(ApplicationPrequalifiedV1.example().model_copy(update={
                **case, "year": min(submitted.year, 2026), "decided_at": submitted,
                "reserved_amount": Decimal(100_000 + n % 7 * 10_000)}))  # fmt: skip
        if n % 5 == 0:
            yield to_envelope(CommitmentGrantedV1.example().model_copy(update={
                **case, "year": min(submitted.year, 2026), "committed_at": submitted,
                "amount": Decimal(90_000 + n % 7 * 10_000)}))  # fmt: skip
    for n in range(scale * 32 // 5):  # offers: all opened, 60 % answered, 10 % lapsed
        municipality = codes[n % len(codes)]
        offer = {"offer_id": f"bench-off-{n}", "organisation_id": f"org-{n % 500}",
                 "municipality_code": municipality, "dwelling_id": f"bench-dw-{n}"}  # fmt: skip
        opened = when(n, 400)
        due = add_working_days(opened.date(), 7)
        yield to_envelope(OfferOpenedV1.example().model_copy(update={
            **offer, "opened_at": opened, "answer_due": due}))  # fmt: skip
        if n % 10 < 6:
            yield to_envelope(OfferAnsweredV1.example().model_copy(update={
                **offer, "answered_at": opened, "answered_on": opened.date(),
                "status": "accepted" if n % 3 else "declined"}))  # fmt: skip
        elif n % 10 == 6:
            yield to_envelope(OfferLapsedV1.example().model_copy(update={
                **offer, "answer_due": due, "lapsed_on": due}))  # fmt: skip
    for n in range(scale * 16 // 5):  # subsidies on each municipality's frame
        yield to_envelope(SubsidyGrantedV1.example().model_copy(update={
            "subsidy_id": f"bench-sub-{n}", "municipality_code": codes[n % len(codes)],
            "organisation_id": f"org-{n % 500}", "frame_year": year, "frame_dwellings": 80,
            "granted_at": when(n, 300)}))  # fmt: skip
    for n in range(scale * 64 // 5):  # tribunal cases: filed, notified, 80 % decided
        hearing: dict[str, object] = {"case_id": f"bench-hln-{n}", "tribunal_code": codes[n % len(codes)],
                "filing_municipality_code": None}  # fmt: skip
        filed = when(n, 500).date()
        yield to_envelope(CaseFiledV1.example().model_copy(update={
            **hearing, "filed_on": filed,
            "notify_counterpart_due": add_working_days(filed, 8)}))  # fmt: skip
        yield to_envelope(CounterpartNotifiedV1.example().model_copy(update={
            **hearing, "notified_on": filed, "reply_due": add_working_days(filed, 10)}))  # fmt: skip
        if n % 5:
            yield to_envelope(CaseDecidedV1.example().model_copy(update={
                **hearing, "decided_on": date.fromordinal(filed.toordinal() + 20 + n % 90)}))  # fmt: skip


async def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    timing = Timing(seconds=settings.seconds, rate=settings.rate)

    async def round_of(kind: str) -> Series:
        return await lag_round(
            infra,
            "dashboards-latency",
            lambda: dashboards_database(infra, "latency"),
            _consumer,
            kind,
            timing,
            _lease,
            progress,
        )

    baseline = await round_of("baseline")
    dashboards = await round_of("dashboards")
    page = await _page_load(infra, settings, progress)
    return Result(settings, baseline, dashboards, page)


def report(result: Result, recorded: str) -> str:
    p = _stats.percentile
    page = result.page
    base_p50 = p(page.baseline_ms, 50)
    return "\n".join(
        [
            "### Dashboards: event → figure latency, and the register page's first load",
            "",
            f"Open-loop writer at {result.settings.rate:g} leases/s for "
            f"{result.settings.seconds:g} s per round (first 2 s discarded): writer → outbox → "
            "relay (own process) → Kafka → consumer (own process).",
            "",
            TABLE_HEADER,
            result.baseline.row(
                "baseline: commit → consumer handler (platform path, no-op handler)"
            ),
            result.dashboards.row(
                "**dashboards**: commit → lease visible in the read model (notified)"
            ),
            "",
            f"Register page (`GET /dashboards/register` as the fund, every municipality) on a "
            f"read model of {page.leases:,} leases (synthetic register, "
            f"{result.settings.dwellings:,} dwellings; applied through the projection in "
            f"{page.apply_seconds:.0f} s): first load {page.first_ms:.0f} ms, then p50 "
            f"{p(page.warm_ms, 50):.0f} ms over {len(page.warm_ms)} loads; baseline "
            f"`/dashboards/health/live` p50 {base_p50:.1f} ms.",
            "",
            f"The other pages on the same read model plus {page.other_events:,} synthetic "
            "grants, allocation and tribunal events (in proportion to the register: at "
            "640,000 dwellings 2,000 grant cases, 12,800 offers, 6,400 subsidies and 25,600 "
            "tribunal cases), as the fund:",
            "",
            "| page | first load ms | then p50 ms |",
            "|---|---:|---:|",
            *(
                f"| `/dashboards/{name}` | {first:.0f} | {p(warm, 50):.0f} |"
                for name, (first, warm) in page.others.items()
            ),
            "",
            recorded,
        ]
    )
