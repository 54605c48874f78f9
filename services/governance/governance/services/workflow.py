"""Status transitions: send (Fremsendt), send back, meeting held (Møde afholdt), statement
(Redegørelse afgivet) and a location municipality's supplementary statement; and the
municipality's deadline per organisation.

Every transition takes the package's row lock and checks the status it starts from inside the
transaction, so of two concurrent transitions only one wins; the other finds the new status and
gets 409. An ``If-Match`` version, when sent, must be the current one (409 otherwise).
"""

from __future__ import annotations

from datetime import date

from common.access import Scope
from common.calendar import danish_date, this_or_next_working_day
from common.db.uow import UnitOfWork
from common.errors import NotFoundError, PermissionDeniedError, RuleViolationError
from common.observability import current_correlation_id
from common.paging import PageOf, decode_cursor, page_of
from governance.db.models import DeadlineRow, PackageRow
from governance.db.repositories import (
    DeadlineQuery,
    MasterDataRepository,
    PackageQuery,
    PackageRepository,
    hold_package_opening,
)
from governance.domain.errors import SendBlockedError, TransitionNotAllowedError
from governance.domain.keyfigures import colour_counts
from governance.domain.rules import FormKind, PackageStatus, accounts_year
from governance.domain.sending import (
    FormCheck,
    departments_awaiting_figures,
    departments_without_accounts,
    send_blockers,
)
from governance.domain.visibility import is_home_municipality
from governance.events import outgoing
from governance.services.attachments import StoredFile, store_file
from governance.services.core import (
    check_version,
    load_package,
    log_change,
    now,
    progress_of,
    refresh_form,
    refresh_package_status,
)
from governance.services.masterdata import follow_register_on_return
from governance.services.packages import form_accounts, form_keys
from governance.services.roles import EDITOR_ROLES, MUNICIPALITY_ROLES


def _not_from(package: PackageRow, action: str, allowed: str) -> TransitionNotAllowedError:
    status = PackageStatus(package.status)
    return TransitionNotAllowedError(
        f"Package {package.id} has status '{status.label}'; it can be {action} only when it "
        f"is {allowed}."
    )


async def send_package(
    uow: UnitOfWork, scope: Scope, package_id: str, expected: int | None
) -> PackageRow:
    scope.require(EDITOR_ROLES, "send a package")
    repo = PackageRepository(uow.session)
    package = await load_package(repo, scope, package_id, lock=True)
    check_version(package, expected)
    if not PackageStatus(package.status).editable:
        raise _not_from(package, "sent", "being prepared (not already sent)")
    forms = await repo.forms_of(package.id)
    reported = await repo.accounts_revisions(package.id, accounts_year(package.year))
    questions = {kind: await repo.questions_of(package.year, kind) for kind in FormKind}
    checks = [
        FormCheck(
            form.key,
            progress_of(questions[FormKind(form.kind)], await repo.answers_of(form.id), form),
        )
        for form in forms
    ]
    errors = send_blockers(
        checks,
        departments_without_accounts(form_keys(forms), reported),
        departments_awaiting_figures(form_accounts(forms), reported),
    )
    if errors:
        raise SendBlockedError(errors)
    colours = colour_counts(f for form in forms for f in form.figures or [])
    locations = sorted({f.municipality_code for f in forms if f.municipality_code})
    at = now()
    package.status = PackageStatus.SENT.value
    package.sent_at = at
    package.version += 1
    package.updated_at = at
    await log_change(
        repo,
        package.id,
        scope,
        "sent",
        f"Package sent to home municipality {package.home_municipality_code}"
        + (f" and location municipalities {', '.join(locations)}" if locations else "")
        + ".",
        {"home": package.home_municipality_code, "locations": locations},
    )
    uow.record_event(
        outgoing.package_sent(
            package, locations, colours.red, colours.yellow, current_correlation_id()
        )
    )
    return package


def _require_home(scope: Scope, package: PackageRow, action: str) -> None:
    if not is_home_municipality(scope.municipality_code, package.home_municipality_code):
        raise PermissionDeniedError(
            f"Only the home municipality ({package.home_municipality_code}) may {action}."
        )


async def return_package(
    uow: UnitOfWork, scope: Scope, package_id: str, reason: str | None, expected: int | None
) -> PackageRow:
    """Send back: the home municipality reopens a sent package for changes, with what the
    register changed while it was sent."""
    await hold_package_opening(uow.session, exclusively=True)  # before the row lock
    repo = PackageRepository(uow.session)
    package = await load_package(repo, scope, package_id, lock=True)
    _require_home(scope, package, "send a package back")
    check_version(package, expected)
    if package.status != PackageStatus.SENT.value:
        raise _not_from(package, "sent back", "'Fremsendt' (before the meeting is recorded)")
    at = now()
    package.status = PackageStatus.IN_PROGRESS.value
    package.returned_at = at
    await log_change(
        repo,
        package.id,
        scope,
        "returned",
        f"Package sent back by municipality {scope.municipality_code}"
        + (f": {reason}" if reason else "."),
        {"reason": reason},
    )
    # by the home municipality it was sent to, before the register's changes may move it
    uow.record_event(outgoing.package_returned(package, reason, at, current_correlation_id()))
    await follow_register_on_return(uow.session, package)
    for form in await repo.forms_of(package.id):
        await refresh_form(repo, package, form)
    await refresh_package_status(repo, package, publish_change=False)
    # the status the package is back in (whatever its forms reached), as of the return, so a
    # reader knows it without waiting for the next edit
    uow.record_event(
        outgoing.package_status_changed(
            package_id=package.id,
            organisation_id=package.organisation_id,
            year=package.year,
            home_municipality_code=package.home_municipality_code,
            status=package.status,
            at=at,
            correlation_id=current_correlation_id(),
        )
    )
    return package


async def record_meeting(
    uow: UnitOfWork, scope: Scope, package_id: str, held_on: date, expected: int | None
) -> PackageRow:
    repo = PackageRepository(uow.session)
    package = await load_package(repo, scope, package_id, lock=True)
    _require_home(scope, package, "record the governance meeting")
    check_version(package, expected)
    if package.status != PackageStatus.SENT.value:
        raise _not_from(package, "marked 'Møde afholdt'", "'Fremsendt'")
    at = now()
    if held_on > danish_date(at):
        raise RuleViolationError(f"The meeting date {held_on} lies in the future.")
    sent_on = danish_date(package.sent_at) if package.sent_at is not None else None
    if sent_on is not None and held_on < sent_on:
        raise RuleViolationError(
            f"The meeting date {held_on} is before the package was sent ({sent_on})."
        )
    package.status = PackageStatus.MEETING_HELD.value
    package.meeting_held_on = held_on
    package.version += 1
    package.updated_at = at
    await log_change(
        repo, package.id, scope, "meeting_held", f"Governance meeting held on {held_on}."
    )
    uow.record_event(outgoing.meeting_held(package, held_on, at, current_correlation_id()))
    return package


async def submit_statement(
    uow: UnitOfWork,
    scope: Scope,
    package_id: str,
    file: StoredFile,
    max_bytes: int,
    expected: int | None,
) -> tuple[PackageRow, str, bool]:
    """The home municipality's statement (after the meeting) sets 'Redegørelse afgivet'; a
    location municipality's is a supplementary statement and leaves the status alone."""
    scope.require(MUNICIPALITY_ROLES, "submit a statement (redegørelse)")
    municipality = scope.municipality_code
    assert municipality is not None  # a municipality's scope carries its code
    repo = PackageRepository(uow.session)
    package = await load_package(repo, scope, package_id, lock=True)
    check_version(package, expected)
    supplementary = not is_home_municipality(municipality, package.home_municipality_code)
    status = PackageStatus(package.status)
    if not supplementary and status is not PackageStatus.MEETING_HELD:
        raise _not_from(package, "given its statement", "'Møde afholdt'")
    if supplementary and not status.delivered:
        raise _not_from(package, "given a supplementary statement", "sent")
    at = now()
    kind = "supplementary_statement" if supplementary else "statement"
    attachment = await store_file(
        repo, scope, package, kind, file, max_bytes, municipality=municipality
    )
    if not supplementary:
        package.status = PackageStatus.STATEMENT_SUBMITTED.value
        package.statement_submitted_at = at
    package.version += 1
    package.updated_at = at
    await log_change(
        repo,
        package.id,
        scope,
        kind,
        ("Supplementary statement" if supplementary else "Statement")
        + f" submitted by municipality {municipality} ({file.filename}).",
        {"attachment_id": attachment.id},
    )
    uow.record_event(
        outgoing.statement_submitted(
            package, municipality, supplementary, at, current_correlation_id()
        )
    )
    return package, attachment.id, supplementary


# --- deadlines -------------------------------------------------------------------------------


def _municipality_of(scope: Scope, action: str) -> str:
    scope.require(MUNICIPALITY_ROLES, action)
    assert scope.municipality_code is not None  # a municipality's scope carries its code
    return scope.municipality_code


async def set_deadline(
    uow: UnitOfWork, scope: Scope, organisation_id: str, year: int, deadline: date | None
) -> None:
    """The home municipality's deadline for an organisation's package of a year (shown, not
    blocking); ``None`` removes it. A deadline on a weekend, a holiday or 24/31 December ends
    on the next working day, and is stored and published so."""
    municipality = _municipality_of(scope, "set deadlines for organisations")
    organisation = await MasterDataRepository(uow.session).organisation(organisation_id)
    if organisation is None or not is_home_municipality(
        municipality, organisation.home_municipality_code
    ):
        raise NotFoundError(
            f"Organisation {organisation_id} is not among the organisations at home in "
            f"municipality {municipality}."
        )
    repo = PackageRepository(uow.session)
    given = deadline
    if deadline is not None:
        deadline = this_or_next_working_day(deadline)
    if deadline is None:
        await repo.remove_deadline(municipality, organisation_id, year)
    else:
        await repo.set_deadline(municipality, organisation_id, year, deadline, scope.subject)
    uow.record_event(
        outgoing.deadline_set(
            municipality, organisation_id, year, deadline, now(), current_correlation_id()
        )
    )
    package = await repo.package_of(organisation_id, year)
    if package is not None:
        await log_change(
            repo,
            package.id,
            scope,
            "deadline_set",
            f"Municipality {municipality} set the deadline to {deadline}"
            + (f" (set as {given}, a closed day)." if given != deadline else ".")
            if deadline
            else f"Municipality {municipality} removed the deadline.",
            {"deadline": deadline.isoformat() if deadline else None},
        )


async def deadlines_of(
    uow: UnitOfWork,
    scope: Scope,
    year: int | None,
    organisation_id: str | None,
    cursor: str | None,
    limit: int,
) -> PageOf[DeadlineRow]:
    """The municipality's deadlines, a page at a time, by year and organisation."""
    municipality = _municipality_of(scope, "list deadlines (a municipality's own)")
    after = decode_cursor(cursor, int, str)
    rows = await PackageRepository(uow.session).deadlines_of(
        municipality,
        DeadlineQuery(
            year=year,
            organisation_id=organisation_id,
            after=(after[0], after[1]) if after else None,
        ),
        limit + 1,
    )
    return page_of(rows, limit, key=lambda row: (row.year, row.organisation_id))


async def status_overview(
    uow: UnitOfWork,
    scope: Scope,
    year: int,
    status: PackageStatus | None,
    organisation_id: str | None,
    cursor: str | None,
    limit: int,
) -> PageOf[tuple[PackageRow, date | None]]:
    """The home municipality follows its organisations' work (seed 002 §1): each package of the
    year with its status and deadline — no content until it is sent — a page at a time, by
    organisation."""
    municipality = _municipality_of(scope, "read the status overview (a municipality's view)")
    after = decode_cursor(cursor, str)
    rows = await PackageRepository(uow.session).packages_at_home_in(
        municipality,
        PackageQuery(
            year=year,
            status=status.value if status else None,
            organisation_id=organisation_id,
            after=after[0] if after else None,
        ),
        limit + 1,
    )
    return page_of(rows, limit, key=lambda row: (row[0].organisation_id,))
