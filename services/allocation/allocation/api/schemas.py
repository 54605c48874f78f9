"""Request and response bodies of the allocation API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from allocation.domain.notices import Answer
from allocation.domain.offers import OfferSource, OfferStatus
from allocation.domain.private import PrivateKind
from allocation.domain.quota import AgreementKind, CountedHousingType
from common.dates import WireDate
from common.money import DKK

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
IdStr = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
Municipality = Annotated[str, Field(pattern=r"^\d{3}$", description="Three-digit code.")]
Share = Annotated[
    str, Field(pattern=r"^\d{1,3}/\d{1,4}$", description="p/q, e.g. 1/4 (every fourth).")
]
Day = Annotated[WireDate, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
Money = Annotated[DKK, Field(ge=0, le=100_000_000)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgreementIn(In):
    organisation_id: IdStr
    kind: AgreementKind
    housing_type: CountedHousingType = CountedHousingType.FAMILY
    valid_from: Day
    valid_to: Day | None = None
    share: Share | None = Field(default=None, description="For kind=quota.")
    dwelling_ids: list[IdStr] = Field(default_factory=list, max_length=5000)
    organisation_consent: bool = Field(
        default=False, description="The organisation agreed to more than every fourth."
    )


class LogOut(BaseModel):
    action: str
    actor: str | None
    detail: str
    at: datetime


class AgreementOut(BaseModel):
    id: str
    municipality_code: str
    organisation_id: str
    kind: AgreementKind
    housing_type: CountedHousingType
    share: str | None
    dwelling_ids: list[str]
    valid_from: date
    valid_to: date | None
    organisation_consent: bool
    vacancies_counted: int
    created_at: datetime
    log: list[LogOut] = Field(default_factory=list)


class OfferOut(BaseModel):
    id: str
    source: OfferSource
    agreement_id: str
    dwelling_id: str
    organisation_id: str
    property_id: str | None
    substitutes_for: str | None
    municipality_code: str
    status: OfferStatus
    is_repeat: bool
    received_on: date
    answer_due: date
    available_from: date
    notice_to_quit_effective: date | None
    monthly_rent: DKK | None
    case_reference: str | None
    answered_on: date | None
    let_on: date | None
    rent_until: date | None
    rent_owed: DKK | None
    compensation_owed: DKK | None
    version: int
    log: list[LogOut] = Field(default_factory=list)


class AnswerIn(In):
    answer: Answer
    case_reference: str | None = Field(
        default=None,
        max_length=64,
        description="Accept only: the municipality's case number (no CPR number, no name).",
    )


class RateIn(In):
    monthly_rate: Annotated[DKK, Field(gt=0, le=100_000)]


class RateOut(BaseModel):
    year: int
    monthly_rate: DKK


class FrameIn(In):
    dwellings: Annotated[int, Field(ge=0, le=100_000)]


class FrameOut(BaseModel):
    municipality_code: str
    year: int
    dwellings: int
    used: int
    left: int


class SubsidyIn(In):
    dwelling_id: IdStr
    frame_year: Year
    move_in: Day
    case_reference: Annotated[str, Field(min_length=1, max_length=64)]
    offer_id: IdStr | None = None


class MoveOutIn(In):
    move_out: Day


class MonthOut(BaseModel):
    number: int
    period_start: date
    period_end: date
    rate: DKK
    factor: str
    amount: DKK
    provisional: bool


class SubsidyOut(BaseModel):
    id: str
    municipality_code: str
    frame_year: int
    dwelling_id: str
    organisation_id: str
    offer_id: str | None
    case_reference: str
    monthly_rent: DKK
    move_in: date
    move_out: date | None
    total: DKK | None = None
    schedule: list[MonthOut] = Field(default_factory=list)
    log: list[LogOut] = Field(default_factory=list)


class PropertyIn(In):
    landlord_id: IdStr
    municipality_code: Municipality
    cadastral_id: Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
    apartments: Annotated[int, Field(ge=1, le=10_000)]


class PropertyOut(BaseModel):
    id: str
    landlord_id: str
    municipality_code: str
    cadastral_id: str
    apartments: int
    log: list[LogOut] = Field(default_factory=list)


class PrivateAgreementIn(In):
    property_id: IdStr
    kind: PrivateKind
    frequency: Share | None = Field(default=None, description="every_nth: at most 1/4.")
    specific_apartments: list[IdStr] = Field(default_factory=list, max_length=2500)
    price_per_right: Annotated[DKK, Field(gt=0, le=100_000_000)]
    one_off: Money
    signed_on: Day
    valid_to: Day
    refund_promised_on: Day | None = None
    registered_on: Day | None = None
    registration_document: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    round_offer_id: IdStr | None = Field(
        default=None, description="The picked binding offer of a § 52 round it is made on."
    )


class RegistrationIn(In):
    registered_on: Day
    document: Annotated[str, Field(min_length=1, max_length=200)]


class PrivateAgreementOut(BaseModel):
    id: str
    property_id: str
    landlord_id: str
    municipality_code: str
    kind: PrivateKind
    apartments_in_property: int
    frequency: str | None
    specific_apartments: list[str]
    price_per_right: DKK
    one_off: DKK
    signed_on: date
    valid_to: date
    refund_promised_on: date | None
    registered_on: date | None
    registration_document: str | None
    rights: int
    uses: int
    compensation: DKK
    per_use: DKK
    refund_cap: DKK
    one_off_refund: DKK
    per_use_refund: DKK
    log: list[LogOut] = Field(default_factory=list)


class NoticeIn(In):
    agreement_id: IdStr
    apartment_id: IdStr
    available_from: Day
    monthly_rent: Annotated[DKK, Field(gt=0, le=1_000_000)]
    notice_to_quit_effective: Day = Field(
        description="When a notice to quit would have taken effect (§ 56(3) cap)."
    )
    substitute_apartment_id: IdStr | None = Field(
        default=None,
        description="§ 51(4): an apartment of the same price and quality offered instead of "
        "the vacant one whose right repeats.",
    )
    substitute_available_from: Day | None = None


class NoticeOut(BaseModel):
    id: str
    agreement_id: str
    apartment_id: str
    received_on: date
    vacancy_number: int | None
    municipal: bool
    offer_id: str | None
    answer_due: date | None
    is_repeat: bool
    offered_apartment_id: str | None


class AgeBucket(BaseModel):
    label: str
    open_offers: int


class SummaryOut(BaseModel):
    municipality_code: str | None
    open_offers_by_age: list[AgeBucket]
    frames: list[FrameOut]


class VacancyReportIn(In):
    landlord_id: IdStr
    municipality_code: Municipality
    dwelling_ref: IdStr = Field(description="The dwelling's address id (DAR/BBR), no names.")
    vacant_since: Day


class ReportDecisionIn(In):
    allocate_case_reference: str | None = Field(default=None, max_length=64)
    extended_until: Day | None = None
    reason: Annotated[str, Field(min_length=1, max_length=1000)] | None = None


class VacancyReportOut(BaseModel):
    id: str
    municipality_code: str
    landlord_id: str
    dwelling_ref: str
    vacant_since: date
    age_days: int
    reported_on: date
    status: str
    case_reference: str | None
    extended_until: date | None
    reason: str | None


class LongVacancyOut(BaseModel):
    dwelling_id: str
    organisation_id: str
    municipality_code: str
    housing_type: str
    vacant_from: date
    age_days: int
    decision: VacancyReportOut | None = Field(
        description="The municipality's § 5 decision (allocated or a further deadline), once "
        "made with POST /long-vacancies/{dwelling_id}/decision; null until then."
    )


class RoundIn(In):
    deadline: Day
    basis: Annotated[str, Field(min_length=1, max_length=5000)]


class RoundOfferIn(In):
    property_id: IdStr
    kind: PrivateKind
    frequency: Share | None = None
    specific_apartments: list[IdStr] = Field(default_factory=list, max_length=2500)
    price_per_right: Annotated[DKK, Field(gt=0, le=100_000_000)]


class RoundOfferOut(BaseModel):
    id: str
    round_id: str
    landlord_id: str
    property_id: str
    kind: PrivateKind
    frequency: str | None
    specific_apartments: list[str]
    price_per_right: DKK
    decision: str


class RoundOut(BaseModel):
    id: str
    municipality_code: str
    deadline: date
    basis: str
    offers: list[RoundOfferOut] = Field(default_factory=list)


class PickIn(In):
    pick: bool = Field(description="true: pick the offer; false: reject it.")


class RefundLineOut(BaseModel):
    agreement_id: str
    property_id: str
    kind: str
    day: date
    offer_id: str | None
    expense: DKK
    refund: DKK
    note: str


class RefundStatementOut(BaseModel):
    municipality_code: str
    year: int
    quarter: int
    expenses: DKK
    refunds: DKK
    lines: list[RefundLineOut]


class FrameApplicationIn(In):
    year: Year
    dwellings: Annotated[int, Field(ge=1, le=100_000)]


class FrameApplicationOut(BaseModel):
    municipality_code: str
    year: int
    dwellings: int
    granted: int | None
    applied_at: datetime


class RestorationClaimIn(In):
    moved_out_on: Day
    amount: Annotated[DKK, Field(gt=0, le=10_000_000)]
    description: Annotated[str, Field(min_length=1, max_length=2000)]


class ClaimDecisionIn(In):
    pay: bool
    reason: Annotated[str, Field(min_length=1, max_length=2000)] | None = None


class RestorationClaimOut(BaseModel):
    id: str
    offer_id: str
    municipality_code: str
    claimant_id: str
    moved_out_on: date
    amount: DKK
    description: str
    status: str
    decision_reason: str | None


class LetIn(In):
    let_on: Day
