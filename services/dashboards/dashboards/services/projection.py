"""Applying the platform's events to the dashboards' read model (the consumer's use case)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.contracts import (
    Contract,
    DwellingVacancyChangedV1,
    KeyFiguresUpdatedV1,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    MeetingHeldV1,
    PackageReturnedV1,
    PackageSentV1,
    RentChangedV1,
    StatementSubmittedV1,
)
from dashboards.db import projection as db
from dashboards.domain.colours import count_colours

CONSUMED: tuple[type[Contract], ...] = (
    LeaseCreatedV1,
    LeaseUpdatedV1,
    LeaseTerminatedV1,
    RentChangedV1,
    DwellingVacancyChangedV1,
    PackageSentV1,
    PackageReturnedV1,
    MeetingHeldV1,
    StatementSubmittedV1,
    KeyFiguresUpdatedV1,
)
"""The contracts the dashboards count; other events on the same topics are ignored."""


async def apply_events(session: AsyncSession, events: Sequence[Contract]) -> None:
    """Apply the events in order, then tell the live pages once (inside the caller's
    transaction, so a page never sees a revision whose figures are not committed)."""
    changed = False
    for event in events:
        changed = await apply_event(session, event) or changed
    if changed:
        await db.bump_revision(session)


async def apply_event(session: AsyncSession, event: Contract) -> bool:
    """One event; ``False`` when the dashboards do not count its kind."""
    match event:
        case LeaseCreatedV1() | LeaseUpdatedV1():
            await db.upsert_lease(
                session,
                {
                    **_lease_keys(event),
                    "start_date": event.start_date,
                    "end_date": event.end_date,
                    "allocation_type": event.allocation_type.value,
                    "monthly_rent": event.monthly_rent,
                    "area_m2": event.area_m2,
                    "housing_type": event.housing_type.value,
                    "created_at": event.recorded_at if isinstance(event, LeaseCreatedV1) else None,
                    "recorded_at": event.recorded_at,
                },
            )
            await _dwelling(session, event, event.vacancy_loss_flag, event.vacant_soon_flag)
        case DwellingVacancyChangedV1():
            await _dwelling(session, event, event.vacancy_loss_flag, event.vacant_soon_flag)
        case LeaseTerminatedV1():
            await db.terminate_lease(
                session,
                {
                    **_lease_keys(event),
                    "start_date": event.start_date,
                    "end_date": event.end_date,
                    "allocation_type": event.allocation_type.value,
                    "recorded_at": event.recorded_at,
                },
            )
        case RentChangedV1():
            await db.change_rent(
                session,
                {
                    **_lease_keys(event),
                    "monthly_rent": event.monthly_rent,
                    "area_m2": event.area_m2,
                    "recorded_at": event.recorded_at,
                },
            )
        case PackageSentV1():
            await db.package_sent(
                session,
                {
                    **_package_keys(event, event.home_municipality_code),
                    "locations": sorted(set(event.location_municipality_codes)),
                    "at": event.sent_at,
                    "red": event.red_figures,
                    "yellow": event.yellow_figures,
                },
            )
        case PackageReturnedV1():
            await db.package_returned(
                session,
                {**_package_keys(event, event.home_municipality_code), "at": event.returned_at},
            )
        case MeetingHeldV1():
            await db.meeting_held(
                session,
                {**_package_keys(event, event.home_municipality_code), "at": event.held_on},
            )
        case StatementSubmittedV1():
            if event.supplementary:  # a location municipality's addition: no change of status
                return False
            await db.statement_submitted(
                session,
                {**_package_keys(event, event.municipality_code), "at": event.submitted_at},
            )
        case KeyFiguresUpdatedV1():
            colours = count_colours((f.code, f.colour.value) for f in event.figures)
            await db.set_department_colours(
                session,
                {
                    "department_id": event.department_id,
                    "year": event.year,
                    "organisation_id": event.organisation_id,
                    "municipality_code": event.municipality_code,
                    "revision": event.revision,
                    "red": colours.red,
                    "yellow": colours.yellow,
                    "red_codes": colours.red_codes,
                },
            )
        case _:
            return False
    return True


def _lease_keys(
    event: LeaseCreatedV1 | LeaseUpdatedV1 | LeaseTerminatedV1 | RentChangedV1,
) -> dict[str, object]:
    return {
        "lease_id": event.lease_id,
        "dwelling_id": event.dwelling_id,
        "department_id": event.department_id,
        "organisation_id": event.organisation_id,
        "municipality_code": event.municipality_code,
    }


async def _dwelling(
    session: AsyncSession,
    event: LeaseCreatedV1 | LeaseUpdatedV1 | DwellingVacancyChangedV1,
    vacancy_loss: bool,
    vacant_soon: bool,
) -> None:
    await db.set_dwelling(
        session,
        {
            "dwelling_id": event.dwelling_id,
            "lease_id": event.lease_id,
            "department_id": event.department_id,
            "organisation_id": event.organisation_id,
            "municipality_code": event.municipality_code,
            "vacancy_loss": vacancy_loss,
            "vacant_soon": vacant_soon,
            "state_at": event.recorded_at,
        },
    )


def _package_keys(
    event: PackageSentV1 | PackageReturnedV1 | MeetingHeldV1 | StatementSubmittedV1,
    home_municipality_code: str,
) -> dict[str, object]:
    return {
        "package_id": event.package_id,
        "organisation_id": event.organisation_id,
        "governance_year": event.governance_year,
        "home_municipality_code": home_municipality_code,
    }
