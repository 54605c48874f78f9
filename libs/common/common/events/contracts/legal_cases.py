"""The legal-cases service's contracts: rent tribunal (huslejenævn) cases.

Ids and facts only: the parties' names, addresses and CPR numbers never leave the service. A
party is described by its kind (tenant, landlord, residents' representation, municipality); a
landlord that acts through the platform is named by its landlord id (an organisation id), and
an owner by the owner reference the tribunal tracks across cases (never a CPR number)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ClassVar, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from common.events.contracts.base import Amount, Contract, Id, MunicipalityCode

__all__ = [
    "CaseDeadlinesMovedV1",
    "CaseDecidedV1",
    "CaseFiledV1",
    "CaseRejectedV1",
    "CounterpartNotifiedV1",
    "DeadlineReminderDueV1",
    "DecisionAppealedV1",
    "DecisionFinalV1",
    "NonComplianceThresholdReachedV1",
    "QuestionDeadlineChangedV1",
]

PartyKindName = Literal["tenant", "landlord", "residents_representation", "municipality"]
OutcomeName = Literal["complainant_fully", "complainant_partly", "counterpart"]
AppealBodyName = Literal["housing_court", "appeal_board"]

_CASE_TOPIC = "legal-cases.case.v1"


class _CaseFacts(BaseModel):
    """The fields every case event carries (a mixin: the contracts below are the events)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    case_id: Id = Field(description="The rent tribunal case; the aggregate id.")
    tribunal_code: MunicipalityCode = Field(
        description="The municipality whose rent tribunal (huslejenævn) handles the case."
    )
    category: str = Field(
        description="The case category code (legal_cases.domain.categories.CaseCategory)."
    )
    filing_municipality_code: MunicipalityCode | None = Field(
        default=None,
        description="The municipality that filed the case (§ 87), if a municipality did.",
    )


class CaseFiledV1(Contract, _CaseFacts):
    """A case was filed with a rent tribunal (§ 82(1))."""

    topic: ClassVar[str] = _CASE_TOPIC
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    aggregate_field: ClassVar[str] = "case_id"

    event_type: ClassVar[str] = "legal_cases.case.filed"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    summary: ClassVar[str] = "A case was filed with a rent tribunal."

    filed_on: date = Field(description="The day the tribunal received the case.")
    complainant_kind: PartyKindName = Field(description="Who complains: tenant, landlord, …")
    counterpart_kind: PartyKindName = Field(description="Who the complaint is against.")
    on_behalf_of_tenant: bool = Field(description="A municipality filed for a tenant (§ 87(1)).")
    filing_fee: Amount = Field(description="The fee owed for filing, DKK (§§ 82(1), 100).")
    filing_fee_provisional: bool = Field(
        default=False,
        description="The fee rests on a carried-forward index figure because the one § 100 "
        "prescribes was not known yet: provisional, not the regulated amount.",
    )
    notify_counterpart_due: date = Field(
        description="The day by which the tribunal notifies the counterpart (§ 82(3))."
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            case_id="hln-2027-000123",
            tribunal_code="101",
            category="maintenance_defects",
            filing_municipality_code=None,
            filed_on=date(2027, 3, 19),
            complainant_kind="tenant",
            counterpart_kind="landlord",
            on_behalf_of_tenant=False,
            filing_fee=Decimal("375.00"),
            notify_counterpart_due=date(2027, 3, 30),
        )


class CounterpartNotifiedV1(Contract, _CaseFacts):
    """The tribunal notified the counterpart, who may reply until ``reply_due`` (§ 82(3))."""

    topic: ClassVar[str] = _CASE_TOPIC
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    aggregate_field: ClassVar[str] = "case_id"

    event_type: ClassVar[str] = "legal_cases.case.counterpart_notified"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    summary: ClassVar[str] = "The counterpart of a rent tribunal case was notified."

    notified_on: date = Field(description="The day the tribunal notified the counterpart.")
    reply_due: date = Field(description="The counterpart's reply deadline (2 weeks, § 82(3)).")
    counterpart_kind: PartyKindName = Field(description="The kind of the notified party.")
    counterpart_organisation_id: Id | None = Field(
        default=None,
        description="The landlord id of a counterpart landlord that uses the platform, if any.",
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            case_id="hln-2027-000123",
            tribunal_code="101",
            category="maintenance_defects",
            notified_on=date(2027, 3, 22),
            reply_due=date(2027, 4, 5),
            counterpart_kind="landlord",
            counterpart_organisation_id="ll-0042",
        )


class CaseDecidedV1(Contract, _CaseFacts):
    """The tribunal decided the case (§ 86); the appeal window runs until ``appeal_due``."""

    topic: ClassVar[str] = _CASE_TOPIC
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    aggregate_field: ClassVar[str] = "case_id"

    event_type: ClassVar[str] = "legal_cases.case.decided"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    summary: ClassVar[str] = "A rent tribunal decided a case."

    decided_on: date = Field(description="The day of the decision (notified the same day).")
    outcome: OutcomeName = Field(
        description="complainant_fully, complainant_partly or counterpart (who got support)."
    )
    unanimous: bool = Field(description="Whether the three members voted alike (§ 86(4)).")
    appeal_body: AppealBodyName = Field(
        description="Where an appeal goes: the housing court (§ 88) or the appeal board (§ 89)."
    )
    appeal_due: date = Field(description="The last day to appeal (4 weeks, §§ 88(2), 89(1)).")
    landlord_fee: Amount | None = Field(
        default=None,
        description="The landlord's fee when the tenant won fully (§ 82(2)), DKK; else null.",
    )
    landlord_fee_provisional: bool = Field(
        default=False,
        description="The landlord's fee rests on a carried-forward index figure (§ 100 figure "
        "not known yet): provisional.",
    )
    counterpart_organisation_id: Id | None = Field(
        default=None, description="The landlord id of a landlord party that uses the platform."
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            case_id="hln-2027-000123",
            tribunal_code="101",
            category="maintenance_defects",
            decided_on=date(2027, 5, 3),
            outcome="complainant_fully",
            unanimous=True,
            appeal_body="appeal_board",
            appeal_due=date(2027, 5, 31),
            landlord_fee=Decimal("7171.00"),
            counterpart_organisation_id="ll-0042",
        )


class DecisionAppealedV1(Contract, _CaseFacts):
    """A party brought the decision before the housing court or the appeal board (§§ 88-89)."""

    topic: ClassVar[str] = _CASE_TOPIC
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    aggregate_field: ClassVar[str] = "case_id"

    event_type: ClassVar[str] = "legal_cases.case.appealed"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "A rent tribunal decision was appealed."

    lodged_on: date = Field(description="The day the appeal was lodged.")
    appeal_body: AppealBodyName = Field(description="The housing court or the appeal board.")
    appellant_side: Literal["complainant", "counterpart"] = Field(
        description="Which side of the case appealed."
    )
    late_permission: bool = Field(
        description="Lodged after the 4 weeks with the court's or board's permission."
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            case_id="hln-2027-000123",
            tribunal_code="101",
            category="maintenance_defects",
            lodged_on=date(2027, 5, 20),
            appeal_body="appeal_board",
            appellant_side="counterpart",
            late_permission=False,
        )


class DecisionFinalV1(Contract, _CaseFacts):
    """The decision is final: the appeal window passed unused, or the housing court or appeal
    board upheld it (``upheld_on_appeal``)."""

    topic: ClassVar[str] = _CASE_TOPIC
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    aggregate_field: ClassVar[str] = "case_id"

    event_type: ClassVar[str] = "legal_cases.case.decision_final"
    consumers: ClassVar[tuple[str, ...]] = ("notifications", "dashboards")
    summary: ClassVar[str] = "A rent tribunal decision became final."

    decided_on: date = Field(description="The day of the decision.")
    final_on: date = Field(
        description="The first day after the appeal window, or the day the appellate body "
        "upheld the decision."
    )
    upheld_on_appeal: bool = Field(
        default=False,
        description="True when the decision became final because the housing court or the "
        "appeal board upheld it (§§ 88-89), not because the window passed unused.",
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            case_id="hln-2027-000123",
            tribunal_code="101",
            category="maintenance_defects",
            decided_on=date(2027, 5, 3),
            final_on=date(2027, 6, 1),
        )


class DeadlineReminderDueV1(Contract, _CaseFacts):
    """A party's reply or answer deadline is near (the deadline round reminds once, a few
    working days before it is due)."""

    topic: ClassVar[str] = _CASE_TOPIC
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    aggregate_field: ClassVar[str] = "case_id"
    event_type: ClassVar[str] = "legal_cases.case.deadline_reminder_due"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "A party's deadline in a rent tribunal case is near."

    deadline_id: int = Field(description="The deadline reminded of (once per deadline).")
    deadline_kind: Literal["reply", "question"] = Field(
        description="The counterpart's reply (§ 82(3)) or an answer to a question (§ 83(4))."
    )
    due_on: date = Field(description="The (effective) last day.")
    party_side: Literal["complainant", "counterpart"] = Field(description="Which side must act.")
    party_kind: PartyKindName = Field(description="The kind of the party that must act.")
    party_organisation_id: Id | None = Field(
        default=None, description="The landlord id, when a landlord on the platform must act."
    )
    party_municipality_code: MunicipalityCode | None = Field(
        default=None, description="The municipality, when a filing municipality must act."
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            case_id="hln-2027-000123",
            tribunal_code="101",
            category="maintenance_defects",
            deadline_id=4711,
            deadline_kind="reply",
            due_on=date(2027, 4, 5),
            party_side="counterpart",
            party_kind="landlord",
            party_organisation_id="ll-0042",
        )


class NonComplianceThresholdReachedV1(Contract):
    """An owner has not complied with three final decisions within 2 years (or has a § 16
    conviction plus one): the involved tribunals are told and may ask for disqualification
    (§§ 21(2) no. 4 and 6, 22)."""

    event_type: ClassVar[str] = "legal_cases.owner.noncompliance_threshold_reached"
    topic: ClassVar[str] = "legal-cases.owner.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "An owner reached the non-compliance threshold of § 22."
    aggregate_field: ClassVar[str] = "owner_id"

    threshold_id: Id = Field(description="This finding; one per qualifying report.")
    owner_id: Id = Field(description="The owner reference tracked across tribunals.")
    rule: Literal["three_decisions", "conviction_and_decision"] = Field(
        description="§ 21(2) no. 4 (three decisions) or no. 6 (a § 16 conviction plus one)."
    )
    case_ids: list[Id] = Field(min_length=1, description="The non-complied final decisions.")
    tribunal_codes: list[MunicipalityCode] = Field(
        min_length=1, description="The involved tribunals, each to be told."
    )
    reached_at: AwareDatetime = Field(description="When the reports were evaluated.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            threshold_id="thr-owner-77-12",
            owner_id="owner-77",
            rule="three_decisions",
            case_ids=["hln-2025-000001", "hln-2026-000417", "hln-2027-000123"],
            tribunal_codes=["101", "147"],
            reached_at=datetime(2027, 6, 2, 8, 0, tzinfo=UTC),
        )


class QuestionDeadlineChangedV1(Contract, _CaseFacts):
    """A deadline to answer a question of the tribunal (§ 83(4)) was set (the question was
    asked), moved later (extended for special circumstances) or closed (answered or lapsed).
    The question's text and addressee stay in the service."""

    topic: ClassVar[str] = _CASE_TOPIC
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    aggregate_field: ClassVar[str] = "case_id"

    event_type: ClassVar[str] = "legal_cases.case.question_deadline_changed"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards",)
    summary: ClassVar[str] = "A question deadline of a rent tribunal case was set, moved or closed."

    question_id: Id = Field(description="The question (one deadline per question).")
    asked_on: date = Field(description="The day the tribunal asked the question.")
    answer_due: date = Field(
        description="The deadline to answer (2 weeks unless the tribunal set a later one, "
        "§ 83(4)); only ever moves later."
    )
    closed_on: date | None = Field(
        default=None, description="The day the deadline closed; null while it is open."
    )
    outcome: Literal["answered", "lapsed", "cancelled"] | None = Field(
        default=None,
        description="How it closed: answered, lapsed, or cancelled (the case ended — rejected "
        "or decided — before an answer); null while open.",
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            case_id="hln-2027-000123",
            tribunal_code="101",
            category="maintenance_defects",
            question_id="q-3f9a0c1d2e4b",
            asked_on=date(2027, 4, 12),
            answer_due=date(2027, 4, 26),
        )


class CaseDeadlinesMovedV1(Contract, _CaseFacts):
    """The case's own open deadlines moved: the case was suspended (its deadlines stop), resumed
    (each moves by the working days it was suspended) or the tribunal extended the counterpart's
    reply deadline (§ 82(3)). The dates as they now stand; a question's deadline moving is told
    by ``legal_cases.case.question_deadline_changed``. No reasons (they may name persons)."""

    topic: ClassVar[str] = _CASE_TOPIC
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    aggregate_field: ClassVar[str] = "case_id"

    event_type: ClassVar[str] = "legal_cases.case.deadlines_moved"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards",)
    summary: ClassVar[str] = "A rent tribunal case's deadlines were stopped or moved."

    moved_on: date = Field(description="The day of the suspension, resumption or extension.")
    cause: Literal["suspended", "resumed", "extended"] = Field(
        description="suspended (the deadlines stop), resumed (they run again, moved later) or "
        "extended (the tribunal gave the counterpart a later reply deadline)."
    )
    suspended: bool = Field(description="The case is suspended now (its deadlines are stopped).")
    suspension_changes: int = Field(
        ge=0,
        description="How many times the case has been suspended or resumed so far (each "
        "counts one): orders the case's suspensions, the highest is the newest.",
    )
    notify_counterpart_due: date | None = Field(
        default=None,
        description="The tribunal's open deadline to notify the counterpart (§ 82(3)), as it "
        "now stands; null when it is closed or stopped.",
    )
    reply_due: date | None = Field(
        default=None,
        description="The counterpart's open reply deadline (§ 82(3)), as it now stands; null "
        "when it is closed, not open yet or stopped.",
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            case_id="hln-2027-000123",
            tribunal_code="101",
            category="maintenance_defects",
            moved_on=date(2027, 4, 20),
            cause="resumed",
            suspended=False,
            suspension_changes=2,
            reply_due=date(2027, 4, 29),
        )


class CaseRejectedV1(Contract, _CaseFacts):
    """The tribunal rejected the case as not fit for it (§ 83(1)); it is no longer before the
    tribunal. The reason stays in the service."""

    topic: ClassVar[str] = _CASE_TOPIC
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "legal-cases"
    aggregate_field: ClassVar[str] = "case_id"

    event_type: ClassVar[str] = "legal_cases.case.rejected"
    consumers: ClassVar[tuple[str, ...]] = ("dashboards",)
    summary: ClassVar[str] = "A rent tribunal rejected a case (§ 83(1))."

    rejected_on: date = Field(description="The day the tribunal rejected the case.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            case_id="hln-2027-000123",
            tribunal_code="101",
            category="maintenance_defects",
            rejected_on=date(2027, 3, 24),
        )
