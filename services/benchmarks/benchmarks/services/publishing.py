"""The debounced ``benchmarks.keyfigures.updated``: a department's figures are published as
soon as they are recomputed when it was not published within ``burst_seconds`` (a lone change
is not delayed), otherwise once no event has touched it for ``settle_seconds`` (a burst — a
bulk load — is coalesced), and only for the years whose figures,
benchmarks, colours or reasons differ from what was last published (a digest per
department-year), each with the next ``revision``. Each carries the rent model's comparison
narrowed to a similar resident composition (:mod:`benchmarks.services.resident_composition`),
part of the digest too. Written to the outbox in the same
transaction as the published revision, so the relay publishes exactly what was recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from benchmarks.db import dirty
from benchmarks.db import publishing as db
from benchmarks.db.figures import figures_of_departments
from benchmarks.domain import figures as f
from benchmarks.events.outgoing import digest, key_figures, key_figures_updated
from benchmarks.services.benchmarking import Benchmarker
from benchmarks.services.resident_composition import BandCache, resident_composition
from benchmarks.settings import BenchmarksSettings
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.contracts import to_envelope

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def publish_settled(
    database: Database,
    settings: BenchmarksSettings,
    *,
    clock: Clock = _utcnow,
    batch: int = 200,
) -> int:
    """One round of the publish job; returns the number of events written to the outbox."""
    published = 0
    while True:
        now = clock()
        async with UnitOfWork(database) as uow:
            session = uow.session
            if not await dirty.try_lock(session, dirty.PUBLISH_LOCK):
                return published
            quiet_since = now - timedelta(seconds=settings.settle_seconds)
            published_since = now - timedelta(seconds=settings.burst_seconds)
            due = await dirty.due_for_publishing(session, quiet_since, published_since, batch)
            if not due:
                return published
            ids = [d.department_id for d in due]
            rows = await figures_of_departments(session, ids)
            held = await db.published_of(session, ids)
            accounts = await db.accounts_revisions_of(session, ids)
            benchmarker = Benchmarker(session, settings)
            bands: BandCache = {}
            latest = {row.department_id: row for row in rows}  # rows are sorted by year
            for row in rows:
                await benchmarker.prefetch(latest[row.department_id], settings.history_years)
                results = await benchmarker.figures(row)
                figures = key_figures(results)
                rent = next(r for r in results if r.code == f.RENT_PER_M2)
                residents = await resident_composition(session, settings, row, rent, bands)
                accounts_revision = accounts.get((row.department_id, row.year))
                new_digest = digest(
                    row.organisation_id,
                    row.municipality_code,
                    figures,
                    accounts_revision,
                    residents,
                )
                before = held.get((row.department_id, row.year))
                if before is not None and before.digest == new_digest:
                    continue
                revision = 1 if before is None else before.revision + 1
                await db.record_published(
                    session,
                    row.department_id,
                    row.year,
                    revision=revision,
                    digest=new_digest,
                    published_at=now,
                )
                event = key_figures_updated(
                    row,
                    figures,
                    revision=revision,
                    computed_at=now,
                    accounts_revision=accounts_revision,
                    resident_composition=residents,
                )
                uow.record_event(to_envelope(event))
                published += 1
            await dirty.clear_publish(session, due)
            await uow.commit()  # the job owns its transaction: one per batch
        if len(due) < batch:
            return published
