"""Grants, allocation and legal-cases events as their producers publish them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from common.calendar import add_working_days
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
    CounterpartNotifiedV1,
    DeadlineSetV1,
    DecisionFinalV1,
    OfferAnsweredV1,
    OfferDeadlineApproachingV1,
    OfferLapsedV1,
    OfferOpenedV1,
    OfferSource,
    PackageStatusChangedV1,
    PaymentsResumedV1,
    PaymentsStoppedV1,
    PlanApprovedV1,
    PlanSentV1,
    QuestionDeadlineChangedV1,
    SubsidyFrameSetV1,
    SubsidyGrantedV1,
)


def moment(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _case(app: str, municipality: str, orgs: tuple[str, ...]) -> dict[str, object]:
    return {
        "application_id": app,
        "organisation_id": orgs[0],
        "organisation_ids": list(orgs),
        "municipality_code": municipality,
    }


def submitted(
    app: str,
    *,
    municipality: str = "101",
    orgs: tuple[str, ...] = ("org-1",),
    year: int = 2026,
    amount: str = "10000000.00",
    on: date = date(2026, 2, 2),
) -> ApplicationSubmittedV1:
    return ApplicationSubmittedV1.example().model_copy(
        update={
            **_case(app, municipality, orgs),
            "requested_amount": Decimal(amount),
            "year": year,
            "submitted_at": moment(on),
        }
    )


def assessment(
    app: str,
    *,
    municipality: str = "101",
    orgs: tuple[str, ...] = ("org-1",),
    year: int = 2026,
    on: date = date(2026, 2, 16),
) -> AssessmentStartedV1:
    return AssessmentStartedV1.example().model_copy(
        update={**_case(app, municipality, orgs), "year": year, "started_at": moment(on)}
    )


def plan_sent(
    app: str,
    *,
    municipality: str = "101",
    orgs: tuple[str, ...] = ("org-1",),
    year: int = 2026,
    on: date = date(2026, 5, 11),
) -> PlanSentV1:
    return PlanSentV1.example().model_copy(
        update={**_case(app, municipality, orgs), "year": year, "sent_at": moment(on)}
    )


def prequalified(
    app: str,
    *,
    municipality: str = "101",
    orgs: tuple[str, ...] = ("org-1",),
    year: int | None = 2026,
    amount: str = "12500000.00",
    on: date = date(2026, 3, 2),
) -> ApplicationPrequalifiedV1:
    return ApplicationPrequalifiedV1.example().model_copy(
        update={
            **_case(app, municipality, orgs),
            "reserved_amount": Decimal(amount),
            "decided_at": moment(on),
            "year": year,
        }
    )


def rejected(
    app: str,
    *,
    municipality: str = "101",
    orgs: tuple[str, ...] = ("org-1",),
    on: date = date(2026, 3, 2),
) -> ApplicationRejectedV1:
    return ApplicationRejectedV1.example().model_copy(
        update={**_case(app, municipality, orgs), "decided_at": moment(on)}
    )


def plan_approved(
    app: str,
    *,
    municipality: str = "101",
    orgs: tuple[str, ...] = ("org-1",),
    on: date = date(2026, 5, 4),
) -> PlanApprovedV1:
    return PlanApprovedV1.example().model_copy(
        update={**_case(app, municipality, orgs), "approved_on": on}
    )


def committed(
    app: str,
    *,
    municipality: str = "101",
    orgs: tuple[str, ...] = ("org-1",),
    year: int = 2026,
    amount: str = "18000000.00",
    on: date = date(2026, 6, 1),
) -> CommitmentGrantedV1:
    return CommitmentGrantedV1.example().model_copy(
        update={
            **_case(app, municipality, orgs),
            "amount": Decimal(amount),
            "year": year,
            "committed_at": moment(on),
        }
    )


def stopped(
    app: str, *, municipality: str = "101", orgs: tuple[str, ...] = ("org-1",), on: date
) -> PaymentsStoppedV1:
    return PaymentsStoppedV1.example().model_copy(
        update={**_case(app, municipality, orgs), "stopped_at": moment(on)}
    )


def resumed(
    app: str, *, municipality: str = "101", orgs: tuple[str, ...] = ("org-1",), on: date
) -> PaymentsResumedV1:
    return PaymentsResumedV1.example().model_copy(
        update={**_case(app, municipality, orgs), "resumed_at": moment(on)}
    )


def _offer(offer: str, municipality: str, org: str) -> dict[str, object]:
    return {
        "offer_id": offer,
        "offer_source": OfferSource.SOCIAL,
        "agreement_id": f"agr-{municipality}",
        "dwelling_id": f"dw-{offer}",
        "organisation_id": org,
        "municipality_code": municipality,
    }


def opened(offer: str, on: date, *, municipality: str = "101", org: str = "org-1") -> OfferOpenedV1:
    return OfferOpenedV1.example().model_copy(
        update={
            **_offer(offer, municipality, org),
            "available_from": on,
            "answer_due": add_working_days(on, 7),
            "opened_at": moment(on, 8),
        }
    )


def answered(
    offer: str, on: date, status: str = "accepted", *, municipality: str = "101", org: str = "org-1"
) -> OfferAnsweredV1:
    return OfferAnsweredV1.example().model_copy(
        update={
            **_offer(offer, municipality, org),
            "status": status,
            "answered_on": on,
            "answered_at": moment(on),
        }
    )


def reminded(
    offer: str, opened_on: date, *, municipality: str = "101", org: str = "org-1"
) -> OfferDeadlineApproachingV1:
    due = add_working_days(opened_on, 7)
    return OfferDeadlineApproachingV1.example().model_copy(
        update={
            **_offer(offer, municipality, org),
            "answer_due": due,
            "reminded_on": add_working_days(due, -1),
        }
    )


def lapsed(
    offer: str,
    opened_on: date,
    *,
    municipality: str = "101",
    org: str = "org-1",
    rent_owed: str | None = "19500.00",
) -> OfferLapsedV1:
    due = add_working_days(opened_on, 7)
    return OfferLapsedV1.example().model_copy(
        update={
            **_offer(offer, municipality, org),
            "answer_due": due,
            "lapsed_on": add_working_days(due, 1),
            "rent_owed": None if rent_owed is None else Decimal(rent_owed),
        }
    )


def frame_set(
    municipality: str, dwellings: int, on: date, *, year: int = 2026
) -> SubsidyFrameSetV1:
    return SubsidyFrameSetV1(
        frame_id=f"{municipality}-{year}",
        municipality_code=municipality,
        year=year,
        dwellings=dwellings,
        set_at=moment(on),
    )


def subsidy(
    n: int,
    *,
    municipality: str = "101",
    org: str = "org-1",
    year: int = 2026,
    frame: int | None = None,
    on: date = date(2026, 4, 1),
) -> SubsidyGrantedV1:
    return SubsidyGrantedV1.example().model_copy(
        update={
            "subsidy_id": f"sub-{n}",
            "municipality_code": municipality,
            "organisation_id": org,
            "frame_year": year,
            "dwelling_id": f"dw-sub-{n}",
            "granted_at": moment(on),
            "frame_dwellings": frame,
        }
    )


def _tribunal(case: str, tribunal: str, filer: str | None) -> dict[str, object]:
    return {
        "case_id": case,
        "tribunal_code": tribunal,
        "category": "maintenance_defects",
        "filing_municipality_code": filer,
    }


def filed(
    case: str, on: date, notify_due: date, *, tribunal: str = "101", filer: str | None = None
) -> CaseFiledV1:
    return CaseFiledV1.example().model_copy(
        update={
            **_tribunal(case, tribunal, filer),
            "filed_on": on,
            "notify_counterpart_due": notify_due,
        }
    )


def notified(
    case: str, on: date, reply_due: date, *, tribunal: str = "101", filer: str | None = None
) -> CounterpartNotifiedV1:
    return CounterpartNotifiedV1.example().model_copy(
        update={**_tribunal(case, tribunal, filer), "notified_on": on, "reply_due": reply_due}
    )


def decided(
    case: str, on: date, *, tribunal: str = "101", filer: str | None = None
) -> CaseDecidedV1:
    return CaseDecidedV1.example().model_copy(
        update={**_tribunal(case, tribunal, filer), "decided_on": on}
    )


def question(
    case: str,
    question_id: str,
    asked_on: date,
    answer_due: date,
    *,
    closed_on: date | None = None,
    outcome: str = "answered",
    tribunal: str = "101",
    filer: str | None = None,
) -> QuestionDeadlineChangedV1:
    return QuestionDeadlineChangedV1.example().model_copy(
        update={
            **_tribunal(case, tribunal, filer),
            "question_id": question_id,
            "asked_on": asked_on,
            "answer_due": answer_due,
            "closed_on": closed_on,
            "outcome": None if closed_on is None else outcome,
        }
    )


def final(case: str, decided_on: date, *, tribunal: str = "101") -> DecisionFinalV1:
    return DecisionFinalV1.example().model_copy(
        update={
            **_tribunal(case, tribunal, None),
            "decided_on": decided_on,
            "final_on": add_working_days(decided_on, 20),
        }
    )


def package_status(
    package: str,
    status: str,
    when: datetime,
    *,
    home: str = "101",
    org: str = "org-1",
    year: int = 2026,
) -> PackageStatusChangedV1:
    return PackageStatusChangedV1.example().model_copy(
        update={
            "package_id": package,
            "organisation_id": org,
            "governance_year": year,
            "home_municipality_code": home,
            "status": status,
            "changed_at": when,
        }
    )


def deadline(
    org: str, due: date | None, when: datetime, *, municipality: str = "101", year: int = 2026
) -> DeadlineSetV1:
    return DeadlineSetV1(
        deadline_id=f"{municipality}-{org}-{year}",
        municipality_code=municipality,
        organisation_id=org,
        governance_year=year,
        deadline=due,
        set_at=when,
    )


def moved(
    case: str,
    on: date,
    changes: int,
    *,
    notify_due: date | None = None,
    reply_due: date | None = None,
    tribunal: str = "101",
) -> CaseDeadlinesMovedV1:
    """A suspension (an odd count of changes) or a resumption (even) with the deadlines as
    they then stand (none while suspended)."""
    suspended = changes % 2 == 1
    return CaseDeadlinesMovedV1.example().model_copy(
        update={
            **_tribunal(case, tribunal, None),
            "moved_on": on,
            "cause": "suspended" if suspended else "resumed",
            "suspended": suspended,
            "suspension_changes": changes,
            "notify_counterpart_due": notify_due,
            "reply_due": reply_due,
        }
    )


def case_rejected(case: str, on: date, *, tribunal: str = "101") -> CaseRejectedV1:
    return CaseRejectedV1.example().model_copy(
        update={**_tribunal(case, tribunal, None), "rejected_on": on}
    )
