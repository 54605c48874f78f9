"""Key figures from the benchmark calculator: kept as received, prefilled into department forms
as a snapshot, refreshed by "update benchmarks" after an explicit confirmation.

The figures of calendar year Y (``KeyFiguresUpdatedV1.year``) belong in the packages of
governance year Y+1, which carry the accounts of year Y. A form's snapshot is taken when the
figures first arrive (or when the package is created, if they are there already) and is not
changed behind the organisation's back — except after the organisation reported or corrected
the department's accounts: then the figures computed from those accounts (the accounts key
figures among them) replace it when they arrive. When its benchmarks were indexed forward from an
earlier year and newer figures have arrived, the package offers "update benchmarks" (seed 002
§5.2.6).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.events.contracts import KeyFiguresUpdatedV1
from governance.db.models import FormRow, KeyFiguresRow, PackageRow
from governance.db.repositories import (
    MasterDataRepository,
    PackageRepository,
    hold_department,
    hold_package_opening,
)
from governance.domain.errors import ConfirmationRequiredError
from governance.domain.keyfigures import (
    awaits_accounts_figures,
    offers_newer_benchmarks,
    takes_new_figures,
)
from governance.domain.rules import PackageStatus, accounts_year
from governance.services.core import (
    check_version,
    ensure_editable,
    load_package,
    log_change,
    refresh_form,
    refresh_package_status,
)
from governance.services.roles import EDITOR_ROLES


async def apply_key_figures(session: AsyncSession, event: KeyFiguresUpdatedV1) -> bool:
    """Keep the newest revision; prefill the forms that take it. False if it was not newer."""
    await hold_package_opening(session, exclusively=False)
    await hold_department(session, event.department_id)  # its form may be being created meanwhile
    figures = [f.model_dump(mode="json") for f in event.figures]
    applied = await MasterDataRepository(session).apply_key_figures(
        {
            "department_id": event.department_id,
            "year": event.year,
            "organisation_id": event.organisation_id,
            "municipality_code": event.municipality_code,
            "revision": event.revision,
            "figures": figures,
            "computed_at": event.computed_at,
            "accounts_revision": event.accounts_revision,
        }
    )
    if not applied:
        return False
    repo = PackageRepository(session)
    reported = await repo.accounts_revision(event.department_id, event.year)
    for form, package in await repo.department_forms_of_year(event.department_id, event.year + 1):
        if not takes_new_figures(
            package_status=PackageStatus(package.status),
            package_year=package.year,
            figures_year=event.year,
            has_snapshot=form.figures is not None,
            snapshot_revision=form.figures_revision,
            incoming_revision=event.revision,
            awaiting_accounts=awaits_accounts_figures(reported, form.figures_accounts_revision),
        ):
            continue
        refreshed = form.figures is not None
        status_before = form.status
        form.figures = figures
        form.figures_revision = event.revision
        form.figures_accounts_revision = event.accounts_revision
        # A form nobody has answered yet has no answers to read (its counts are kept current).
        await refresh_form(repo, package, form, answers={} if form.answered == 0 else None)
        await refresh_package_status(
            repo, package, forms_changed_status=form.status != status_before
        )
        what = "refreshed after the accounts were reported" if refreshed else "prefilled"
        await log_change(
            repo,
            package.id,
            None,
            "key_figures_refreshed" if refreshed else "key_figures_prefilled",
            f"Key figures of department {event.department_id} for {event.year} were {what} "
            f"(revision {event.revision}).",
            {"department_id": event.department_id, "revision": event.revision},
        )
    return True


@dataclass(frozen=True, slots=True)
class Refreshable:
    form: FormRow
    latest: KeyFiguresRow


async def refreshable_forms(repo: PackageRepository, package: PackageRow) -> list[Refreshable]:
    """Department forms whose snapshot has indexed benchmarks and newer figures have arrived."""
    return [
        Refreshable(form, latest)
        for form, latest in await repo.department_forms_with_figures(
            package.id, accounts_year(package.year)
        )
        if offers_newer_benchmarks(
            figures=form.figures,
            snapshot_revision=form.figures_revision,
            latest_revision=latest.revision,
        )
    ]


UPDATE_WARNING = (
    "Opdatering af benchmarktal: de fremskrevne benchmarktal i {count} afdelingsskema(er) "
    "erstattes af de nyeste. Farverne (rød/gul/grøn) kan ændre sig, og nye røde eller gule "
    "nøgletal skal kommenteres, før pakken kan fremsendes. Eksisterende kommentarer bevares. "
    "Send igen med confirm=true for at opdatere."
)


async def update_benchmarks(
    session: AsyncSession,
    scope: Scope,
    package_id: str,
    *,
    confirm: bool,
    expected_version: int | None = None,
) -> list[str]:
    """Refresh the snapshots that have indexed benchmarks from the newest figures received.

    Without ``confirm`` nothing changes and the warning is returned as a 422 problem."""
    scope.require(EDITOR_ROLES, "update the benchmarks of a package")
    repo = PackageRepository(session)
    package = await load_package(repo, scope, package_id, lock=True)
    ensure_editable(package)
    check_version(package, expected_version)
    candidates = await refreshable_forms(repo, package)
    if not candidates:
        return []
    if not confirm:
        raise ConfirmationRequiredError(UPDATE_WARNING.format(count=len(candidates)))
    updated = []
    for item in candidates:
        item.form.figures = item.latest.figures
        item.form.figures_revision = item.latest.revision
        item.form.figures_accounts_revision = item.latest.accounts_revision
        await refresh_form(repo, package, item.form)
        updated.append(item.form.key)
    await refresh_package_status(repo, package)
    await log_change(
        repo,
        package.id,
        scope,
        "benchmarks_updated",
        f"Benchmarks updated to the newest figures in {len(updated)} department form(s): "
        + ", ".join(updated),
        {"departments": updated},
    )
    return updated
