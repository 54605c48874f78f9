"""Dependencies and mappings shared by the governance routers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request

from common.access import Scope, scope_dependency
from governance.api.schemas import (
    AccountsStatus,
    AnswerOut,
    AttachmentOut,
    FigureOut,
    FormOut,
    FormSummary,
    PackageListItem,
    PackageOut,
)
from governance.db.models import FormRow, PackageRow
from governance.domain.keyfigures import colour_counts, figure_states, has_indexed_benchmarks
from governance.domain.rules import FormStatus, PackageStatus, accounts_year, deadline_passed
from governance.services.core import today
from governance.services.forms import FormView
from governance.services.packages import PackageView
from governance.services.roles import READER_ROLES
from governance.settings import GovernanceSettings

# Every route with a token: the caller's scope, or 403 for a role without a part in governance
# (narrower actions check the role in the use case).
GovernanceScope = Annotated[
    Scope, Depends(scope_dependency(READER_ROLES, "read governance packages"))
]

PackageIdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]
DepartmentIdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]
IfMatch = Annotated[
    str | None,
    Header(max_length=40, description='W/"<version>" from the package\'s ETag (optional).'),
]


def settings_of(request: Request) -> GovernanceSettings:
    settings = request.app.state.settings
    assert isinstance(settings, GovernanceSettings)
    return settings


SettingsDep = Annotated[GovernanceSettings, Depends(settings_of)]


def figures_out(form: FormRow) -> list[FigureOut]:
    comments = form.comments or {}
    states = {s.code: s for s in figure_states(form.figures, comments)}
    return [
        FigureOut(
            code=f["code"],
            value=f.get("value"),
            unit=f.get("unit", ""),
            benchmark=f.get("benchmark"),
            benchmark_indexed=bool(f.get("benchmark_indexed")),
            colour=f.get("colour", "none"),
            reason=f.get("reason"),
            comment=comments.get(f["code"]),
            needs_comment=states[f["code"]].needs_comment,
        )
        for f in form.figures or []
    ]


def form_summary(form: FormRow) -> FormSummary:
    colours = colour_counts(form.figures or [])
    return FormSummary(
        kind=form.kind,
        key=form.key,
        municipality_code=form.municipality_code,
        status=form.status,
        status_label=FormStatus(form.status).label,
        answered=form.answered,
        required=form.required,
        required_answered=form.required_answered,
        figures_prefilled=form.figures is not None,
        red_figures=colours.red,
        yellow_figures=colours.yellow,
    )


def package_out(view: PackageView) -> PackageOut:
    package = view.package
    status = PackageStatus(package.status)
    report = next((f for f in view.forms if f.kind == "report"), None)
    departments = [f for f in view.forms if f.kind == "department"]
    missing = view.departments_without_accounts
    return PackageOut(
        id=package.id,
        organisation_id=package.organisation_id,
        year=package.year,
        status=status.value,
        status_label=status.label,
        version=package.version,
        home_municipality_code=package.home_municipality_code,
        location_municipality_codes=view.location_municipality_codes,
        deadline=view.deadline,
        deadline_passed=deadline_passed(view.deadline, status, today()),
        created_at=package.created_at,
        updated_at=package.updated_at,
        last_change_at=view.last_change_at,
        sent_at=package.sent_at,
        returned_at=package.returned_at,
        meeting_held_on=package.meeting_held_on,
        statement_submitted_at=package.statement_submitted_at,
        report=form_summary(report) if report else None,
        departments=[form_summary(f) for f in departments],
        accounts=AccountsStatus(
            accounts_year=accounts_year(package.year),
            reported=sorted(view.accounts_reported),
            missing=missing,
            key_figures_pending=view.accounts_figures_pending,
        ),
        attachments=[attachment_out(a) for a in view.attachments],
        newer_benchmarks_available=view.newer_benchmarks,
        can_send=view.can_send,
    )


def attachment_out(row: Any) -> AttachmentOut:
    return AttachmentOut(
        id=row.id,
        kind=row.kind,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        municipality_code=row.municipality_code,
        uploaded_at=row.uploaded_at,
    )


def list_item_values(row: Any) -> dict[str, Any]:
    """A package list's row (``PackageRepository.list_visible``) as the item's plain values: the
    route's response model validates and serialises them once."""
    values = dict(row._mapping)
    values["status_label"] = PackageStatus(row.status).label
    return values


def list_item(package: PackageRow) -> PackageListItem:
    status = PackageStatus(package.status)
    return PackageListItem(
        id=package.id,
        organisation_id=package.organisation_id,
        year=package.year,
        status=status.value,
        status_label=status.label,
        version=package.version,
        home_municipality_code=package.home_municipality_code,
        sent_at=package.sent_at,
        updated_at=package.updated_at,
    )


def form_out(view: FormView) -> FormOut:
    form = view.form
    progress = view.progress
    return FormOut(
        package_id=view.package.id,
        package_version=view.package.version,
        kind=form.kind,
        key=form.key,
        municipality_code=form.municipality_code,
        status=progress.status.value,
        status_label=progress.status.label,
        answered=progress.answered,
        required=progress.required,
        required_answered=progress.required_answered,
        missing_required=list(progress.missing_required),
        figures_needing_comment=list(progress.figures_needing_comment),
        questions=[
            AnswerOut(
                code=q.code,
                section=q.section,
                text=q.text,
                kind=q.kind,
                required=q.required,
                options=list(q.options),
                help_text=q.help_text,
                answer=view.answers.get(q.code),
            )
            for q in view.questions
        ],
        key_figures=figures_out(form),
        benchmarks_indexed=has_indexed_benchmarks(form.figures),
        read_only=not PackageStatus(view.package.status).editable,
    )
