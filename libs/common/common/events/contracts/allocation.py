"""The allocation service's contracts: municipal allocation offers, their answers and lapses,
rent subsidies granted and allocation agreements signed.

No personal data: the citizen an offer is accepted for is named only by the municipality's own
case reference (a case number, never a CPR number or a name)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import AwareDatetime, Field

from common.events.contracts.base import Amount, Contract, Id, MunicipalityCode

__all__ = [
    "AgreementSignedV1",
    "OfferAnsweredV1",
    "OfferDeadlineApproachingV1",
    "OfferLapsedV1",
    "OfferOpenedV1",
    "OfferSource",
    "SubsidyEndedV1",
    "SubsidyFrameSetV1",
    "SubsidyGrantedV1",
]


class OfferSource(StrEnum):
    SOCIAL = "social"  # a social dwelling under an allocation agreement (udlejningsaftale)
    PRIVATE = "private"  # a private landlord's vacancy notice (lov om boligforhold kap. 7)


class OfferOpenedV1(Contract):
    """A vacant dwelling was offered to the municipality for allocation (kommunal anvisning):
    the municipality's turn under an allocation agreement, or a landlord's vacancy notice."""

    event_type: ClassVar[str] = "allocation.offer.opened"
    topic: ClassVar[str] = "allocation.offer.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "allocation"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    summary: ClassVar[str] = "A vacant dwelling was offered to the municipality."
    aggregate_field: ClassVar[str] = "offer_id"

    offer_id: Id = Field(description="The offer; the aggregate id and Kafka key.")
    offer_source: OfferSource = Field(
        description="social (allocation agreement) or private (notice)."
    )
    agreement_id: Id = Field(description="The agreement giving the municipality the right.")
    dwelling_id: Id = Field(description="The vacant dwelling or apartment.")
    organisation_id: Id = Field(
        description="The housing organisation, or for a private rental the landlord."
    )
    municipality_code: MunicipalityCode = Field(description="The allocating municipality.")
    available_from: date = Field(
        description="First day the dwelling is at the municipality's disposal."
    )
    answer_due: date = Field(description="Last day to answer (7 Danish working days).")
    is_repeat: bool = Field(description="A repeat of a used right (§ 51(4)); no compensation.")
    opened_at: AwareDatetime = Field(description="When the offer was opened.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            offer_id="off-7f3a",
            offer_source=OfferSource.SOCIAL,
            agreement_id="agr-101-org-0101",
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            organisation_id="org-0101",
            municipality_code="101",
            available_from=date(2027, 3, 1),
            answer_due=date(2027, 3, 10),
            is_repeat=False,
            opened_at=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
        )


class OfferAnsweredV1(Contract):
    """The municipality accepted or declined an offer."""

    event_type: ClassVar[str] = "allocation.offer.answered"
    topic: ClassVar[str] = "allocation.offer.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "allocation"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "register", "dashboards")
    summary: ClassVar[str] = "The municipality accepted or declined an offer."
    aggregate_field: ClassVar[str] = "offer_id"

    offer_id: Id = Field(description="The offer; the aggregate id and Kafka key.")
    offer_source: OfferSource = Field(description="social or private.")
    agreement_id: Id = Field(description="The agreement.")
    dwelling_id: Id = Field(description="The dwelling or apartment.")
    organisation_id: Id = Field(description="The housing organisation or the landlord.")
    municipality_code: MunicipalityCode = Field(description="The allocating municipality.")
    status: str = Field(
        pattern=r"^(accepted|declined|declined_late)$",
        description="accepted, declined (in time) or declined_late (§ 56(3): rent still owed).",
    )
    case_reference: str | None = Field(
        default=None,
        max_length=64,
        description="The municipality's case number for the citizen (accepted only); never a "
        "CPR number or a name.",
    )
    answered_on: date = Field(description="The day of the answer.")
    answered_at: AwareDatetime = Field(description="When the answer was recorded.")
    available_from: date | None = Field(
        default=None,
        description="The day the dwelling was at the municipality's disposal. An accepted "
        "social offer makes the first lease of the dwelling starting on or after it the "
        "municipality's allocation: the register records that lease's allocation type as "
        "municipal_allocation (kommunal anvisning). Absent in events from before it was added.",
    )

    @classmethod
    def example(cls) -> Self:
        opened = OfferOpenedV1.example()
        return cls(
            offer_id=opened.offer_id,
            offer_source=opened.offer_source,
            agreement_id=opened.agreement_id,
            dwelling_id=opened.dwelling_id,
            organisation_id=opened.organisation_id,
            municipality_code=opened.municipality_code,
            status="accepted",
            case_reference="SAG-2027-0042",
            answered_on=date(2027, 3, 4),
            answered_at=datetime(2027, 3, 4, 10, 0, tzinfo=UTC),
            available_from=opened.available_from,
        )


class OfferDeadlineApproachingV1(Contract):
    """An offer is still unanswered on the last working day before its answer deadline."""

    event_type: ClassVar[str] = "allocation.offer.deadline_approaching"
    topic: ClassVar[str] = "allocation.offer.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "allocation"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    summary: ClassVar[str] = "An offer's answer deadline is the next working day (or today)."
    aggregate_field: ClassVar[str] = "offer_id"

    offer_id: Id = Field(description="The offer; the aggregate id and Kafka key.")
    offer_source: OfferSource = Field(description="social or private.")
    agreement_id: Id = Field(description="The agreement.")
    dwelling_id: Id = Field(description="The dwelling or apartment.")
    organisation_id: Id = Field(description="The housing organisation or the landlord.")
    municipality_code: MunicipalityCode = Field(description="The allocating municipality.")
    answer_due: date = Field(description="The last day to answer.")
    reminded_on: date = Field(description="The day of the reminder.")

    @classmethod
    def example(cls) -> Self:
        opened = OfferOpenedV1.example()
        return cls(
            offer_id=opened.offer_id,
            offer_source=OfferSource.PRIVATE,
            agreement_id="pagr-101-0007",
            dwelling_id="apt-3tv",
            organisation_id="landlord-17",
            municipality_code="101",
            answer_due=date(2027, 3, 10),
            reminded_on=date(2027, 3, 9),
        )


class OfferLapsedV1(Contract):
    """The answer deadline passed without an answer; for a private rental the municipality
    still owes the rent (not beyond a notice to quit) and, on a first use, the compensation."""

    event_type: ClassVar[str] = "allocation.offer.lapsed"
    topic: ClassVar[str] = "allocation.offer.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "allocation"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    summary: ClassVar[str] = "An offer's answer deadline passed without an answer."
    aggregate_field: ClassVar[str] = "offer_id"

    offer_id: Id = Field(description="The offer; the aggregate id and Kafka key.")
    offer_source: OfferSource = Field(description="social or private.")
    agreement_id: Id = Field(description="The agreement.")
    dwelling_id: Id = Field(description="The dwelling or apartment.")
    organisation_id: Id = Field(description="The housing organisation or the landlord.")
    municipality_code: MunicipalityCode = Field(description="The allocating municipality.")
    answer_due: date = Field(description="The deadline that passed.")
    lapsed_on: date = Field(description="The day the lapse was recorded.")
    rent_until: date | None = Field(
        default=None, description="First day the municipality no longer pays rent; null if open."
    )
    rent_owed: Amount | None = Field(
        default=None, description="Rent owed in DKK so far (private rentals), two decimals."
    )
    compensation_owed: Amount | None = Field(
        default=None, description="Per-use compensation owed in DKK (private, first use)."
    )
    repeat_right_ended: bool = Field(
        default=False, description="The first unused repeat ended the right to the apartment."
    )

    @classmethod
    def example(cls) -> Self:
        opened = OfferOpenedV1.example()
        return cls(
            offer_id=opened.offer_id,
            offer_source=OfferSource.PRIVATE,
            agreement_id="pagr-101-0007",
            dwelling_id="apt-3tv",
            organisation_id="landlord-17",
            municipality_code="101",
            answer_due=date(2027, 3, 10),
            lapsed_on=date(2027, 3, 11),
            rent_until=date(2027, 6, 1),
            rent_owed=Decimal("19500.00"),
            compensation_owed=Decimal("32000.00"),
        )


class SubsidyGrantedV1(Contract):
    """A municipality attached a rent subsidy (huslejetilskud) to a family dwelling on an
    allocation, using one place of its frame."""

    event_type: ClassVar[str] = "allocation.subsidy.granted"
    topic: ClassVar[str] = "allocation.subsidy.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "allocation"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    summary: ClassVar[str] = "A rent subsidy for a particularly cheap dwelling was granted."
    aggregate_field: ClassVar[str] = "subsidy_id"

    subsidy_id: Id = Field(description="The subsidy; the aggregate id and Kafka key.")
    municipality_code: MunicipalityCode = Field(description="The granting municipality.")
    frame_year: int = Field(ge=2000, le=2100, description="The frame year it uses.")
    dwelling_id: Id = Field(description="The subsidised family dwelling.")
    organisation_id: Id = Field(description="The housing organisation owning it.")
    monthly_rent: Amount = Field(description="The rent excluding utilities when granted.")
    move_in: date = Field(description="The move-in day; the schedule runs 9 years from it.")
    first_monthly_amount: Amount = Field(description="The first month's subsidy in DKK.")
    granted_at: AwareDatetime = Field(description="When it was granted.")
    frame_dwellings: int | None = Field(
        default=None,
        ge=0,
        description="The municipality's frame for frame_year when it was granted (dwellings); "
        "absent in events from before it was added.",
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            subsidy_id="sub-101-0001",
            municipality_code="101",
            frame_year=2027,
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            organisation_id="org-0101",
            monthly_rent=Decimal("5000.00"),
            move_in=date(2027, 4, 1),
            first_monthly_amount=Decimal("1400.00"),
            granted_at=datetime(2027, 3, 20, 12, 0, tzinfo=UTC),
            frame_dwellings=12,
        )


class SubsidyEndedV1(Contract):
    """The subsidised tenant moved out: the subsidy's schedule ends with the month of the
    move-out (the last month paid for the days lived), before its nine years if earlier."""

    event_type: ClassVar[str] = "allocation.subsidy.ended"
    topic: ClassVar[str] = "allocation.subsidy.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "allocation"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "A rent subsidy ended because its tenant moved out."
    aggregate_field: ClassVar[str] = "subsidy_id"

    subsidy_id: Id = Field(description="The subsidy; the aggregate id and Kafka key.")
    municipality_code: MunicipalityCode = Field(description="The granting municipality.")
    frame_year: int = Field(ge=2000, le=2100, description="The frame year it used.")
    dwelling_id: Id = Field(description="The subsidised family dwelling.")
    organisation_id: Id = Field(description="The housing organisation owning it.")
    move_in: date = Field(description="The move-in day the schedule ran from.")
    move_out: date = Field(
        description="The move-out day: the first day the tenant no longer lives there; nothing is "
        "paid from it."
    )
    ended_at: AwareDatetime = Field(description="When the move-out was recorded.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            subsidy_id="sub-101-0001",
            municipality_code="101",
            frame_year=2027,
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            organisation_id="org-0101",
            move_in=date(2027, 4, 1),
            move_out=date(2030, 9, 15),
            ended_at=datetime(2030, 9, 16, 10, 0, tzinfo=UTC),
        )


class AgreementSignedV1(Contract):
    """An allocation agreement was made: with a housing organisation (udlejningsaftale) or a
    private landlord (anvisningsret, lov om boligforhold kap. 7)."""

    event_type: ClassVar[str] = "allocation.agreement.signed"
    topic: ClassVar[str] = "allocation.agreement.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "allocation"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "An allocation agreement was made."
    aggregate_field: ClassVar[str] = "agreement_id"

    agreement_id: Id = Field(description="The agreement; the aggregate id and Kafka key.")
    kind: str = Field(
        pattern=r"^(quota|listed|every_nth|specific)$",
        description="quota / listed (social housing), every_nth / specific (private).",
    )
    municipality_code: MunicipalityCode = Field(description="The municipality.")
    counterpart_id: Id = Field(description="The housing organisation or the landlord.")
    valid_from: date = Field(description="First day of the agreement.")
    valid_to: date | None = Field(default=None, description="Last day; null until further notice.")
    signed_at: AwareDatetime = Field(description="When it was recorded.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            agreement_id="agr-101-org-0101",
            kind="quota",
            municipality_code="101",
            counterpart_id="org-0101",
            valid_from=date(2027, 1, 1),
            signed_at=datetime(2026, 12, 15, 9, 0, tzinfo=UTC),
        )


class SubsidyFrameSetV1(Contract):
    """The fund (for the ministry) set or changed a municipality's rent-subsidy frame for a
    year: how many dwellings may get a rent subsidy (huslejetilskud) on it."""

    event_type: ClassVar[str] = "allocation.frame.set"
    topic: ClassVar[str] = "allocation.frame.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "allocation"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards",)
    summary: ClassVar[str] = "A municipality's rent-subsidy frame for a year was set or changed."
    aggregate_field: ClassVar[str] = "frame_id"

    frame_id: Id = Field(
        description="The frame: '<municipality code>-<year>'; the aggregate id and Kafka key."
    )
    municipality_code: MunicipalityCode = Field(description="The municipality given the frame.")
    year: int = Field(ge=2000, le=2100, description="The frame year.")
    dwellings: int = Field(ge=0, description="The frame in dwellings.")
    set_at: AwareDatetime = Field(description="When the fund set it.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            frame_id="101-2027",
            municipality_code="101",
            year=2027,
            dwellings=12,
            set_at=datetime(2027, 1, 15, 9, 0, tzinfo=UTC),
        )
