"""The governance service's contracts: documentation packages, accounts and reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from common.events.contracts.base import Amount, Contract, Id, MunicipalityCode, TotalSquareMetres

__all__ = [
    "AccountsReportedV1",
    "DeadlineSetV1",
    "MeetingHeldV1",
    "OutstandingItem",
    "PackageReturnedV1",
    "PackageSentV1",
    "PackageStatusChangedV1",
    "ReminderDueV1",
    "StatementSubmittedV1",
]


class PackageSentV1(Contract):
    """A housing organisation sent its governance documentation package (styringsdialog).

    The package went to the home municipality, and the governance report with the relevant
    department forms to each location municipality. The counts of key figures marked red or
    yellow against their benchmarks are what dashboards and reminder e-mails need; the figures
    themselves stay in the governance service."""

    event_type: ClassVar[str] = "governance.package.sent"
    topic: ClassVar[str] = "governance.package.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards", "notifications")
    summary: ClassVar[str] = "A governance documentation package was sent to its municipalities."
    aggregate_field: ClassVar[str] = "package_id"

    package_id: Id = Field(
        description="The documentation package (dokumentationspakke); the aggregate id."
    )
    organisation_id: Id = Field(description="The housing organisation that sent the package.")
    governance_year: int = Field(
        ge=2000,
        le=2100,
        description="The governance year (styringsår); package N carries the accounts of N-1.",
    )
    home_municipality_code: MunicipalityCode = Field(
        description="The organisation's home municipality (hjemstedskommune), which received "
        "the whole package."
    )
    location_municipality_codes: list[MunicipalityCode] = Field(
        description="Municipalities where the organisation's departments lie "
        "(beliggenhedskommuner), which received the report and their department forms; "
        "sorted, without duplicates; may include the home municipality."
    )
    sent_at: AwareDatetime = Field(description="When the package was sent (Fremsendt).")
    red_figures: int = Field(
        ge=0, description="Number of key figures with a red (critical) value in the package."
    )
    yellow_figures: int = Field(
        ge=0, description="Number of key figures with a yellow (warning) value in the package."
    )

    @field_validator("location_municipality_codes")
    @classmethod
    def _sorted_unique(cls, codes: list[str]) -> list[str]:
        return sorted(set(codes))

    @classmethod
    def example(cls) -> Self:
        return cls(
            package_id="pkg-2026-0101",
            organisation_id="org-0101",
            governance_year=2026,
            home_municipality_code="101",
            location_municipality_codes=["101", "147", "157"],
            sent_at=datetime(2026, 11, 24, 14, 5, tzinfo=UTC),
            red_figures=1,
            yellow_figures=4,
        )


class AccountsReportedV1(Contract):
    """A housing organisation reported (or corrected) a department's accounts for a year.

    The figures the benchmark calculator needs, as reported in the governance package of year
    ``accounts_year + 1``; a correction is a new event with a higher ``revision``."""

    event_type: ClassVar[str] = "governance.accounts.reported"
    topic: ClassVar[str] = "governance.accounts.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks",)
    summary: ClassVar[str] = "A department's accounts for a year were reported."
    aggregate_field: ClassVar[str] = "department_id"

    department_id: Id = Field(description="The department (afdeling); the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation owning the department.")
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the department lies, three digits."
    )
    package_id: Id = Field(description="The documentation package the accounts belong to.")
    accounts_year: int = Field(ge=2000, le=2100, description="The financial year (regnskabsår).")
    revision: int = Field(ge=1, description="1 for the first report, +1 for each correction.")
    dwellings: int = Field(ge=1, description="Number of dwellings (lejemål) in the accounts.")
    total_area_m2: TotalSquareMetres = Field(
        description="The department's total dwelling area, m²."
    )
    administration_cost: Amount = Field(description="Administration costs of the year, DKK.")
    maintenance_cost: Amount = Field(
        description="Planned and ongoing maintenance and renewals of the year, DKK."
    )
    vacancy_rent_loss: Amount = Field(description="Rent lost to vacancy (tab ved lejeledighed).")
    operating_cost: Amount = Field(description="Total operating costs (driftsudgifter), DKK.")
    reported_at: AwareDatetime = Field(description="When the accounts were reported.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            package_id="pkg-2026-0101",
            accounts_year=2025,
            revision=1,
            dwellings=120,
            total_area_m2=Decimal("9120.00"),
            administration_cost=Decimal("540000.00"),
            maintenance_cost=Decimal("1368000.00"),
            vacancy_rent_loss=Decimal("48250.00"),
            operating_cost=Decimal("7296000.00"),
            reported_at=datetime(2026, 4, 30, 12, 0, tzinfo=UTC),
        )


class PackageReturnedV1(Contract):
    """The home municipality sent a governance package back to the housing organisation,
    which reopens it for changes."""

    event_type: ClassVar[str] = "governance.package.returned"
    topic: ClassVar[str] = "governance.package.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards", "notifications")
    summary: ClassVar[str] = "A governance package was sent back to its organisation."
    aggregate_field: ClassVar[str] = "package_id"

    package_id: Id = Field(description="The documentation package; the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation the package belongs to.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    home_municipality_code: MunicipalityCode = Field(
        description="The home municipality that sent it back."
    )
    reason: str | None = Field(
        default=None, max_length=2000, description="The municipality's reason, as written."
    )
    returned_at: AwareDatetime = Field(description="When the package was sent back.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            package_id="pkg-2026-0101",
            organisation_id="org-0101",
            governance_year=2026,
            home_municipality_code="101",
            reason="Afdelingsskemaet for afdeling 12 mangler kommentar til tomgang.",
            returned_at=datetime(2026, 11, 28, 9, 15, tzinfo=UTC),
        )


class MeetingHeldV1(Contract):
    """The home municipality recorded the governance meeting (Møde afholdt) for a package."""

    event_type: ClassVar[str] = "governance.package.meeting_held"
    topic: ClassVar[str] = "governance.package.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards", "notifications")
    summary: ClassVar[str] = "The governance meeting of a package was held."
    aggregate_field: ClassVar[str] = "package_id"

    package_id: Id = Field(description="The documentation package; the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation the package belongs to.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    home_municipality_code: MunicipalityCode = Field(
        description="The home municipality that held the meeting."
    )
    held_on: date = Field(description="The day of the meeting.")
    recorded_at: AwareDatetime = Field(description="When the meeting was recorded.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            package_id="pkg-2026-0101",
            organisation_id="org-0101",
            governance_year=2026,
            home_municipality_code="101",
            held_on=date(2026, 12, 10),
            recorded_at=datetime(2026, 12, 11, 8, 0, tzinfo=UTC),
        )


class StatementSubmittedV1(Contract):
    """A municipality submitted its statement (redegørelse) on a governance package: the home
    municipality's statement, or a location municipality's supplementary one."""

    event_type: ClassVar[str] = "governance.package.statement_submitted"
    topic: ClassVar[str] = "governance.package.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards", "notifications")
    summary: ClassVar[str] = "A municipality's statement on a governance package was submitted."
    aggregate_field: ClassVar[str] = "package_id"

    package_id: Id = Field(description="The documentation package; the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation the package belongs to.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    municipality_code: MunicipalityCode = Field(
        description="The municipality that submitted the statement."
    )
    supplementary: bool = Field(
        description="A location municipality's supplementary statement (not the home "
        "municipality's statement, which sets the package to Redegørelse afgivet)."
    )
    submitted_at: AwareDatetime = Field(description="When the statement was submitted.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            package_id="pkg-2026-0101",
            organisation_id="org-0101",
            governance_year=2026,
            municipality_code="101",
            supplementary=False,
            submitted_at=datetime(2027, 1, 15, 13, 0, tzinfo=UTC),
        )


class OutstandingItem(BaseModel):
    """One package a municipality has not finished with, in a reminder."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    package_id: Id = Field(description="The documentation package.")
    organisation_id: Id = Field(description="The housing organisation of the package.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    status: str = Field(
        max_length=64, description="The package's status code, e.g. 'sent' (Fremsendt)."
    )
    missing: str = Field(
        max_length=200,
        description="What the municipality still has to do, in Danish, e.g. 'Møde afholdt'.",
    )


class ReminderDueV1(Contract):
    """A twice-yearly reminder to a municipality fell due: its outstanding governance items of
    the last two governance years."""

    event_type: ClassVar[str] = "governance.reminder.due"
    topic: ClassVar[str] = "governance.reminder.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "A municipality's twice-yearly governance reminder fell due."
    aggregate_field: ClassVar[str] = "reminder_id"

    reminder_id: Id = Field(
        description="The reminder, unique per municipality and round, e.g. '101-2027-1'."
    )
    municipality_code: MunicipalityCode = Field(description="The municipality reminded.")
    round_date: date = Field(description="The scheduled day of this reminder round.")
    governance_years: list[int] = Field(
        min_length=1, description="The governance years covered (the last two)."
    )
    items: list[OutstandingItem] = Field(
        min_length=1, description="The outstanding items, by governance year and organisation."
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            reminder_id="101-2027-1",
            municipality_code="101",
            round_date=date(2027, 3, 1),
            governance_years=[2025, 2026],
            items=[
                OutstandingItem(
                    package_id="pkg-2026-0101",
                    organisation_id="org-0101",
                    governance_year=2026,
                    status="sent",
                    missing="Møde afholdt",
                )
            ],
        )


class PackageStatusChangedV1(Contract):
    """A documentation package's status before sending changed: it was created (Klar til
    udarbejdelse), work on it began (Under udarbejdelse) or every form was filled in (Helt
    udfyldt). Sending and what follows have their own events; a package sent back is published
    with the status it is back in, as of the return (``changed_at`` = ``returned_at``)."""

    event_type: ClassVar[str] = "governance.package.status_changed"
    topic: ClassVar[str] = "governance.package.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards",)
    summary: ClassVar[str] = "A governance package's status before sending changed."
    aggregate_field: ClassVar[str] = "package_id"

    package_id: Id = Field(description="The documentation package; the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation the package belongs to.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    home_municipality_code: MunicipalityCode = Field(
        description="The organisation's home municipality, three digits."
    )
    status: str = Field(
        pattern=r"^(ready|in_progress|complete)$",
        description="ready (Klar til udarbejdelse), in_progress (Under udarbejdelse) or "
        "complete (Helt udfyldt).",
    )
    changed_at: AwareDatetime = Field(description="When the status changed.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            package_id="pkg-2026-0101",
            organisation_id="org-0101",
            governance_year=2026,
            home_municipality_code="101",
            status="in_progress",
            changed_at=datetime(2026, 9, 1, 10, 0, tzinfo=UTC),
        )


class DeadlineSetV1(Contract):
    """A home municipality set (or removed) its deadline for an organisation's documentation
    package of a governance year (shown, not blocking)."""

    event_type: ClassVar[str] = "governance.deadline.set"
    topic: ClassVar[str] = "governance.deadline.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards",)
    summary: ClassVar[str] = "A municipality set its deadline for an organisation's package."
    aggregate_field: ClassVar[str] = "deadline_id"

    deadline_id: Id = Field(
        description="<municipality>-<organisation>-<year>: the aggregate id and Kafka key."
    )
    municipality_code: MunicipalityCode = Field(description="The home municipality.")
    organisation_id: Id = Field(description="The housing organisation.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    deadline: date | None = Field(description="The last day to send the package; null: removed.")
    set_at: AwareDatetime = Field(description="When it was set.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            deadline_id="101-org-0101-2026",
            municipality_code="101",
            organisation_id="org-0101",
            governance_year=2026,
            deadline=date(2026, 10, 1),
            set_at=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        )
