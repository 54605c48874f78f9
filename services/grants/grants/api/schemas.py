"""Request and response schemas of the grants API (English field names; Danish status labels
alongside status codes). Amounts are DKK strings with two decimals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from common.dates import WireDate
from common.money import DKK
from grants.domain.budget import CostCategory, IncomeSource
from grants.domain.plan import Area, Goal
from grants.domain.rent_model import Adjustment

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValueError("control characters (such as NUL) are not allowed in text")
    return value


Text = Annotated[str, AfterValidator(_no_control_characters)]
Ident = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=64)]
PositiveDKK = Annotated[DKK, Field(gt=0)]
NonNegativeDKK = Annotated[DKK, Field(ge=0)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- applications --------------------------------------------------------------------------


class ApplicationIn(In):
    title: Text = Field(min_length=1, max_length=200)
    kind: Literal["social_effort", "rent_support"] = Field(
        default="social_effort",
        description="social_effort (boligsocial indsats) or rent_support (huslejestøtte).",
    )
    organisation_ids: list[Ident] = Field(
        min_length=1,
        max_length=20,
        description="The participating housing organisations; the first is the lead applicant.",
    )
    department_ids: list[Ident] = Field(min_length=1, max_length=100)
    year: Year = Field(description="The frame year applied in (2019–2026).")


class IncomeLineIn(In):
    source: IncomeSource
    amount: NonNegativeDKK
    text: Text = Field(default="", max_length=500)


class CostLineIn(In):
    category: CostCategory
    amount: NonNegativeDKK
    text: Text = Field(default="", max_length=500)
    extra_cost: NonNegativeDKK | None = Field(
        default=None,
        description="Maternity cover only: the extra cost beyond the daily-benefit refund.",
    )


class BudgetIn(In):
    years: int = Field(ge=1, le=10, description="The effort's duration in whole years.")
    income: list[IncomeLineIn] = Field(max_length=200)
    costs: list[CostLineIn] = Field(max_length=200)


class ApplicationPatch(In):
    title: Text | None = Field(default=None, min_length=1, max_length=200)
    budget: BudgetIn | None = None


class AnswersIn(In):
    answers: dict[Annotated[str, StringConstraints(max_length=64)], Any] = Field(max_length=50)


Line = Annotated[Text, StringConstraints(min_length=1, max_length=1000)]
Prose = Annotated[Text, StringConstraints(max_length=20000)]


class GoalIn(In):
    indicators: list[Line] = Field(max_length=50)


class StrategicAgreementIn(In):
    goals: dict[Goal, GoalIn] = Field(
        default_factory=dict,
        description="Indicators per fixed goal: education, employment, safety, community.",
    )
    organisation: Prose = Field(
        default="", description="The organisation of the effort, its unambiguous management."
    )


class SubGoalIn(In):
    text: Line
    indicators: list[Line] = Field(max_length=50)


class PartialAgreementIn(In):
    sub_goals: list[SubGoalIn] = Field(default_factory=list, max_length=50)
    activities: Prose = ""
    roles: Prose = Field(default="", description="The parties' roles, responsibilities, resources.")


class MilestoneIn(In):
    due_on: WireDate
    text: Line


class PlanIn(In):
    """The comprehensive plan's content (its budget is the case's budget; the board's terms of
    reference and the reporting form are attachments)."""

    strategic_agreement: StrategicAgreementIn = Field(default_factory=StrategicAgreementIn)
    partial_agreements: dict[Area, PartialAgreementIn] = Field(
        default_factory=dict,
        description="Per area: education_life_chances, employment, crime_prevention, "
        "cohesion_citizenship.",
    )
    emergency_plan: Prose = ""
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=200)


PerM2 = Annotated[Decimal, Field(max_digits=10, decimal_places=2, ge=-100000, le=100000)]


class RentSupportIn(In):
    year: Year = Field(
        description="The year of the benchmark calculator's figures. The minimum support need "
        "is the fund's rate in force for the case's frame year (PUT "
        "/rent-support/minimum-needs/{year}); a department below it is not covered, with a "
        "refusal reason, and goes to the national disposition fund."
    )
    adjustments: dict[
        Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)],
        dict[Adjustment, PerM2],
    ] = Field(
        default_factory=dict,
        max_length=100,
        description="Per department: additions (+) or deductions (−) in DKK/m²/year for "
        "renovation_need, accounts, attractiveness, local_competition.",
    )


class MinimumNeedIn(In):
    amount_per_m2: Annotated[Decimal, Field(max_digits=10, decimal_places=2, ge=0)] = Field(
        description="The minimum support need (minimumsstøttebehov) in DKK per m² a year: a "
        "department whose excess rent is below it is not covered by rent support."
    )
    reference: Text = Field(
        min_length=1,
        max_length=500,
        description="The fund's decision setting the rate (e.g. board meeting and item).",
    )


class MinimumNeedOut(BaseModel):
    year: int
    revision: int = Field(description="1 for the first rate of the year, +1 per change.")
    amount_per_m2: Decimal
    reference: str
    set_by: str
    set_at: datetime
    in_force: bool = Field(description="The year's newest revision: the rate calculations use.")


class DeclarationIn(In):
    organisation_id: Ident


class RecommendationIn(In):
    comment: Text | None = Field(default=None, max_length=4000)


class PrequalifyIn(In):
    reserved_amount: PositiveDKK
    advance_amount: PositiveDKK | None = None


class RejectIn(In):
    reason: Text = Field(min_length=1, max_length=4000)


class OperatingSupportDecisionIn(In):
    decision: Literal["granted", "refused"] = Field(
        description="The national disposition fund's decision on the operating-support case."
    )
    reason: Text = Field(min_length=1, max_length=4000, description="The decision's reason.")


class PlanApprovalIn(In):
    approved_on: WireDate
    reference: Text = Field(min_length=1, max_length=200)


# the years a commitment period may span: the frames begin in 2019, and the published
# grants.commitment.granted carries the period within 2019-2099
PeriodYear = Annotated[int, Field(ge=2019, le=2099)]


class CommitmentIn(In):
    amount: PositiveDKK
    period_start_year: PeriodYear
    period_end_year: PeriodYear
    conditions: Text | None = Field(default=None, max_length=8000)


class ReviewIn(In):
    held_on: WireDate
    notes: Text = Field(min_length=1, max_length=8000)


class StopPaymentsIn(In):
    reason: Text = Field(min_length=1, max_length=4000)


class PaymentIn(In):
    kind: Literal["advance", "instalment"] = "instalment"
    amount: PositiveDKK
    paid_on: WireDate


# --- out -------------------------------------------------------------------------------------


class ProblemItem(BaseModel):
    pointer: str
    detail: str
    code: str


class FormOut(BaseModel):
    department_id: str
    organisation_id: str
    municipality_code: str
    prefilled: dict[str, Any]
    answers: dict[str, Any]
    missing: list[str]
    complete: bool


class AttachmentOut(BaseModel):
    id: str
    kind: str
    organisation_id: str | None
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    pages: int | None
    year: int | None
    uploaded_by: str
    uploaded_at: datetime


class RecommendationOut(BaseModel):
    municipality_code: str
    source: str
    comment: str | None
    recorded_by: str
    recorded_at: datetime


class RegulationAccountIn(In):
    """The year's regulation account (reguleringskontoopgørelse): what the account held, what
    came in and went out per budget group, and what it holds at the year's end."""

    opening_balance: DKK = Field(description="Saldo primo: the previous year's closing balance.")
    lbf_support: NonNegativeDKK = Field(description="Support from Landsbyggefonden received.")
    co_financing: NonNegativeDKK = Field(description="Local co-financing received.")
    other_income: NonNegativeDKK = Field(default=Decimal("0.00"), description="Other income.")
    interest: NonNegativeDKK = Field(
        default=Decimal("0.00"), description="Interest credited on money set aside."
    )
    expenses: dict[CostCategory, NonNegativeDKK] = Field(
        description="Spent per budget group (the budget's cost categories)."
    )
    closing_balance: DKK = Field(
        description="Saldo ultimo: opening balance + income + interest − expenses."
    )
    deviation_explanation: str | None = Field(
        default=None,
        max_length=5000,
        description="Why a balance is left against the grant (required when it is not zero).",
    )


class RegulationAccountOut(BaseModel):
    opening_balance: DKK
    lbf_support: DKK
    co_financing: DKK
    other_income: DKK
    interest: DKK
    expenses: dict[str, DKK]
    closing_balance: DKK
    deviation_explanation: str | None


class StatementOut(BaseModel):
    year: int
    due_on: date
    received_on: date | None
    overdue: bool
    account: RegulationAccountOut | None = Field(
        default=None, description="The statement's content once received."
    )


class YearlyStatusOut(BaseModel):
    year: int
    due_on: date = Field(
        description="The yearly reporting deadline (30 June of the next year, moved to the next "
        "Danish working day) — the statement's day."
    )
    received_on: date | None = Field(description="The first upload's day (Copenhagen).")
    attachment_id: str | None = Field(description="The newest uploaded reporting form.")
    overdue: bool


class PaymentOut(BaseModel):
    id: int
    kind: str
    amount: DKK
    paid_on: date
    recorded_by: str
    recorded_at: datetime


class TransferOut(BaseModel):
    application_id: str
    department_ids: list[str]
    status: str
    status_label: str


class ApplicationOut(BaseModel):
    id: str
    kind: str
    title: str
    status: str
    status_label: str
    version: int
    lead_organisation_id: str
    organisation_ids: list[str]
    department_ids: list[str]
    municipality_code: str
    year: int
    budget: dict[str, Any] | None
    requested_amount: DKK | None
    reserved_amount: DKK | None
    advance_amount: DKK | None
    rejection_reason: str | None
    committed_amount: DKK | None
    period_start_year: int | None
    period_end_year: int | None
    conditions: str | None
    plan_approved_on: date | None
    plan_approval_reference: str | None
    review_held_on: date | None
    review_notes: str | None
    payments_stopped: bool
    overdue: bool
    created_at: datetime
    sent_at: datetime | None
    decided_at: datetime | None
    committed_at: datetime | None
    origin_application_id: str | None = Field(
        default=None,
        description="An operating-support case: the rent-support case its departments were "
        "transferred from.",
    )
    decision_reason: str | None = Field(
        default=None, description="An operating-support case: the reason of its decision."
    )
    transfers: list[TransferOut] = Field(
        default_factory=list,
        description="A rent-support case: the operating-support cases its uncovered "
        "departments were transferred to, with their status.",
    )
    age_days: int | None = Field(description="Days since the application was sent.")
    past_expected_processing: bool = Field(
        description="Awaiting the fund more than the expected 6 weeks."
    )
    forms: list[FormOut] = Field(default_factory=list)
    attachments: list[AttachmentOut] = Field(default_factory=list)
    declared_organisations: list[str] = Field(default_factory=list)
    recommendation: RecommendationOut | None = None
    recommended: bool = False
    budget_problems: list[ProblemItem] = Field(default_factory=list)
    send_blockers: list[ProblemItem] = Field(
        default_factory=list, description="What still stops sending (a draft only)."
    )
    can_send: bool = False
    plan: dict[str, Any] | None = None
    rent_support: dict[str, Any] | None = Field(
        default=None, description="The rent model's calculation, step by step per department."
    )
    plan_problems: list[ProblemItem] = Field(
        default_factory=list,
        description="What the comprehensive plan still lacks (while the plan is made).",
    )
    statements: list[StatementOut] = Field(default_factory=list)
    yearly_statuses: list[YearlyStatusOut] = Field(
        default_factory=list,
        description="Per year of the commitment period, the status on goals, indicators and "
        "activities (uploaded as attachment kind yearly_status with its year) and its deadline.",
    )
    review_due_from: date | None = Field(
        default=None,
        description="The one-year review (etårseftersyn) is held when the first statement is "
        "received, as far as possible: that day, once it has come.",
    )
    review_pending: bool = Field(
        default=False,
        description="The first statement is received and the one-year review not yet held.",
    )
    payments: list[PaymentOut] = Field(default_factory=list)


class ApplicationListItem(BaseModel):
    id: str
    kind: str
    title: str
    status: str
    status_label: str
    organisation_ids: list[str]
    municipality_code: str
    year: int
    requested_amount: DKK | None
    reserved_amount: DKK | None
    committed_amount: DKK | None
    created_at: datetime
    sent_at: datetime | None
    age_days: int | None
    past_expected_processing: bool
    overdue: bool
    payments_stopped: bool


class HistoryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    detail: str
    data: dict[str, Any] | None


class FrameOut(BaseModel):
    year: int
    frame: DKK
    used: DKK = Field(description="Committed (tilsagn).")
    reserved: DKK = Field(description="Reserved at prequalification, not committed yet.")
    left: DKK


class FrameEntryOut(BaseModel):
    application_id: str
    kind: str
    amount: DKK
    released: bool
    created_at: datetime


class FrameDetailOut(FrameOut):
    entries: list[FrameEntryOut]
