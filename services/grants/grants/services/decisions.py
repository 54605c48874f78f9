"""The fund's and the municipality's decisions on a case: start the assessment, prequalify
(reserving against the year's frame, optionally with an advance) or reject with a reason; the
municipal council's approval of the comprehensive plan; the applicant sends the plan; the fund
commits (the frame checked under the frame row's lock). And the frame as the fund sees it.

Every transition takes the case's row lock first and the frame row's lock second (always in
this order, so two transitions never wait on each other crosswise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from common.access import Scope
from common.calendar import danish_date
from common.db.uow import UnitOfWork
from common.errors import FieldError, RuleViolationError
from common.money import format_dkk
from grants.db.models import ApplicationRow, FrameEntryRow, StatementRow
from grants.db.rent_support import transfers_of
from grants.db.repositories import COMMITMENT, RESERVATION, ApplicationRepository, FrameRepository
from grants.domain.budget import budget_problems
from grants.domain.deadlines import (
    check_approval_after_prequalification,
    check_commitment_period,
    check_happened,
    statement_due,
    statement_years,
)
from grants.domain.errors import BudgetRejectedError, SendBlockedError, TransferPendingError
from grants.domain.frame import YEARLY_FRAME, FrameUse, check_fits, ensure_frame_year, frame_years
from grants.domain.lifecycle import Action, Status, transition
from grants.domain.transfer import refusal_blocker
from grants.events import outgoing
from grants.services.applications import plan_blockers
from grants.services.core import budget_of, load, now, record
from grants.services.roles import APPLICANT_ROLES, FUND_ROLES, MUNICIPALITY_ROLES
from grants.services.transfer import transfer_case


async def frame_use(frames: FrameRepository, year: int, *, lock: bool) -> FrameUse:
    """The year's frame and its use; ``lock`` takes the frame row's lock (creating the row of a
    frame year that has none yet with the statutory 380 mDKK)."""
    ensure_frame_year(year)
    if lock:
        amount = Decimal((await frames.lock(year, YEARLY_FRAME)).amount)
    else:
        row = await frames.frame(year)
        amount = YEARLY_FRAME if row is None else Decimal(row.amount)
    used, reserved = await frames.sums(year)
    return FrameUse(year, amount, used, reserved)


async def start_assessment(uow: UnitOfWork, scope: Scope, application_id: str) -> ApplicationRow:
    scope.require(FUND_ROLES, "assess applications")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    application.status = transition(Status(application.status), Action.START_ASSESSMENT).value
    at = now()
    application.assessment_started_at = at
    await record(
        repo, application, scope, "assessment_started", "The fund started assessing.", at=at
    )
    uow.record_event(outgoing.assessment_started(application, at))
    return application


async def prequalify(
    uow: UnitOfWork,
    scope: Scope,
    application_id: str,
    reserved_amount: Decimal,
    advance_amount: Decimal | None,
) -> ApplicationRow:
    scope.require(FUND_ROLES, "prequalify applications")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    status = transition(Status(application.status), Action.PREQUALIFY)
    if reserved_amount <= 0:
        raise RuleViolationError("The reserved amount must be positive.")
    if advance_amount is not None and not 0 < advance_amount <= reserved_amount:
        raise RuleViolationError(
            "The advance for a project manager is part of the reserved amount: it must be "
            f"positive and at most {format_dkk(reserved_amount)}."
        )
    frames = FrameRepository(uow.session)
    current = await frame_use(frames, application.year, lock=True)
    check_fits(current, reserve=reserved_amount, what="A reservation")
    at = now()
    await frames.add(
        FrameEntryRow(
            year=application.year,
            application_id=application.id,
            kind=RESERVATION,
            amount=reserved_amount,
            created_at=at,
        )
    )
    application.status = status.value
    application.reserved_amount = reserved_amount
    application.advance_amount = advance_amount
    application.decided_at = at
    await record(
        repo,
        application,
        scope,
        "prequalified",
        f"Prequalified; {format_dkk(reserved_amount)} reserved in the {application.year} frame"
        + (f", advance {format_dkk(advance_amount)}" if advance_amount else "")
        + ".",
        {"reserved_amount": str(reserved_amount), "advance_amount": str(advance_amount)},
        at=at,
    )
    uow.record_event(outgoing.prequalified(application, at))
    return application


async def reject(uow: UnitOfWork, scope: Scope, application_id: str, reason: str) -> ApplicationRow:
    scope.require(FUND_ROLES, "reject applications")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    status = transition(Status(application.status), Action.REJECT)
    # rent support: a final refusal only after the national disposition fund decided the
    # departments not covered (seed 001; grants.domain.transfer)
    blocker = refusal_blocker(
        application.kind,
        application.rent_support,
        [transfer_case(row) for row in await transfers_of(uow.session, application.id)],
    )
    if blocker is not None:
        raise TransferPendingError(blocker)
    application.status = status.value
    at = now()
    application.rejection_reason = reason
    application.decided_at = at
    await record(repo, application, scope, "rejected", f"Rejected: {reason}", at=at)
    uow.record_event(outgoing.rejected(application, reason, at))
    return application


async def approve_plan(
    uow: UnitOfWork, scope: Scope, application_id: str, approved_on: date, reference: str
) -> ApplicationRow:
    """The location municipality records its council's approval of the comprehensive plan."""
    scope.require(MUNICIPALITY_ROLES, "record the municipal council's approval")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    status = transition(Status(application.status), Action.APPROVE_PLAN)
    check_happened(approved_on, danish_date(now()), "The municipal council's approval")
    assert application.decided_at is not None  # set when the case was prequalified
    check_approval_after_prequalification(approved_on, danish_date(application.decided_at))
    problems = await plan_blockers(repo, application)
    if problems:
        raise SendBlockedError(problems, what="comprehensive plan (for approval)")
    application.status = status.value
    application.plan_approved_on = approved_on
    application.plan_approval_reference = reference
    await record(
        repo,
        application,
        scope,
        "plan_approved",
        f"The municipal council approved the comprehensive plan on {approved_on} ({reference}).",
    )
    uow.record_event(outgoing.plan_approved(application, approved_on, reference))
    return application


async def send_plan(uow: UnitOfWork, scope: Scope, application_id: str) -> ApplicationRow:
    scope.require(APPLICANT_ROLES, "send comprehensive plans")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    status = transition(Status(application.status), Action.SEND_PLAN)
    problems = await plan_blockers(repo, application)
    if problems:
        raise SendBlockedError(problems, what="comprehensive plan")
    application.status = status.value
    at = now()
    application.plan_sent_at = at
    await record(
        repo, application, scope, "plan_sent", "Comprehensive plan sent to the fund.", at=at
    )
    uow.record_event(outgoing.plan_sent(application, at))
    return application


def _check_budget(application: ApplicationRow) -> None:
    budget = budget_of(application.budget)
    problems = (
        budget_problems(budget)
        if budget is not None
        else [FieldError("/budget", "The case has no budget.", "budget-missing")]
    )
    if problems:
        raise BudgetRejectedError(problems)


@dataclass(frozen=True, slots=True)
class Commitment:
    amount: Decimal
    period_start_year: int
    period_end_year: int
    conditions: str | None


async def commit(
    uow: UnitOfWork, scope: Scope, application_id: str, commitment: Commitment
) -> ApplicationRow:
    """Commit: the case's reservation is released and the committed amount used, in one check
    against the frame under the frame row's lock — concurrent commitments queue on it, so the
    frame is never over-committed."""
    scope.require(FUND_ROLES, "commit grants")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    status = transition(Status(application.status), Action.COMMIT)
    if commitment.amount <= 0:
        raise RuleViolationError("The committed amount must be positive.")
    check_commitment_period(
        application.year, commitment.period_start_year, commitment.period_end_year
    )
    _check_budget(application)
    advance_paid = sum((p.amount for p in await repo.payments_of(application.id)), Decimal(0))
    if commitment.amount < advance_paid:
        raise RuleViolationError(
            f"The advance already paid ({format_dkk(advance_paid)}) is part of the grant: the "
            f"committed amount must be at least that, not {format_dkk(commitment.amount)}."
        )
    frames = FrameRepository(uow.session)
    current = await frame_use(frames, application.year, lock=True)
    reservation = await frames.open_reservation(application.id)
    release = reservation.amount if reservation else Decimal(0)
    check_fits(current, use=commitment.amount, release=release, what="The commitment")
    at = now()
    if reservation is not None:
        reservation.released_at = at
    await frames.add(
        FrameEntryRow(
            year=application.year,
            application_id=application.id,
            kind=COMMITMENT,
            amount=commitment.amount,
            created_at=at,
        )
    )
    for year in statement_years(commitment.period_start_year, commitment.period_end_year):
        await repo.add_row(
            StatementRow(application_id=application.id, year=year, due_on=statement_due(year))
        )
    application.status = status.value
    application.committed_amount = commitment.amount
    application.period_start_year = commitment.period_start_year
    application.period_end_year = commitment.period_end_year
    application.conditions = commitment.conditions
    application.committed_at = at
    await record(
        repo,
        application,
        scope,
        "committed",
        f"Commitment of {format_dkk(commitment.amount)} for "
        f"{commitment.period_start_year}–{commitment.period_end_year}.",
        {"amount": str(commitment.amount), "released_reservation": str(release)},
        at=at,
    )
    uow.record_event(outgoing.commitment_granted(application, at))
    return application


async def frames_overview(uow: UnitOfWork, scope: Scope) -> list[FrameUse]:
    scope.require(FUND_ROLES, "see the frame")
    frames = FrameRepository(uow.session)
    return [await frame_use(frames, year, lock=False) for year in frame_years()]


async def frame_detail(
    uow: UnitOfWork, scope: Scope, year: int
) -> tuple[FrameUse, list[FrameEntryRow]]:
    scope.require(FUND_ROLES, "see the frame")
    frames = FrameRepository(uow.session)
    return await frame_use(frames, year, lock=False), await frames.entries_of(year)
