"""Status transitions: send (Fremsendt), send back, meeting held (Møde afholdt), statement
(Redegørelse afgivet) and a location municipality's supplementary statement; and the
municipality's deadline per organisation.

Every transition takes the package's row lock and checks the status it starts from inside the
transaction, so of two concurrent transitions only one wins; the other finds the new status and
gets 409. An ``If-Match`` version, when sent, must be the current one (409 otherwise).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from common.db.uow import UnitOfWork
from common.errors import NotFoundError, PermissionDeniedError, RuleViolationError
from common.observability import current_correlation_id
from governance.db.models import AccountsRow, DeadlineRow, OrganisationRow, PackageRow
from governance.domain.errors import SendBlockedError, TransitionNotAllowedError
from governance.domain.rules import (
    FormCheck,
    FormKind,
    PackageStatus,
    accounts_year,
    send_blockers,
)
from governance.events import outgoing
from governance.services.access import EDITOR_ROLES, Actor
from governance.services.attachments import StoredFile, store_file
from governance.services.core import (
    answers_of,
    check_version,
    forms_of,
    load_package,
    log_change,
    now,
    progress_of,
    questions_for,
    refresh_form,
    refresh_package_status,
)


def _not_from(package: PackageRow, action: str, allowed: str) -> TransitionNotAllowedError:
    status = PackageStatus(package.status)
    return TransitionNotAllowedError(
        f"Package {package.id} has status '{status.label}'; it can be {action} only when it "
        f"is {allowed}."
    )


async def send_package(
    uow: UnitOfWork, actor: Actor, package_id: str, expected: int | None
) -> PackageRow:
    actor.require(EDITOR_ROLES, "send a package")
    session = uow.session
    package = await load_package(session, actor, package_id, lock=True)
    check_version(package, expected)
    if not PackageStatus(package.status).editable:
        raise _not_from(package, "sent", "being prepared (not already sent)")
    forms = await forms_of(session, package.id)
    reported = set(
        (
            await session.execute(
                select(AccountsRow.department_id).where(
                    AccountsRow.package_id == package.id,
                    AccountsRow.accounts_year == accounts_year(package.year),
                )
            )
        ).scalars()
    )
    checks = []
    questions = {kind: await questions_for(session, package.year, kind) for kind in FormKind}
    for form in forms:
        kind = FormKind(form.kind)
        progress = progress_of(questions[kind], await answers_of(session, form.id), form)
        checks.append(FormCheck(form.key, progress))
    missing_accounts = [
        f.key for f in forms if f.kind == FormKind.DEPARTMENT.value and f.key not in reported
    ]
    errors = send_blockers(checks, missing_accounts)
    if errors:
        raise SendBlockedError(errors)
    colours = [f.get("colour") for form in forms for f in form.figures or []]
    red = colours.count("red")
    yellow = colours.count("yellow")
    locations = sorted({f.municipality_code for f in forms if f.municipality_code})
    at = now()
    package.status = PackageStatus.SENT.value
    package.sent_at = at
    package.version += 1
    package.updated_at = at
    await log_change(
        session,
        package.id,
        actor,
        "sent",
        f"Package sent to home municipality {package.home_municipality_code}"
        + (f" and location municipalities {', '.join(locations)}" if locations else "")
        + ".",
        {"home": package.home_municipality_code, "locations": locations},
    )
    uow.record_event(
        outgoing.package_sent(package, locations, red, yellow, current_correlation_id())
    )
    return package


def _require_home(actor: Actor, package: PackageRow, action: str) -> None:
    if not actor.is_home_of(package):
        raise PermissionDeniedError(
            f"Only the home municipality ({package.home_municipality_code}) may {action}."
        )


async def return_package(
    uow: UnitOfWork, actor: Actor, package_id: str, reason: str | None, expected: int | None
) -> PackageRow:
    """Send back: the home municipality reopens a sent package for changes."""
    session = uow.session
    package = await load_package(session, actor, package_id, lock=True)
    _require_home(actor, package, "send a package back")
    check_version(package, expected)
    if package.status != PackageStatus.SENT.value:
        raise _not_from(package, "sent back", "'Fremsendt' (before the meeting is recorded)")
    at = now()
    package.status = PackageStatus.IN_PROGRESS.value
    package.returned_at = at
    for form in await forms_of(session, package.id):
        await refresh_form(session, package, form)
    await refresh_package_status(session, package)
    await log_change(
        session,
        package.id,
        actor,
        "returned",
        f"Package sent back by municipality {actor.municipality_code}"
        + (f": {reason}" if reason else "."),
        {"reason": reason},
    )
    uow.record_event(outgoing.package_returned(package, reason, at, current_correlation_id()))
    return package


async def record_meeting(
    uow: UnitOfWork, actor: Actor, package_id: str, held_on: date, expected: int | None
) -> PackageRow:
    session = uow.session
    package = await load_package(session, actor, package_id, lock=True)
    _require_home(actor, package, "record the governance meeting")
    check_version(package, expected)
    if package.status != PackageStatus.SENT.value:
        raise _not_from(package, "marked 'Møde afholdt'", "'Fremsendt'")
    at = now()
    if held_on > at.date():
        raise RuleViolationError(f"The meeting date {held_on} lies in the future.")
    if package.sent_at is not None and held_on < package.sent_at.date():
        raise RuleViolationError(
            f"The meeting date {held_on} is before the package was sent ({package.sent_at.date()})."
        )
    package.status = PackageStatus.MEETING_HELD.value
    package.meeting_held_on = held_on
    package.version += 1
    package.updated_at = at
    await log_change(
        session, package.id, actor, "meeting_held", f"Governance meeting held on {held_on}."
    )
    uow.record_event(outgoing.meeting_held(package, held_on, at, current_correlation_id()))
    return package


async def submit_statement(
    uow: UnitOfWork,
    actor: Actor,
    package_id: str,
    file: StoredFile,
    max_bytes: int,
    expected: int | None,
) -> tuple[PackageRow, str, bool]:
    """The home municipality's statement (after the meeting) sets 'Redegørelse afgivet'; a
    location municipality's is a supplementary statement and leaves the status alone."""
    session = uow.session
    if not actor.is_municipality:
        raise PermissionDeniedError("Only a municipality submits a statement (redegørelse).")
    package = await load_package(session, actor, package_id, lock=True)
    check_version(package, expected)
    supplementary = not actor.is_home_of(package)
    status = PackageStatus(package.status)
    if not supplementary and status is not PackageStatus.MEETING_HELD:
        raise _not_from(package, "given its statement", "'Møde afholdt'")
    if supplementary and not status.delivered:
        raise _not_from(package, "given a supplementary statement", "sent")
    at = now()
    kind = "supplementary_statement" if supplementary else "statement"
    attachment_id = await store_file(
        session, actor, package, kind, file, max_bytes, municipality=actor.municipality_code
    )
    if not supplementary:
        package.status = PackageStatus.STATEMENT_SUBMITTED.value
        package.statement_submitted_at = at
    package.version += 1
    package.updated_at = at
    await log_change(
        session,
        package.id,
        actor,
        kind,
        ("Supplementary statement" if supplementary else "Statement")
        + f" submitted by municipality {actor.municipality_code} ({file.filename}).",
        {"attachment_id": attachment_id},
    )
    assert actor.municipality_code is not None
    uow.record_event(
        outgoing.statement_submitted(
            package, actor.municipality_code, supplementary, at, current_correlation_id()
        )
    )
    return package, attachment_id, supplementary


# --- deadlines -------------------------------------------------------------------------------


async def set_deadline(
    uow: UnitOfWork, actor: Actor, organisation_id: str, year: int, deadline: date | None
) -> None:
    """The home municipality's deadline for an organisation's package of a year (shown, not
    blocking); ``None`` removes it."""
    if not actor.is_municipality:
        raise PermissionDeniedError("Only a municipality sets deadlines for its organisations.")
    session = uow.session
    organisation = await session.get(OrganisationRow, organisation_id)
    if organisation is None or organisation.home_municipality_code != actor.municipality_code:
        raise NotFoundError(
            f"Organisation {organisation_id} is not among the organisations at home in "
            f"municipality {actor.municipality_code}."
        )
    assert actor.municipality_code is not None
    if deadline is None:
        row = await session.get(DeadlineRow, (actor.municipality_code, organisation_id, year))
        if row is not None:
            await session.delete(row)
    else:
        statement = pg_insert(DeadlineRow).values(
            municipality_code=actor.municipality_code,
            organisation_id=organisation_id,
            year=year,
            deadline=deadline,
            set_by=actor.subject,
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    DeadlineRow.municipality_code,
                    DeadlineRow.organisation_id,
                    DeadlineRow.year,
                ],
                set_={"deadline": deadline, "set_at": now(), "set_by": actor.subject},
            )
        )
    package = (
        await session.execute(
            select(PackageRow).where(
                PackageRow.organisation_id == organisation_id, PackageRow.year == year
            )
        )
    ).scalar_one_or_none()
    if package is not None:
        await log_change(
            session,
            package.id,
            actor,
            "deadline_set",
            f"Municipality {actor.municipality_code} set the deadline to {deadline}."
            if deadline
            else f"Municipality {actor.municipality_code} removed the deadline.",
            {"deadline": deadline.isoformat() if deadline else None},
        )


async def deadlines_of(uow: UnitOfWork, actor: Actor, year: int | None) -> list[DeadlineRow]:
    if not actor.is_municipality:
        raise PermissionDeniedError("Deadlines are listed for a municipality's own organisations.")
    statement = select(DeadlineRow).where(DeadlineRow.municipality_code == actor.municipality_code)
    if year is not None:
        statement = statement.where(DeadlineRow.year == year)
    rows = await uow.session.execute(
        statement.order_by(DeadlineRow.year, DeadlineRow.organisation_id)
    )
    return list(rows.scalars())


async def status_overview(
    uow: UnitOfWork, actor: Actor, year: int
) -> list[tuple[PackageRow, date | None]]:
    """The home municipality follows its organisations' work (seed 002 §1): each package of the
    year with its status and deadline — no content until it is sent."""
    if not actor.is_municipality:
        raise PermissionDeniedError("The status overview is a municipality's view.")
    rows = await uow.session.execute(
        select(PackageRow, DeadlineRow.deadline)
        .outerjoin(
            DeadlineRow,
            (DeadlineRow.municipality_code == PackageRow.home_municipality_code)
            & (DeadlineRow.organisation_id == PackageRow.organisation_id)
            & (DeadlineRow.year == PackageRow.year),
        )
        .where(
            PackageRow.home_municipality_code == actor.municipality_code,
            PackageRow.year == year,
        )
        .order_by(PackageRow.organisation_id)
    )
    return [(package, deadline) for package, deadline in rows.all()]
