"""Domain facts → versioned contracts of the catalogue, in CloudEvents envelopes for the outbox."""

from __future__ import annotations

from datetime import date, datetime

from common.events.contracts import (
    AccountsReportedV1,
    DeadlineSetV1,
    MeetingHeldV1,
    OutstandingItem,
    PackageReturnedV1,
    PackageSentV1,
    PackageStatusChangedV1,
    ReminderDueV1,
    StatementSubmittedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from governance.db.models import AccountsRow, PackageRow


def package_sent(
    package: PackageRow, locations: list[str], red: int, yellow: int, correlation_id: str | None
) -> Envelope:
    assert package.sent_at is not None
    return to_envelope(
        PackageSentV1(
            package_id=package.id,
            organisation_id=package.organisation_id,
            governance_year=package.year,
            home_municipality_code=package.home_municipality_code,
            location_municipality_codes=locations,
            sent_at=package.sent_at,
            red_figures=red,
            yellow_figures=yellow,
        ),
        correlation_id=correlation_id,
    )


def package_returned(
    package: PackageRow, reason: str | None, at: datetime, correlation_id: str | None
) -> Envelope:
    return to_envelope(
        PackageReturnedV1(
            package_id=package.id,
            organisation_id=package.organisation_id,
            governance_year=package.year,
            home_municipality_code=package.home_municipality_code,
            reason=reason,
            returned_at=at,
        ),
        correlation_id=correlation_id,
    )


def meeting_held(
    package: PackageRow, held_on: date, at: datetime, correlation_id: str | None
) -> Envelope:
    return to_envelope(
        MeetingHeldV1(
            package_id=package.id,
            organisation_id=package.organisation_id,
            governance_year=package.year,
            home_municipality_code=package.home_municipality_code,
            held_on=held_on,
            recorded_at=at,
        ),
        correlation_id=correlation_id,
    )


def statement_submitted(
    package: PackageRow,
    municipality: str,
    supplementary: bool,
    at: datetime,
    correlation_id: str | None,
) -> Envelope:
    return to_envelope(
        StatementSubmittedV1(
            package_id=package.id,
            organisation_id=package.organisation_id,
            governance_year=package.year,
            municipality_code=municipality,
            supplementary=supplementary,
            submitted_at=at,
        ),
        correlation_id=correlation_id,
    )


def accounts_reported(
    accounts: AccountsRow, municipality: str, correlation_id: str | None
) -> Envelope:
    return to_envelope(
        AccountsReportedV1(
            department_id=accounts.department_id,
            organisation_id=accounts.organisation_id,
            municipality_code=municipality,
            package_id=accounts.package_id,
            accounts_year=accounts.accounts_year,
            revision=accounts.revision,
            dwellings=accounts.dwellings,
            total_area_m2=accounts.total_area_m2,
            administration_cost=accounts.administration_cost,
            maintenance_cost=accounts.maintenance_cost,
            vacancy_rent_loss=accounts.vacancy_rent_loss,
            operating_cost=accounts.operating_cost,
            reported_at=accounts.reported_at,
        ),
        correlation_id=correlation_id,
    )


def reminder_due(
    reminder_id: str,
    municipality: str,
    round_date: date,
    years: list[int],
    items: list[OutstandingItem],
) -> Envelope:
    return to_envelope(
        ReminderDueV1(
            reminder_id=reminder_id,
            municipality_code=municipality,
            round_date=round_date,
            governance_years=years,
            items=items,
        )
    )


def package_status_changed(
    *,
    package_id: str,
    organisation_id: str,
    year: int,
    home_municipality_code: str,
    status: str,
    at: datetime,
    correlation_id: str | None,
) -> Envelope:
    """A package's status before sending (ready, in_progress, complete) changed."""
    return to_envelope(
        PackageStatusChangedV1(
            package_id=package_id,
            organisation_id=organisation_id,
            governance_year=year,
            home_municipality_code=home_municipality_code,
            status=status,
            changed_at=at,
        ),
        correlation_id=correlation_id,
    )


def deadline_set(
    municipality_code: str,
    organisation_id: str,
    year: int,
    deadline: date | None,
    at: datetime,
    correlation_id: str | None,
) -> Envelope:
    return to_envelope(
        DeadlineSetV1(
            deadline_id=f"{municipality_code}-{organisation_id}-{year}",
            municipality_code=municipality_code,
            organisation_id=organisation_id,
            governance_year=year,
            deadline=deadline,
            set_at=at,
        ),
        correlation_id=correlation_id,
    )
