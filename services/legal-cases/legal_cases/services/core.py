"""What every use case of a case shares: loading it for a viewer, the audit trail, and keeping
its deadlines' effective due dates right (suspensions, a moving decision deadline)."""

from __future__ import annotations

from datetime import date
from typing import Any

from common.calendar import Suspension
from legal_cases.db.models import CaseRow, DeadlineRow
from legal_cases.db.repositories import CaseRepository
from legal_cases.domain.access import SYSTEM_ROLE, Viewer
from legal_cases.domain.cases import Action, CaseStatus, transition
from legal_cases.domain.deadlines import DeadlineKind, decision_due, effective_due
from legal_cases.domain.errors import CaseNotFoundError
from legal_cases.events import outgoing
from legal_cases.services.ports import EventRecorder

SYSTEM = Viewer(subject="legal-cases:deadline-round", role=SYSTEM_ROLE)


async def load_case(
    repo: CaseRepository, viewer: Viewer, case_id: str, *, lock: bool = False
) -> CaseRow:
    case = await repo.visible_case(viewer, case_id, lock=lock)
    if case is None:
        raise CaseNotFoundError(f"Case {case_id} was not found among the cases you may see.")
    return case


async def audit(
    repo: CaseRepository, case: CaseRow, viewer: Viewer, action: str, **detail: Any
) -> None:
    role = str(viewer.role)
    clean = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in detail.items()}
    await repo.audit(case.id, viewer.subject, role, action, clean)


async def open_deadline(
    repo: CaseRepository,
    case: CaseRow,
    kind: DeadlineKind,
    opened_on: date,
    due: date,
    *,
    ref: str | None = None,
) -> DeadlineRow:
    row = DeadlineRow(
        case_id=case.id,
        tribunal_code=case.tribunal_code,
        kind=kind.value,
        ref=ref,
        opened_on=opened_on,
        base_due=due,
        due_on=due,
    )
    await repo.add(row)
    return row


async def refresh_due_dates(repo: CaseRepository, case: CaseRow, today: date) -> None:
    """Recompute the effective due date of every open deadline from the case's suspensions
    (NULL while the case is suspended)."""
    suspensions = [Suspension(s.start_on, s.end_on) for s in await repo.suspensions(case.id)]
    for deadline in await repo.deadlines(case.id, open_only=True):
        deadline.due_on = effective_due(deadline.base_due, deadline.opened_on, suspensions, today)
    await repo.session.flush()


async def decision_trigger(repo: CaseRepository, case: CaseRow, trigger_on: date) -> DeadlineRow:
    """§ 86(1): the decision is due 4 weeks from the latest reply, answer, lapsed deadline or
    meeting; a later trigger supersedes the open decision deadline, an earlier one does not."""
    due = decision_due(trigger_on)
    current = await repo.open_deadline(case.id, DeadlineKind.DECISION.value)
    if current is not None:
        if current.base_due >= due:
            return current
        await repo.close_deadline(current, trigger_on, "superseded")
    return await open_deadline(repo, case, DeadlineKind.DECISION, trigger_on, due)


async def lapse_reply(
    repo: CaseRepository, case: CaseRow, deadline: DeadlineRow, today: date
) -> None:
    """§ 82(3): the reply deadline passed without a reply; the decision is due 4 weeks from it
    (§ 86(1)). Done by the rule itself (the system), not by whoever acts."""
    assert deadline.due_on is not None
    await repo.close_deadline(deadline, today, "lapsed")
    case.status = transition(CaseStatus(case.status), Action.LAPSE_REPLY).value
    case.reply_state = "lapsed"
    await repo.touch(case)
    decision = await decision_trigger(repo, case, deadline.due_on)
    await audit(repo, case, SYSTEM, "reply_lapsed", reply_due=deadline.due_on,
                decision_due=decision.base_due)  # fmt: skip


async def lapse_question(
    repo: CaseRepository, events: EventRecorder, case: CaseRow, deadline: DeadlineRow, today: date
) -> None:
    """§ 83(4): a question's deadline passed without an answer; once the reply is in (or
    lapsed), the decision is due 4 weeks from it (§ 86(1)). Published closed as lapsed."""
    assert deadline.due_on is not None
    await repo.close_deadline(deadline, today, "lapsed")
    question = await repo.question(case.id, deadline.ref or "")
    if question is not None:
        events.record(outgoing.question_deadline(
            case, question, deadline, closed_on=today, outcome="lapsed"
        ))  # fmt: skip
    trigger = None
    if case.status in (CaseStatus.REPLY_RECEIVED.value, CaseStatus.REPLY_LAPSED.value):
        trigger = (await decision_trigger(repo, case, deadline.due_on)).base_due
    await audit(repo, case, SYSTEM, "question_lapsed", question_id=deadline.ref,
                decision_due=trigger)  # fmt: skip


async def lapse_passed(
    repo: CaseRepository, events: EventRecorder, case: CaseRow, today: date
) -> None:
    """The deadline round lapses passed reply and question deadlines every few minutes; an
    action that turns on them (a reply, an answer, the decision, a suspension) applies those
    lapses first when the round has not yet — the reply's before the questions', as the round
    does — so its outcome does not depend on when the round last ran."""
    passed = [
        d
        for d in await repo.deadlines(case.id, open_only=True)
        if d.due_on is not None and d.due_on < today
    ]
    reply_awaited = case.status == CaseStatus.COUNTERPART_NOTIFIED.value
    for deadline in passed:
        if deadline.kind == DeadlineKind.REPLY.value and reply_awaited:
            await lapse_reply(repo, case, deadline, today)
    for deadline in passed:
        if deadline.kind == DeadlineKind.QUESTION.value:
            await lapse_question(repo, events, case, deadline, today)
