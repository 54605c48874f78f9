"""Request and response schemas of the legal-cases API (English field names; Danish labels next
to codes)."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from stdnum.dk import cpr

from common.dates import WireDate
from common.paging import Page
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.decisions import Outcome, Seat
from legal_cases.domain.parties import PartyKind, Side
from legal_cases.domain.person_letters import EMAIL_PATTERN

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValueError("control characters (such as NUL) are not allowed in text")
    return value


def _not_a_cpr_number(value: str) -> str:
    digits = value.replace("-", "")
    if digits.isdigit() and len(digits) == 10 and cpr.is_valid(digits):
        raise ValueError(
            "this looks like a CPR number; identify the owner by its CVR number or the "
            "tribunal's own owner reference, never by a CPR number"
        )
    return value


Text = Annotated[str, AfterValidator(_no_control_characters)]
ShortText = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[Text, StringConstraints(min_length=1, max_length=20_000)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=ID_PATTERN)]
OwnerRef = Annotated[Ref, AfterValidator(_not_a_cpr_number)]
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^\d{3}$")]
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _decode(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("content_base64 is not valid base64") from None


class DocumentIn(In):
    filename: ShortText
    content_base64: str = Field(
        min_length=4, max_length=1_500_000, description="The file's bytes, base64."
    )

    def content(self) -> bytes:
        return _decode(self.content_base64)


class PartyIn(In):
    kind: PartyKind
    name: ShortText | None = Field(
        default=None, description="The party's name; kept in this service, never in events."
    )
    subject: Ref | None = Field(
        default=None,
        description="The counterpart's token subject, if it uses the platform (then it sees "
        "the case). The complainant is always the caller.",
    )
    organisation_id: Ref | None = Field(
        default=None, description="A landlord's landlord id, if it uses the platform."
    )
    contact_email: Email | None = Field(
        default=None,
        description="A person's (tenant's) e-mail for the tribunal's letters: the counterpart's "
        "notice, the decision, deadline reminders. Kept in this service only, never in events; "
        "a landlord with a landlord id and a municipality are written to by the notification "
        "service instead.",
    )


class ContactEmailIn(In):
    contact_email: Email | None = Field(
        description="The party's e-mail for the tribunal's letters; null removes it."
    )


class CaseIn(In):
    tribunal_code: MunicipalityCode = Field(
        description="The municipality whose rent tribunal the case goes to (where the "
        "property lies)."
    )
    category: CaseCategory
    summary: LongText = Field(description="What the case is about (the complaint in writing).")
    owner_id: OwnerRef = Field(
        description="The property owner's reference (CVR number or the tribunals' owner id), "
        "tracked across cases and tribunals for § 22."
    )
    apartments: int = Field(default=1, ge=1, le=10_000)
    complainant: PartyIn
    counterpart: PartyIn
    on_behalf_of_tenant: bool = Field(
        default=False, description="A municipality files for a tenant (§ 87(1))."
    )
    documents: list[DocumentIn] = Field(min_length=1, max_length=20)


class CounterpartIn(In):
    name: ShortText | None = None
    subject: Ref | None = Field(
        default=None, description="The counterpart's token subject (null: not on the platform)."
    )
    organisation_id: Ref | None = Field(default=None, description="A landlord's landlord id.")


class ReplyIn(In):
    document: DocumentIn | None = None


class ExtendIn(In):
    new_due: WireDate
    reason: LongText = Field(description="The special circumstances (§§ 82(3), 83(4)).")


class QuestionIn(In):
    addressee: Literal["complainant", "counterpart", "other"]
    text: LongText
    answer_by: WireDate | None = Field(
        default=None, description="Default 2 weeks; a later date needs 'reason' (§ 83(4))."
    )
    reason: LongText | None = None


class AnswerIn(In):
    answer: LongText


class HearingIn(In):
    kind: Literal["inspection", "meeting"]
    scheduled_on: WireDate


class HeldIn(In):
    held_on: WireDate | None = Field(
        default=None,
        description="The day the inspection or meeting was held (default today, the Danish "
        "date): not after today, not before the day the parties were summoned to. A meeting "
        "dates the decision deadline (§ 86(1)) from it.",
    )


class ReasonIn(In):
    reason: LongText


class MemberIn(In):
    seat: Seat
    member_ref: Ref
    deputy: bool = False
    vote: Outcome | None = None


class DecisionIn(In):
    members: list[MemberIn] = Field(min_length=1, max_length=6)
    reasons: Text | None = Field(default=None, max_length=50_000)
    dissent_reasons: Text | None = Field(default=None, max_length=50_000)
    appeal_guidance: Text | None = Field(default=None, max_length=10_000)
    silence_read_in_favour: bool = False
    sanction: Literal["none", "conditional_tenancy", "warning"] = Field(
        default="none",
        description="Behaviour cases: the Rent Act § 154(1) consequence imposed on the tenant.",
    )
    social_case: bool = Field(
        default=False, description="The tribunal judges the case to be of a social character."
    )
    municipal_offers_examined: LongText | None = Field(
        default=None,
        description="§ 83(3): how the tenant's use of the municipality's offers was examined "
        "(required for a sanction in a social case).",
    )
    conditions: LongText | None = Field(
        default=None, description="§ 86(5): the conditions of a conditional tenancy."
    )
    conditions_end_on: WireDate | None = Field(
        default=None, description="§ 86(5): when the conditions end."
    )
    sublet_obligations: bool = Field(
        default=False, description="§ 86(6): the decision puts obligations on a sublessor."
    )
    sublet_compliance_due: WireDate | None = Field(
        default=None, description="§ 86(6)-(8): the deadline set for complying."
    )
    improvement_approved: bool = Field(
        default=False, description="§ 86(9): the tribunal approved an improvement."
    )
    maintenance_improvement_split: bool = Field(
        default=False,
        description="§ 84: the split between maintenance and improvement is in issue.",
    )
    gi_control_notice_on: WireDate | None = Field(
        default=None,
        description="§ 84: when GI told the tribunal (§ 73(2)) the property was selected for "
        "control, if it did.",
    )
    gi_information: LongText | None = Field(
        default=None, description="§ 84: the information obtained from GI."
    )


class MediationIn(In):
    note: LongText = Field(description="How the tribunal encouraged mediation (§ 86(1)).")


class GuidanceIn(In):
    side: Side
    kind: Literal["guidance", "assistance"] = Field(
        description="guidance to the party, or the secretariat's help with a written statement "
        "(§ 85(5))."
    )
    note: LongText


class AppealIn(In):
    appellant_side: Side
    late_permission: bool = Field(
        default=False,
        description="The court or appeal board permitted an appeal after the 4 weeks.",
    )


class AppealOutcomeIn(In):
    outcome: Literal["upheld", "changed", "set_aside"] = Field(
        description="What the housing court or appeal board did with the decision (§§ 88-89)."
    )
    decided_on: WireDate = Field(description="The day of the appellate decision.")
    summary: LongText | None = Field(
        default=None,
        description="What the appellate body decided instead (required unless upheld).",
    )


class NonComplianceIn(In):
    details: LongText


# --- responses -------------------------------------------------------------------------------


class PartyOut(BaseModel):
    side: str
    kind: str
    name: str | None
    subject: str | None
    organisation_id: str | None
    contact_email: str | None = Field(
        default=None,
        description="Shown to the tribunal and to the party itself only (null for others).",
    )
    letters_by_tribunal: bool = Field(
        default=False,
        description="This service writes to the party by e-mail itself (a person with a "
        "contact e-mail).",
    )


class LetterOut(BaseModel):
    id: int
    kind: Literal["counterpart_notice", "decision", "deadline_reminder", "summons"]
    side: str
    status: Literal["pending", "sent", "failed"]
    queued_on: date
    attempts: int
    sent_at: datetime | None
    last_error: str | None


class DocumentOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class DeadlineOut(BaseModel):
    id: int
    kind: str
    label: str
    ref: str | None
    opened_on: date
    base_due: date
    due_on: date | None = Field(description="Effective due date; null while suspended.")
    extension_reason: str | None
    closed_on: date | None
    outcome: str | None
    overdue: bool


class SuspensionOut(BaseModel):
    start_on: date
    end_on: date | None
    reason: str


class QuestionOut(BaseModel):
    id: str
    addressee: str
    text: str
    asked_on: date
    answered_on: date | None
    answer: str | None


class HearingOut(BaseModel):
    id: str
    kind: str
    notice_on: date
    scheduled_on: date
    held_on: date | None


class BenchSeatOut(BaseModel):
    seat: str
    member_ref: str
    deputy: bool
    vote: str | None = None


class DecisionOut(BaseModel):
    decided_on: date
    outcome: str
    outcome_label: str
    unanimous: bool
    chair_decided_tie: bool
    reasons: str
    dissent_reasons: str | None
    appeal_guidance: str
    silence_read_in_favour: bool
    appeal_body: str
    appeal_due: date
    bench: list[BenchSeatOut]
    content: DecisionContentOut | None = None


class GuidanceOut(BaseModel):
    side: str
    kind: str
    note: str
    given_on: date


class DecisionContentOut(BaseModel):
    sanction: str
    sanction_label: str
    social_case: bool
    municipal_offers_examined: str | None
    conditions: str | None
    conditions_end_on: date | None
    sublet_obligations: bool
    sublet_compliance_due: date | None
    improvement_approved: bool
    appeal_suspends: bool = Field(description="§ 86(9): an appeal has suspensive effect.")
    maintenance_improvement_split: bool
    gi_control_notice_on: date | None
    gi_information: str | None
    service_required: bool = Field(
        description="§ 86(5): a § 154(1) decision made without the party answering or meeting "
        "is served (forkyndes)."
    )


class AppealOut(BaseModel):
    lodged_on: date
    body: str
    appellant_side: str
    late_permission: bool
    outcome: Literal["upheld", "changed", "set_aside"] | None = Field(
        default=None, description="The appellate body's outcome, once recorded."
    )
    outcome_label: str | None = None
    outcome_decided_on: date | None = None
    outcome_summary: str | None = None


class FeeOut(BaseModel):
    id: int
    kind: str
    payer_side: str
    amount: Decimal
    owed_on: date
    paid_on: date | None
    provisional: bool = Field(
        default=False,
        description="The amount rests on a carried-forward net price index figure (the one "
        "§ 100 prescribes was not known): provisional, not the regulated amount.",
    )
    basis: str | None = Field(
        default=None, description="The index figure the amount rests on (Danish)."
    )
    cancelled_on: date | None = Field(
        default=None,
        description="§ 82(2): no longer owed from this day (the appellate decision that changed "
        "or set aside the decision the tenant had won fully).",
    )
    cancelled_reason: str | None = Field(
        default=None, description="appeal_changed | appeal_set_aside"
    )
    refund_due: bool = Field(
        default=False, description="Cancelled after it was paid: the amount is to be repaid."
    )


class ForcedAdministrationIn(In):
    requested_by: Literal["residents_representation", "tenant_majority", "gi_notice"]
    ordered_works_due: WireDate = Field(description="The deadline the tribunal set for the works.")
    gi_works_on: list[WireDate] = Field(
        default_factory=list, max_length=50,
        description="Days GI had works done at the owner's expense (§ 69).",
    )  # fmt: skip
    gi_declined_on: WireDate | None = Field(
        default=None, description="The day GI said it cannot carry out the works (§ 27(4))."
    )
    administrator: ShortText = Field(description="The administrator the minister appointed.")
    works_deadline: WireDate = Field(description="Deadline for the works, at most 10 years.")


class SubletStepIn(In):
    step: Literal["documentation_requested", "documented", "landlord_told"] = Field(
        description="§ 86(8): the request to the sublessor, the documentation received, or "
        "(after 7 days without it) the landlord told."
    )
    on: WireDate


class ServiceIn(In):
    side: Side = Field(description="The party the decision was served on.")
    served_on: WireDate = Field(
        description="The day of service (between the decision and today); the party's 4 weeks "
        "to appeal run from it (§§ 88(2), 89(1))."
    )
    served_by: ShortText = Field(description="Who served it (e.g. the bailiff, the police).")
    method: Literal["digital", "letter", "bailiff", "police"] = Field(
        description="How it was served (Administration of Justice Act § 155)."
    )


class ServedOut(BaseModel):
    side: str
    served_on: date
    served_by: str
    method: str
    method_label: str
    appeal_due: date = Field(description="The last day of this party's appeal window.")


class ServiceOut(BaseModel):
    """§ 86(5): the decision's service (forkyndelse)."""

    required_for: list[str] = Field(description="The parties the decision must be served on.")
    missing: list[str] = Field(description="Required parties not served yet.")
    served: list[ServedOut]
    final_not_before: date | None = Field(
        description="The day after the latest party's appeal window ends (the earliest day "
        "the decision can become final); null while a required service is missing."
    )


class SubletNoticeOut(BaseModel):
    noticed_on: date
    details: str
    requested_on: date | None
    documentation_due: date | None
    documented_on: date | None
    landlord_told_on: date | None


class AdministrationStepIn(In):
    step: Literal[
        "minister_notified", "registered", "administrator_appointed", "mortgagees_notified",
        "mortgagee_takes_works", "mortgagees_declined", "maintenance_account_demanded",
        "maintenance_account_paid", "maintenance_account_to_collection", "accounts_submitted",
        "loan_requested", "loan_resolved", "works_completed", "ended", "registration_deleted",
    ] = Field(description="The step of the administration (§§ 29-41).")  # fmt: skip
    on: WireDate = Field(description="The day it happened (between the decision and today).")
    note: LongText | None = Field(default=None, description="E.g. the accounts' period.")
    administrator: ShortText | None = Field(
        default=None, description="administrator_appointed: who the minister appointed (§ 30)."
    )
    administrator_fee: ShortText | None = Field(
        default=None, description="administrator_appointed: the fee the minister set (§ 30)."
    )
    end_reason: Literal["works_done", "out_of_scope"] | None = Field(
        default=None, description="ended: why the administration is lifted (§ 41)."
    )
    administrator_satisfied: bool = Field(
        default=False,
        description="ended for works_done: the administrator declares to be satisfied (§ 41).",
    )


class AdministrationStepOut(BaseModel):
    step: str
    on: date
    note: str | None


class ForcedAdministrationOut(BaseModel):
    decided_on: date
    requested_by: str
    ordered_works_due: date
    gi_works_on: list[str]
    gi_declined_on: date | None
    administrator: str
    works_deadline: date
    administrator_fee: str | None = None
    ended_on: date | None = None
    end_reason: str | None = None
    appeal_suspends: bool = Field(
        default=False, description="§ 42: an appeal of this decision never suspends it."
    )
    steps: list[AdministrationStepOut] = Field(default_factory=list)


class NonComplianceNoticeOut(BaseModel):
    side: str
    details: str
    noticed_on: date


class HousingCourtRight(BaseModel):
    available: bool = Field(
        description="§ 88(6): the tribunal missed its decision deadline, so the complainant "
        "may take the case to the housing court without waiting."
    )
    decision_due: date | None


class CaseSummary(BaseModel):
    id: str
    tribunal_code: str
    category: str
    category_label: str
    status: str
    status_label: str
    filed_on: date
    version: int


class CaseOut(CaseSummary):
    summary: str
    owner_id: str
    apartments: int
    filed_by_role: str
    filing_municipality_code: str | None
    on_behalf_of_tenant: bool
    notified_on: date | None
    reply_state: str | None
    reply_on: date | None
    rejected_reason: str | None
    final_on: date | None
    parties: list[PartyOut]
    letters: list[LetterOut] = Field(
        default_factory=list,
        description="Letters this service wrote (or will write) to persons by e-mail.",
    )
    documents: list[DocumentOut]
    open_deadlines: list[DeadlineOut]
    closed_deadlines: list[DeadlineOut]
    suspensions: list[SuspensionOut]
    questions: list[QuestionOut]
    hearings: list[HearingOut]
    mediation_encouraged_on: date | None = None
    mediation_note: str | None = None
    guidance: list[GuidanceOut] = Field(default_factory=list)
    sublet_notice: SubletNoticeOut | None = None
    service: ServiceOut | None = Field(
        default=None, description="§ 86(5): the decision's service, when it must be served."
    )
    decision: DecisionOut | None
    appeal: AppealOut | None
    fees: list[FeeOut]
    forced_administration: ForcedAdministrationOut | None
    noncompliance_notices: list[NonComplianceNoticeOut] = Field(
        description="Parties' notices that the final decision is not complied with."
    )
    noncompliance_reported_on: date | None = Field(
        description="When the tribunal reported the non-compliance (§ 22), if it did."
    )
    housing_court_right: HousingCourtRight
    suggested_appeal_guidance: str | None


CasePage = Page[CaseSummary]


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    detail: dict[str, object]


AuditPage = Page[AuditOut]


class WorkItemOut(BaseModel):
    deadline_id: int
    kind: str
    label: str
    due_on: date
    overdue: bool
    case_id: str
    case_status: str
    category: str


WorkPage = Page[WorkItemOut]


class NonComplianceOut(BaseModel):
    case_id: str
    owner_id: str
    tribunal_code: str
    decided_on: date
    reported_on: date


class ThresholdOut(BaseModel):
    id: str
    rule: str
    reached_on: date
    case_ids: list[str]
    tribunal_codes: list[str]


class OwnerOut(BaseModel):
    owner_id: str
    reports: list[NonComplianceOut]
    convictions: list[date]
    thresholds: list[ThresholdOut]


class ConvictionIn(In):
    convicted_on: WireDate


class FiguresOut(BaseModel):
    cases_filed: int | None
    by_category: dict[str, int | None]
    rejected: int | None
    decisions: int | None
    outcomes: dict[str, int | None]
    median_days_to_decision: Decimal | None
    p90_days_to_decision: int | None
    inspections_held: int | None
    appeals: dict[str, int | None]
    noncompliance_reports: int | None
    appeal_outcomes: dict[str, int | None] = Field(
        description="Appellate decisions (§§ 88-89) dated in the period, by outcome: upheld, "
        "changed, set_aside."
    )
    suppressed: list[str] = Field(
        description="Paths of small cells (1-2) published as null, and of times to decision "
        "over fewer than 3 decisions."
    )


class TribunalFiguresOut(FiguresOut):
    tribunal_code: str


class StatisticsOut(BaseModel):
    period_from: date
    period_to: date
    tribunal_code: str | None = Field(description="null: national figures")
    suppression_threshold: int
    overall: FiguresOut
    tribunals: list[TribunalFiguresOut]


class AppointmentIn(In):
    member_ref: Ref
    seat: Seat
    deputy: bool = False
    appointed_from: WireDate
    appointed_to: WireDate = Field(description="At most 4 years after appointed_from (§ 79(7)).")
    law_degree: bool = Field(default=False, description="Required for the chair (§ 79(2)).")


class MemberOut(BaseModel):
    id: int
    member_ref: str
    seat: str
    deputy: bool
    appointed_from: date
    appointed_to: date
    law_degree: bool


MemberPage = Page[MemberOut]
