"""The municipality's allocation, reported back to the register (seed 003, issue 14): when the
municipality accepts a social vacancy offer (``allocation.offer.answered``), the lease that
re-lets the dwelling is recorded with the allocation type ``municipal_allocation``, so
re-lettings by allocation type (Table 1) and the share let by municipal allocation (Figure 13)
stay true whatever the ERP system reported.

The two facts arrive in either order. An answer whose lease is already reported is applied
when the answer is consumed. An answer that comes first is kept (``municipal_allocations``,
pending) and applied by the worker's ``register.municipal_allocations`` job as soon as the lease
is reported (every ``REGISTER_MUNICIPAL_ALLOCATION_SECONDS``, default 30 s) — kept outside the
write path so an ERP submission pays nothing for it. Once applied, the type stays: a later
write by the ERP system with another type keeps it and says so (``services/writing/leases.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.auth import Role
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.contracts import OfferAnsweredV1, OfferSource
from common.events.contracts.base import to_envelope
from common.events.outbox import write_outbox
from register.db.municipal_allocations import MunicipalAllocationRepository
from register.services.writing.writer import RecordWriter

BATCH = 200
log = structlog.get_logger(__name__)


async def record_accepted_offer(session: AsyncSession, event: OfferAnsweredV1) -> None:
    """Keep an accepted social offer and apply it if its lease is already reported."""
    if (
        event.status != "accepted"
        or event.offer_source is not OfferSource.SOCIAL
        or event.available_from is None  # from a producer before the field existed
    ):
        return
    await MunicipalAllocationRepository(session).add(
        offer_id=event.offer_id,
        dwelling_id=event.dwelling_id,
        municipality_code=event.municipality_code,
        available_from=event.available_from,
        answered_at=event.answered_at,
    )
    await apply_pending(session, [event.dwelling_id])


async def apply_pending(
    session: AsyncSession, dwelling_ids: Collection[str] | None = None, limit: int = BATCH
) -> int:
    """Record pending allocations (of these dwellings, or any) whose lease is reported; returns
    how many leases changed. The new versions are recorded by ``allocation:<offer id>`` on
    behalf of the municipality that accepted, and published like any lease change."""
    repo = MunicipalAllocationRepository(session)
    changed = 0
    for offer_id, municipality_code, lease_id in await repo.pending_with_lease(dwelling_ids, limit):
        scope = Scope(f"allocation:{offer_id}", Role.MUNICIPALITY, None, municipality_code)
        outcome = await RecordWriter(session, scope, uuid.uuid4()).record_municipal_allocation(
            lease_id
        )
        if outcome is not None:
            changed += 1
            if outcome.events:
                await write_outbox(session, [to_envelope(event) for event in outcome.events])
        await repo.mark_applied(offer_id, lease_id)
    return changed


async def allocation_round(database: Database) -> int:
    """The job: apply what can be applied, a batch per transaction; returns the leases changed."""
    total = 0
    while True:
        async with UnitOfWork(database) as uow:
            changed = await apply_pending(uow.session)
            pending = await MunicipalAllocationRepository(uow.session).count_pending()
            await uow.commit()
        total += changed
        if changed < BATCH:
            break
    if total:
        log.info("register.municipal_allocations", leases_changed=total, still_pending=pending)
    return total
