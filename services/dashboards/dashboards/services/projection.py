"""Applying the platform's events to the dashboards' read model (the consumer's use case)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.contracts import (
    ApplicationPrequalifiedV1,
    ApplicationRejectedV1,
    ApplicationSubmittedV1,
    AssessmentStartedV1,
    CaseDeadlinesMovedV1,
    CaseDecidedV1,
    CaseFiledV1,
    CaseRejectedV1,
    CommitmentGrantedV1,
    Contract,
    CounterpartNotifiedV1,
    DeadlineSetV1,
    DecisionFinalV1,
    DwellingVacancyChangedV1,
    KeyFiguresUpdatedV1,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    MeetingHeldV1,
    OfferAnsweredV1,
    OfferDeadlineApproachingV1,
    OfferLapsedV1,
    OfferOpenedV1,
    PackageReturnedV1,
    PackageSentV1,
    PackageStatusChangedV1,
    PaymentsResumedV1,
    PaymentsStoppedV1,
    PlanApprovedV1,
    PlanSentV1,
    QuestionDeadlineChangedV1,
    RentChangedV1,
    StatementSubmittedV1,
    SubsidyFrameSetV1,
    SubsidyGrantedV1,
)
from dashboards.db import projection as db
from dashboards.domain.colours import count_colours

CONSUMED: tuple[type[Contract], ...] = (
    LeaseCreatedV1,
    LeaseUpdatedV1,
    LeaseTerminatedV1,
    RentChangedV1,
    DwellingVacancyChangedV1,
    PackageSentV1,
    PackageReturnedV1,
    MeetingHeldV1,
    StatementSubmittedV1,
    KeyFiguresUpdatedV1,
    ApplicationSubmittedV1,
    ApplicationPrequalifiedV1,
    ApplicationRejectedV1,
    PlanApprovedV1,
    CommitmentGrantedV1,
    PaymentsStoppedV1,
    PaymentsResumedV1,
    OfferOpenedV1,
    OfferAnsweredV1,
    OfferDeadlineApproachingV1,
    OfferLapsedV1,
    SubsidyGrantedV1,
    CaseFiledV1,
    CounterpartNotifiedV1,
    CaseDecidedV1,
    DecisionFinalV1,
    PackageStatusChangedV1,
    DeadlineSetV1,
    AssessmentStartedV1,
    PlanSentV1,
    QuestionDeadlineChangedV1,
    SubsidyFrameSetV1,
    CaseDeadlinesMovedV1,
    CaseRejectedV1,
)
"""The contracts the dashboards count; other events on the same topics are ignored."""


async def apply_events(session: AsyncSession, events: Sequence[Contract]) -> None:
    """Apply the events, then tell the live pages once (inside the caller's transaction, so a
    page never sees a revision whose figures are not committed). Each kind of fact is written
    for the whole batch at once, a key repeated in the batch in the batch's order
    (``db.projection.write_facts``)."""
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    for event in events:
        for kind, fact in facts_of(event):
            rows[kind].append(fact)
    if rows:
        await db.write_facts(session, rows)


def facts_of(event: Contract) -> list[tuple[str, dict[str, object]]]:
    """The rows one event writes, by kind (fields named like the table's columns; the lease's
    ``state_at`` is the event's ``recorded_at``); none for a kind the dashboards do not count."""
    match event:
        case LeaseCreatedV1() | LeaseUpdatedV1():
            lease = {
                **_lease_keys(event),
                "start_date": event.start_date,
                "end_date": event.end_date,
                "allocation_type": event.allocation_type.value,
                "monthly_rent": event.monthly_rent,
                "area_m2": event.area_m2,
                "housing_type": event.housing_type.value,
                "created_at": event.recorded_at if isinstance(event, LeaseCreatedV1) else None,
                "state_at": event.recorded_at,
            }
            return [("lease", lease), _dwelling(event)]
        case DwellingVacancyChangedV1():
            return [_dwelling(event)]
        case LeaseTerminatedV1():
            termination = {
                **_lease_keys(event),
                "start_date": event.start_date,
                "end_date": event.end_date,
                "allocation_type": event.allocation_type.value,
                "state_at": event.recorded_at,
            }
            return [("termination", termination)]
        case RentChangedV1():
            rent = {
                **_lease_keys(event),
                "monthly_rent": event.monthly_rent,
                "area_m2": event.area_m2,
                "rent_at": event.recorded_at,
            }
            return [("rent", rent)]
        case PackageSentV1():
            sent = {
                **_package_keys(event, event.home_municipality_code),
                "location_municipality_codes": sorted(set(event.location_municipality_codes)),
                "sent_at": event.sent_at,
                "red_figures": event.red_figures,
                "yellow_figures": event.yellow_figures,
            }
            return [("package_sent", sent)]
        case PackageReturnedV1():
            keys = _package_keys(event, event.home_municipality_code)
            return [("package_returned", {**keys, "returned_at": event.returned_at})]
        case MeetingHeldV1():
            keys = _package_keys(event, event.home_municipality_code)
            return [("meeting_held", {**keys, "meeting_held_on": event.held_on})]
        case StatementSubmittedV1():
            if event.supplementary:  # a location municipality's addition: no change of status
                return []
            keys = _package_keys(event, event.municipality_code)
            return [("statement_submitted", {**keys, "statement_at": event.submitted_at})]
        case PackageStatusChangedV1():
            keys = _package_keys(event, event.home_municipality_code)
            editing = {**keys, "editing_status": event.status, "editing_at": event.changed_at}
            return [("package_editing", editing)]
        case DeadlineSetV1():
            deadline = {
                "municipality_code": event.municipality_code,
                "organisation_id": event.organisation_id,
                "governance_year": event.governance_year,
                "deadline": event.deadline,
                "set_at": event.set_at,
            }
            return [("package_deadline", deadline)]
        case KeyFiguresUpdatedV1():
            colours = count_colours((f.code, f.colour.value) for f in event.figures)
            return [
                (
                    "department_colours",
                    {
                        "department_id": event.department_id,
                        "year": event.year,
                        "organisation_id": event.organisation_id,
                        "municipality_code": event.municipality_code,
                        "revision": event.revision,
                        "red": colours.red,
                        "yellow": colours.yellow,
                        "red_codes": colours.red_codes,
                    },
                )
            ]
        case (
            ApplicationSubmittedV1()
            | ApplicationPrequalifiedV1()
            | ApplicationRejectedV1()
            | PlanApprovedV1()
            | CommitmentGrantedV1()
            | PaymentsStoppedV1()
            | PaymentsResumedV1()
            | AssessmentStartedV1()
            | PlanSentV1()
        ):
            return [_grant_fact(event)]
        case OfferOpenedV1() | OfferAnsweredV1() | OfferDeadlineApproachingV1() | OfferLapsedV1():
            return [_offer_fact(event)]
        case SubsidyGrantedV1():
            subsidy = {
                "subsidy_id": event.subsidy_id,
                "municipality_code": event.municipality_code,
                "organisation_id": event.organisation_id,
                "frame_year": event.frame_year,
                "granted_at": event.granted_at,
            }
            if event.frame_dwellings is None:
                return [("subsidy", subsidy)]
            frame = {
                "municipality_code": event.municipality_code,
                "year": event.frame_year,
                "dwellings": event.frame_dwellings,
                "as_of": event.granted_at,
            }
            return [("subsidy", subsidy), ("subsidy_frame", frame)]
        case SubsidyFrameSetV1():
            frame = {
                "municipality_code": event.municipality_code,
                "year": event.year,
                "dwellings": event.dwellings,
                "as_of": event.set_at,
            }
            return [("subsidy_frame", frame)]
        case CaseFiledV1() | CounterpartNotifiedV1() | CaseDecidedV1() | DecisionFinalV1():
            return [_tribunal_fact(event)]
        case CaseRejectedV1():
            return [("case_rejected", {**_case_keys(event), "rejected_on": event.rejected_on})]
        case CaseDeadlinesMovedV1():
            moved = {
                **_case_keys(event),
                "notify_due": event.notify_counterpart_due,
                "reply_due": event.reply_due,
                "suspended": event.suspended,
                "suspension_changes": event.suspension_changes,
            }
            return [("case_moved", moved)]
        case QuestionDeadlineChangedV1():
            question = {
                "case_id": event.case_id,
                "question_id": event.question_id,
                "asked_on": event.asked_on,
                "answer_due": event.answer_due,
                "closed_on": event.closed_on,
            }
            return [("case_question", question)]
        case _:
            return []


GrantEvent = (
    ApplicationSubmittedV1
    | ApplicationPrequalifiedV1
    | ApplicationRejectedV1
    | PlanApprovedV1
    | CommitmentGrantedV1
    | PaymentsStoppedV1
    | PaymentsResumedV1
    | AssessmentStartedV1
    | PlanSentV1
)


def _grant_fact(event: GrantEvent) -> tuple[str, dict[str, object]]:
    """A grant case's fact: its keys as of the event's time, and what the event adds."""
    organisations = event.organisation_ids or [event.organisation_id]
    keys: dict[str, object] = {
        "application_id": event.application_id,
        "organisation_id": event.organisation_id,
        "organisation_ids": sorted(set(organisations)),
        "municipality_code": event.municipality_code,
    }
    match event:
        case ApplicationSubmittedV1():
            return "grant_submitted", {
                **keys,
                "keys_at": event.submitted_at,
                "year": event.year,
                "requested_amount": event.requested_amount,
                "submitted_at": event.submitted_at,
            }
        case ApplicationPrequalifiedV1():
            return "grant_prequalified", {
                **keys,
                "keys_at": event.decided_at,
                "year": event.year,
                "prequalified_at": event.decided_at,
                "reserved_amount": event.reserved_amount,
                "reserved_year": event.year,
            }
        case ApplicationRejectedV1():
            return "grant_rejected", {
                **keys,
                "keys_at": event.decided_at,
                "rejected_at": event.decided_at,
            }
        case PlanApprovedV1():
            moment = datetime.combine(event.approved_on, time(), tzinfo=UTC)
            return "grant_plan_approved", {
                **keys,
                "keys_at": moment,
                "plan_approved_on": event.approved_on,
            }
        case CommitmentGrantedV1():
            return "grant_committed", {
                **keys,
                "keys_at": event.committed_at,
                "year": event.year,
                "committed_at": event.committed_at,
                "committed_amount": event.amount,
                "committed_year": event.year,
            }
        case AssessmentStartedV1():
            return "grant_assessment", {
                **keys,
                "keys_at": event.started_at,
                "year": event.year,
                "assessment_started_at": event.started_at,
            }
        case PlanSentV1():
            return "grant_plan_sent", {
                **keys,
                "keys_at": event.sent_at,
                "year": event.year,
                "plan_sent_at": event.sent_at,
            }
        case PaymentsStoppedV1():
            return "grant_stopped", {
                **keys,
                "keys_at": event.stopped_at,
                "stopped_at": event.stopped_at,
            }
        case PaymentsResumedV1():
            return "grant_resumed", {
                **keys,
                "keys_at": event.resumed_at,
                "resumed_at": event.resumed_at,
            }


def _offer_fact(
    event: OfferOpenedV1 | OfferAnsweredV1 | OfferDeadlineApproachingV1 | OfferLapsedV1,
) -> tuple[str, dict[str, object]]:
    keys: dict[str, object] = {
        "offer_id": event.offer_id,
        "offer_source": event.offer_source.value,
        "organisation_id": event.organisation_id,
        "municipality_code": event.municipality_code,
    }
    match event:
        case OfferOpenedV1():
            return "offer_opened", {
                **keys,
                "answer_due": event.answer_due,
                "opened_at": event.opened_at,
            }
        case OfferAnsweredV1():
            return "offer_answered", {
                **keys,
                "answer_due": None,
                "answered_at": event.answered_at,
                "answer_status": event.status,
            }
        case OfferDeadlineApproachingV1():
            return "offer_due", {**keys, "answer_due": event.answer_due}
        case OfferLapsedV1():
            return "offer_lapsed", {
                **keys,
                "answer_due": event.answer_due,
                "lapsed_on": event.lapsed_on,
                "rent_owed": event.rent_owed,
            }


TribunalEvent = (
    CaseFiledV1
    | CounterpartNotifiedV1
    | CaseDecidedV1
    | DecisionFinalV1
    | CaseRejectedV1
    | CaseDeadlinesMovedV1
)


def _case_keys(event: TribunalEvent) -> dict[str, object]:
    return {
        "case_id": event.case_id,
        "tribunal_code": event.tribunal_code,
        "filing_municipality_code": event.filing_municipality_code,
        "category": event.category,
    }


def _tribunal_fact(
    event: CaseFiledV1 | CounterpartNotifiedV1 | CaseDecidedV1 | DecisionFinalV1,
) -> tuple[str, dict[str, object]]:
    keys = _case_keys(event)
    match event:
        case CaseFiledV1():
            return "case_filed", {
                **keys,
                "filed_on": event.filed_on,
                "notify_due": event.notify_counterpart_due,
            }
        case CounterpartNotifiedV1():
            return "case_notified", {
                **keys,
                "notified_on": event.notified_on,
                "reply_due": event.reply_due,
            }
        case CaseDecidedV1() | DecisionFinalV1():
            return "case_decided", {**keys, "decided_on": event.decided_on}


def _lease_keys(
    event: LeaseCreatedV1 | LeaseUpdatedV1 | LeaseTerminatedV1 | RentChangedV1,
) -> dict[str, object]:
    return {
        "lease_id": event.lease_id,
        "dwelling_id": event.dwelling_id,
        "department_id": event.department_id,
        "organisation_id": event.organisation_id,
        "municipality_code": event.municipality_code,
    }


def _dwelling(
    event: LeaseCreatedV1 | LeaseUpdatedV1 | DwellingVacancyChangedV1,
) -> tuple[str, dict[str, object]]:
    return (
        "dwelling",
        {
            "dwelling_id": event.dwelling_id,
            "lease_id": event.lease_id,
            "department_id": event.department_id,
            "organisation_id": event.organisation_id,
            "municipality_code": event.municipality_code,
            "vacancy_loss": event.vacancy_loss_flag,
            "vacant_soon": event.vacant_soon_flag,
            "state_at": event.recorded_at,
        },
    )


def _package_keys(
    event: PackageSentV1
    | PackageReturnedV1
    | MeetingHeldV1
    | StatementSubmittedV1
    | PackageStatusChangedV1,
    home_municipality_code: str,
) -> dict[str, object]:
    return {
        "package_id": event.package_id,
        "organisation_id": event.organisation_id,
        "governance_year": event.governance_year,
        "home_municipality_code": home_municipality_code,
    }
