"""Request and response schemas of the governance API (English field names; Danish labels
alongside status codes)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from common.dates import WireDate
from common.paging import Page
from governance.domain.masterdata import Exemption
from governance.domain.rules import FormKind, QuestionKind, reminder_years

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValueError("control characters (such as NUL) are not allowed in text")
    return value


Text = Annotated[str, AfterValidator(_no_control_characters)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- catalogue -------------------------------------------------------------------------------


class QuestionIn(In):
    code: Code
    form: FormKind = Field(description="report (styringsrapport) or department (afdelingsskema)")
    section: Text = Field(min_length=1, max_length=200)
    text: Text = Field(min_length=1, max_length=2000)
    kind: QuestionKind
    required: bool = False
    options: list[Annotated[Text, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    help_text: Text | None = Field(default=None, max_length=4000)


class CatalogueIn(In):
    questions: list[QuestionIn] = Field(min_length=1, max_length=500)


class QuestionOut(BaseModel):
    code: str
    form: str
    section: str
    text: str
    kind: str
    required: bool
    options: list[str]
    help_text: str | None
    fingerprint: str


class CatalogueOut(BaseModel):
    year: int
    questions: list[QuestionOut]


class ExemptionIn(In):
    exemption: Exemption | None = Field(
        description="Why the organisation or department does not report; null lifts it."
    )


# --- packages --------------------------------------------------------------------------------


class GenerateIn(In):
    year: Year


class GenerateOut(BaseModel):
    year: int
    created: int
    existing: int
    exempt: int
    package_ids: list[str]


class FigureOut(BaseModel):
    code: str
    value: str | None
    unit: str
    benchmark: str | None
    benchmark_indexed: bool
    colour: str
    reason: str | None
    comment: str | None
    needs_comment: bool


class FormSummary(BaseModel):
    kind: str
    key: str = Field(description="'report' or the department id")
    municipality_code: str | None
    status: str
    status_label: str
    answered: int
    required: int
    required_answered: int
    figures_prefilled: bool
    red_figures: int
    yellow_figures: int


class AttachmentOut(BaseModel):
    id: str
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    municipality_code: str | None
    uploaded_at: datetime


class AccountsStatus(BaseModel):
    accounts_year: int
    reported: list[str]
    missing: list[str]
    key_figures_pending: list[str] = Field(
        description="Departments whose accounts are reported but whose key figures computed "
        "from them have not arrived from the benchmark calculator yet; sending waits for them."
    )


class PackageOut(BaseModel):
    id: str
    organisation_id: str
    year: int
    status: str
    status_label: str
    version: int
    home_municipality_code: str
    location_municipality_codes: list[str]
    deadline: date | None = Field(description="The home municipality's deadline (not blocking).")
    deadline_passed: bool
    created_at: datetime
    updated_at: datetime
    last_change_at: datetime | None
    sent_at: datetime | None
    returned_at: datetime | None
    meeting_held_on: date | None
    statement_submitted_at: datetime | None
    report: FormSummary | None
    departments: list[FormSummary]
    accounts: AccountsStatus
    attachments: list[AttachmentOut]
    newer_benchmarks_available: list[str] = Field(
        description="Department forms whose indexed benchmarks can be updated."
    )
    can_send: bool


class PackageListItem(BaseModel):
    id: str
    organisation_id: str
    year: int
    status: str
    status_label: str
    version: int
    home_municipality_code: str
    sent_at: datetime | None
    updated_at: datetime


class PackagePage(Page[PackageListItem]):
    """A page of packages (``next_cursor`` is opaque: pass it back unchanged)."""


class AnswerOut(BaseModel):
    code: str
    section: str
    text: str
    kind: str
    required: bool
    options: list[str]
    help_text: str | None
    answer: Any = None


class FormOut(BaseModel):
    package_id: str
    package_version: int
    kind: str
    key: str
    municipality_code: str | None
    status: str
    status_label: str
    answered: int
    required: int
    required_answered: int
    missing_required: list[str]
    figures_needing_comment: list[str]
    questions: list[AnswerOut]
    key_figures: list[FigureOut]
    benchmarks_indexed: bool
    read_only: bool


class AnswersIn(In):
    answers: dict[
        Annotated[str, StringConstraints(max_length=64)],
        bool | int | float | str | None,
    ] = Field(max_length=500, description="Question code → answer; null clears an answer.")


class CommentIn(In):
    comment: Text | None = Field(max_length=2000)


class LoadLastYearIn(In):
    forms: list[Annotated[str, StringConstraints(max_length=64, pattern=ID_PATTERN)]] | None = (
        Field(
            default=None,
            max_length=5000,
            description="'report' and/or department ids; omit for the whole package.",
        )
    )
    overwrite: bool = Field(default=False, description="Also replace answers given this year.")


class LoadLastYearOut(BaseModel):
    copied: int
    kept: int
    changed_questions: int
    forms: list[str]


class UpdateBenchmarksIn(In):
    confirm: bool = Field(
        default=False, description="true after the user has seen and accepted the warning"
    )


class UpdateBenchmarksOut(BaseModel):
    updated: list[str]


class AccountsIn(In):
    dwellings: int = Field(ge=1, le=100000)
    # At most 9,999,999.99 m²: the limit of AccountsReportedV1.total_area_m2.
    total_area_m2: Decimal = Field(gt=0, max_digits=9, decimal_places=2)
    administration_cost: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    maintenance_cost: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    vacancy_rent_loss: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    operating_cost: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class AccountsOut(BaseModel):
    department_id: str
    accounts_year: int
    package_id: str
    revision: int
    dwellings: int
    total_area_m2: Decimal
    administration_cost: Decimal
    maintenance_cost: Decimal
    vacancy_rent_loss: Decimal
    operating_cost: Decimal
    reported_at: datetime


class ReturnIn(In):
    reason: Text | None = Field(default=None, max_length=2000)


class MeetingIn(In):
    held_on: WireDate


class DeadlineIn(In):
    deadline: WireDate | None


class DeadlineOut(BaseModel):
    organisation_id: str
    year: int
    deadline: date
    set_at: datetime


class ChangeOut(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    detail: str
    data: dict[str, Any]


class ChangePage(BaseModel):
    items: list[ChangeOut]
    next_cursor: int | None


class HeldRoundOut(BaseModel):
    round_date: date
    ran_at: datetime
    reminders: int = Field(description="Municipalities reminded in that round.")


class ReminderScheduleOut(BaseModel):
    reminder_days: list[str] = Field(description="Month-day of each yearly round (MM-DD).")
    upcoming: list[date] = Field(description="The next round dates, moved to working days.")
    held: list[HeldRoundOut] = Field(description="The latest rounds held, newest first.")


class OutstandingOut(BaseModel):
    package_id: str
    organisation_id: str
    governance_year: int
    status: str
    missing: str


class MunicipalityReminderOut(BaseModel):
    municipality_code: str
    items: list[OutstandingOut]


class ReminderPreviewOut(BaseModel):
    round_date: date
    years: list[int]
    municipalities: list[MunicipalityReminderOut]

    @classmethod
    def of(cls, round_date: date, found: dict[str, list[Any]]) -> ReminderPreviewOut:
        return cls(
            round_date=round_date,
            years=reminder_years(round_date),
            municipalities=[
                MunicipalityReminderOut(
                    municipality_code=code,
                    items=[OutstandingOut.model_validate(i, from_attributes=True) for i in items],
                )
                for code, items in found.items()
            ],
        )


class RoundIn(In):
    round_date: WireDate | None = Field(default=None, description="The round's date; today.")


class RoundOut(BaseModel):
    round_date: date
    reminders: int = Field(description="Municipalities reminded.")
