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

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.events.contracts import KeyFiguresUpdatedV1
from governance.db.models import FormRow, KeyFiguresRow, PackageRow
from governance.domain.errors import ConfirmationRequiredError
from governance.domain.rules import EDITABLE_STATUSES, FormKind
from governance.services.access import EDITOR_ROLES, Actor
from governance.services.core import (
    check_version,
    ensure_editable,
    load_package,
    log_change,
    refresh_form,
    refresh_package_status,
)


async def latest_figures(
    session: AsyncSession, department_id: str, year: int
) -> KeyFiguresRow | None:
    return await session.get(KeyFiguresRow, (department_id, year))


async def apply_key_figures(session: AsyncSession, event: KeyFiguresUpdatedV1) -> bool:
    """Keep the newest revision; prefill forms that have no snapshot yet. False if ignored."""
    figures = [f.model_dump(mode="json") for f in event.figures]
    values = {
        "department_id": event.department_id,
        "year": event.year,
        "organisation_id": event.organisation_id,
        "municipality_code": event.municipality_code,
        "revision": event.revision,
        "figures": figures,
        "computed_at": event.computed_at,
    }
    statement = pg_insert(KeyFiguresRow).values(**values)
    applied = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[KeyFiguresRow.department_id, KeyFiguresRow.year],
            set_={k: statement.excluded[k] for k in values if k not in ("department_id", "year")},
            where=KeyFiguresRow.revision < statement.excluded.revision,
        ).returning(KeyFiguresRow.revision)
    )
    if applied.first() is None:
        return False
    rows = await session.execute(
        select(FormRow, PackageRow)
        .join(PackageRow, PackageRow.id == FormRow.package_id)
        .where(
            FormRow.kind == FormKind.DEPARTMENT.value,
            FormRow.key == event.department_id,
            # No snapshot yet, or the department's accounts were reported since it was taken
            # (then the figures computed from those accounts replace it).
            or_(FormRow.figures.is_(None), FormRow.figures_revision.is_(None)),
            PackageRow.year == event.year + 1,
            PackageRow.status.in_([s.value for s in EDITABLE_STATUSES]),
        )
        .with_for_update(of=PackageRow)
    )
    for form, package in rows.all():
        refreshed = form.figures is not None
        status_before = form.status
        form.figures = figures
        form.figures_revision = event.revision
        # A form nobody has answered yet has no answers to read (its counts are kept current).
        await refresh_form(session, package, form, answers={} if form.answered == 0 else None)
        await refresh_package_status(
            session, package, forms_changed_status=form.status != status_before
        )
        what = "refreshed after the accounts were reported" if refreshed else "prefilled"
        await log_change(
            session,
            package.id,
            None,
            "key_figures_refreshed" if refreshed else "key_figures_prefilled",
            f"Key figures of department {event.department_id} for {event.year} were {what} "
            f"(revision {event.revision}).",
            {"department_id": event.department_id, "revision": event.revision},
        )
    return True


def has_indexed_benchmarks(form: FormRow) -> bool:
    return any(f.get("benchmark_indexed") for f in form.figures or [])


@dataclass(frozen=True, slots=True)
class Refreshable:
    form: FormRow
    latest: KeyFiguresRow


async def refreshable_forms(session: AsyncSession, package: PackageRow) -> list[Refreshable]:
    """Department forms whose snapshot has indexed benchmarks and newer figures have arrived."""
    rows = await session.execute(
        select(FormRow, KeyFiguresRow)
        .join(
            KeyFiguresRow,
            and_(
                KeyFiguresRow.department_id == FormRow.key,
                KeyFiguresRow.year == package.year - 1,
            ),
        )
        .where(
            FormRow.package_id == package.id,
            FormRow.kind == FormKind.DEPARTMENT.value,
            FormRow.figures.is_not(None),
            KeyFiguresRow.revision > FormRow.figures_revision,
        )
        .order_by(FormRow.key)
    )
    return [
        Refreshable(form, latest) for form, latest in rows.all() if has_indexed_benchmarks(form)
    ]


UPDATE_WARNING = (
    "Opdatering af benchmarktal: de fremskrevne benchmarktal i {count} afdelingsskema(er) "
    "erstattes af de nyeste. Farverne (rød/gul/grøn) kan ændre sig, og nye røde eller gule "
    "nøgletal skal kommenteres, før pakken kan fremsendes. Eksisterende kommentarer bevares. "
    "Send igen med confirm=true for at opdatere."
)


async def update_benchmarks(
    session: AsyncSession,
    actor: Actor,
    package_id: str,
    *,
    confirm: bool,
    expected_version: int | None = None,
) -> list[str]:
    """Refresh the snapshots that have indexed benchmarks from the newest figures received.

    Without ``confirm`` nothing changes and the warning is returned as a 422 problem."""
    actor.require(EDITOR_ROLES, "update the benchmarks of a package")
    package = await load_package(session, actor, package_id, lock=True)
    ensure_editable(package)
    check_version(package, expected_version)
    candidates = await refreshable_forms(session, package)
    if not candidates:
        return []
    if not confirm:
        raise ConfirmationRequiredError(UPDATE_WARNING.format(count=len(candidates)))
    updated = []
    for item in candidates:
        item.form.figures = item.latest.figures
        item.form.figures_revision = item.latest.revision
        await refresh_form(session, package, item.form)
        updated.append(item.form.key)
    await refresh_package_status(session, package)
    await log_change(
        session,
        package.id,
        actor,
        "benchmarks_updated",
        f"Benchmarks updated to the newest figures in {len(updated)} department form(s): "
        + ", ".join(updated),
        {"departments": updated},
    )
    return updated
