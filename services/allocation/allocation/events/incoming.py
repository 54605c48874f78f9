"""Handlers of the register's events, each applied exactly once through the inbox.

Events of other types on the same topics are ignored."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from allocation.services import register_facts
from common.events.consumer import Consumer
from common.events.contracts import (
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    LeaseCreatedV1,
    LeaseUpdatedV1,
    OrganisationUpsertedV1,
    RentChangedV1,
)
from common.events.envelope import Envelope


async def handle_master_data(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == OrganisationUpsertedV1.event_type:
        await register_facts.apply_organisation(
            session, OrganisationUpsertedV1.from_envelope(envelope)
        )
    elif envelope.type == DepartmentUpsertedV1.event_type:
        await register_facts.apply_department(session, DepartmentUpsertedV1.from_envelope(envelope))


async def handle_dwellings(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type == DwellingVacancyChangedV1.event_type:
        await register_facts.apply_vacancy_changed(
            session, DwellingVacancyChangedV1.from_envelope(envelope)
        )
    elif envelope.type == LeaseCreatedV1.event_type:
        await register_facts.apply_lease(session, LeaseCreatedV1.from_envelope(envelope))
    elif envelope.type == LeaseUpdatedV1.event_type:
        await register_facts.apply_lease(session, LeaseUpdatedV1.from_envelope(envelope))
    elif envelope.type == RentChangedV1.event_type:
        await register_facts.apply_rent_changed(session, RentChangedV1.from_envelope(envelope))


async def handle_dwellings_batch(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """A fetched batch: vacancy events set-wise, in order; anything else one by one."""
    kind, version = DwellingVacancyChangedV1.event_type, DwellingVacancyChangedV1.schema_version
    if all(e.type == kind and e.schema_version == version for e in envelopes):
        # the payloads, validated there by the contract of this type and version
        await register_facts.apply_vacancies(session, [e.data for e in envelopes])
        return
    for envelope in envelopes:
        await handle_dwellings(session, envelope)


def consumers(
    *,
    master_data_topics: tuple[str, ...] = (
        OrganisationUpsertedV1.topic,
        DepartmentUpsertedV1.topic,
    ),
    dwelling_topics: tuple[str, ...] = (DwellingVacancyChangedV1.topic, LeaseCreatedV1.topic),
) -> tuple[Consumer, ...]:
    """The service's consumers; tests pass their own per-run topic names."""
    return (
        Consumer("allocation.master-data", master_data_topics, handle_master_data),
        Consumer("allocation.dwellings", dwelling_topics, handle_dwellings, handle_dwellings_batch),
    )
