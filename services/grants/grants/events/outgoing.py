"""Domain changes → versioned contracts of the catalogue, in envelopes for the outbox."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from common.events.contracts import (
    ApplicationPrequalifiedV1,
    ApplicationRejectedV1,
    ApplicationSubmittedV1,
    ApplicationTransferredV1,
    AssessmentStartedV1,
    CommitmentGrantedV1,
    PaymentsResumedV1,
    PaymentsStoppedV1,
    PlanApprovedV1,
    PlanSentV1,
    StatementOverdueV1,
    YearlyStatusOverdueV1,
    to_envelope,
)
from common.events.envelope import Envelope
from common.observability import current_correlation_id
from grants.db.models import ApplicationRow


def _case(application: ApplicationRow) -> dict[str, Any]:
    return {
        "application_id": application.id,
        "organisation_id": application.lead_organisation_id,
        "organisation_ids": list(application.organisation_ids),
        "municipality_code": application.municipality_code,
    }


def _envelope(contract: Any) -> Envelope:
    return to_envelope(contract, correlation_id=current_correlation_id())


def submitted(application: ApplicationRow, requested: Decimal, at: datetime) -> Envelope:
    return _envelope(
        ApplicationSubmittedV1(
            **_case(application),
            department_ids=list(application.department_ids),
            requested_amount=requested,
            year=application.year,
            submitted_at=at,
        )
    )


def assessment_started(application: ApplicationRow, at: datetime) -> Envelope:
    return _envelope(
        AssessmentStartedV1(**_case(application), year=application.year, started_at=at)
    )


def prequalified(application: ApplicationRow, at: datetime) -> Envelope:
    assert application.reserved_amount is not None
    return _envelope(
        ApplicationPrequalifiedV1(
            application_id=application.id,
            organisation_id=application.lead_organisation_id,
            organisation_ids=list(application.organisation_ids),
            department_ids=list(application.department_ids),
            municipality_code=application.municipality_code,
            reserved_amount=application.reserved_amount,
            advance_amount=application.advance_amount,
            decided_at=at,
            year=application.year,
        )
    )


def rejected(application: ApplicationRow, reason: str, at: datetime) -> Envelope:
    return _envelope(
        ApplicationRejectedV1(
            **_case(application),
            department_ids=list(application.department_ids),
            reason=reason,
            decided_at=at,
        )
    )


def plan_approved(application: ApplicationRow, approved_on: date, reference: str) -> Envelope:
    return _envelope(
        PlanApprovedV1(**_case(application), approved_on=approved_on, reference=reference)
    )


def plan_sent(application: ApplicationRow, at: datetime) -> Envelope:
    return _envelope(PlanSentV1(**_case(application), year=application.year, sent_at=at))


def commitment_granted(application: ApplicationRow, at: datetime) -> Envelope:
    assert application.committed_amount is not None
    assert application.period_start_year is not None
    assert application.period_end_year is not None
    return _envelope(
        CommitmentGrantedV1(
            **_case(application),
            department_ids=list(application.department_ids),
            amount=application.committed_amount,
            year=application.year,
            period_start_year=application.period_start_year,
            period_end_year=application.period_end_year,
            committed_at=at,
        )
    )


def statement_overdue(
    application: ApplicationRow, year: int, due_on: date, at: datetime
) -> Envelope:
    return to_envelope(
        StatementOverdueV1(**_case(application), statement_year=year, due_on=due_on, detected_at=at)
    )


def payments_stopped(
    application: ApplicationRow, years: list[int], reason: str, at: datetime
) -> Envelope:
    return _envelope(
        PaymentsStoppedV1(**_case(application), overdue_years=years, reason=reason, stopped_at=at)
    )


def payments_resumed(application: ApplicationRow, at: datetime) -> Envelope:
    return _envelope(PaymentsResumedV1(**_case(application), resumed_at=at))


def transferred(transfer: ApplicationRow, at: datetime) -> Envelope:
    assert transfer.origin_application_id is not None
    return _envelope(
        ApplicationTransferredV1(
            **_case(transfer),
            origin_application_id=transfer.origin_application_id,
            department_ids=list(transfer.department_ids),
            year=transfer.year,
            transferred_at=at,
        )
    )


def status_overdue(application: ApplicationRow, year: int, due_on: date, at: datetime) -> Envelope:
    return to_envelope(
        YearlyStatusOverdueV1(**_case(application), status_year=year, due_on=due_on, detected_at=at)
    )
