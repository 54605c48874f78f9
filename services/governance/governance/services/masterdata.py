"""The local read model of the register's organisations and departments, and the fund's
exemptions.

Governance never reads the register's database: ``register.organisation.upserted`` and
``register.department.upserted`` keep these rows current (an older version than held is
ignored), and what follows from a newer one is done here: an organisation that moved takes
its packages not yet sent along, a department that appears gets its form in the open packages.
Whether an organisation or department is exempt from the reporting duty is recorded by the
fund (``PUT /exemptions/...``); see :mod:`governance.domain.masterdata`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.errors import NotFoundError
from common.events.contracts import DepartmentUpsertedV1, OrganisationUpsertedV1
from governance.db.models import DepartmentRow, FormRow, OrganisationRow, PackageRow
from governance.db.repositories import (
    MASTER_DATA_COLUMNS,
    MasterDataRepository,
    MasterDataRow,
    PackageRepository,
    hold_department,
    hold_package_opening,
)
from governance.domain.masterdata import (
    Exemption,
    follows_new_home,
    left_out_as_exempt,
    takes_new_department,
)
from governance.domain.rules import FormKind, FormStatus, PackageStatus, accounts_year
from governance.services.core import log_change, now, refresh_form, refresh_package_status
from governance.services.roles import FUND_ROLES


async def apply_organisation(session: AsyncSession, event: OrganisationUpsertedV1) -> None:
    await hold_package_opening(session, exclusively=False)
    await _organisation(session, event)


async def apply_department(session: AsyncSession, event: DepartmentUpsertedV1) -> None:
    await hold_package_opening(session, exclusively=False)
    await _department(session, event)


async def _organisation(session: AsyncSession, event: OrganisationUpsertedV1) -> None:
    """The organisation's row, and its packages not yet sent follow a new home (the caller
    holds the package-opening lock)."""
    if not await MasterDataRepository(session).apply_organisation(event):
        return
    repo = PackageRepository(session)
    for package in await repo.packages_of_organisation(event.organisation_id):
        await _follow_new_home(repo, package, event.home_municipality_code)


async def _follow_new_home(repo: PackageRepository, package: PackageRow, new_home: str) -> None:
    """A package not yet sent goes to its organisation's new home municipality."""
    if not follows_new_home(
        PackageStatus(package.status), package.home_municipality_code, new_home
    ):
        return
    old = package.home_municipality_code
    package.home_municipality_code = new_home
    package.version += 1
    await log_change(
        repo,
        package.id,
        None,
        "home_municipality_changed",
        f"Home municipality changed from {old} to {new_home} (register).",
    )


MasterDataEvent = OrganisationUpsertedV1 | DepartmentUpsertedV1


async def apply_master_data(session: AsyncSession, events: Sequence[MasterDataEvent]) -> None:
    """The consumer's batch: the database ends exactly as :func:`apply_organisation` /
    :func:`apply_department` applied to each event in turn would leave it, in fewer statements
    (the package-opening lock taken once for the batch).

    An event whose organisation has no package changes nothing but its read-model row (no
    package to move, no form to add), and a run of guarded upserts of one row ends with the
    newest version held (the first of equal versions wins). So the rows of ids whose every
    event is of that kind are written by one multi-row upsert per table (the newest event per
    id); the ids with a package anywhere in their events go the event-by-event way, in order.
    The two sets of ids are disjoint and what one path writes the other does not read."""
    if not events:
        return
    await hold_package_opening(session, exclusively=False)
    organisations = {event.organisation_id for event in events}
    with_packages = set(
        await session.scalars(
            select(PackageRow.organisation_id)
            .where(PackageRow.organisation_id.in_(organisations))
            .distinct()
        )
    )

    def ident(event: MasterDataEvent) -> tuple[str, str]:
        if isinstance(event, OrganisationUpsertedV1):
            return ("organisation", event.organisation_id)
        return ("department", event.department_id)

    involved = {ident(e) for e in events if e.organisation_id in with_packages}
    newest: dict[tuple[str, str], MasterDataEvent] = {}
    for event in events:
        key = ident(event)
        if key in involved:
            if isinstance(event, OrganisationUpsertedV1):
                await _organisation(session, event)
            else:
                await _department(session, event)
        elif key not in newest or newest[key].version < event.version:
            newest[key] = event
    master_data = MasterDataRepository(session)
    for row_class, kind in ((OrganisationRow, "organisation"), (DepartmentRow, "department")):
        await master_data.upsert_newer(
            row_class,
            [_row_values(row_class, key, e) for key, e in newest.items() if key[0] == kind],
        )


def _row_values(
    row_class: type[MasterDataRow], key: tuple[str, str], event: MasterDataEvent
) -> dict[str, object]:
    """The columns the read model's guarded upsert writes, of the row ``key`` (kind, id); the
    contracts' enums are ``StrEnum``s, which ``rows_json`` writes as their values."""
    return {
        "id": key[1],
        **{column: getattr(event, column) for column in MASTER_DATA_COLUMNS[row_class][1:]},
    }


async def _department(session: AsyncSession, event: DepartmentUpsertedV1) -> None:
    """The department's row, and its form in its organisation's open packages (the caller
    holds the package-opening lock)."""
    await hold_department(session, event.department_id)  # its figures may be arriving meanwhile
    master_data = MasterDataRepository(session)
    if not await master_data.apply_department(event):
        return
    exemption, lifted_at = await master_data.department_exemption(event.department_id)
    repo = PackageRepository(session)
    for package in await repo.packages_of_organisation(event.organisation_id):
        if takes_new_department(PackageStatus(package.status), exemption):
            await _department_in_open_package(
                repo,
                master_data,
                package,
                event.department_id,
                event.municipality_code,
                exemption_lifted_at=lifted_at,
            )


async def follow_register_on_return(session: AsyncSession, package: PackageRow) -> None:
    """A package sent back (open again) takes what the register changed while it was sent —
    the consumers then found no open package: an organisation that moved takes it to its new
    home municipality, a department that appeared gets its form, one that moved takes its form
    to its new location municipality.

    The caller holds the package-opening lock exclusively (taken before the package's row
    lock), like opening a year: the consumers' rows committed before are read here, and those
    that come after find the package open."""
    repo, master_data = PackageRepository(session), MasterDataRepository(session)
    organisation = await master_data.organisation(package.organisation_id)
    if organisation is not None:
        await _follow_new_home(repo, package, organisation.home_municipality_code)
    for department in await master_data.departments(package.organisation_id):
        if takes_new_department(PackageStatus(package.status), department.exemption):
            await _department_in_open_package(
                repo,
                master_data,
                package,
                department.id,
                department.municipality_code,
                exemption_lifted_at=department.exemption_lifted_at,
                publish_change=False,  # the return publishes the status it is back in
            )


async def _department_in_open_package(
    repo: PackageRepository,
    master_data: MasterDataRepository,
    package: PackageRow,
    department_id: str,
    municipality_code: str,
    *,
    exemption_lifted_at: datetime | None,
    publish_change: bool = True,
) -> None:
    """A department that appears (or moves) while its organisation's package is still being
    prepared gets its form in it — unless it was left out of the package as exempt; the
    form's location follows the department."""
    form = await repo.form(package.id, FormKind.DEPARTMENT, department_id)
    if form is not None:
        form.municipality_code = municipality_code
        return
    if left_out_as_exempt(exemption_lifted_at, package.created_at):
        return
    figures = await master_data.key_figures(department_id, accounts_year(package.year))
    form = FormRow(
        package_id=package.id,
        kind=FormKind.DEPARTMENT.value,
        key=department_id,
        municipality_code=municipality_code,
        status=FormStatus.READY.value,
        figures=figures.figures if figures else None,
        figures_revision=figures.revision if figures else None,
        figures_accounts_revision=figures.accounts_revision if figures else None,
        comments={},
    )
    await repo.add_form(form)
    await refresh_form(repo, package, form)
    await refresh_package_status(repo, package, publish_change=publish_change)
    await log_change(
        repo,
        package.id,
        None,
        "department_added",
        f"Department {department_id} was added to the package (register).",
    )


async def set_exemption(
    session: AsyncSession,
    scope: Scope,
    *,
    organisation_id: str | None = None,
    department_id: str | None = None,
    exemption: Exemption | None,
) -> None:
    """The fund marks an organisation or a department exempt (or not any more). Packages
    already created keep their content; the flag applies to packages created afterwards (a
    department's lifted exemption is dated for :func:`left_out_as_exempt`)."""
    scope.require(FUND_ROLES, "set exemptions from the reporting duty")
    master_data = MasterDataRepository(session)
    row: OrganisationRow | DepartmentRow | None
    if organisation_id is not None:
        row = await master_data.organisation(organisation_id)
        what = f"Organisation {organisation_id}"
    else:
        assert department_id is not None
        row = await master_data.department(department_id)
        what = f"Department {department_id}"
    if row is None:
        raise NotFoundError(
            f"{what} is not known to governance yet (it arrives with the register's events)."
        )
    at = now()
    if isinstance(row, DepartmentRow) and row.exemption is not None and exemption is None:
        row.exemption_lifted_at = at  # packages created before keep their content
    row.exemption = exemption.value if exemption else None
    row.updated_at = at
