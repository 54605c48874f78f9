"""Reading cases: one case with everything on it, lists, documents, the audit trail and the
tribunal's work list (open deadlines due this week or overdue)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from common.errors import PermissionDeniedError
from common.paging import PageOf, decode_cursor, page_of
from legal_cases.db.models import (
    AppealRow,
    AuditRow,
    CaseRow,
    DeadlineRow,
    DecisionRow,
    DecisionServiceRow,
    DocumentRow,
    FeeRow,
    ForcedAdministrationRow,
    ForcedAdministrationStepRow,
    GuidanceRow,
    HearingRow,
    NonComplianceNoticeRow,
    PartyRow,
    PersonLetterRow,
    QuestionRow,
    SubletNoticeRow,
    SuspensionRow,
)
from legal_cases.db.repositories import CaseQuery, CaseRepository, WorkListQuery, WorkListRow
from legal_cases.domain.access import TRIBUNAL, Viewer
from legal_cases.domain.cases import CaseStatus
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.deadlines import DeadlineKind, appeal_due, housing_court_right
from legal_cases.domain.decisions import appeal_body, suggested_appeal_guidance
from legal_cases.domain.errors import DocumentNotFoundError
from legal_cases.services.core import load_case


@dataclass(frozen=True, slots=True)
class CaseView:
    case: CaseRow
    parties: Sequence[PartyRow]
    documents: Sequence[DocumentRow]
    deadlines: Sequence[DeadlineRow]
    suspensions: Sequence[SuspensionRow]
    questions: Sequence[QuestionRow]
    hearings: Sequence[HearingRow]
    decision: DecisionRow | None
    appeal: AppealRow | None
    fees: Sequence[FeeRow]
    forced_administration: ForcedAdministrationRow | None
    noncompliance_notices: Sequence[NonComplianceNoticeRow]
    noncompliance_reported_on: date | None
    housing_court_right: bool
    decision_due: date | None
    suggested_appeal_guidance: str | None
    viewer: Viewer
    letters: Sequence[PersonLetterRow]
    guidance: Sequence[GuidanceRow]
    administration_steps: Sequence[ForcedAdministrationStepRow]
    sublet_notice: SubletNoticeRow | None
    services: Sequence[DecisionServiceRow] = ()


async def case_view(repo: CaseRepository, viewer: Viewer, case_id: str, today: date) -> CaseView:
    case = await load_case(repo, viewer, case_id)
    deadlines = await repo.deadlines(case.id)
    decision = await repo.decision(case.id)
    open_decision = next(
        (d for d in deadlines if d.kind == DeadlineKind.DECISION.value and d.closed_on is None),
        None,
    )
    report = await repo.noncompliance_report(case.id)
    status = CaseStatus(case.status)
    decided = decision is not None or status is CaseStatus.REJECTED
    due = open_decision.due_on if open_decision else None
    suggestion = None
    if status in (CaseStatus.REPLY_RECEIVED, CaseStatus.REPLY_LAPSED):
        body = appeal_body(case.tribunal_code, CaseCategory(case.category))
        suggestion = suggested_appeal_guidance(body, appeal_due(today))
    return CaseView(
        case=case,
        parties=await repo.parties(case.id),
        documents=await repo.documents(case.id),
        deadlines=deadlines,
        suspensions=await repo.suspensions(case.id),
        questions=await repo.questions(case.id),
        hearings=await repo.hearings(case.id),
        decision=decision,
        appeal=await repo.appeal(case.id),
        fees=await repo.fees(case.id),
        forced_administration=await repo.forced_administration(case.id),
        noncompliance_notices=await repo.noncompliance_notices(case.id),
        noncompliance_reported_on=report.reported_on if report is not None else None,
        housing_court_right=housing_court_right(due, today, decided),
        decision_due=due,
        suggested_appeal_guidance=suggestion,
        viewer=viewer,
        letters=await repo.letters(case.id),
        guidance=await repo.guidance(case.id),
        administration_steps=await repo.forced_administration_steps(case.id),
        sublet_notice=await repo.sublet_notice(case.id),
        services=await repo.services(case.id),
    )


async def list_cases(
    repo: CaseRepository,
    viewer: Viewer,
    *,
    status: str | None,
    category: str | None,
    cursor: str | None,
    limit: int,
    owner_id: str | None = None,
    filed_from: date | None = None,
    filed_to: date | None = None,
) -> PageOf[CaseRow]:
    key = decode_cursor(cursor, str)
    query = CaseQuery(
        status=status, category=category, owner_id=owner_id, filed_from=filed_from,
        filed_to=filed_to, after=key[0] if key else None,
    )  # fmt: skip
    rows = await repo.list_cases(viewer, query, limit)
    return page_of(rows, limit, key=lambda c: (c.id,))


async def document(
    repo: CaseRepository, viewer: Viewer, case_id: str, document_id: str
) -> DocumentRow:
    case = await load_case(repo, viewer, case_id)
    row = await repo.document(case.id, document_id)
    if row is None:
        raise DocumentNotFoundError(f"Case {case.id} has no document {document_id}.")
    return row


async def audit_trail(
    repo: CaseRepository, viewer: Viewer, case_id: str, cursor: str | None, limit: int
) -> PageOf[AuditRow]:
    case = await load_case(repo, viewer, case_id)
    key = decode_cursor(cursor, int)
    rows = await repo.audit_trail(case.id, key[0] if key else None, limit)
    return page_of(rows, limit, key=lambda a: (a.id,))


def week_of(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


async def work_list(
    repo: CaseRepository,
    viewer: Viewer,
    *,
    window: str,
    kind: str | None,
    cursor: str | None,
    limit: int,
    today: date,
) -> PageOf[WorkListRow]:
    """The tribunal's open deadlines by effective due date: ``overdue`` (before today),
    ``this_week`` (Monday-Sunday of today's week), ``due`` (overdue or due by the end of this
    week) or ``all``. Deadlines of suspended cases have no due date and are not listed. A row
    is overdue when its due date is before ``today`` (the due day itself is in time)."""
    if viewer.role not in TRIBUNAL or viewer.tribunal_code is None:
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not read the tribunal's work list; it needs one "
            "of: tribunal."
        )
    monday, sunday = week_of(today)
    due_from, due_to = {
        "overdue": (None, today - timedelta(days=1)),
        "this_week": (monday, sunday),
        "due": (None, sunday),
        "all": (None, None),
    }[window]
    key = decode_cursor(cursor, str, int)
    after = None
    if key is not None:
        try:
            after = (date.fromisoformat(key[0]), key[1])
        except ValueError:
            decode_cursor("!", str)  # raises the service's invalid-cursor problem
    query = WorkListQuery(
        tribunal_code=viewer.tribunal_code, due_from=due_from, due_to=due_to, kind=kind,
        after=after,
    )  # fmt: skip
    rows = await repo.work_list(query, limit)
    return page_of(rows, limit, key=lambda row: (row.due_on, row.deadline_id))
