"""Handlers of other services' events, each applied exactly once through the inbox.

* ``register.organisation.upserted`` / ``register.department.upserted`` → the read model of
  organisations and departments the application forms are prefilled from.

Events of other types on the same topics are ignored.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.consumer import Consumer
from common.events.contracts import DepartmentUpsertedV1, OrganisationUpsertedV1
from common.events.envelope import Envelope
from grants.services.masterdata import apply_department, apply_organisation


async def handle_master_data(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == OrganisationUpsertedV1.event_type:
        await apply_organisation(session, OrganisationUpsertedV1.from_envelope(envelope))
    elif envelope.type == DepartmentUpsertedV1.event_type:
        await apply_department(session, DepartmentUpsertedV1.from_envelope(envelope))


def consumers(
    *,
    master_data_topics: tuple[str, ...] = (
        OrganisationUpsertedV1.topic,
        DepartmentUpsertedV1.topic,
    ),
) -> tuple[Consumer, ...]:
    """The service's consumers; tests pass their own per-run topic names."""
    return (Consumer("grants.master-data", master_data_topics, handle_master_data),)
