"""The grants service's contracts: § 91a applications, the National Building Fund's decisions,
commitments, overdue statements and payment stops."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from common.events.contracts.base import Amount, Contract, Id, MunicipalityCode

__all__ = [
    "ApplicationPrequalifiedV1",
    "ApplicationRejectedV1",
    "ApplicationSubmittedV1",
    "ApplicationTransferredV1",
    "AssessmentStartedV1",
    "CommitmentGrantedV1",
    "PaymentsResumedV1",
    "PaymentsStoppedV1",
    "PlanApprovedV1",
    "PlanSentV1",
    "StatementOverdueV1",
    "YearlyStatusOverdueV1",
]


class ApplicationPrequalifiedV1(Contract):
    """The National Building Fund (LBF) prequalified a § 91a grant application.

    The applicant may now prepare a comprehensive plan (helhedsplan); the reserved amount is
    set aside for it, possibly with an advance for a project manager."""

    event_type: ClassVar[str] = "grants.application.prequalified"
    topic: ClassVar[str] = "grants.application.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    summary: ClassVar[str] = "A § 91a prequalification application was prequalified."
    aggregate_field: ClassVar[str] = "application_id"

    application_id: Id = Field(description="The grant application; the aggregate id.")
    organisation_id: Id = Field(description="The applying housing organisation.")
    department_ids: list[Id] = Field(
        min_length=1, description="The departments (afdelinger) the application covers."
    )
    municipality_code: MunicipalityCode = Field(
        description="The municipality that recommended the application, three digits."
    )
    reserved_amount: Amount = Field(
        description="Amount in DKK reserved for the comprehensive plan, two decimals."
    )
    advance_amount: Amount | None = Field(
        default=None,
        description="Advance in DKK for a project manager, if granted; null otherwise.",
    )
    decided_at: AwareDatetime = Field(description="When the fund decided to prequalify.")
    organisation_ids: list[Id] | None = Field(
        default=None,
        description="Every participating housing organisation (organisation_id is the lead "
        "applicant and the first of them); null from producers before this field existed.",
    )
    year: int | None = Field(
        default=None, ge=2019, le=2099, description="The frame year the amount is reserved in."
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            department_ids=["dep-0412", "dep-0413"],
            municipality_code="101",
            reserved_amount=Decimal("12500000.00"),
            advance_amount=Decimal("350000.00"),
            decided_at=datetime(2026, 11, 20, 11, 0, tzinfo=UTC),
            organisation_ids=["org-0101"],
            year=2026,
        )


_AT = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)


class _Case(BaseModel):
    """The fields every grants event after the first carries: which case, whose, where."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    application_id: Id = Field(description="The grant application (case); the aggregate id.")
    organisation_id: Id = Field(description="The lead applying housing organisation.")
    organisation_ids: list[Id] = Field(
        min_length=1, description="Every participating housing organisation."
    )
    municipality_code: MunicipalityCode = Field(
        description="The location municipality, three digits."
    )


class ApplicationSubmittedV1(Contract, _Case):
    """A housing organisation sent a complete § 91a prequalification application to the fund."""

    event_type: ClassVar[str] = "grants.application.submitted"
    topic: ClassVar[str] = "grants.application.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "A § 91a prequalification application was sent to the fund."

    department_ids: list[Id] = Field(min_length=1, description="The departments it covers.")
    requested_amount: Amount = Field(description="The grant applied for in DKK, two decimals.")
    year: int = Field(ge=2019, le=2099, description="The application's frame year.")
    submitted_at: AwareDatetime = Field(description="When the application was sent.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            department_ids=["dep-0412"],
            requested_amount=Decimal("12500000.00"),
            year=2026,
            submitted_at=_AT,
        )


class ApplicationRejectedV1(Contract, _Case):
    """The fund rejected a § 91a prequalification application, with its reason. There is no
    waiting list: the applicant must apply again."""

    event_type: ClassVar[str] = "grants.application.rejected"
    topic: ClassVar[str] = "grants.application.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "A § 91a prequalification application was rejected."

    department_ids: list[Id] = Field(min_length=1, description="The departments it covered.")
    reason: str = Field(min_length=1, max_length=4000, description="The fund's reason.")
    decided_at: AwareDatetime = Field(description="When the fund rejected it.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            department_ids=["dep-0412"],
            reason="Området opfylder ikke fondens hovedbetingelser for tilskud.",
            decided_at=_AT,
        )


class ApplicationTransferredV1(Contract, _Case):
    """Departments of a rent-support application that the fund's rent model found not covered
    were transferred to the national disposition fund (landsdispositionsfonden) as an ordinary
    operating-support case (driftsstøttesag), before any final refusal (seed 001).

    ``application_id`` is the new operating-support case; ``origin_application_id`` the
    rent-support case the departments came from."""

    event_type: ClassVar[str] = "grants.application.transferred"
    topic: ClassVar[str] = "grants.application.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = (
        "A rent-support case's uncovered departments went to the national disposition fund."
    )

    origin_application_id: Id = Field(description="The rent-support case transferred from.")
    department_ids: list[Id] = Field(
        min_length=1, description="The departments transferred (not covered by rent support)."
    )
    year: int = Field(ge=2019, le=2099, description="The frame year of the rent-support case.")
    transferred_at: AwareDatetime = Field(description="When the fund transferred them.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0077",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            origin_application_id="app-2026-0042",
            department_ids=["dep-0413"],
            year=2026,
            transferred_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        )


class PlanApprovedV1(Contract, _Case):
    """The location municipality's council approved the comprehensive plan (helhedsplan)."""

    event_type: ClassVar[str] = "grants.plan.approved"
    topic: ClassVar[str] = "grants.plan.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "A comprehensive plan was approved by the municipal council."

    approved_on: date = Field(description="The date of the council's approval.")
    reference: str = Field(min_length=1, max_length=200, description="The council's reference.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            approved_on=date(2026, 11, 18),
            reference="KB 18.11.2026 pkt. 7",
        )


class CommitmentGrantedV1(Contract, _Case):
    """The fund committed a grant (tilsagn) for a comprehensive plan."""

    event_type: ClassVar[str] = "grants.commitment.granted"
    topic: ClassVar[str] = "grants.commitment.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "The fund committed a § 91a grant."

    department_ids: list[Id] = Field(min_length=1, description="The departments it covers.")
    amount: Amount = Field(description="The committed grant in DKK, two decimals.")
    year: int = Field(ge=2019, le=2099, description="The frame year the commitment uses.")
    period_start_year: int = Field(ge=2019, le=2099, description="First year of the period.")
    period_end_year: int = Field(ge=2019, le=2099, description="Last year of the period.")
    committed_at: AwareDatetime = Field(description="When the fund committed.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            department_ids=["dep-0412"],
            amount=Decimal("12000000.00"),
            year=2026,
            period_start_year=2027,
            period_end_year=2030,
            committed_at=_AT,
        )


class StatementOverdueV1(Contract, _Case):
    """A yearly regulation-account statement (reguleringskontoopgørelse) was not received by
    its deadline, 6 months after the calendar year's end."""

    event_type: ClassVar[str] = "grants.report.overdue"
    topic: ClassVar[str] = "grants.report.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "A yearly regulation-account statement is overdue."

    statement_year: int = Field(ge=2019, le=2099, description="The calendar year it covers.")
    due_on: date = Field(description="The deadline that passed.")
    detected_at: AwareDatetime = Field(description="When the overdue round found it.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            statement_year=2025,
            due_on=date(2026, 6, 30),
            detected_at=datetime(2026, 7, 1, 6, 0, tzinfo=UTC),
        )


class YearlyStatusOverdueV1(Contract, _Case):
    """The yearly status on goals, indicators and activities (status på mål, indikatorer og
    aktiviteter) was not received by the yearly reporting deadline, 6 months after the calendar
    year's end (seed 001, "Årlig indberetning": both the regulation account and the status are
    reported once a year; missing reporting can stop payments)."""

    event_type: ClassVar[str] = "grants.report.status_overdue"
    topic: ClassVar[str] = "grants.report.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "A yearly status on goals, indicators and activities is overdue."

    status_year: int = Field(ge=2019, le=2099, description="The calendar year it covers.")
    due_on: date = Field(description="The deadline that passed.")
    detected_at: AwareDatetime = Field(description="When the overdue round found it.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            status_year=2025,
            due_on=date(2026, 6, 30),
            detected_at=datetime(2026, 7, 1, 6, 0, tzinfo=UTC),
        )


class PaymentsStoppedV1(Contract, _Case):
    """The fund stopped payments to a case because a yearly statement is overdue."""

    event_type: ClassVar[str] = "grants.payments.stopped"
    topic: ClassVar[str] = "grants.payments.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "Payments to a § 91a case were stopped."

    overdue_years: list[int] = Field(
        min_length=1,
        description="The years with an overdue yearly report (the regulation-account statement "
        "or the status on goals, indicators and activities).",
    )
    reason: str = Field(min_length=1, max_length=4000, description="The fund's reason.")
    stopped_at: AwareDatetime = Field(description="When payments were stopped.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            overdue_years=[2025],
            reason="Reguleringskontoopgørelsen for 2025 er ikke modtaget.",
            stopped_at=datetime(2026, 7, 15, 9, 0, tzinfo=UTC),
        )


class PaymentsResumedV1(Contract, _Case):
    """Payments to a case resumed: every overdue statement has been received."""

    event_type: ClassVar[str] = "grants.payments.resumed"
    topic: ClassVar[str] = "grants.payments.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "Payments to a § 91a case were resumed."

    resumed_at: AwareDatetime = Field(description="When payments resumed.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            resumed_at=datetime(2026, 8, 3, 9, 0, tzinfo=UTC),
        )


class AssessmentStartedV1(Contract, _Case):
    """The fund started assessing a § 91a prequalification application (sent → under
    assessment)."""

    event_type: ClassVar[str] = "grants.application.assessment_started"
    topic: ClassVar[str] = "grants.application.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards",)
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "The fund started assessing a § 91a prequalification application."

    year: int = Field(ge=2019, le=2099, description="The application's frame year.")
    started_at: AwareDatetime = Field(description="When the fund started the assessment.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            year=2026,
            started_at=_AT,
        )


class PlanSentV1(Contract, _Case):
    """The applicant sent the approved comprehensive plan (helhedsplan) to the fund
    (plan approved → plan sent); the fund's commitment comes next."""

    event_type: ClassVar[str] = "grants.plan.sent"
    topic: ClassVar[str] = "grants.plan.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards",)
    aggregate_field: ClassVar[str] = "application_id"
    summary: ClassVar[str] = "A comprehensive plan was sent to the fund."

    year: int = Field(ge=2019, le=2099, description="The application's frame year.")
    sent_at: AwareDatetime = Field(description="When the plan was sent to the fund.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            organisation_ids=["org-0101"],
            municipality_code="101",
            year=2026,
            sent_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        )
