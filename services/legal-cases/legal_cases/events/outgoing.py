"""Domain changes → versioned contracts (ids and facts, never a party's personal data)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from common.events.contracts import (
    CaseDeadlinesMovedV1,
    CaseDecidedV1,
    CaseFiledV1,
    CaseRejectedV1,
    CounterpartNotifiedV1,
    DeadlineReminderDueV1,
    DecisionAppealedV1,
    DecisionFinalV1,
    NonComplianceThresholdReachedV1,
    QuestionDeadlineChangedV1,
)
from legal_cases.db.models import (
    AppealRow,
    CaseRow,
    DeadlineRow,
    DecisionRow,
    PartyRow,
    QuestionRow,
    ThresholdRow,
)
from legal_cases.domain.parties import PartyKind


def _case_fields(case: CaseRow) -> dict[str, object]:
    return {
        "case_id": case.id,
        "tribunal_code": case.tribunal_code,
        "category": case.category,
        "filing_municipality_code": case.filing_municipality_code,
    }


def case_filed(
    case: CaseRow,
    *,
    complainant: PartyKind,
    counterpart: PartyKind,
    filing_fee: Decimal,
    notify_due: date,
    filing_fee_provisional: bool = False,
) -> CaseFiledV1:
    return CaseFiledV1.model_validate(
        {
            **_case_fields(case),
            "filed_on": case.filed_on,
            "complainant_kind": complainant.value,
            "counterpart_kind": counterpart.value,
            "on_behalf_of_tenant": case.on_behalf_of_tenant,
            "filing_fee": filing_fee,
            "filing_fee_provisional": filing_fee_provisional,
            "notify_counterpart_due": notify_due,
        }
    )


def counterpart_notified(
    case: CaseRow, counterpart: PartyRow, notified_on: date, reply_due: date
) -> CounterpartNotifiedV1:
    return CounterpartNotifiedV1.model_validate(
        {
            **_case_fields(case),
            "notified_on": notified_on,
            "reply_due": reply_due,
            "counterpart_kind": counterpart.kind,
            "counterpart_organisation_id": counterpart.organisation_id,
        }
    )


def question_deadline(
    case: CaseRow,
    question: QuestionRow,
    deadline: DeadlineRow,
    *,
    closed_on: date | None = None,
    outcome: str | None = None,
) -> QuestionDeadlineChangedV1:
    """A question's deadline as it stands (its effective due date; the set date while the case
    is suspended), open or closed; never the question's text or addressee."""
    return QuestionDeadlineChangedV1.model_validate(
        {
            **_case_fields(case),
            "question_id": question.id,
            "asked_on": question.asked_on,
            "answer_due": deadline.due_on or deadline.base_due,
            "closed_on": closed_on,
            "outcome": outcome,
        }
    )


def deadlines_moved(
    case: CaseRow,
    moved_on: date,
    cause: str,
    open_deadlines: list[DeadlineRow],
    suspension_changes: int,
) -> CaseDeadlinesMovedV1:
    """The case's notify and reply deadlines as they stand after a suspension, a resumption or
    an extension (``due_on``: NULL while stopped)."""
    due = {d.kind: d.due_on for d in open_deadlines}
    return CaseDeadlinesMovedV1.model_validate(
        {
            **_case_fields(case),
            "moved_on": moved_on,
            "cause": cause,
            "suspended": case.status == "suspended",
            "suspension_changes": suspension_changes,
            "notify_counterpart_due": due.get("notify_counterpart"),
            "reply_due": due.get("reply"),
        }
    )


def case_rejected(case: CaseRow, rejected_on: date) -> CaseRejectedV1:
    return CaseRejectedV1.model_validate({**_case_fields(case), "rejected_on": rejected_on})


def case_decided(
    case: CaseRow,
    decision: DecisionRow,
    landlord_fee: Decimal | None,
    landlord: PartyRow | None,
    *,
    landlord_fee_provisional: bool = False,
) -> CaseDecidedV1:
    return CaseDecidedV1.model_validate(
        {
            **_case_fields(case),
            "decided_on": decision.decided_on,
            "outcome": decision.outcome,
            "unanimous": decision.unanimous,
            "appeal_body": decision.appeal_body,
            "appeal_due": decision.appeal_due,
            "landlord_fee": landlord_fee,
            "landlord_fee_provisional": landlord_fee_provisional,
            "counterpart_organisation_id": landlord.organisation_id if landlord else None,
        }
    )


def decision_appealed(case: CaseRow, appeal: AppealRow) -> DecisionAppealedV1:
    return DecisionAppealedV1.model_validate(
        {
            **_case_fields(case),
            "lodged_on": appeal.lodged_on,
            "appeal_body": appeal.body,
            "appellant_side": appeal.appellant_side,
            "late_permission": appeal.late_permission,
        }
    )


def decision_final(
    case: CaseRow, decided_on: date, final_on: date, *, upheld_on_appeal: bool = False
) -> DecisionFinalV1:
    return DecisionFinalV1.model_validate(
        {
            **_case_fields(case),
            "decided_on": decided_on,
            "final_on": final_on,
            "upheld_on_appeal": upheld_on_appeal,
        }
    )


def threshold_reached(row: ThresholdRow, at: datetime) -> NonComplianceThresholdReachedV1:
    return NonComplianceThresholdReachedV1(
        threshold_id=row.id,
        owner_id=row.owner_id,
        rule=row.rule,
        case_ids=list(row.case_ids),
        tribunal_codes=list(row.tribunal_codes),
        reached_at=at,
    )


def deadline_reminder(
    case: CaseRow, deadline: DeadlineRow, party: PartyRow
) -> DeadlineReminderDueV1:
    return DeadlineReminderDueV1.model_validate(
        {
            **_case_fields(case),
            "deadline_id": deadline.id,
            "deadline_kind": deadline.kind,
            "due_on": deadline.due_on,
            "party_side": party.side,
            "party_kind": party.kind,
            "party_organisation_id": party.organisation_id
            if party.kind == PartyKind.LANDLORD.value
            else None,
            "party_municipality_code": case.filing_municipality_code
            if party.kind == PartyKind.MUNICIPALITY.value
            else None,
        }
    )
