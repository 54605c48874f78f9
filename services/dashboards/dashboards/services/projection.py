"""Applying the platform's events to the dashboards' read model (the consumer's use case)."""

from __future__ import annotations

from collections import defaultdict
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
    """Apply the events, then tell the live pages once (inside the caller's transaction, so a
    page never sees a revision whose figures are not committed). Each kind of fact is written
    in one statement for the whole batch: the statements are commutative."""
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    for event in events:
        for kind, fact in facts_of(event):
            rows[kind].append(fact)
    for kind, facts in rows.items():
        await db.write_facts(session, kind, facts)
    if rows:
        await db.bump_revision(session)


def facts_of(event: Contract) -> list[tuple[str, dict[str, object]]]:
    """The rows one event writes, by kind; none for a kind the dashboards do not count."""
    match event:
        case LeaseCreatedV1() | LeaseUpdatedV1():
            lease = {
                **_lease_keys(event),
                "start_date": event.start_date,
                "end_date": event.end_date,
                "allocation_type": event.allocation_type.value,
                "monthly_rent": event.monthly_rent,
                "area_m2": event.area_m2,
                "housing_type": event.housing_type.value,
                "created_at": event.recorded_at if isinstance(event, LeaseCreatedV1) else None,
                "recorded_at": event.recorded_at,
            }
            return [("lease", lease), _dwelling(event)]
        case DwellingVacancyChangedV1():
            return [_dwelling(event)]
        case LeaseTerminatedV1():
            termination = {
                **_lease_keys(event),
                "start_date": event.start_date,
                "end_date": event.end_date,
                "allocation_type": event.allocation_type.value,
                "recorded_at": event.recorded_at,
            }
            return [("termination", termination)]
        case RentChangedV1():
            rent = {
                **_lease_keys(event),
                "monthly_rent": event.monthly_rent,
                "area_m2": event.area_m2,
                "recorded_at": event.recorded_at,
            }
            return [("rent", rent)]
        case PackageSentV1():
            sent = {
                **_package_keys(event, event.home_municipality_code),
                "locations": sorted(set(event.location_municipality_codes)),
                "at": event.sent_at,
                "red": event.red_figures,
                "yellow": event.yellow_figures,
            }
            return [("package_sent", sent)]
        case PackageReturnedV1():
            keys = _package_keys(event, event.home_municipality_code)
            return [("package_returned", {**keys, "at": event.returned_at})]
        case MeetingHeldV1():
            keys = _package_keys(event, event.home_municipality_code)
            return [("meeting_held", {**keys, "at": event.held_on})]
        case StatementSubmittedV1():
            if event.supplementary:  # a location municipality's addition: no change of status
                return []
            keys = _package_keys(event, event.municipality_code)
            return [("statement_submitted", {**keys, "at": event.submitted_at})]
        case KeyFiguresUpdatedV1():
            colours = count_colours((f.code, f.colour.value) for f in event.figures)
            return [
                (
                    "department_colours",
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
            ]
        case _:
            return []


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


def _dwelling(
    event: LeaseCreatedV1 | LeaseUpdatedV1 | DwellingVacancyChangedV1,
) -> tuple[str, dict[str, object]]:
    return (
        "dwelling",
        {
            "dwelling_id": event.dwelling_id,
            "lease_id": event.lease_id,
            "department_id": event.department_id,
            "organisation_id": event.organisation_id,
            "municipality_code": event.municipality_code,
            "vacancy_loss": event.vacancy_loss_flag,
            "vacant_soon": event.vacant_soon_flag,
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
