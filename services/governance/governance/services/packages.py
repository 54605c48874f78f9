"""Creating the year's packages and reading them.

One package per housing organisation per governance year, for every organisation that must
report (not exempt, with at least one department that is not exempt): a governance report and
one department form per department, key figures prefilled from what the benchmark calculator
has published for the accounts year.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from governance.db.models import (
    AccountsRow,
    AttachmentRow,
    DeadlineRow,
    DepartmentRow,
    FormRow,
    KeyFiguresRow,
    OrganisationRow,
    PackageChangeRow,
    PackageRow,
    QuestionRow,
)
from governance.domain.errors import CatalogueMissingError
from governance.domain.rules import (
    FigureState,
    FormKind,
    FormStatus,
    PackageStatus,
    accounts_year,
    form_progress,
    package_status_while_editable,
)
from governance.services.access import Actor
from governance.services.core import forms_of, load_package, question_of


def package_id_for(organisation_id: str, year: int) -> str:
    candidate = f"pkg-{year}-{organisation_id}"
    if len(candidate) <= 64:
        return candidate
    return f"pkg-{year}-{uuid.uuid5(uuid.NAMESPACE_URL, organisation_id).hex}"


@dataclass(frozen=True, slots=True)
class GenerationResult:
    year: int
    created: list[str] = field(default_factory=list)
    existing: int = 0
    exempt: int = 0


async def generate_packages(session: AsyncSession, actor: Actor, year: int) -> GenerationResult:
    """Create the year's missing packages (the fund opens the governance year). Repeating it
    creates only what is missing, e.g. for organisations that arrived since."""
    actor.require_fund("open a governance year")
    questions = list(
        (
            await session.execute(
                select(QuestionRow).where(QuestionRow.year == year).order_by(QuestionRow.position)
            )
        ).scalars()
    )
    if not questions:
        raise CatalogueMissingError(
            f"There is no question catalogue for {year}; the fund loads it first "
            f"(PUT /governance/v1/catalogues/{year})."
        )
    by_kind = {
        kind: [question_of(q) for q in questions if q.form_kind == kind.value] for kind in FormKind
    }
    existing = set(
        (await session.execute(select(PackageRow.organisation_id).where(PackageRow.year == year)))
        .scalars()
        .all()
    )
    organisations = list(
        (await session.execute(select(OrganisationRow).order_by(OrganisationRow.id))).scalars()
    )
    departments: dict[str, list[DepartmentRow]] = {}
    for department in (
        await session.execute(
            select(DepartmentRow)
            .where(DepartmentRow.exemption.is_(None))
            .order_by(DepartmentRow.id)
        )
    ).scalars():
        departments.setdefault(department.organisation_id, []).append(department)
    figures = {
        row.department_id: row
        for row in (
            await session.execute(
                select(KeyFiguresRow).where(KeyFiguresRow.year == accounts_year(year))
            )
        ).scalars()
    }
    packages: list[dict[str, Any]] = []
    forms: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    result = GenerationResult(year=year)
    exempt = 0
    for organisation in organisations:
        if organisation.id in existing:
            continue
        own = departments.get(organisation.id, [])
        if organisation.exemption is not None or not own:
            exempt += 1
            continue
        package_id = package_id_for(organisation.id, year)
        report = form_progress(by_kind[FormKind.REPORT], {})
        form_statuses = [report.status]
        forms.append(_form_values(package_id, FormKind.REPORT, "report", None, report, None))
        for department in own:
            held = figures.get(department.id)
            snapshot = held.figures if held else None
            progress = form_progress(
                by_kind[FormKind.DEPARTMENT],
                {},
                [FigureState(f["code"], f.get("colour", "none"), None) for f in snapshot or []],
            )
            form_statuses.append(progress.status)
            forms.append(
                _form_values(
                    package_id,
                    FormKind.DEPARTMENT,
                    department.id,
                    department.municipality_code,
                    progress,
                    held,
                )
            )
        packages.append(
            {
                "id": package_id,
                "organisation_id": organisation.id,
                "year": year,
                "status": package_status_while_editable(form_statuses).value,
                "version": 1,
                "home_municipality_code": organisation.home_municipality_code,
            }
        )
        changes.append(
            {
                "package_id": package_id,
                "actor": actor.subject,
                "role": actor.role.value,
                "action": "package_created",
                "detail": f"Package {year} created with {len(own)} department form(s).",
                "data": {"departments": len(own)},
            }
        )
        result.created.append(package_id)
    for chunk in _chunks(packages, 1000):
        await session.execute(insert(PackageRow), chunk)
    for chunk in _chunks(forms, 2000):
        await session.execute(insert(FormRow), chunk)
    for chunk in _chunks(changes, 2000):
        await session.execute(insert(PackageChangeRow), chunk)
    return GenerationResult(year, result.created, existing=len(existing), exempt=exempt)


def _chunks(rows: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _form_values(
    package_id: str,
    kind: FormKind,
    key: str,
    municipality: str | None,
    progress: Any,
    held: KeyFiguresRow | None,
) -> dict[str, Any]:
    return {
        "package_id": package_id,
        "kind": kind.value,
        "key": key,
        "municipality_code": municipality,
        "status": progress.status.value,
        "answered": 0,
        "required": progress.required,
        "required_answered": 0,
        "figures": held.figures if held else None,
        "figures_revision": held.revision if held else None,
        "comments": {},
    }


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackageView:
    package: PackageRow
    forms: list[FormRow]  # those the caller may see
    location_municipality_codes: list[str]
    accounts_reported: list[str]
    deadline: date | None
    attachments: list[AttachmentRow]
    last_change_at: Any
    newer_benchmarks: list[str]

    @property
    def departments_without_accounts(self) -> list[str]:
        reported = set(self.accounts_reported)
        return [
            f.key
            for f in self.forms
            if f.kind == FormKind.DEPARTMENT.value and f.key not in reported
        ]


async def read_package(session: AsyncSession, actor: Actor, package_id: str) -> PackageView:
    package = await load_package(session, actor, package_id)
    return await view_of(session, actor, package)


async def view_of(session: AsyncSession, actor: Actor, package: PackageRow) -> PackageView:
    from governance.services.keyfigures import refreshable_forms

    all_forms = await forms_of(session, package.id)
    forms = [
        f
        for f in all_forms
        if f.kind == FormKind.REPORT.value
        or actor.sees_department_form(package, f.municipality_code)
    ]
    locations = sorted({f.municipality_code for f in all_forms if f.municipality_code})
    reported = list(
        (
            await session.execute(
                select(AccountsRow.department_id).where(
                    AccountsRow.package_id == package.id,
                    AccountsRow.accounts_year == accounts_year(package.year),
                )
            )
        ).scalars()
    )
    deadline = (
        await session.execute(
            select(DeadlineRow.deadline).where(
                DeadlineRow.municipality_code == package.home_municipality_code,
                DeadlineRow.organisation_id == package.organisation_id,
                DeadlineRow.year == package.year,
            )
        )
    ).scalar_one_or_none()
    attachments = [
        a
        for a in (
            await session.execute(
                select(AttachmentRow)
                .where(AttachmentRow.package_id == package.id)
                .order_by(AttachmentRow.uploaded_at, AttachmentRow.id)
            )
        ).scalars()
        if actor.sees_attachment(package, a.kind)
    ]
    last_change = (
        await session.execute(
            select(func.max(PackageChangeRow.at)).where(PackageChangeRow.package_id == package.id)
        )
    ).scalar_one_or_none()
    newer = (
        [r.form.key for r in await refreshable_forms(session, package)]
        if PackageStatus(package.status).editable
        else []
    )
    visible_keys = {f.key for f in forms}
    return PackageView(
        package=package,
        forms=forms,
        location_municipality_codes=locations,
        accounts_reported=[d for d in reported if d in visible_keys],
        deadline=deadline,
        attachments=attachments,
        last_change_at=last_change,
        newer_benchmarks=[k for k in newer if k in visible_keys],
    )


@dataclass(frozen=True, slots=True)
class PackageFilter:
    year: int | None = None
    status: PackageStatus | None = None
    organisation_id: str | None = None
    home_municipality_code: str | None = None
    after: str | None = None
    limit: int = 100


async def list_packages(
    session: AsyncSession, actor: Actor, query: PackageFilter
) -> tuple[list[PackageRow], str | None]:
    statement = select(PackageRow).where(actor.package_filter())
    if query.year is not None:
        statement = statement.where(PackageRow.year == query.year)
    if query.status is not None:
        statement = statement.where(PackageRow.status == query.status.value)
    if query.organisation_id is not None:
        statement = statement.where(PackageRow.organisation_id == query.organisation_id)
    if query.home_municipality_code is not None:
        statement = statement.where(
            PackageRow.home_municipality_code == query.home_municipality_code
        )
    if query.after is not None:
        statement = statement.where(PackageRow.id > query.after)
    rows = list(
        (await session.execute(statement.order_by(PackageRow.id).limit(query.limit + 1))).scalars()
    )
    next_cursor = rows[query.limit - 1].id if len(rows) > query.limit else None
    return rows[: query.limit], next_cursor


def form_status_counts(forms: list[FormRow]) -> dict[str, int]:
    counts = {s.value: 0 for s in FormStatus}
    for form in forms:
        counts[form.status] += 1
    return counts
