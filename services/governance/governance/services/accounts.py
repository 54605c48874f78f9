"""Accounts reporting: the organisation (or its ERP) reports each department's accounts of the
package's accounts year; every change is a new revision and an ``AccountsReportedV1`` event for
the benchmark calculator. A package cannot be sent while a department's accounts are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from common.access import Scope
from common.db.uow import UnitOfWork
from common.observability import current_correlation_id
from governance.db.models import AccountsRow
from governance.db.repositories import PackageRepository
from governance.domain.errors import FormNotFoundError
from governance.domain.rules import FormKind, accounts_year
from governance.domain.visibility import sees_form
from governance.events import outgoing
from governance.services.core import (
    ensure_editable,
    load_form,
    load_package,
    log_change,
    now,
    refresh_package_status,
)
from governance.services.roles import ACCOUNTS_ROLES

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
    uow: UnitOfWork, scope: Scope, package_id: str, department_id: str, command: ReportAccounts
) -> tuple[AccountsRow, bool]:
    """Returns the accounts and whether they changed (an unchanged report is a no-op)."""
    scope.require(ACCOUNTS_ROLES, "report accounts")
    repo = PackageRepository(uow.session)
    package = await load_package(repo, scope, package_id, lock=True)
    ensure_editable(package)
    try:
        form = await load_form(repo, package, FormKind.DEPARTMENT, department_id)
    except FormNotFoundError:
        raise FormNotFoundError(
            f"Department {department_id} has no form in package {package.id}; accounts are "
            "reported for the package's own departments."
        ) from None
    year = accounts_year(package.year)
    row = await repo.accounts_for_update(department_id, year)
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
            reported_by=scope.subject,
            **values,
        )
        await repo.add_accounts(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.revision += 1
        row.reported_at = at
        row.reported_by = scope.subject
    # The form's figures were computed without these accounts (or from the old ones): the next
    # figures the calculator publishes include them, and replace the snapshot.
    if form.figures is not None:
        form.figures_revision = None
    await repo.flush()
    await refresh_package_status(repo, package)
    await log_change(
        repo,
        package.id,
        scope,
        "accounts_reported",
        f"Accounts {year} of department {department_id} reported (revision {row.revision}).",
        {"department_id": department_id, "revision": row.revision},
    )
    assert form.municipality_code is not None
    uow.record_event(
        outgoing.accounts_reported(row, form.municipality_code, current_correlation_id())
    )
    return row, True


async def accounts_of(uow: UnitOfWork, scope: Scope, package_id: str) -> list[AccountsRow]:
    """The package's accounts; a location municipality's of its own departments only."""
    repo = PackageRepository(uow.session)
    package = await load_package(repo, scope, package_id)
    caller, home = scope.municipality_code, package.home_municipality_code
    visible = {
        f.key
        for f in await repo.forms_of(package.id)
        if sees_form(caller, home, FormKind(f.kind), f.municipality_code)
    }
    return [
        row
        for row in await repo.accounts_of(package.id, accounts_year(package.year))
        if row.department_id in visible
    ]
