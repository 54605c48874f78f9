"""The tribunal's actions on a case (and the counterpart's reply), each one transition of the
state machine in :mod:`legal_cases.domain.cases`, recorded in the audit trail; events are
recorded in the same transaction (outbox)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from common.calendar import add_weeks, this_or_next_working_day
from common.errors import PermissionDeniedError
from legal_cases.db.models import (
    AppealRow,
    CaseRow,
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
    QuestionRow,
    SubletNoticeRow,
    SuspensionRow,
)
from legal_cases.db.repositories import CaseRepository, MemberRepository
from legal_cases.domain import person_letters
from legal_cases.domain.access import PARTY_ROLE, TRIBUNAL, TRIBUNAL_ROLE, Viewer
from legal_cases.domain.appeals import AppealOutcome, check_outcome
from legal_cases.domain.cases import Action, CaseStatus, transition
from legal_cases.domain.categories import CaseCategory, FeeKind
from legal_cases.domain.deadlines import (
    DeadlineKind,
    appeal_due,
    check_appeal,
    check_held_by_today,
    check_inspection_notice,
    check_meeting_notice,
    check_not_before_summoned_day,
    extended_due,
    question_due,
    reply_due,
)
from legal_cases.domain.decision_content import (
    DecisionContent,
    check_content,
    check_guidance,
    check_mediation,
    missing_guidance,
    service_required,
)
from legal_cases.domain.decisions import (
    AppealBody,
    Member,
    Seat,
    appeal_body,
    check_complete,
    rule,
    tenant_won_fully,
)
from legal_cases.domain.errors import (
    DeadlineNotFoundError,
    DeadlineRuleError,
    FilingRejectedError,
    NonComplianceRejectedError,
    PartNotFoundError,
    ServiceAlreadyRecordedError,
    TransitionNotAllowedError,
)
from legal_cases.domain.fees import FeeQuote, FeeTable
from legal_cases.domain.forced_administration import (
    LOAN_MONTHS,
    MAINTENANCE_ACCOUNT_WEEKS,
    MORTGAGEE_WEEKS,
    EndReason,
    RequestedBy,
    Step,
    add_months,
    check_forced_administration,
    check_step,
)
from legal_cases.domain.members import Appointment, check_bench_appointed
from legal_cases.domain.parties import PartyKind, Side
from legal_cases.domain.person_letters import LetterKind
from legal_cases.domain.serving import (
    ServiceMethod,
    check_service,
    final_window_end,
    required_sides,
    window_end,
)
from legal_cases.domain.sublets import SubletStep, documentation_due
from legal_cases.domain.sublets import check_notice as sublet_check_notice
from legal_cases.domain.sublets import check_step as sublet_check_step
from legal_cases.events import outgoing
from legal_cases.services import person_mail
from legal_cases.services.core import (
    audit,
    decision_trigger,
    lapse_passed,
    load_case,
    open_deadline,
    refresh_due_dates,
)
from legal_cases.services.filing import FileIn, add_document
from legal_cases.services.ports import EventRecorder


def _tribunal_only(viewer: Viewer, action: str) -> None:
    if viewer.role not in TRIBUNAL:
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not {action}; it needs one of: tribunal."
        )


async def _apply(repo: CaseRepository, case: CaseRow, action: Action) -> CaseStatus:
    before = CaseStatus(case.status)
    after = transition(
        before,
        action,
        suspended_from=CaseStatus(case.suspended_from) if case.suspended_from else None,
    )
    case.status = after.value
    await repo.touch(case)
    return after


def _party(parties: Sequence[PartyRow], side: Side) -> PartyRow:
    return next(p for p in parties if p.side == side.value)


async def _close(repo: CaseRepository, case: CaseRow, kind: DeadlineKind, today: date,
                 outcome: str = "met", ref: str | None = None) -> None:  # fmt: skip
    deadline = await repo.open_deadline(case.id, kind.value, ref)
    if deadline is not None:
        await repo.close_deadline(deadline, today, outcome)


async def _close_all(
    repo: CaseRepository, events: EventRecorder, case: CaseRow, today: date, outcome: str
) -> None:
    """Close every open deadline; an open question's is published closed (cancelled: the case
    ended before an answer)."""
    for deadline in await repo.deadlines(case.id, open_only=True):
        await repo.close_deadline(deadline, today, outcome)
        if deadline.kind == DeadlineKind.QUESTION.value:
            question = await repo.question(case.id, deadline.ref or "")
            if question is not None:
                events.record(
                    outgoing.question_deadline(
                        case, question, deadline, closed_on=today, outcome="cancelled"
                    )
                )


async def _publish_moves(
    repo: CaseRepository, events: EventRecorder, case: CaseRow, today: date, cause: str
) -> None:
    """After a suspension, a resumption or an extension: the case's notify and reply
    deadlines as they now stand, and (on resuming) each open question's moved deadline."""
    open_now = await repo.deadlines(case.id, open_only=True)
    changes = sum(1 + (s.end_on is not None) for s in await repo.suspensions(case.id))
    events.record(outgoing.deadlines_moved(case, today, cause, list(open_now), changes))
    if cause != "resumed":
        return
    for deadline in open_now:
        if deadline.kind == DeadlineKind.QUESTION.value and deadline.due_on is not None:
            question = await repo.question(case.id, deadline.ref or "")
            if question is not None:
                events.record(outgoing.question_deadline(case, question, deadline))


# --- the counterpart's identity ---------------------------------------------------------------


async def correct_counterpart(
    repo: CaseRepository,
    viewer: Viewer,
    case_id: str,
    subject: str | None,
    name: str | None,
    organisation_id: str | None,
) -> CaseRow:
    """Before notifying, the tribunal confirms or corrects who the counterpart is: the token
    subject that will see the case, its name and landlord id (the kind stays as filed)."""
    _tribunal_only(viewer, "correct the counterpart")
    case = await load_case(repo, viewer, case_id, lock=True)
    if case.status != CaseStatus.FILED.value:
        raise TransitionNotAllowedError(
            f"The case is '{case.status}': the counterpart is corrected before it is notified."
        )
    parties = await repo.parties(case.id)
    counterpart = _party(parties, Side.COUNTERPART)
    if subject is not None and subject == _party(parties, Side.COMPLAINANT).subject:
        raise FilingRejectedError("The counterpart cannot be the complainant.")
    before = counterpart.subject
    counterpart.subject, counterpart.name = subject, name
    counterpart.organisation_id = organisation_id
    await repo.touch(case)
    await audit(repo, case, viewer, "counterpart_corrected", subject_before=before,
                subject=subject, organisation_id=organisation_id)  # fmt: skip
    return case


async def set_contact_email(
    repo: CaseRepository, viewer: Viewer, case_id: str, side: Side, email: str | None
) -> CaseRow:
    """A person's e-mail for the tribunal's letters (kept here only): the tribunal sets either
    side's, a party its own. The audit trail records that it changed, not the address."""
    case = await load_case(repo, viewer, case_id, lock=True)
    party = _party(await repo.parties(case.id), side)
    if viewer.role == PARTY_ROLE and (party.subject is None or party.subject != viewer.subject):
        raise PermissionDeniedError("A party sets its own contact e-mail only.")
    if viewer.role not in (PARTY_ROLE, TRIBUNAL_ROLE):
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not set contact e-mails; it needs one of: party, "
            "tribunal."
        )
    party.contact_email = email
    await repo.touch(case)
    await audit(repo, case, viewer, "contact_email_changed", side=side.value,
                contact_email_set=email is not None)  # fmt: skip
    return case


# --- notification and reply ------------------------------------------------------------------


async def notify_counterpart(
    repo: CaseRepository, events: EventRecorder, viewer: Viewer, case_id: str, today: date
) -> CaseRow:
    _tribunal_only(viewer, "notify the counterpart")
    case = await load_case(repo, viewer, case_id, lock=True)
    await _apply(repo, case, Action.NOTIFY_COUNTERPART)
    await _close(repo, case, DeadlineKind.NOTIFY_COUNTERPART, today)
    case.notified_on = today
    due = reply_due(today)
    await open_deadline(repo, case, DeadlineKind.REPLY, today, due)
    counterpart = _party(await repo.parties(case.id), Side.COUNTERPART)
    await audit(repo, case, viewer, "counterpart_notified", reply_due=due)
    events.record(outgoing.counterpart_notified(case, counterpart, today, due))
    letter = person_letters.counterpart_notice(
        case_id=case.id, tribunal_name=person_mail.tribunal_name(case),
        category_label=CaseCategory(case.category).label, reply_due=due,
    )  # fmt: skip
    await person_mail.queue(repo, case, counterpart, LetterKind.COUNTERPART_NOTICE, letter, today,
                            actor=viewer)  # fmt: skip
    return case


async def record_reply(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    today: date,
    document: FileIn | None,
    max_bytes: int,
) -> CaseRow:
    """The counterpart's reply (§ 82(3)), sent by the counterpart or recorded by the tribunal;
    the decision is then due in 4 weeks (§ 86(1))."""
    case = await load_case(repo, viewer, case_id, lock=True)
    if viewer.role == PARTY_ROLE:
        counterpart = _party(await repo.parties(case.id), Side.COUNTERPART)
        if counterpart.subject != viewer.subject:
            raise PermissionDeniedError("Only the counterpart replies to the case (§ 82(3)).")
    elif viewer.role != TRIBUNAL_ROLE:
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not reply; it needs one of: party, tribunal."
        )
    await lapse_passed(repo, events, case, today)
    await _apply(repo, case, Action.RECORD_REPLY)
    case.reply_state = "received"
    case.reply_on = today
    await _close(repo, case, DeadlineKind.REPLY, today)
    if document is not None:
        await add_document(repo, case, viewer, document, max_bytes)
    deadline = await decision_trigger(repo, case, today)
    await audit(repo, case, viewer, "reply_received", decision_due=deadline.base_due)
    return case


async def extend_deadline(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    deadline_id: int,
    new_due: date,
    reason: str,
    today: date,
) -> CaseRow:
    """§§ 82(3), 83(4): the tribunal extends a running reply or question deadline. One that has
    passed lapsed the day after it was due, whether or not the round has recorded it yet: the
    round's lapses are applied first (``lapse_passed``), so it is refused like a lapsed one."""
    _tribunal_only(viewer, "extend deadlines")
    case = await load_case(repo, viewer, case_id, lock=True)
    deadline = await repo.deadline(case.id, deadline_id)
    if deadline is None:
        raise DeadlineNotFoundError(f"Case {case.id} has no deadline {deadline_id}.")
    await lapse_passed(repo, events, case, today)
    await _apply(repo, case, Action.EXTEND_DEADLINE)
    kind = DeadlineKind(deadline.kind)
    if deadline.outcome == "lapsed":
        raise DeadlineRuleError(
            f"The {kind.value} deadline was due {deadline.due_on} and has lapsed: only a "
            "running deadline can be extended (§§ 82(3), 83(4)). The case can be decided on "
            "what it holds (§ 86(1)-(2)), or a new question asked."
        )
    if deadline.closed_on is not None or not kind.extendable:
        raise DeadlineRuleError(
            f"Only an open reply or question deadline can be extended (§§ 82(3), 83(4)); "
            f"this is a {'closed ' if deadline.closed_on else ''}{kind.value} deadline."
        )
    if new_due <= today:
        raise DeadlineRuleError(f"An extended deadline must lie after today ({today}).")
    before = deadline.due_on
    deadline.base_due = extended_due(before, new_due, reason)
    deadline.opened_on = today  # the new date is chosen now: earlier suspensions are in it
    deadline.extension_reason = reason.strip()
    await refresh_due_dates(repo, case, today)
    if kind is DeadlineKind.QUESTION:
        question = await repo.question(case.id, deadline.ref or "")
        if question is not None:
            events.record(outgoing.question_deadline(case, question, deadline))
    else:  # the reply deadline
        await _publish_moves(repo, events, case, today, "extended")
    await audit(
        repo,
        case,
        viewer,
        "deadline_extended",
        deadline_id=deadline.id,
        kind=kind.value,
        from_due=before,
        to_due=deadline.base_due,
        reason=reason.strip(),
    )
    return case


# --- investigation: questions, inspections, meetings -------------------------------------------


async def ask_question(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    addressee: str,
    text: str,
    answer_by: date | None,
    reason: str | None,
    today: date,
) -> QuestionRow:
    _tribunal_only(viewer, "ask questions")
    case = await load_case(repo, viewer, case_id, lock=True)
    await _apply(repo, case, Action.ASK_QUESTION)
    due = question_due(today, answer_by, reason)
    question = QuestionRow(
        id=f"q-{uuid.uuid4().hex[:12]}", case_id=case.id, addressee=addressee, text=text,
        asked_on=today,
    )  # fmt: skip
    await repo.add(question)
    deadline = await open_deadline(repo, case, DeadlineKind.QUESTION, today, due, ref=question.id)
    events.record(outgoing.question_deadline(case, question, deadline))
    await audit(
        repo, case, viewer, "question_asked", question_id=question.id, addressee=addressee,
        answer_due=due, reason=reason,
    )  # fmt: skip
    return question


async def answer_question(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    question_id: str,
    answer: str,
    today: date,
) -> QuestionRow:
    case = await load_case(repo, viewer, case_id, lock=True)
    question = await repo.question(case.id, question_id)
    if question is None:
        raise PartNotFoundError(f"Case {case.id} has no question {question_id}.")
    if viewer.role == PARTY_ROLE:
        side = next(p.side for p in await repo.parties(case.id) if p.subject == viewer.subject)
        if side != question.addressee:
            raise PermissionDeniedError(
                "The question is addressed to the other party; only its addressee answers."
            )
    elif viewer.role != TRIBUNAL_ROLE:
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not answer questions; it needs one of: party, tribunal."
        )
    await _apply(repo, case, Action.ANSWER_QUESTION)
    if question.answered_on is not None:
        raise TransitionNotAllowedError(f"Question {question.id} was answered on "
                                        f"{question.answered_on}.")  # fmt: skip
    question.answered_on = today
    question.answer = answer
    await lapse_passed(repo, events, case, today)  # a late answer's deadline lapsed first
    deadline = await repo.open_deadline(case.id, DeadlineKind.QUESTION.value, question.id)
    if deadline is not None:
        await repo.close_deadline(deadline, today, "met")
        events.record(
            outgoing.question_deadline(
                case, question, deadline, closed_on=today, outcome="answered"
            )
        )
    trigger = None
    if CaseStatus(case.status) in (CaseStatus.REPLY_RECEIVED, CaseStatus.REPLY_LAPSED):
        trigger = (await decision_trigger(repo, case, today)).base_due
    await audit(repo, case, viewer, "question_answered", question_id=question.id,
                decision_due=trigger)  # fmt: skip
    return question


async def schedule_hearing(
    repo: CaseRepository, viewer: Viewer, case_id: str, kind: str, scheduled_on: date, today: date
) -> HearingRow:
    """An inspection (§ 85(1), ≥ 1 week's notice) or a meeting with both parties summoned
    (§ 85(2)); the summons goes out today."""
    _tribunal_only(viewer, "schedule inspections and meetings")
    case = await load_case(repo, viewer, case_id, lock=True)
    await _apply(repo, case, Action.SCHEDULE_HEARING)
    if kind == "inspection":
        check_inspection_notice(today, scheduled_on)
        deadline_kind = DeadlineKind.INSPECTION
    else:
        check_meeting_notice(today, scheduled_on)
        deadline_kind = DeadlineKind.MEETING
    hearing = HearingRow(
        id=f"h-{uuid.uuid4().hex[:12]}", case_id=case.id, kind=kind, notice_on=today,
        scheduled_on=scheduled_on,
    )  # fmt: skip
    await repo.add(hearing)
    await open_deadline(repo, case, deadline_kind, today, scheduled_on, ref=hearing.id)
    await audit(repo, case, viewer, f"{kind}_scheduled", hearing_id=hearing.id,
                scheduled_on=scheduled_on, summoned_on=today)  # fmt: skip
    letter = person_letters.summons(
        case_id=case.id, tribunal_name=person_mail.tribunal_name(case), kind=kind,
        scheduled_on=scheduled_on, summoned_on=today,
    )  # fmt: skip
    parties = await repo.parties(case.id)
    for side in (Side.COMPLAINANT, Side.COUNTERPART):  # § 85: both parties are summoned
        await person_mail.queue(repo, case, _party(parties, side), LetterKind.SUMMONS, letter,
                                today, ref=hearing.id, actor=viewer)  # fmt: skip
    return hearing


async def hold_hearing(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    hearing_id: str,
    today: date,
    held_on: date | None = None,
) -> HearingRow:
    """An inspection or meeting held on ``held_on`` (default today; a clerk may record it a few
    days later) — not after today, not before the day the parties were summoned to. A meeting
    once the reply is in or lapsed sets the decision deadline from the day it was held (§ 86(1))
    — the round's lapses as of today are applied first (``lapse_passed``), so a meeting after
    the reply deadline passed counts whether or not the round has run."""
    _tribunal_only(viewer, "record inspections and meetings")
    day = today if held_on is None else held_on
    case = await load_case(repo, viewer, case_id, lock=True)
    await lapse_passed(repo, events, case, today)
    await _apply(repo, case, Action.HOLD_HEARING)
    hearing = await repo.hearing(case.id, hearing_id)
    if hearing is None:
        raise PartNotFoundError(f"Case {case.id} has no inspection or meeting {hearing_id}.")
    if hearing.held_on is not None:
        raise TransitionNotAllowedError(f"It was held on {hearing.held_on}.")
    check_held_by_today(day, today)
    check_not_before_summoned_day(hearing.scheduled_on, day)
    if hearing.kind == "inspection":
        check_inspection_notice(hearing.notice_on, day)
        kind = DeadlineKind.INSPECTION
    else:
        check_meeting_notice(hearing.notice_on, day)
        kind = DeadlineKind.MEETING
    hearing.held_on = day
    await _close(repo, case, kind, day, ref=hearing.id)
    trigger = None
    if kind is DeadlineKind.MEETING and case.status in ("reply_received", "reply_lapsed"):
        trigger = (await decision_trigger(repo, case, day)).base_due  # § 86(1): the meeting
    await audit(repo, case, viewer, f"{hearing.kind}_held", hearing_id=hearing.id,
                held_on=day, decision_due=trigger)  # fmt: skip
    return hearing


async def upload_document(
    repo: CaseRepository, viewer: Viewer, case_id: str, file: FileIn, max_bytes: int
) -> DocumentRow:
    case = await load_case(repo, viewer, case_id, lock=True)
    transition(CaseStatus(case.status), Action.ADD_DOCUMENT)
    row = await add_document(repo, case, viewer, file, max_bytes)
    await repo.touch(case)
    await audit(repo, case, viewer, "document_added", document_id=row.id,
                content_type=row.content_type, size_bytes=row.size_bytes)  # fmt: skip
    return row


async def encourage_mediation(
    repo: CaseRepository, viewer: Viewer, case_id: str, note: str, today: date
) -> CaseRow:
    """§ 86(1): in §§ 153-154 cases the tribunal may encourage the parties to mediation."""
    _tribunal_only(viewer, "encourage mediation")
    case = await load_case(repo, viewer, case_id, lock=True)
    await _apply(repo, case, Action.SCHEDULE_HEARING)  # while the case is being investigated
    check_mediation(CaseCategory(case.category))
    case.mediation_encouraged_on = today
    case.mediation_note = note.strip()
    await audit(repo, case, viewer, "mediation_encouraged")
    return case


async def record_guidance(
    repo: CaseRepository, viewer: Viewer, case_id: str, side: Side, kind: str, note: str,
    today: date,
) -> GuidanceRow:  # fmt: skip
    """§ 85(5): guidance given to a party, or the secretariat's help with a written statement,
    in a behaviour case; a behaviour decision needs guidance recorded for both sides."""
    _tribunal_only(viewer, "record guidance")
    case = await load_case(repo, viewer, case_id, lock=True)
    transition(CaseStatus(case.status), Action.ADD_DOCUMENT)  # open or suspended cases
    check_guidance(CaseCategory(case.category))
    row = GuidanceRow(case_id=case.id, side=side.value, kind=kind, note=note.strip(),
                      given_on=today, given_by=viewer.subject)  # fmt: skip
    await repo.add(row)
    await repo.touch(case)
    await audit(repo, case, viewer, "guidance_recorded", side=side.value, kind=kind)
    return row


# --- suspension and rejection ----------------------------------------------------------------


async def suspend(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    reason: str,
    today: date,
) -> CaseRow:
    _tribunal_only(viewer, "suspend cases")
    case = await load_case(repo, viewer, case_id, lock=True)
    await lapse_passed(repo, events, case, today)  # a passed deadline cannot be paused
    before = case.status
    await _apply(repo, case, Action.SUSPEND)
    case.suspended_from = before
    await repo.add(SuspensionRow(case_id=case.id, start_on=today, reason=reason))
    await refresh_due_dates(repo, case, today)
    await _publish_moves(repo, events, case, today, "suspended")
    await audit(repo, case, viewer, "suspended", reason=reason)
    return case


async def resume(
    repo: CaseRepository, events: EventRecorder, viewer: Viewer, case_id: str, today: date
) -> CaseRow:
    _tribunal_only(viewer, "resume cases")
    case = await load_case(repo, viewer, case_id, lock=True)
    await _apply(repo, case, Action.RESUME)
    case.suspended_from = None
    for suspension in await repo.suspensions(case.id):
        if suspension.end_on is None:
            suspension.end_on = today
    await refresh_due_dates(repo, case, today)
    await _publish_moves(repo, events, case, today, "resumed")
    await audit(repo, case, viewer, "resumed")
    return case


async def reject(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    reason: str,
    today: date,
) -> CaseRow:
    """§ 83(1): a complaint not fit for the tribunal is rejected, with a reason. The round's
    lapses are applied first (``lapse_passed``): a deadline that passed is closed lapsed, as
    the round would have, and only what still runs is cancelled."""
    _tribunal_only(viewer, "reject cases")
    case = await load_case(repo, viewer, case_id, lock=True)
    await lapse_passed(repo, events, case, today)
    await _apply(repo, case, Action.REJECT)
    case.rejected_reason = reason
    case.closed_on = today
    await _close_all(repo, events, case, today, "cancelled")
    events.record(outgoing.case_rejected(case, today))
    await audit(repo, case, viewer, "rejected", reason=reason)
    return case


# --- decision, appeal, finality, compliance --------------------------------------------------


def appointment_of(row: MemberRow) -> Appointment:
    return Appointment(
        member_ref=row.member_ref, seat=Seat(row.seat), deputy=row.deputy,
        appointed_from=row.appointed_from, appointed_to=row.appointed_to,
        law_degree=row.law_degree,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Decide:
    members: tuple[Member, ...]
    reasons: str | None
    dissent_reasons: str | None
    appeal_guidance: str | None
    silence_read_in_favour: bool
    content: DecisionContent = field(default_factory=DecisionContent)


async def decide(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    command: Decide,
    today: date,
    fees: FeeTable = FeeTable(),
) -> DecisionRow:
    _tribunal_only(viewer, "decide cases")
    case = await load_case(repo, viewer, case_id, lock=True)
    await lapse_passed(repo, events, case, today)
    reply_lapsed = case.reply_state == "lapsed"
    category = CaseCategory(case.category)
    await _apply(repo, case, Action.DECIDE)
    ruling = rule(command.members, category)
    register = await MemberRepository(repo.session).members_of(case.tribunal_code)
    check_bench_appointed(command.members, [appointment_of(m) for m in register], today)
    check_complete(
        reasons=command.reasons,
        appeal_guidance=command.appeal_guidance,
        unanimous=ruling.unanimous,
        dissent_reasons=command.dissent_reasons,
        silence_read_in_favour=command.silence_read_in_favour,
        reply_lapsed=reply_lapsed,
    )
    guided = {g.side for g in await repo.guidance(case.id)}
    check_content(command.content, category=category, decided_on=today,
                  guidance_missing_for=missing_guidance(guided))  # fmt: skip
    met = any(h.kind == "meeting" and h.held_on is not None for h in await repo.hearings(case.id))
    must_serve = service_required(command.content.sanction, reply_lapsed=reply_lapsed,
                                  met_before_tribunal=met)  # fmt: skip
    body = appeal_body(case.tribunal_code, category)
    due = appeal_due(today)  # the decision is notified to the parties the day it is made
    bench = [
        {
            "seat": m.seat.value,
            "member_ref": m.member_ref,
            "deputy": m.deputy,
            **({} if ruling.unanimous or m.vote is None else {"vote": m.vote.value}),
        }
        for m in command.members
    ]
    assert command.reasons is not None
    assert command.appeal_guidance is not None
    decision = DecisionRow(
        case_id=case.id,
        decided_on=today,
        outcome=ruling.outcome.value,
        unanimous=ruling.unanimous,
        chair_decided_tie=ruling.chair_decided_tie,
        reasons=command.reasons.strip(),
        dissent_reasons=(command.dissent_reasons or "").strip() or None,
        appeal_guidance=command.appeal_guidance.strip(),
        silence_read_in_favour=command.silence_read_in_favour,
        appeal_body=body.value,
        appeal_due=due,
        bench=bench,
        decided_by=viewer.subject,
        content=command.content.as_record(service_required=must_serve),
    )
    await repo.add(decision)
    case.closed_on = today
    await _close(repo, case, DeadlineKind.DECISION, today)
    await _close_all(repo, events, case, today, "cancelled")
    await open_deadline(repo, case, DeadlineKind.APPEAL, today, due)
    parties = await repo.parties(case.id)
    complainant, counterpart = _party(parties, Side.COMPLAINANT), _party(parties, Side.COUNTERPART)
    landlord_fee: Decimal | None = None
    quote: FeeQuote | None = None
    landlord = next((p for p in parties if p.kind == PartyKind.LANDLORD.value), None)
    if tenant_won_fully(ruling.outcome, PartyKind(complainant.kind), PartyKind(counterpart.kind)):
        quote = fees.quote(FeeKind.LANDLORD_TENANT_WON, today)
        landlord_fee = quote.amount
        assert landlord is not None
        await repo.add(
            FeeRow(case_id=case.id, kind=FeeKind.LANDLORD_TENANT_WON.value,
                   payer_side=landlord.side, amount=landlord_fee, owed_on=today,
                   provisional=quote.provisional, index_year=quote.index_year)
        )  # fmt: skip
    await audit(
        repo, case, viewer, "decided", outcome=ruling.outcome.value, unanimous=ruling.unanimous,
        chair_decided_tie=ruling.chair_decided_tie, appeal_body=body.value, appeal_due=due,
        landlord_fee=str(landlord_fee) if landlord_fee is not None else None,
        sanction=command.content.sanction.value, service_required=must_serve,
    )  # fmt: skip
    events.record(
        outgoing.case_decided(
            case, decision, landlord_fee, landlord,
            landlord_fee_provisional=quote is not None and quote.provisional,
        )
    )  # fmt: skip
    notice = person_letters.decision_notice(
        case_id=case.id, tribunal_name=person_mail.tribunal_name(case),
        outcome_label=ruling.outcome.label, decided_on=today, appeal_due=due,
    )  # fmt: skip
    for party in (complainant, counterpart):  # § 86(5): the complainant and the other parties
        await person_mail.queue(repo, case, party, LetterKind.DECISION, notice, today,
                                attach_decision=True, actor=viewer)  # fmt: skip
    return decision


async def record_appeal(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    appellant_side: Side,
    late_permission: bool,
    today: date,
    fees: FeeTable = FeeTable(),
) -> AppealRow:
    _tribunal_only(viewer, "record appeals")
    case = await load_case(repo, viewer, case_id, lock=True)
    decision = await repo.decision(case.id)
    await _apply(repo, case, Action.APPEAL)
    assert decision is not None
    due = await _appeal_window_end(repo, case, decision, appellant_side.value)
    if due is not None:  # None: the party must be served and is not yet — no window runs
        check_appeal(today, due, decision.decided_on, late_permission=late_permission)
    appeal = AppealRow(
        case_id=case.id, lodged_on=today, body=decision.appeal_body,
        appellant_side=appellant_side.value, late_permission=late_permission,
        recorded_by=viewer.subject,
    )  # fmt: skip
    await repo.add(appeal)
    await _close(repo, case, DeadlineKind.APPEAL, today)
    fee = None
    if decision.appeal_body == AppealBody.APPEAL_BOARD.value:
        quote = fees.quote(FeeKind.APPEAL_BOARD, today, case.apartments)
        fee = quote.amount
        await repo.add(
            FeeRow(case_id=case.id, kind=FeeKind.APPEAL_BOARD.value,
                   payer_side=appellant_side.value, amount=fee, owed_on=today,
                   provisional=quote.provisional, index_year=quote.index_year)
        )  # fmt: skip
    case.final_on = None
    await audit(repo, case, viewer, "appealed", body=decision.appeal_body,
                appellant_side=appellant_side.value, late_permission=late_permission,
                appeal_board_fee=str(fee) if fee is not None else None)  # fmt: skip
    events.record(outgoing.decision_appealed(case, appeal))
    return appeal


_OUTCOME_ACTION = {
    AppealOutcome.UPHELD: Action.APPEAL_UPHELD,
    AppealOutcome.CHANGED: Action.APPEAL_CHANGED,
    AppealOutcome.SET_ASIDE: Action.APPEAL_SET_ASIDE,
}


async def record_appeal_outcome(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    case_id: str,
    outcome: AppealOutcome,
    decided_on: date,
    summary: str | None,
    today: date,
) -> AppealRow:
    """What the housing court or the appeal board decided (§§ 88-89): upheld makes the
    tribunal's decision final from that day (``decision_final``); changed or set aside ends the
    case without the tribunal's decision ever becoming final."""
    _tribunal_only(viewer, "record appeal outcomes")
    case = await load_case(repo, viewer, case_id, lock=True)
    appeal = await repo.appeal(case.id)
    decision = await repo.decision(case.id)
    await _apply(repo, case, _OUTCOME_ACTION[outcome])
    assert appeal is not None
    assert decision is not None
    check_outcome(outcome=outcome, lodged_on=appeal.lodged_on, decided_on=decided_on,
                  today=today, summary=summary)  # fmt: skip
    appeal.outcome = outcome.value
    appeal.outcome_decided_on = decided_on
    appeal.outcome_summary = (summary or "").strip() or None
    appeal.outcome_recorded_by = viewer.subject
    case.final_on = decided_on if outcome.decision_final else None
    await audit(repo, case, viewer, "appeal_outcome", outcome=outcome.value, body=appeal.body,
                decided_on=decided_on, decision_final=outcome.decision_final)  # fmt: skip
    if outcome.decision_final:
        events.record(
            outgoing.decision_final(case, decision.decided_on, decided_on, upheld_on_appeal=True)
        )
    if not outcome.landlord_fee_stands:
        for fee in await repo.fees(case.id):
            if fee.kind != FeeKind.LANDLORD_TENANT_WON.value or fee.cancelled_on is not None:
                continue
            fee.cancelled_on = decided_on
            fee.cancelled_reason = outcome.fee_cancel_reason
            await audit(repo, case, viewer, "fee_cancelled", fee_id=fee.id, kind=fee.kind,
                        amount=str(fee.amount), reason=fee.cancelled_reason,
                        refund_due=fee.paid_on is not None)  # fmt: skip
    return appeal


def _service_required(decision: DecisionRow) -> bool:
    return bool((decision.content or {}).get("service_required"))


async def _served(repo: CaseRepository, case: CaseRow) -> dict[str, date]:
    return {s.side: s.served_on for s in await repo.services(case.id)}


async def _appeal_window_end(
    repo: CaseRepository, case: CaseRow, decision: DecisionRow, side: str
) -> date | None:
    return window_end(side, decision_appeal_due=decision.appeal_due,
                      served=await _served(repo, case),
                      required=required_sides(_service_required(decision)))  # fmt: skip


async def finality_window_end(
    repo: CaseRepository, case: CaseRow, decision: DecisionRow
) -> date | None:
    """The last day of the latest party's appeal window, or ``None`` while a required service
    (§ 86(5)) is missing."""
    return final_window_end(decision_appeal_due=decision.appeal_due,
                            served=await _served(repo, case),
                            required=required_sides(_service_required(decision)))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Service:
    side: Side
    served_on: date
    served_by: str
    method: ServiceMethod


async def record_service(
    repo: CaseRepository, viewer: Viewer, case_id: str, command: Service, today: date
) -> DecisionServiceRow:
    """§ 86(5): the decision was served (forkyndt) on a party — once per party, for a decision
    that must be served, on a day between the decision and today. The party's appeal window
    runs 4 weeks from that day (§§ 88(2), 89(1)); the appeal deadline moves to the latest
    window, and the round makes the decision final only after it."""
    _tribunal_only(viewer, "record the service of decisions")
    case = await load_case(repo, viewer, case_id, lock=True)
    decision = await repo.decision(case.id)
    if decision is None or case.status not in (CaseStatus.DECIDED.value,
                                               CaseStatus.APPEALED.value):  # fmt: skip
        raise TransitionNotAllowedError(
            f"The case is '{case.status}': the service of a decision is recorded while the "
            "case is decided or appealed."
        )
    check_service(service_required=_service_required(decision), decided_on=decision.decided_on,
                  served_on=command.served_on, today=today,
                  served_by=command.served_by)  # fmt: skip
    if command.side.value in await _served(repo, case):
        raise ServiceAlreadyRecordedError(
            f"The decision's service on the {command.side.value} is recorded already; a party "
            "is served once."
        )
    row = DecisionServiceRow(case_id=case.id, side=command.side.value,
                             served_on=command.served_on, served_by=command.served_by.strip(),
                             method=command.method.value, recorded_by=viewer.subject)  # fmt: skip
    await repo.add(row)
    await repo.session.flush()
    side_due = await _appeal_window_end(repo, case, decision, command.side.value)
    final_end = await finality_window_end(repo, case, decision)
    if case.status == CaseStatus.DECIDED.value and final_end is not None:
        deadline = await repo.open_deadline(case.id, DeadlineKind.APPEAL.value)
        if deadline is None:  # the round closed it while the service was awaited
            await open_deadline(repo, case, DeadlineKind.APPEAL, command.served_on, final_end)
        else:
            deadline.base_due = final_end
            deadline.due_on = final_end
    await repo.touch(case)
    await audit(repo, case, viewer, "decision_served", side=command.side.value,
                served_on=command.served_on, method=command.method.value,
                served_by=row.served_by, appeal_due=side_due,
                final_not_before=final_end + timedelta(days=1) if final_end else None)  # fmt: skip
    return row


async def make_final(
    repo: CaseRepository, events: EventRecorder, actor: Viewer, case: CaseRow, window_end: date
) -> None:
    """The appeal window (ending ``window_end``) passed unused: the decision is final."""
    decision = await repo.decision(case.id)
    await _apply(repo, case, Action.MAKE_FINAL)
    assert decision is not None
    case.final_on = window_end + timedelta(days=1)
    await audit(repo, case, actor, "decision_final", final_on=case.final_on)
    events.record(outgoing.decision_final(case, decision.decided_on, case.final_on))


async def notify_noncompliance(
    repo: CaseRepository, viewer: Viewer, case_id: str, details: str, today: date
) -> NonComplianceNoticeRow:
    """A party tells the tribunal that the final decision is not complied with; the tribunal
    decides whether to report it to GI (:func:`report_noncompliance`)."""
    if viewer.role != PARTY_ROLE:
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not give notice of non-compliance; it needs one "
            "of: party (the tribunal reports with /noncompliance)."
        )
    case = await load_case(repo, viewer, case_id, lock=True)
    if case.status != CaseStatus.FINAL.value:
        raise NonComplianceRejectedError(
            f"The case is '{case.status}': non-compliance concerns a final decision (§ 22)."
        )
    side = next(p.side for p in await repo.parties(case.id) if p.subject == viewer.subject)
    notice = NonComplianceNoticeRow(
        case_id=case.id, side=side, details=details, noticed_on=today, noticed_by=viewer.subject
    )
    await repo.add(notice)
    await repo.touch(case)
    await audit(repo, case, viewer, "noncompliance_notice", side=side)
    return notice


async def report_noncompliance(
    repo: CaseRepository, viewer: Viewer, case_id: str, details: str, today: date
) -> NonComplianceReportRow:
    """§ 22: the tribunal reports a final decision the owner has not complied with; the
    deadline round evaluates the owner's reports across tribunals."""
    _tribunal_only(viewer, "report non-compliance")
    case = await load_case(repo, viewer, case_id, lock=True)
    if case.status != CaseStatus.FINAL.value:
        raise NonComplianceRejectedError(
            f"The case is '{case.status}': only a final decision can be reported as not "
            "complied with (§ 22)."
        )
    if await repo.noncompliance_report(case.id) is not None:
        raise TransitionNotAllowedError("Non-compliance with this decision is already reported.")
    decision = await repo.decision(case.id)
    assert decision is not None
    await repo.lock_owner_reports(case.owner_id)  # before the report takes its id
    report = NonComplianceReportRow(
        case_id=case.id, owner_id=case.owner_id, tribunal_code=case.tribunal_code,
        decided_on=decision.decided_on, reported_on=today, reported_by=viewer.subject,
        details=details,
    )  # fmt: skip
    await repo.add(report)
    await repo.touch(case)
    await audit(repo, case, viewer, "noncompliance_reported", owner_id=case.owner_id)
    return report


async def mark_fee_paid(
    repo: CaseRepository, viewer: Viewer, case_id: str, fee_id: int, today: date
) -> FeeRow:
    _tribunal_only(viewer, "record payments")
    case = await load_case(repo, viewer, case_id, lock=True)
    fee = await repo.fee(case.id, fee_id)
    if fee is None:
        raise PartNotFoundError(f"Case {case.id} has no fee {fee_id}.")
    if fee.paid_on is not None:
        raise TransitionNotAllowedError(f"Fee {fee_id} was paid on {fee.paid_on}.")
    if fee.cancelled_on is not None:
        raise TransitionNotAllowedError(
            f"Fee {fee_id} is no longer owed: cancelled on {fee.cancelled_on} "
            f"({fee.cancelled_reason}, § 82(2))."
        )
    fee.paid_on = today
    await repo.touch(case)
    await audit(repo, case, viewer, "fee_paid", fee_id=fee.id, kind=fee.kind,
                amount=str(fee.amount))  # fmt: skip
    return fee


@dataclass(frozen=True, slots=True)
class ForcedAdministration:
    requested_by: RequestedBy
    ordered_works_due: date
    gi_works_on: tuple[date, ...]
    gi_declined_on: date | None
    administrator: str
    works_deadline: date


async def decide_forced_administration(
    repo: CaseRepository, viewer: Viewer, case_id: str, command: ForcedAdministration, today: date
) -> ForcedAdministrationRow:
    """§§ 27-31: the decided or final case ordered works that were not done in time."""
    _tribunal_only(viewer, "decide forced administration")
    case = await load_case(repo, viewer, case_id, lock=True)
    if case.status not in (CaseStatus.DECIDED.value, CaseStatus.FINAL.value):
        raise TransitionNotAllowedError(
            f"The case is '{case.status}': forced administration follows a decision that "
            "ordered works (decided or final)."
        )
    if await repo.forced_administration(case.id) is not None:
        raise TransitionNotAllowedError("Forced administration is already decided in this case.")
    check_forced_administration(
        today=today, requested_by=command.requested_by, apartments=case.apartments,
        ordered_works_due=command.ordered_works_due, gi_works_on=command.gi_works_on,
        gi_declined_on=command.gi_declined_on, works_deadline=command.works_deadline,
    )  # fmt: skip
    row = ForcedAdministrationRow(
        case_id=case.id, decided_on=today, requested_by=command.requested_by.value,
        ordered_works_due=command.ordered_works_due,
        gi_works_on=[d.isoformat() for d in command.gi_works_on],
        gi_declined_on=command.gi_declined_on, administrator=command.administrator,
        works_deadline=command.works_deadline, decided_by=viewer.subject,
    )  # fmt: skip
    await repo.add(row)
    await repo.touch(case)
    await audit(repo, case, viewer, "forced_administration_decided",
                administrator=command.administrator, works_deadline=command.works_deadline,
                requested_by=command.requested_by.value)  # fmt: skip
    return row


@dataclass(frozen=True, slots=True)
class AdministrationStep:
    step: Step
    on: date
    note: str | None = None
    administrator: str | None = None
    administrator_fee: str | None = None
    end_reason: EndReason | None = None
    administrator_satisfied: bool = False


# step -> (the deadline it opens with its due date rule) / (the deadline it closes, outcome)
def _mortgagees_due(on: date) -> date:
    return add_weeks(on, MORTGAGEE_WEEKS)


def _account_due(on: date) -> date:
    return add_weeks(on, MAINTENANCE_ACCOUNT_WEEKS)


def _loan_due(on: date) -> date:
    return this_or_next_working_day(add_months(on, LOAN_MONTHS))


_FA_OPENS: dict[Step, tuple[DeadlineKind, Callable[[date], date]]] = {
    Step.MORTGAGEES_NOTIFIED: (DeadlineKind.FA_MORTGAGEES, _mortgagees_due),
    Step.MAINTENANCE_ACCOUNT_DEMANDED: (DeadlineKind.FA_MAINTENANCE_ACCOUNT, _account_due),
    Step.LOAN_REQUESTED: (DeadlineKind.FA_LOAN, _loan_due),
}
_FA_CLOSES = {
    Step.MORTGAGEE_TAKES_WORKS: (DeadlineKind.FA_MORTGAGEES, "met"),
    Step.MORTGAGEES_DECLINED: (DeadlineKind.FA_MORTGAGEES, "met"),
    Step.MAINTENANCE_ACCOUNT_PAID: (DeadlineKind.FA_MAINTENANCE_ACCOUNT, "met"),
    Step.MAINTENANCE_ACCOUNT_TO_COLLECTION: (DeadlineKind.FA_MAINTENANCE_ACCOUNT, "lapsed"),
    Step.LOAN_RESOLVED: (DeadlineKind.FA_LOAN, "met"),
    Step.WORKS_COMPLETED: (DeadlineKind.FA_WORKS, "met"),
}
_FA_KINDS = (DeadlineKind.FA_MORTGAGEES, DeadlineKind.FA_MAINTENANCE_ACCOUNT,
             DeadlineKind.FA_LOAN, DeadlineKind.FA_WORKS)  # fmt: skip


async def record_administration_step(
    repo: CaseRepository, viewer: Viewer, case_id: str, command: AdministrationStep, today: date
) -> ForcedAdministrationStepRow:
    """§§ 29-41: a step of the forced administration, in the order the Act gives; the
    deadlines it starts (mortgagees 6 weeks, the landlord's payment 3 weeks, the municipality's
    loan 3 months, the works) go on the tribunal's work list and close with the later step."""
    _tribunal_only(viewer, "record forced administration steps")
    case = await load_case(repo, viewer, case_id, lock=True)
    administration = await repo.forced_administration(case.id)
    if administration is None:
        raise PartNotFoundError(f"Case {case.id} has no forced administration decided.")
    done = [(Step(r.step), r.on) for r in await repo.forced_administration_steps(case.id)]
    account = next((d for d in await repo.deadlines(case.id)
                    if d.kind == DeadlineKind.FA_MAINTENANCE_ACCOUNT.value), None)  # fmt: skip
    check_step(
        command.step, on=command.on, today=today, decided_on=administration.decided_on,
        done=done, administrator=command.administrator, end_reason=command.end_reason,
        administrator_satisfied=command.administrator_satisfied,
        maintenance_account_due=account.base_due if account is not None else None,
    )  # fmt: skip
    row = ForcedAdministrationStepRow(case_id=case.id, step=command.step.value, on=command.on,
                                      note=(command.note or "").strip() or None,
                                      recorded_by=viewer.subject)  # fmt: skip
    await repo.add(row)
    if command.step is Step.ADMINISTRATOR_APPOINTED:
        assert command.administrator is not None
        administration.administrator = command.administrator.strip()
        administration.administrator_fee = (command.administrator_fee or "").strip() or None
        await open_deadline(repo, case, DeadlineKind.FA_WORKS, command.on,
                            administration.works_deadline)  # fmt: skip
    if command.step in _FA_OPENS:
        kind, due_rule = _FA_OPENS[command.step]
        await open_deadline(repo, case, kind, command.on, due_rule(command.on))
    if command.step in _FA_CLOSES:
        kind, outcome = _FA_CLOSES[command.step]
        await _close(repo, case, kind, command.on, outcome)
    if command.step is Step.ENDED:
        assert command.end_reason is not None
        administration.ended_on = command.on
        administration.end_reason = command.end_reason.value
        for kind in _FA_KINDS:
            await _close(repo, case, kind, command.on, "cancelled")
    await repo.touch(case)
    await audit(repo, case, viewer, "forced_administration_step", step=command.step.value,
                on=command.on, end_reason=command.end_reason.value if command.end_reason
                else None)  # fmt: skip
    return row


async def notify_sublet_noncompliance(
    repo: CaseRepository, viewer: Viewer, case_id: str, details: str, today: date
) -> SubletNoticeRow:
    """§ 86(7): the subtenant (a party to the case) tells the tribunal that the sublessor has
    not complied with the final decision; the tribunal may record such a notice too."""
    case = await load_case(repo, viewer, case_id, lock=True)
    if viewer.role not in (PARTY_ROLE, TRIBUNAL_ROLE):
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not give this notice; it needs one of: party, tribunal."
        )
    decision = await repo.decision(case.id)
    content = (decision.content or {}) if decision is not None else {}
    due = content.get("sublet_compliance_due")
    sublet_check_notice(
        case_final=case.status == CaseStatus.FINAL.value,
        sublet_obligations=bool(content.get("sublet_obligations")),
        compliance_due=date.fromisoformat(due) if due else None, today=today,
    )  # fmt: skip
    if await repo.sublet_notice(case.id) is not None:
        raise TransitionNotAllowedError("A notice of the sublessor's non-compliance is recorded.")
    row = SubletNoticeRow(case_id=case.id, noticed_on=today, noticed_by=viewer.subject,
                          details=details.strip())  # fmt: skip
    await repo.add(row)
    await repo.touch(case)
    await audit(repo, case, viewer, "sublet_noncompliance_noticed")
    return row


async def record_sublet_step(
    repo: CaseRepository, viewer: Viewer, case_id: str, step: SubletStep, on: date, today: date
) -> SubletNoticeRow:
    """§ 86(8): ask the sublessor for documentation (7 days, on the work list), then record
    that it came, or — after the 7 days — that the landlord was told."""
    _tribunal_only(viewer, "deal with sublet notices")
    case = await load_case(repo, viewer, case_id, lock=True)
    notice = await repo.sublet_notice(case.id)
    if notice is None:
        raise PartNotFoundError(f"Case {case.id} has no notice of a sublessor's non-compliance.")
    sublet_check_step(step, on=on, today=today, noticed_on=notice.noticed_on,
                      requested_on=notice.requested_on, documented_on=notice.documented_on,
                      landlord_told_on=notice.landlord_told_on)  # fmt: skip
    if step is SubletStep.DOCUMENTATION_REQUESTED:
        notice.requested_on = on
        await open_deadline(repo, case, DeadlineKind.SUBLET_DOCUMENTATION, on,
                            documentation_due(on))  # fmt: skip
    elif step is SubletStep.DOCUMENTED:
        notice.documented_on = on
        await _close(repo, case, DeadlineKind.SUBLET_DOCUMENTATION, on, "met")
    else:
        notice.landlord_told_on = on
        await _close(repo, case, DeadlineKind.SUBLET_DOCUMENTATION, on, "lapsed")
    await repo.touch(case)
    await audit(repo, case, viewer, "sublet_noncompliance_step", step=step.value, on=on)
    return notice
