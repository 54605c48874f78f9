"""Handlers of other services' events, each applied exactly once through the inbox.

* ``register.organisation.upserted`` / ``register.department.upserted`` → the read model of
  organisations and departments the application forms are prefilled from;
* ``benchmarks.keyfigures.updated`` → the rent model's figures (a department's rent per m² and
  its comparable group's average, the average dwelling size).

Events of other types on the same topics are ignored.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.consumer import Consumer
from common.events.contracts import (
    DepartmentUpsertedV1,
    KeyFiguresUpdatedV1,
    OrganisationUpsertedV1,
)
from common.events.envelope import Envelope
from grants.services.figures import apply_key_figures
from grants.services.masterdata import apply_department, apply_organisation


async def handle_master_data(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == OrganisationUpsertedV1.event_type:
        await apply_organisation(session, OrganisationUpsertedV1.from_envelope(envelope))
    elif envelope.type == DepartmentUpsertedV1.event_type:
        await apply_department(session, DepartmentUpsertedV1.from_envelope(envelope))


async def handle_key_figures(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == KeyFiguresUpdatedV1.event_type:
        await apply_key_figures(session, KeyFiguresUpdatedV1.from_envelope(envelope))


def consumers(
    *,
    master_data_topics: tuple[str, ...] = (
        OrganisationUpsertedV1.topic,
        DepartmentUpsertedV1.topic,
    ),
    key_figures_topic: str = KeyFiguresUpdatedV1.topic,
) -> tuple[Consumer, ...]:
    """The service's consumers; tests pass their own per-run topic names."""
    return (
        Consumer("grants.master-data", master_data_topics, handle_master_data),
        Consumer("grants.key-figures", (key_figures_topic,), handle_key_figures),
    )
