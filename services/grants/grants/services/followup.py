"""After commitment: the yearly regulation-account statements, the overdue round, stopping and
resuming payments, and the payments themselves.

* A statement carries the year's regulation account (``domain/regulation_account.py``): it is
  received only when it adds up and carries on from the previous year's.
* The overdue round (a worker job with a clock) finds statements past their deadline and not
  received, marks the case overdue and publishes ``grants.report.overdue`` once per statement;
  the status round does the same for the yearly status on goals, indicators and activities
  (due the same day, :func:`grants.domain.deadlines.status_due`) with ``grants.report.status_overdue``.
* The yearly status is received when its reporting form is uploaded (attachment kind
  ``yearly_status`` with its year, :func:`receive_status`).
* The fund may then stop payments (only while a statement or a status is overdue).
* Receiving the missing report(s) clears the overdue mark and, when payments were stopped and
  nothing is overdue any more, resumes them (``grants.payments.resumed``).
* A payment is recorded only while payments run, and never beyond the committed amount
  (an advance: within the advance granted at prequalification; it is paid ahead of the grant,
  so after commitment advance and instalments together stay within the committed amount).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from common.access import Scope
from common.calendar import danish_date
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.errors import NotFoundError, RuleViolationError
from common.money import format_dkk
from grants.db.models import ApplicationRow, PaymentRow, StatementRow
from grants.db.reports import newly_overdue_statuses
from grants.db.repositories import ApplicationRepository
from grants.domain.deadlines import Statement, check_happened, check_year_ended, overdue_years
from grants.domain.errors import (
    PaymentRefusedError,
    PaymentsStoppedError,
    StatementRejectedError,
    TransitionNotAllowedError,
)
from grants.domain.lifecycle import PaymentAction, Status, ensure_committed, payments_transition
from grants.domain.regulation_account import RegulationAccount, regulation_account_problems
from grants.events import outgoing
from grants.services.core import Clock, account_json, account_of, load, now, record
from grants.services.roles import FUND_ROLES, STATEMENT_ROLES


def reporting(statement: StatementRow) -> Statement:
    """A statement row as the domain's year of reporting (statement and status)."""
    return Statement(
        statement.year,
        statement.due_on,
        statement.received_on,
        statement.status_received_on,
        with_status=True,
    )


def _overdue(statements: list[StatementRow], today: date) -> list[int]:
    return overdue_years([reporting(s) for s in statements], today)


async def _settle(
    uow: UnitOfWork,
    repo: ApplicationRepository,
    application: ApplicationRow,
    today: date,
    at: datetime,
) -> None:
    """After a report is received: the overdue mark from what is still overdue, and stopped
    payments resumed when nothing is (``grants.payments.resumed``)."""
    remaining = _overdue(await repo.statements_of(application.id), today)
    application.overdue = bool(remaining)
    if application.payments_stopped and not remaining:
        application.payments_stopped = payments_transition(
            Status(application.status), True, PaymentAction.RESUME, remaining
        )
        await record(
            repo,
            application,
            None,
            "payments_resumed",
            "Payments resumed: no yearly report is overdue any more.",
            at=at,
        )
        uow.record_event(outgoing.payments_resumed(application, at))


async def receive_statement(
    uow: UnitOfWork, scope: Scope, application_id: str, year: int, account: RegulationAccount
) -> ApplicationRow:
    """Receive a year's regulation-account statement with its content; refused (422, one error
    per rule) unless it adds up and carries on from the previous year's."""
    scope.require(STATEMENT_ROLES, "hand in yearly statements")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    statement = await repo.statement(application.id, year)
    if statement is None:
        raise NotFoundError(
            f"Application {application.id} has no statement for {year}; statements are due for "
            "each calendar year of the commitment period."
        )
    if statement.received_on is not None:
        raise TransitionNotAllowedError(
            f"The statement for {year} was already received on {statement.received_on}."
        )
    check_year_ended(year, danish_date(now()), "The regulation-account statement")
    previous = await repo.statement(application.id, year - 1)
    previous_account = account_of(previous.account) if previous is not None else None
    following = await repo.statement(application.id, year + 1)  # received first, out of order
    next_account = account_of(following.account) if following is not None else None
    problems = regulation_account_problems(
        account,
        None if previous_account is None else previous_account.closing_balance,
        next_opening=None if next_account is None else next_account.opening_balance,
    )
    if problems:
        raise StatementRejectedError(problems)
    at = now()
    today = danish_date(at)
    statement.account = account_json(account)
    statement.received_on = today
    statement.received_by = scope.subject
    late = today > statement.due_on
    await record(
        repo,
        application,
        scope,
        "statement_received",
        f"Regulation-account statement for {year} received"
        + (f" (due {statement.due_on})" if late else "")
        + f": closing balance {format_dkk(account.closing_balance)}",  # ends "kr."
        {"year": year, "closing_balance": str(account.closing_balance)},
        at=at,
    )
    await _settle(uow, repo, application, today, at)
    return application


async def receive_status(
    uow: UnitOfWork,
    repo: ApplicationRepository,
    scope: Scope,
    application: ApplicationRow,
    year: int,
    attachment_id: str,
    at: datetime,
) -> None:
    """The year's status on goals, indicators and activities arrived as an uploaded reporting
    form (the case is locked by the caller): received on its first upload's day (a later
    upload replaces the form, not the day); the overdue mark and a payment stop follow."""
    statement = await repo.statement(application.id, year)
    if statement is None:
        raise NotFoundError(
            f"Application {application.id} has no reporting year {year}; the yearly status is "
            "due for each calendar year of the commitment period."
        )
    today = danish_date(at)
    check_year_ended(year, today, "The yearly status")
    first = statement.status_received_on is None
    if first:
        statement.status_received_on = today
    statement.status_attachment_id = attachment_id
    late = first and today > statement.due_on
    await record(
        repo,
        application,
        scope,
        "status_received" if first else "status_replaced",
        (
            f"Yearly status on goals, indicators and activities for {year} received"
            + (f" (due {statement.due_on})" if late else "")
            + "."
            if first
            else f"Yearly status for {year} replaced by a new upload (received "
            f"{statement.status_received_on})."
        ),
        {"year": year, "attachment_id": attachment_id},
        at=at,
    )
    await _settle(uow, repo, application, today, at)


async def stop_payments(
    uow: UnitOfWork, scope: Scope, application_id: str, reason: str
) -> ApplicationRow:
    scope.require(FUND_ROLES, "stop payments")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    at = now()
    years = _overdue(await repo.statements_of(application.id), danish_date(at))
    application.payments_stopped = payments_transition(
        Status(application.status), application.payments_stopped, PaymentAction.STOP, years
    )
    await record(
        repo,
        application,
        scope,
        "payments_stopped",
        f"Payments stopped: {reason}",
        {"overdue_years": years},
        at=at,
    )
    uow.record_event(outgoing.payments_stopped(application, years, reason, at))
    return application


@dataclass(frozen=True, slots=True)
class NewPayment:
    kind: str  # advance | instalment
    amount: Decimal
    paid_on: date


async def record_payment(
    uow: UnitOfWork, scope: Scope, application_id: str, payment: NewPayment
) -> PaymentRow:
    scope.require(FUND_ROLES, "record payments")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    if application.payments_stopped:
        raise PaymentsStoppedError(
            f"Payments to {application.id} are stopped until the overdue statements are received."
        )
    if payment.amount <= 0:
        raise PaymentRefusedError("A payment is a positive amount.")
    check_happened(payment.paid_on, danish_date(now()), "The payment")
    payments = await repo.payments_of(application.id)
    committed = (
        application.committed_amount if Status(application.status) is Status.COMMITTED else None
    )
    limits: list[tuple[Decimal, Decimal, str]] = []  # (paid so far, limit, what it is)
    if payment.kind == "advance":
        if application.advance_amount is None or Status(application.status) in (
            Status.DRAFT,
            Status.SENT,
        ):
            raise PaymentRefusedError("No advance was granted at prequalification.")
        advances = sum((p.amount for p in payments if p.kind == "advance"), Decimal(0))
        limits.append((advances, application.advance_amount, "the advance granted"))
    elif committed is None:
        raise PaymentRefusedError("Instalments are paid only after commitment.")
    if committed is not None:  # the advance is paid ahead of the grant, so it counts in it
        paid = sum((p.amount for p in payments), Decimal(0))
        limits.append((paid, committed, "the committed amount (the advance included)"))
    for paid, limit, what in limits:
        if paid + payment.amount > limit:
            raise PaymentRefusedError(
                f"{format_dkk(paid)} is already paid; {format_dkk(payment.amount)} more would "
                f"exceed {what} ({format_dkk(limit)})."
            )
    row = PaymentRow(
        application_id=application.id,
        kind=payment.kind,
        amount=payment.amount,
        paid_on=payment.paid_on,
        recorded_by=scope.subject,
    )
    await repo.add_row(row)
    await record(
        repo,
        application,
        scope,
        "payment_recorded",
        f"{payment.kind.capitalize()} of {format_dkk(payment.amount)} paid on {payment.paid_on}.",
        {"amount": str(payment.amount), "paid_on": payment.paid_on.isoformat()},
    )
    return row


async def run_overdue_round(database: Database, clock: Clock, batch: int = 200) -> int:
    """Report each statement that passed its deadline unreceived, once. Returns how many."""
    reported = 0
    while True:
        async with UnitOfWork(database) as uow:
            at = clock()
            repo = ApplicationRepository(uow.session)
            due = await repo.newly_overdue_statements(danish_date(at), batch)
            for statement in due:
                application = await repo.application_by_id(statement.application_id, lock=True)
                assert application is not None
                statement.overdue_at = at
                application.overdue = True
                await record(
                    repo,
                    application,
                    None,
                    "statement_overdue",
                    f"The regulation-account statement for {statement.year} was due "
                    f"{statement.due_on} and has not been received.",
                    {"year": statement.year},
                    at=at,
                )
                uow.record_event(
                    outgoing.statement_overdue(application, statement.year, statement.due_on, at)
                )
            await uow.commit()
        reported += len(due)
        if len(due) < batch:
            return reported


async def run_status_overdue_round(database: Database, clock: Clock, batch: int = 200) -> int:
    """Report each yearly status on goals, indicators and activities that passed its deadline
    unreceived, once (``grants.report.status_overdue``). Returns how many."""
    reported = 0
    while True:
        async with UnitOfWork(database) as uow:
            at = clock()
            repo = ApplicationRepository(uow.session)
            due = await newly_overdue_statuses(uow.session, danish_date(at), batch)
            for statement in due:
                application = await repo.application_by_id(statement.application_id, lock=True)
                assert application is not None
                statement.status_overdue_at = at
                application.overdue = True
                await record(
                    repo,
                    application,
                    None,
                    "status_overdue",
                    f"The yearly status on goals, indicators and activities for {statement.year} "
                    f"was due {statement.due_on} and has not been received.",
                    {"year": statement.year},
                    at=at,
                )
                uow.record_event(
                    outgoing.status_overdue(application, statement.year, statement.due_on, at)
                )
            await uow.commit()
        reported += len(due)
        if len(due) < batch:
            return reported


async def record_review(
    uow: UnitOfWork, scope: Scope, application_id: str, held_on: date, notes: str
) -> ApplicationRow:
    """The fund's one-year review (etårseftersyn) of a committed effort: held when the first
    statement is available, as far as possible."""
    scope.require(FUND_ROLES, "record the one-year review")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    ensure_committed(Status(application.status), "The one-year review")
    check_happened(held_on, danish_date(now()), "The one-year review")
    if application.committed_at is not None and held_on < danish_date(application.committed_at):
        raise RuleViolationError(
            f"The review cannot be held ({held_on}) before the commitment "
            f"({danish_date(application.committed_at)})."
        )
    first = next(iter(await repo.statements_of(application.id)), None)
    application.review_held_on = held_on
    application.review_notes = notes
    await record(
        repo,
        application,
        scope,
        "review_held",
        f"One-year review held on {held_on}"
        + (
            "."
            if first is not None and first.received_on is not None
            else " (before the first statement was received)."
        ),
        {"held_on": held_on.isoformat()},
    )
    return application
