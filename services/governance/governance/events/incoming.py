"""Handlers of other services' events, each applied exactly once through the inbox.

* ``register.organisation.upserted`` / ``register.department.upserted`` → the local read model
  of organisations and departments (and new departments' forms in open packages);
* ``benchmarks.keyfigures.updated`` → the latest key figures; prefills department forms;
* ``notifications.delivery.failed`` → a line in the change log of the package concerned.

Events of other types on the same topics are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.consumer import Consumer
from common.events.contracts import (
    DeliveryFailedV1,
    DepartmentUpsertedV1,
    KeyFiguresUpdatedV1,
    OrganisationUpsertedV1,
)
from common.events.envelope import Envelope
from governance.services.changes import apply_delivery_failed
from governance.services.keyfigures import apply_key_figures
from governance.services.masterdata import (
    MasterDataEvent,
    apply_department,
    apply_master_data,
    apply_organisation,
)


async def handle_master_data(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == OrganisationUpsertedV1.event_type:
        await apply_organisation(session, OrganisationUpsertedV1.from_envelope(envelope))
    elif envelope.type == DepartmentUpsertedV1.event_type:
        await apply_department(session, DepartmentUpsertedV1.from_envelope(envelope))


async def handle_master_data_batch(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """The master-data consumer's batch handler (see :func:`apply_master_data`); an invalid
    event raises and the runner applies the batch event by event (→ retries → DLQ)."""
    events: list[MasterDataEvent] = []
    for envelope in envelopes:
        if envelope.type == OrganisationUpsertedV1.event_type:
            events.append(OrganisationUpsertedV1.from_envelope(envelope))
        elif envelope.type == DepartmentUpsertedV1.event_type:
            events.append(DepartmentUpsertedV1.from_envelope(envelope))
    await apply_master_data(session, events)


async def handle_key_figures(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == KeyFiguresUpdatedV1.event_type:
        await apply_key_figures(session, KeyFiguresUpdatedV1.from_envelope(envelope))


async def handle_delivery_failed(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == DeliveryFailedV1.event_type:
        await apply_delivery_failed(session, DeliveryFailedV1.from_envelope(envelope))


def consumers(
    *,
    master_data_topics: tuple[str, ...] = (
        OrganisationUpsertedV1.topic,
        DepartmentUpsertedV1.topic,
    ),
    key_figures_topic: str = KeyFiguresUpdatedV1.topic,
    delivery_topic: str = DeliveryFailedV1.topic,
) -> tuple[Consumer, ...]:
    """The service's consumers; tests pass their own per-run topic names."""
    return (
        Consumer(
            "governance.master-data",
            master_data_topics,
            handle_master_data,
            batch_handler=handle_master_data_batch,
        ),
        Consumer("governance.key-figures", (key_figures_topic,), handle_key_figures),
        Consumer("governance.delivery-failures", (delivery_topic,), handle_delivery_failed),
    )
