"""Accounts reporting: the organisation (or its ERP) reports each department's accounts of the
package's accounts year; every change is a new revision and an ``AccountsReportedV1`` event for
the benchmark calculator. A package cannot be sent while a department's accounts are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from common.db.uow import UnitOfWork
from common.observability import current_correlation_id
from governance.db.models import AccountsRow
from governance.domain.errors import FormNotFoundError
from governance.domain.rules import FormKind, accounts_year
from governance.events import outgoing
from governance.services.access import ACCOUNTS_ROLES, Actor
from governance.services.core import (
    ensure_editable,
    forms_of,
    load_form,
    load_package,
    log_change,
    now,
    refresh_package_status,
)

FIGURES = (
    "dwellings",
    "total_area_m2",
    "administration_cost",
    "maintenance_cost",
    "vacancy_rent_loss",
    "operating_cost",
)


@dataclass(frozen=True, slots=True)
class ReportAccounts:
    dwellings: int
    total_area_m2: Decimal
    administration_cost: Decimal
    maintenance_cost: Decimal
    vacancy_rent_loss: Decimal
    operating_cost: Decimal


async def report_accounts(
    uow: UnitOfWork, actor: Actor, package_id: str, department_id: str, command: ReportAccounts
) -> tuple[AccountsRow, bool]:
    """Returns the accounts and whether they changed (an unchanged report is a no-op)."""
    actor.require(ACCOUNTS_ROLES, "report accounts")
    session = uow.session
    package = await load_package(session, actor, package_id, lock=True)
    ensure_editable(package)
    try:
        form = await load_form(session, package, FormKind.DEPARTMENT, department_id)
    except FormNotFoundError:
        raise FormNotFoundError(
            f"Department {department_id} has no form in package {package.id}; accounts are "
            "reported for the package's own departments."
        ) from None
    year = accounts_year(package.year)
    row = await session.get(AccountsRow, (department_id, year), with_for_update=True)
    values = {name: getattr(command, name) for name in FIGURES}
    if row is not None and all(getattr(row, k) == v for k, v in values.items()):
        return row, False
    at = now()
    if row is None:
        row = AccountsRow(
            department_id=department_id,
            accounts_year=year,
            organisation_id=package.organisation_id,
            package_id=package.id,
            revision=1,
            reported_at=at,
            reported_by=actor.subject,
            **values,
        )
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.revision += 1
        row.reported_at = at
        row.reported_by = actor.subject
    # The form's figures were computed without these accounts (or from the old ones): the next
    # figures the calculator publishes include them, and replace the snapshot.
    if form.figures is not None:
        form.figures_revision = None
    await session.flush()
    await refresh_package_status(session, package)
    await log_change(
        session,
        package.id,
        actor,
        "accounts_reported",
        f"Accounts {year} of department {department_id} reported (revision {row.revision}).",
        {"department_id": department_id, "revision": row.revision},
    )
    assert form.municipality_code is not None
    uow.record_event(
        outgoing.accounts_reported(row, form.municipality_code, current_correlation_id())
    )
    return row, True


async def accounts_of(uow: UnitOfWork, actor: Actor, package_id: str) -> list[AccountsRow]:
    package = await load_package(uow.session, actor, package_id)
    rows = await uow.session.execute(
        select(AccountsRow)
        .where(
            AccountsRow.package_id == package.id,
            AccountsRow.accounts_year == accounts_year(package.year),
        )
        .order_by(AccountsRow.department_id)
    )
    visible = {
        f.key
        for f in await forms_of(uow.session, package.id)
        if actor.sees_department_form(package, f.municipality_code)
    }
    return [row for row in rows.scalars() if row.department_id in visible]
