"""The deadline round, run by the worker's periodic job with a clock:

1. a reply deadline that passed without a reply lapses (§ 82(3)); the decision is then due
   4 weeks from the lapsed deadline (§ 86(1)) and silence may be read in the other party's
   favour (§ 86(2));
2. a question deadline that passed lapses and, the same way, starts the decision's 4 weeks;
3. a decision whose appeal window passed unused becomes final (``decision_final``) — when it
   must be served (§ 86(5)), only once every required service is recorded and the latest
   party's window (4 weeks from its service) has passed; while a service is missing the appeal
   deadline is closed as ``awaiting_service`` and recording the service opens it again;
4. a party's reply or answer deadline due within 3 working days is reminded of, once
   (``deadline_reminder_due``; the notification service writes to a landlord on the platform
   or a filing municipality; a person with a contact e-mail gets a letter from this service,
   :mod:`legal_cases.services.person_mail`);
5. each new non-compliance report is evaluated against the owner's reports across tribunals:
   three final decisions within 2 years (or a § 16 conviction plus one) raises
   ``noncompliance_threshold_reached`` (§ 22).

Each item is handled in its own transaction under its row lock (``SKIP LOCKED``), so two
workers never handle one twice, and a crash repeats only what was not committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from common.calendar import danish_date
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.contracts import to_envelope
from legal_cases.db.models import ThresholdRow
from legal_cases.db.repositories import CaseRepository, OwnerRepository
from legal_cases.domain import person_letters
from legal_cases.domain.cases import CaseStatus
from legal_cases.domain.deadlines import DeadlineKind, reminder_due, reminder_horizon
from legal_cases.domain.noncompliance import Reported, threshold_reached
from legal_cases.domain.person_letters import LetterKind
from legal_cases.events import outgoing
from legal_cases.services import person_mail, workflow
from legal_cases.services.core import SYSTEM, audit, lapse_question, lapse_reply
from legal_cases.services.ports import OutboxRecorder

Clock = Callable[[], datetime]
BATCH = 200


@dataclass(frozen=True, slots=True)
class RoundResult:
    replies_lapsed: int = 0
    questions_lapsed: int = 0
    decisions_final: int = 0
    reminders: int = 0
    thresholds_reached: int = 0

    def __bool__(self) -> bool:  # an idle round is logged at debug level only
        return any(
            (self.replies_lapsed, self.questions_lapsed, self.decisions_final,
             self.reminders, self.thresholds_reached)
        )  # fmt: skip


async def _lapse(database: Database, kind: DeadlineKind, today: date) -> int:
    done = 0
    async with UnitOfWork(database) as uow:
        ids = await CaseRepository(uow.session).lapsed_deadline_ids(kind.value, today, BATCH)
    for deadline_id in ids:
        async with UnitOfWork(database) as uow:
            repo = CaseRepository(uow.session)
            locked = await repo.locked_deadline_and_case(deadline_id)
            if locked is None:
                continue
            deadline, case = locked
            if deadline.due_on is None or deadline.due_on >= today:
                continue
            status = CaseStatus(case.status)
            if kind is DeadlineKind.REPLY and status is CaseStatus.COUNTERPART_NOTIFIED:
                await lapse_reply(repo, case, deadline, today)
            elif kind is DeadlineKind.QUESTION:
                await lapse_question(repo, OutboxRecorder(uow), case, deadline, today)
            else:
                await repo.close_deadline(deadline, today, "lapsed")
            await uow.commit()
            done += 1
    return done


async def _finalise(database: Database, today: date) -> int:
    done = 0
    async with UnitOfWork(database) as uow:
        repo = CaseRepository(uow.session)
        ids = await repo.lapsed_deadline_ids(DeadlineKind.APPEAL.value, today, BATCH)
    for deadline_id in ids:
        async with UnitOfWork(database) as uow:
            repo = CaseRepository(uow.session)
            locked = await repo.locked_deadline_and_case(deadline_id)
            if locked is None:
                continue
            deadline, case = locked
            if deadline.due_on is None or deadline.due_on >= today:
                continue
            decision = await repo.decision(case.id)
            end: date | None = deadline.due_on
            if case.status == CaseStatus.DECIDED.value and decision is not None:
                end = await workflow.finality_window_end(repo, case, decision)
            if end is None:  # § 86(5): a required service is missing — not final
                await repo.close_deadline(deadline, today, "awaiting_service")
                await audit(repo, case, SYSTEM, "finality_awaits_service",
                            appeal_due=deadline.due_on)  # fmt: skip
            elif end >= today:  # a served party's later window still runs
                deadline.base_due = end
                deadline.due_on = end
            else:
                await repo.close_deadline(deadline, today, "lapsed")
                if case.status == CaseStatus.DECIDED.value:
                    await workflow.make_final(repo, OutboxRecorder(uow), SYSTEM, case, end)
                    done += 1
            await uow.commit()
    return done


async def _remind(database: Database, today: date) -> int:
    done = 0
    async with UnitOfWork(database) as uow:
        repo = CaseRepository(uow.session)
        ids = await repo.reminder_candidate_ids(today, reminder_horizon(today), BATCH)
    for deadline_id in ids:
        async with UnitOfWork(database) as uow:
            repo = CaseRepository(uow.session)
            locked = await repo.locked_deadline_and_case(deadline_id)
            if locked is None:
                continue
            deadline, case = locked
            if deadline.reminded_on is not None or not reminder_due(today, deadline.due_on):
                continue
            deadline.reminded_on = today
            assert deadline.due_on is not None
            side = "counterpart"
            if deadline.kind == DeadlineKind.QUESTION.value:
                question = await repo.question(case.id, deadline.ref or "")
                side = question.addressee if question is not None else "other"
            party = next((p for p in await repo.parties(case.id) if p.side == side), None)
            if party is not None:  # a question to "others" has no party to remind
                uow.record_event(to_envelope(outgoing.deadline_reminder(case, deadline, party)))
                await audit(repo, case, SYSTEM, "deadline_reminder", deadline_id=deadline.id,
                            kind=deadline.kind, due_on=deadline.due_on, side=side)  # fmt: skip
                letter = person_letters.deadline_reminder(
                    case_id=case.id, tribunal_name=person_mail.tribunal_name(case),
                    kind=deadline.kind, due_on=deadline.due_on,
                )  # fmt: skip
                await person_mail.queue(repo, case, party, LetterKind.DEADLINE_REMINDER, letter,
                                        today, ref=str(deadline.id))  # fmt: skip
                done += 1
            await repo.session.flush()
            await uow.commit()
    return done


async def _evaluate_reports(database: Database, now: datetime, today: date) -> int:
    raised = 0
    while True:
        async with UnitOfWork(database) as uow:
            owners = OwnerRepository(uow.session)
            reports = await owners.unevaluated_reports(1)
            if not reports:
                return raised
            report = reports[0]
            history = await owners.reports_of(report.owner_id, report.id)
            convictions = [c.convicted_on for c in await owners.convictions_of(report.owner_id)]
            found = threshold_reached(
                [Reported(r.case_id, r.tribunal_code, r.decided_on) for r in history],
                convictions,
                report.reported_on,
            )
            if found is not None:
                row = ThresholdRow(
                    id=f"thr-{uuid.uuid4().hex[:16]}", owner_id=report.owner_id,
                    report_id=report.id, rule=found.rule, reached_on=today,
                    case_ids=list(found.case_ids), tribunal_codes=list(found.tribunal_codes),
                )  # fmt: skip
                await owners.add(row)
                uow.record_event(to_envelope(outgoing.threshold_reached(row, now)))
                raised += 1
            await owners.mark_evaluated(report, now)
            await uow.commit()


async def run_round(database: Database, clock: Clock) -> RoundResult:
    now = clock()
    today = danish_date(clock())  # the legal date is the date in Denmark
    return RoundResult(
        replies_lapsed=await _lapse(database, DeadlineKind.REPLY, today),
        questions_lapsed=await _lapse(database, DeadlineKind.QUESTION, today),
        decisions_final=await _finalise(database, today),
        reminders=await _remind(database, today),
        thresholds_reached=await _evaluate_reports(database, now, today),
    )
