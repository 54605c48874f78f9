"""Creating the year's packages and reading them.

One package per housing organisation per governance year, for every organisation that must
report (not exempt, with at least one department that is not exempt): a governance report and
one department form per department, key figures prefilled from what the benchmark calculator
has published for the accounts year.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.events.outbox import write_outbox
from common.observability import current_correlation_id
from common.paging import PageOf, decode_cursor, page_of
from governance.db.models import AttachmentRow, DepartmentRow, FormRow, KeyFiguresRow, PackageRow
from governance.db.repositories import (
    MasterDataRepository,
    PackageQuery,
    PackageRepository,
    hold_package_opening,
)
from governance.domain.errors import CatalogueMissingError
from governance.domain.keyfigures import figure_states
from governance.domain.masterdata import department_reports, organisation_reports
from governance.domain.rules import (
    FormKind,
    FormProgress,
    PackageStatus,
    accounts_year,
    form_progress,
    package_status_while_editable,
)
from governance.domain.sending import (
    FormAccounts,
    FormKey,
    can_send,
    departments_awaiting_figures,
    departments_without_accounts,
)
from governance.domain.visibility import sees_attachment, sees_form
from governance.events import outgoing
from governance.services.core import load_package, now, question_of
from governance.services.keyfigures import refreshable_forms
from governance.services.roles import FUND_ROLES


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


async def generate_packages(session: AsyncSession, scope: Scope, year: int) -> GenerationResult:
    """Create the year's missing packages (the fund opens the governance year). Repeating it
    creates only what is missing, e.g. for organisations that arrived since."""
    scope.require(FUND_ROLES, "open a governance year")
    await hold_package_opening(session, exclusively=True)
    repo = PackageRepository(session)
    master_data = MasterDataRepository(session)
    questions = await repo.catalogue(year)
    if not questions:
        raise CatalogueMissingError(
            f"There is no question catalogue for {year}; the fund loads it first "
            f"(PUT /governance/v1/catalogues/{year})."
        )
    by_kind = {
        kind: [question_of(q) for q in questions if q.form_kind == kind.value] for kind in FormKind
    }
    existing = await repo.organisations_with_package(year)
    departments: dict[str, list[DepartmentRow]] = {}
    for department in await master_data.departments():
        if department_reports(department.exemption):
            departments.setdefault(department.organisation_id, []).append(department)
    figures = await master_data.key_figures_of_year(accounts_year(year))
    packages: list[dict[str, Any]] = []
    forms: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    created: list[str] = []
    exempt = 0
    for organisation in await master_data.organisations():
        if organisation.id in existing:
            continue
        own = departments.get(organisation.id, [])
        if not organisation_reports(organisation.exemption, len(own)):
            exempt += 1
            continue
        package_id = package_id_for(organisation.id, year)
        report = form_progress(by_kind[FormKind.REPORT], {})
        form_statuses = [report.status]
        forms.append(_form_values(package_id, FormKind.REPORT, "report", None, report, None))
        for department in own:
            held = figures.get(department.id)
            progress = form_progress(
                by_kind[FormKind.DEPARTMENT],
                {},
                figure_states(held.figures if held else None, None),
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
                "actor": scope.subject,
                "role": scope.role.value,
                "action": "package_created",
                "detail": f"Package {year} created with {len(own)} department form(s).",
                "data": {"departments": len(own)},
            }
        )
        created.append(package_id)
    await repo.add_packages(packages, forms, changes)
    at, correlation_id = now(), current_correlation_id()
    await write_outbox(
        session,
        [
            outgoing.package_status_changed(
                package_id=p["id"],
                organisation_id=p["organisation_id"],
                year=year,
                home_municipality_code=p["home_municipality_code"],
                status=p["status"],
                at=at,
                correlation_id=correlation_id,
            )
            for p in packages
        ],
    )
    return GenerationResult(year, created, existing=len(existing), exempt=exempt)


def _form_values(
    package_id: str,
    kind: FormKind,
    key: str,
    municipality: str | None,
    progress: FormProgress,
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
        "figures_accounts_revision": held.accounts_revision if held else None,
        "comments": {},
    }


# --- reading ---------------------------------------------------------------------------------


def form_keys(forms: list[FormRow]) -> list[FormKey]:
    return [FormKey(FormKind(f.kind), f.key) for f in forms]


def form_accounts(forms: list[FormRow]) -> list[FormAccounts]:
    return [FormAccounts(FormKind(f.kind), f.key, f.figures_accounts_revision) for f in forms]


@dataclass(frozen=True, slots=True)
class PackageView:
    package: PackageRow
    forms: list[FormRow]  # those the caller may see
    location_municipality_codes: list[str]
    accounts_reported: list[str]
    accounts_figures_pending: list[str]  # reported, their key figures not arrived yet
    deadline: date | None
    attachments: list[AttachmentRow]
    last_change_at: datetime | None
    newer_benchmarks: list[str]

    @property
    def departments_without_accounts(self) -> list[str]:
        return departments_without_accounts(form_keys(self.forms), set(self.accounts_reported))

    @property
    def can_send(self) -> bool:
        return can_send(
            PackageStatus(self.package.status),
            self.departments_without_accounts,
            self.accounts_figures_pending,
        )


async def read_package(session: AsyncSession, scope: Scope, package_id: str) -> PackageView:
    repo = PackageRepository(session)
    package = await load_package(repo, scope, package_id)
    return await view_of(repo, scope, package)


async def view_of(repo: PackageRepository, scope: Scope, package: PackageRow) -> PackageView:
    caller, home = scope.municipality_code, package.home_municipality_code
    all_forms = await repo.forms_of(package.id)
    forms = [f for f in all_forms if sees_form(caller, home, FormKind(f.kind), f.municipality_code)]
    visible_keys = {f.key for f in forms}
    reported = await repo.accounts_revisions(package.id, accounts_year(package.year))
    newer = (
        [r.form.key for r in await refreshable_forms(repo, package)]
        if PackageStatus(package.status).editable
        else []
    )
    return PackageView(
        package=package,
        forms=forms,
        location_municipality_codes=sorted(
            {f.municipality_code for f in all_forms if f.municipality_code}
        ),
        accounts_reported=[d for d in reported if d in visible_keys],
        accounts_figures_pending=departments_awaiting_figures(form_accounts(forms), reported),
        deadline=await repo.deadline(home, package.organisation_id, package.year),
        attachments=[
            a
            for a in await repo.attachments_of(package.id)
            if sees_attachment(caller, home, a.kind)
        ],
        last_change_at=await repo.last_change_at(package.id),
        newer_benchmarks=[k for k in newer if k in visible_keys],
    )


@dataclass(frozen=True, slots=True)
class PackageFilter:
    year: int | None = None
    status: PackageStatus | None = None
    organisation_id: str | None = None
    home_municipality_code: str | None = None


async def list_packages(
    session: AsyncSession, scope: Scope, query: PackageFilter, cursor: str | None, limit: int
) -> PageOf[Any]:
    """The packages the caller sees, by id, a page at a time: plain rows with the list's
    columns (``PackageRepository.list_visible``)."""
    after = decode_cursor(cursor, str)
    rows = await PackageRepository(session).list_visible(
        scope,
        PackageQuery(
            year=query.year,
            status=query.status.value if query.status else None,
            organisation_id=query.organisation_id,
            home_municipality_code=query.home_municipality_code,
            after=after[0] if after else None,
        ),
        limit + 1,
    )
    return page_of(rows, limit, key=lambda row: (row.id,))
