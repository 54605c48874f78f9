"""Every query of the legal-cases service.

Reads for a caller are filtered by :func:`visible_cases` (the SQL twin of
:func:`legal_cases.domain.access.sees_case`); actions on a case take its row lock
(``SELECT … FOR UPDATE``). Nothing here commits; the unit of work or the job owns the
transaction. No rule is decided here: the use cases apply :mod:`legal_cases.domain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    TextClause,
    exists,
    false,
    func,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db.locks import advisory_xact_lock
from legal_cases.db.models import (
    AppealRow,
    AuditRow,
    CaseRow,
    ConvictionRow,
    DeadlineRow,
    DecisionRow,
    DecisionServiceRow,
    DocumentRow,
    FeeRow,
    ForcedAdministrationRow,
    ForcedAdministrationStepRow,
    GuidanceRow,
    HearingRow,
    MemberRow,
    NonComplianceNoticeRow,
    NonComplianceReportRow,
    PartyRow,
    PersonLetterRow,
    QuestionRow,
    SubletNoticeRow,
    SuspensionRow,
    ThresholdRow,
)
from legal_cases.domain.access import MUNICIPALITY_ROLE, PARTY_ROLE, TRIBUNAL_ROLE, Viewer


def visible_cases(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.role == TRIBUNAL_ROLE and viewer.tribunal_code is not None:
        return CaseRow.tribunal_code == viewer.tribunal_code
    if viewer.role == MUNICIPALITY_ROLE and viewer.municipality_code is not None:
        return CaseRow.filing_municipality_code == viewer.municipality_code
    if viewer.role == PARTY_ROLE:  # the counterpart once the tribunal has notified it
        return exists().where(
            PartyRow.case_id == CaseRow.id,
            PartyRow.subject == viewer.subject,
            or_(PartyRow.side == "complainant", CaseRow.notified_on.is_not(None)),
        )
    return false()


@dataclass(frozen=True, slots=True)
class CaseQuery:
    status: str | None = None
    category: str | None = None
    owner_id: str | None = None
    filed_from: date | None = None
    filed_to: date | None = None
    after: str | None = None


@dataclass(frozen=True, slots=True)
class WorkListQuery:
    tribunal_code: str
    due_from: date | None = None  # inclusive
    due_to: date | None = None  # inclusive
    kind: str | None = None
    after: tuple[date, int] | None = None  # (due_on, deadline id) of the previous page


@dataclass(frozen=True, slots=True)
class WorkListRow:
    deadline_id: int
    kind: str
    due_on: date  # never NULL here: the query leaves out paused deadlines
    case_id: str
    case_status: str
    category: str


@cache
def _work_list_sql(due_from: bool, due_to: bool, kind: bool, after: bool) -> TextClause:
    """The work list's SQL with the filters that are set (served by the partial index
    ``ix_case_deadlines_open``: tribunal, due date, id where the deadline is open)."""
    conditions = [
        "d.tribunal_code = :tribunal",
        "d.closed_on IS NULL",
        "d.due_on IS NOT NULL",
    ]
    if due_from:
        conditions.append("d.due_on >= :due_from")
    if due_to:
        conditions.append("d.due_on <= :due_to")
    if kind:
        conditions.append("d.kind = :kind")
    if after:
        conditions.append("(d.due_on, d.id) > (:after_due, :after_id)")
    where = " AND ".join(conditions)  # fixed texts above; every value is a bound parameter
    return text(
        "SELECT d.id, d.kind, d.due_on, c.id, c.status, c.category FROM case_deadlines d "  # noqa: S608
        f"JOIN cases c ON c.id = d.case_id WHERE {where} ORDER BY d.due_on, d.id LIMIT :limit"
    )


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- cases ---------------------------------------------------------------------------

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    async def visible_case(
        self, viewer: Viewer, case_id: str, *, lock: bool = False
    ) -> CaseRow | None:
        query = select(CaseRow).where(CaseRow.id == case_id, visible_cases(viewer))
        if lock:
            query = query.with_for_update(of=CaseRow)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def case_for_update(self, case_id: str) -> CaseRow | None:
        query = select(CaseRow).where(CaseRow.id == case_id).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def list_cases(self, viewer: Viewer, query: CaseQuery, limit: int) -> Sequence[CaseRow]:
        statement = select(CaseRow).where(visible_cases(viewer))
        if query.status is not None:
            statement = statement.where(CaseRow.status == query.status)
        if query.category is not None:
            statement = statement.where(CaseRow.category == query.category)
        if query.owner_id is not None:
            statement = statement.where(CaseRow.owner_id == query.owner_id)
        if query.filed_from is not None:
            statement = statement.where(CaseRow.filed_on >= query.filed_from)
        if query.filed_to is not None:
            statement = statement.where(CaseRow.filed_on <= query.filed_to)
        if query.after is not None:
            statement = statement.where(CaseRow.id > query.after)
        statement = statement.order_by(CaseRow.id).limit(limit + 1)
        return (await self.session.execute(statement)).scalars().all()

    async def touch(self, case: CaseRow) -> None:
        case.version += 1
        case.updated_at = func.now()
        await self.session.flush()

    # --- parts of a case -----------------------------------------------------------------

    async def parties(self, case_id: str) -> Sequence[PartyRow]:
        query = select(PartyRow).where(PartyRow.case_id == case_id).order_by(PartyRow.id)
        return (await self.session.execute(query)).scalars().all()

    async def letters(self, case_id: str) -> Sequence[PersonLetterRow]:
        query = (
            select(PersonLetterRow)
            .where(PersonLetterRow.case_id == case_id)
            .order_by(PersonLetterRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def queue_letter(self, values: dict[str, Any]) -> bool:
        """Queue a letter once (a repeated reminder or a retried action adds nothing)."""
        statement = (
            pg_insert(PersonLetterRow)
            .values(status="pending", attempts=0, **values)
            .on_conflict_do_nothing(index_elements=["case_id", "party_id", "kind", "ref"])
            .returning(PersonLetterRow.id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none() is not None

    async def due_letter_for_update(self, now: datetime) -> PersonLetterRow | None:
        """The oldest due letter no other sender holds (``SKIP LOCKED``)."""
        query = (
            select(PersonLetterRow)
            .where(PersonLetterRow.status == "pending", PersonLetterRow.next_attempt_at <= now)
            .order_by(PersonLetterRow.next_attempt_at, PersonLetterRow.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def party(self, party_id: int) -> PartyRow | None:
        return await self.session.get(PartyRow, party_id)

    async def documents(self, case_id: str) -> Sequence[DocumentRow]:
        query = (
            select(DocumentRow)
            .where(DocumentRow.case_id == case_id)
            .order_by(DocumentRow.uploaded_at, DocumentRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def document(self, case_id: str, document_id: str) -> DocumentRow | None:
        query = select(DocumentRow).where(
            DocumentRow.case_id == case_id, DocumentRow.id == document_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def deadlines(self, case_id: str, *, open_only: bool = False) -> Sequence[DeadlineRow]:
        query = select(DeadlineRow).where(DeadlineRow.case_id == case_id)
        if open_only:
            query = query.where(DeadlineRow.closed_on.is_(None))
        return (await self.session.execute(query.order_by(DeadlineRow.id))).scalars().all()

    async def open_deadline(
        self, case_id: str, kind: str, ref: str | None = None
    ) -> DeadlineRow | None:
        query = select(DeadlineRow).where(
            DeadlineRow.case_id == case_id,
            DeadlineRow.kind == kind,
            DeadlineRow.closed_on.is_(None),
        )
        if ref is not None:
            query = query.where(DeadlineRow.ref == ref)
        return (await self.session.execute(query.order_by(DeadlineRow.id.desc()))).scalars().first()

    async def deadline(self, case_id: str, deadline_id: int) -> DeadlineRow | None:
        query = select(DeadlineRow).where(
            DeadlineRow.case_id == case_id, DeadlineRow.id == deadline_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def suspensions(self, case_id: str) -> Sequence[SuspensionRow]:
        query = (
            select(SuspensionRow)
            .where(SuspensionRow.case_id == case_id)
            .order_by(SuspensionRow.start_on, SuspensionRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def questions(self, case_id: str) -> Sequence[QuestionRow]:
        query = (
            select(QuestionRow)
            .where(QuestionRow.case_id == case_id)
            .order_by(QuestionRow.asked_on, QuestionRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def question(self, case_id: str, question_id: str) -> QuestionRow | None:
        query = select(QuestionRow).where(
            QuestionRow.case_id == case_id, QuestionRow.id == question_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def guidance(self, case_id: str) -> Sequence[GuidanceRow]:
        query = select(GuidanceRow).where(GuidanceRow.case_id == case_id).order_by(GuidanceRow.id)
        return (await self.session.execute(query)).scalars().all()

    async def hearings(self, case_id: str) -> Sequence[HearingRow]:
        query = (
            select(HearingRow)
            .where(HearingRow.case_id == case_id)
            .order_by(HearingRow.scheduled_on, HearingRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def hearing(self, case_id: str, hearing_id: str) -> HearingRow | None:
        query = select(HearingRow).where(HearingRow.case_id == case_id, HearingRow.id == hearing_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def decision(self, case_id: str) -> DecisionRow | None:
        return await self.session.get(DecisionRow, case_id)

    async def appeal(self, case_id: str) -> AppealRow | None:
        return await self.session.get(AppealRow, case_id)

    async def fees(self, case_id: str) -> Sequence[FeeRow]:
        query = select(FeeRow).where(FeeRow.case_id == case_id).order_by(FeeRow.id)
        return (await self.session.execute(query)).scalars().all()

    async def fee(self, case_id: str, fee_id: int) -> FeeRow | None:
        query = select(FeeRow).where(FeeRow.case_id == case_id, FeeRow.id == fee_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def forced_administration(self, case_id: str) -> ForcedAdministrationRow | None:
        return await self.session.get(ForcedAdministrationRow, case_id)

    async def sublet_notice(self, case_id: str) -> SubletNoticeRow | None:
        return await self.session.get(SubletNoticeRow, case_id)

    async def services(self, case_id: str) -> Sequence[DecisionServiceRow]:
        query = (
            select(DecisionServiceRow)
            .where(DecisionServiceRow.case_id == case_id)
            .order_by(DecisionServiceRow.side)
        )
        return (await self.session.execute(query)).scalars().all()

    async def forced_administration_steps(
        self, case_id: str
    ) -> Sequence[ForcedAdministrationStepRow]:
        query = (
            select(ForcedAdministrationStepRow)
            .where(ForcedAdministrationStepRow.case_id == case_id)
            .order_by(ForcedAdministrationStepRow.on, ForcedAdministrationStepRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def noncompliance_notices(self, case_id: str) -> Sequence[NonComplianceNoticeRow]:
        query = (
            select(NonComplianceNoticeRow)
            .where(NonComplianceNoticeRow.case_id == case_id)
            .order_by(NonComplianceNoticeRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def noncompliance_report(self, case_id: str) -> NonComplianceReportRow | None:
        query = select(NonComplianceReportRow).where(NonComplianceReportRow.case_id == case_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lock_owner_reports(self, owner_id: str) -> None:
        """Serialise the reports of one owner until the transaction ends: a report's id is
        taken only after the owner's previous report is committed, so the deadline round's
        evaluation of a report against the owner's reports up to its id (``reports_of``) sees
        every one of them. Without it a report with a lower id, committed after the round
        evaluated a higher one, and that higher one would never be counted together."""
        await advisory_xact_lock(self.session, "legal_cases.owner_reports", owner_id)

    # --- the audit trail -----------------------------------------------------------------

    async def audit(
        self, case_id: str, actor: str, role: str, action: str, detail: dict[str, Any]
    ) -> None:
        self.session.add(
            AuditRow(case_id=case_id, actor=actor, actor_role=role, action=action, detail=detail)
        )
        await self.session.flush()

    async def audit_trail(self, case_id: str, after: int | None, limit: int) -> Sequence[AuditRow]:
        query = select(AuditRow).where(AuditRow.case_id == case_id)
        if after is not None:
            query = query.where(AuditRow.id > after)
        query = query.order_by(AuditRow.id).limit(limit + 1)
        return (await self.session.execute(query)).scalars().all()

    # --- the tribunal's work list --------------------------------------------------------

    async def work_list(self, query: WorkListQuery, limit: int) -> Sequence[WorkListRow]:
        """The hottest query of a tribunal, as one of 16 fixed SQL texts (by which filters are
        set): no statement is built per call, and each text is prepared once per connection."""
        params: dict[str, Any] = {"tribunal": query.tribunal_code, "limit": limit + 1}
        if query.due_from is not None:
            params["due_from"] = query.due_from
        if query.due_to is not None:
            params["due_to"] = query.due_to
        if query.kind is not None:
            params["kind"] = query.kind
        if query.after is not None:
            params["after_due"], params["after_id"] = query.after
        statement = _work_list_sql(
            query.due_from is not None,
            query.due_to is not None,
            query.kind is not None,
            query.after is not None,
        )
        connection = await self.session.connection()
        rows = (await connection.execute(statement, params)).all()
        return [WorkListRow(*row) for row in rows]

    # --- the periodic round --------------------------------------------------------------

    async def lapsed_deadline_ids(self, kind: str, today: date, limit: int) -> Sequence[int]:
        """Open deadlines of ``kind`` whose effective due date has passed."""
        query = (
            select(DeadlineRow.id)
            .where(
                DeadlineRow.kind == kind,
                DeadlineRow.closed_on.is_(None),
                DeadlineRow.due_on < today,
            )
            .order_by(DeadlineRow.id)
            .limit(limit)
        )
        return (await self.session.execute(query)).scalars().all()

    async def reminder_candidate_ids(self, today: date, horizon: date, limit: int) -> Sequence[int]:
        """Open reply and question deadlines due from today to ``horizon``, not yet reminded."""
        query = (
            select(DeadlineRow.id)
            .where(
                DeadlineRow.kind.in_(("reply", "question")),
                DeadlineRow.closed_on.is_(None),
                DeadlineRow.reminded_on.is_(None),
                DeadlineRow.due_on.between(today, horizon),
            )
            .order_by(DeadlineRow.id)
            .limit(limit)
        )
        return (await self.session.execute(query)).scalars().all()

    async def locked_deadline_and_case(
        self, deadline_id: int
    ) -> tuple[DeadlineRow, CaseRow] | None:
        """An open deadline and its case, both locked — the case first, as every action locks
        its case before it changes a deadline (the other order could deadlock with them).
        None if the deadline is closed or another round holds it."""
        case_id = await self.session.scalar(
            select(DeadlineRow.case_id).where(DeadlineRow.id == deadline_id)
        )
        if case_id is None:
            return None
        case = await self.case_for_update(case_id)
        deadline = await self.deadline_for_update(deadline_id)
        if case is None or deadline is None:
            return None
        return deadline, case

    async def deadline_for_update(self, deadline_id: int) -> DeadlineRow | None:
        query = (
            select(DeadlineRow)
            .where(DeadlineRow.id == deadline_id, DeadlineRow.closed_on.is_(None))
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def close_deadline(self, deadline: DeadlineRow, on: date, outcome: str) -> None:
        deadline.closed_on = on
        deadline.outcome = outcome
        await self.session.flush()


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def members_of(self, tribunal_code: str) -> Sequence[MemberRow]:
        query = (
            select(MemberRow)
            .where(MemberRow.tribunal_code == tribunal_code)
            .order_by(MemberRow.appointed_from, MemberRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def register_page(
        self,
        tribunal_code: str,
        *,
        seat: str | None,
        on: date | None,
        after: tuple[date, int] | None,
        limit: int,
    ) -> Sequence[MemberRow]:
        """One page of the register in appointment order (``limit + 1`` rows): of one seat,
        or of those appointed on a day, when asked."""
        query = select(MemberRow).where(MemberRow.tribunal_code == tribunal_code)
        if seat is not None:
            query = query.where(MemberRow.seat == seat)
        if on is not None:
            query = query.where(MemberRow.appointed_from <= on, MemberRow.appointed_to >= on)
        if after is not None:
            query = query.where(tuple_(MemberRow.appointed_from, MemberRow.id) > after)
        query = query.order_by(MemberRow.appointed_from, MemberRow.id).limit(limit + 1)
        return (await self.session.execute(query)).scalars().all()

    async def add(self, row: MemberRow) -> None:
        self.session.add(row)
        await self.session.flush()


class OwnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def has_case_before(self, owner_id: str, tribunal_code: str) -> bool:
        query = select(
            exists().where(CaseRow.owner_id == owner_id, CaseRow.tribunal_code == tribunal_code)
        )
        return bool(await self.session.scalar(query))

    async def unevaluated_reports(self, limit: int) -> Sequence[NonComplianceReportRow]:
        query = (
            select(NonComplianceReportRow)
            .where(NonComplianceReportRow.evaluated_at.is_(None))
            .order_by(NonComplianceReportRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query)).scalars().all()

    async def reports_of(self, owner_id: str, up_to_id: int) -> Sequence[NonComplianceReportRow]:
        query = (
            select(NonComplianceReportRow)
            .where(
                NonComplianceReportRow.owner_id == owner_id,
                NonComplianceReportRow.id <= up_to_id,
            )
            .order_by(NonComplianceReportRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def all_reports_of(self, owner_id: str) -> Sequence[NonComplianceReportRow]:
        query = (
            select(NonComplianceReportRow)
            .where(NonComplianceReportRow.owner_id == owner_id)
            .order_by(NonComplianceReportRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def convictions_of(self, owner_id: str) -> Sequence[ConvictionRow]:
        query = (
            select(ConvictionRow)
            .where(ConvictionRow.owner_id == owner_id)
            .order_by(ConvictionRow.convicted_on)
        )
        return (await self.session.execute(query)).scalars().all()

    async def thresholds_of(self, owner_id: str) -> Sequence[ThresholdRow]:
        query = (
            select(ThresholdRow).where(ThresholdRow.owner_id == owner_id).order_by(ThresholdRow.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    async def mark_evaluated(self, report: NonComplianceReportRow, at: datetime) -> None:
        await self.session.execute(
            update(NonComplianceReportRow)
            .where(NonComplianceReportRow.id == report.id)
            .values(evaluated_at=at)
        )


@dataclass(frozen=True, slots=True)
class StatisticsRows:
    filed: Sequence[tuple[str, str, int]]  # tribunal, category, count
    rejected: Sequence[tuple[str, int]]
    outcomes: Sequence[tuple[str, str, int]]  # tribunal, outcome, count
    days: Sequence[tuple[str, list[int]]]  # tribunal, days from filing to each decision
    inspections: Sequence[tuple[str, int]]
    appeals: Sequence[tuple[str, str, int]]  # tribunal, body, count
    reports: Sequence[tuple[str, int]]
    # tribunal, appellate outcome, count (by the appellate decision's date)
    appeal_outcomes: Sequence[tuple[str, str, int]] = ()


class StatisticsRepository:
    """The § 90 figures of a period (both ends inclusive), per tribunal."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rows(self, start: date, end: date, tribunal_code: str | None) -> StatisticsRows:
        def only(column: Any) -> ColumnElement[bool]:
            return column == tribunal_code if tribunal_code is not None else true()

        filed = (
            select(CaseRow.tribunal_code, CaseRow.category, func.count())
            .where(CaseRow.filed_on.between(start, end), only(CaseRow.tribunal_code))
            .group_by(CaseRow.tribunal_code, CaseRow.category)
        )
        rejected = select(CaseRow.tribunal_code, func.count()).where(
            CaseRow.status == "rejected", CaseRow.closed_on.between(start, end),
            only(CaseRow.tribunal_code),
        ).group_by(CaseRow.tribunal_code)  # fmt: skip
        decided = (DecisionRow.decided_on.between(start, end), only(CaseRow.tribunal_code))
        outcomes = (
            select(CaseRow.tribunal_code, DecisionRow.outcome, func.count())
            .join(DecisionRow, DecisionRow.case_id == CaseRow.id)
            .where(*decided)
            .group_by(CaseRow.tribunal_code, DecisionRow.outcome)
        )
        days = (
            select(CaseRow.tribunal_code, func.array_agg(DecisionRow.decided_on - CaseRow.filed_on))
            .join(DecisionRow, DecisionRow.case_id == CaseRow.id)
            .where(*decided)
            .group_by(CaseRow.tribunal_code)
        )
        inspections = (
            select(CaseRow.tribunal_code, func.count())
            .join(HearingRow, HearingRow.case_id == CaseRow.id)
            .where(HearingRow.kind == "inspection", HearingRow.held_on.between(start, end),
                   only(CaseRow.tribunal_code))
            .group_by(CaseRow.tribunal_code)
        )  # fmt: skip
        appeals = (
            select(CaseRow.tribunal_code, AppealRow.body, func.count())
            .join(AppealRow, AppealRow.case_id == CaseRow.id)
            .where(AppealRow.lodged_on.between(start, end), only(CaseRow.tribunal_code))
            .group_by(CaseRow.tribunal_code, AppealRow.body)
        )
        appeal_outcomes = (
            select(CaseRow.tribunal_code, AppealRow.outcome, func.count())
            .join(AppealRow, AppealRow.case_id == CaseRow.id)
            .where(AppealRow.outcome.is_not(None),
                   AppealRow.outcome_decided_on.between(start, end), only(CaseRow.tribunal_code))
            .group_by(CaseRow.tribunal_code, AppealRow.outcome)
        )  # fmt: skip
        reports = (
            select(NonComplianceReportRow.tribunal_code, func.count())
            .where(NonComplianceReportRow.reported_on.between(start, end),
                   only(NonComplianceReportRow.tribunal_code))
            .group_by(NonComplianceReportRow.tribunal_code)
        )  # fmt: skip

        async def fetch(statement: Any) -> list[Any]:
            return [tuple(row) for row in (await self.session.execute(statement)).all()]

        return StatisticsRows(
            filed=await fetch(filed),
            rejected=await fetch(rejected),
            outcomes=await fetch(outcomes),
            days=await fetch(days),
            inspections=await fetch(inspections),
            appeals=await fetch(appeals),
            reports=await fetch(reports),
            appeal_outcomes=await fetch(appeal_outcomes),
        )
