"""The local read model of the register's organisations and departments, and the fund's
exemptions.

Governance never reads the register's database: ``register.organisation.upserted`` and
``register.department.upserted`` keep these rows current (an older version than held is
ignored). Whether an organisation or department is exempt from the reporting duty (seed 002 §3:
regional, municipal and self-owning elderly housing, self-owning youth housing) is not in the
register's events, so the fund records it here (``PUT /exemptions/...``); an exempt
organisation gets no package and an exempt department no department form.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import NotFoundError
from common.events.contracts import DepartmentUpsertedV1, OrganisationUpsertedV1
from governance.db.models import DepartmentRow, FormRow, OrganisationRow, PackageRow
from governance.domain.rules import EDITABLE_STATUSES, FormKind, FormStatus
from governance.services.access import Actor
from governance.services.core import log_change, now, refresh_form, refresh_package_status


class Exemption(StrEnum):
    REGIONAL_ELDERLY = "regional_elderly"  # regionale ældreboliger
    MUNICIPAL_ELDERLY = "municipal_elderly"  # kommunale ældreboliger
    SELF_OWNING_ELDERLY = "self_owning_elderly"  # selvejende almene ældreboliger
    SELF_OWNING_YOUTH = "self_owning_youth"  # selvejende almene ungdomsboliger


async def apply_organisation(session: AsyncSession, event: OrganisationUpsertedV1) -> None:
    values = {
        "id": event.organisation_id,
        "home_municipality_code": event.home_municipality_code,
        "administered_by": event.administered_by,
        "version": event.version,
        "recorded_at": event.recorded_at,
    }
    statement = pg_insert(OrganisationRow).values(**values)
    applied = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[OrganisationRow.id],
            set_={**{k: statement.excluded[k] for k in values if k != "id"}, "updated_at": now()},
            where=OrganisationRow.version < statement.excluded.version,
        ).returning(OrganisationRow.id)
    )
    if applied.first() is None:
        return
    # An organisation that moved: its packages not yet sent go to the new home municipality.
    packages = await session.execute(
        select(PackageRow).where(
            PackageRow.organisation_id == event.organisation_id,
            PackageRow.status.in_([s.value for s in EDITABLE_STATUSES]),
            PackageRow.home_municipality_code != event.home_municipality_code,
        )
    )
    for package in packages.scalars():
        old = package.home_municipality_code
        package.home_municipality_code = event.home_municipality_code
        package.version += 1
        await log_change(
            session,
            package.id,
            None,
            "home_municipality_changed",
            f"Home municipality changed from {old} to {event.home_municipality_code} (register).",
        )


async def apply_department(session: AsyncSession, event: DepartmentUpsertedV1) -> None:
    values = {
        "id": event.department_id,
        "organisation_id": event.organisation_id,
        "municipality_code": event.municipality_code,
        "housing_type": event.housing_type.value,
        "building_type": event.building_type,
        "construction_year": event.construction_year,
        "version": event.version,
        "recorded_at": event.recorded_at,
    }
    statement = pg_insert(DepartmentRow).values(**values)
    applied = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[DepartmentRow.id],
            set_={**{k: statement.excluded[k] for k in values if k != "id"}, "updated_at": now()},
            where=DepartmentRow.version < statement.excluded.version,
        ).returning(DepartmentRow.exemption)
    )
    row = applied.first()
    if row is None or row.exemption is not None:
        return
    await _add_department_to_open_packages(session, event)


async def _add_department_to_open_packages(
    session: AsyncSession, event: DepartmentUpsertedV1
) -> None:
    """A department that appears (or moves) while its organisation's packages are still being
    prepared gets its form in them; the form's location follows the department."""
    packages = (
        await session.execute(
            select(PackageRow).where(
                PackageRow.organisation_id == event.organisation_id,
                PackageRow.status.in_([s.value for s in EDITABLE_STATUSES]),
            )
        )
    ).scalars()
    for package in packages:
        form = (
            await session.execute(
                select(FormRow).where(
                    FormRow.package_id == package.id,
                    FormRow.kind == FormKind.DEPARTMENT.value,
                    FormRow.key == event.department_id,
                )
            )
        ).scalar_one_or_none()
        if form is not None:
            form.municipality_code = event.municipality_code
            continue
        from governance.services.keyfigures import latest_figures

        figures = await latest_figures(session, event.department_id, package.year - 1)
        form = FormRow(
            package_id=package.id,
            kind=FormKind.DEPARTMENT.value,
            key=event.department_id,
            municipality_code=event.municipality_code,
            status=FormStatus.READY.value,
            figures=figures.figures if figures else None,
            figures_revision=figures.revision if figures else None,
            comments={},
        )
        session.add(form)
        await session.flush()
        await refresh_form(session, package, form)
        await refresh_package_status(session, package)
        await log_change(
            session,
            package.id,
            None,
            "department_added",
            f"Department {event.department_id} was added to the package (register).",
        )


async def set_exemption(
    session: AsyncSession,
    actor: Actor,
    *,
    organisation_id: str | None = None,
    department_id: str | None = None,
    exemption: Exemption | None,
) -> None:
    """The fund marks an organisation or a department exempt (or not any more). Packages
    already created keep their content; the flag applies to packages created afterwards."""
    actor.require_fund("set exemptions from the reporting duty")
    row: OrganisationRow | DepartmentRow | None
    if organisation_id is not None:
        row = await session.get(OrganisationRow, organisation_id)
        what = f"Organisation {organisation_id}"
    else:
        row = await session.get(DepartmentRow, department_id)
        what = f"Department {department_id}"
    if row is None:
        raise NotFoundError(
            f"{what} is not known to governance yet (it arrives with the register's events)."
        )
    row.exemption = exemption.value if exemption else None
    row.updated_at = now()
