"""The applicant's side of a prequalification application: create it (one form per department,
prefilled from the register's read model), edit title and budget, answer the department forms,
declare participation, attach files and send it; and reading cases, the fund's case list and a
case's history (every role, within what it sees)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.calendar import DANISH_TIME, danish_date
from common.db.uow import UnitOfWork
from common.documents import FileType, clean_filename, identify, pdf_pages
from common.errors import FieldError, RuleViolationError
from common.paging import InvalidCursorError, PageOf, decode_cursor, page_of
from grants.db.models import (
    ApplicationRow,
    AttachmentRow,
    DeclarationRow,
    DepartmentFiguresRow,
    DepartmentFormRow,
    HistoryRow,
    PaymentRow,
    RecommendationRow,
    StatementRow,
)
from grants.db.rent_support import transfers_of
from grants.db.repositories import ApplicationRepository, MasterDataRepository
from grants.domain.budget import Budget, budget_problems, size_problems
from grants.domain.deadlines import (
    case_age_days,
    last_sent_day_flagged,
    past_expected_processing,
)
from grants.domain.errors import (
    ApplicationReadOnlyError,
    AttachmentNotFoundError,
    AttachmentRejectedError,
    AttachmentTooLargeError,
    MasterDataUnknownError,
    SendBlockedError,
)
from grants.domain.files import type_problem
from grants.domain.forms import answer_errors, merge_answers, missing_fields
from grants.domain.frame import ensure_frame_year
from grants.domain.lifecycle import (
    AWAITING_FUND,
    EDITABLE,
    PLAN_EDITABLE,
    Action,
    Status,
    ensure_committed,
    transition,
)
from grants.domain.plan import plan_problems
from grants.domain.sending import (
    APPLICATION_ATTACHMENTS,
    AttachmentKind,
    DepartmentFormCheck,
    SendCheck,
    description_page_problem,
    send_blockers,
)
from grants.events import outgoing
from grants.services.core import (
    budget_json,
    budget_of,
    check_version,
    load,
    now,
    plan_of,
    record,
)
from grants.services.followup import receive_status
from grants.services.roles import APPLICANT_ROLES, MUNICIPALITY_ROLES


@dataclass(frozen=True, slots=True)
class NewApplication:
    title: str
    kind: str
    organisation_ids: Sequence[str]
    department_ids: Sequence[str]
    year: int


@dataclass(frozen=True, slots=True)
class ApplicationView:
    application: ApplicationRow
    forms: list[DepartmentFormRow]
    attachments: list[AttachmentRow]
    declared: list[str]
    recommendation: RecommendationRow | None
    recommended: bool
    budget_problems: list[FieldError]
    send_blockers: list[FieldError]
    plan_problems: list[FieldError]
    statements: list[StatementRow]
    payments: list[PaymentRow]
    age_days: int | None
    past_expected_processing: bool
    # a rent-support case: the operating-support cases its uncovered departments went to
    transfers: list[ApplicationRow] = field(default_factory=list)


def _plan_editable(application: ApplicationRow) -> bool:
    return Status(application.status) is Status.PREQUALIFIED


def ensure_plan_editable(application: ApplicationRow) -> None:
    if not _plan_editable(application):
        status = Status(application.status)
        raise ApplicationReadOnlyError(
            f"Application {application.id} has status '{status.value}' ({status.label}); the "
            "comprehensive plan is made while the case is prequalified, before the municipal "
            "council approves it."
        )


def ensure_editable(application: ApplicationRow) -> None:
    if Status(application.status) not in EDITABLE:
        status = Status(application.status)
        raise ApplicationReadOnlyError(
            f"Application {application.id} has status '{status.value}' ({status.label}); only "
            "a draft can be changed."
        )


# --- create and edit ----------------------------------------------------------------------


async def create_application(uow: UnitOfWork, scope: Scope, new: NewApplication) -> ApplicationRow:
    scope.require(APPLICANT_ROLES, "create grant applications")
    lead = new.organisation_ids[0]
    scope.ensure_acts_for(lead, "apply")
    ensure_frame_year(new.year)
    if len(set(new.organisation_ids)) != len(new.organisation_ids):
        raise RuleViolationError("An organisation is listed twice in organisation_ids.")
    if len(set(new.department_ids)) != len(new.department_ids):
        raise RuleViolationError("A department is listed twice in department_ids.")
    master = MasterDataRepository(uow.session)
    departments = {d.id: d for d in await master.departments(new.department_ids)}
    unknown = [d for d in new.department_ids if d not in departments]
    if unknown:
        raise MasterDataUnknownError(
            "The grants service does not know these departments yet (they arrive with the rent "
            f"register's events): {', '.join(unknown)}.",
            errors=[
                FieldError(f"/department_ids/{new.department_ids.index(d)}", "Unknown.", "unknown")
                for d in unknown
            ],
        )
    errors = [
        FieldError(
            f"/department_ids/{index}",
            f"Department {dep_id} belongs to organisation {departments[dep_id].organisation_id}, "
            "which is not among organisation_ids.",
            "foreign-department",
        )
        for index, dep_id in enumerate(new.department_ids)
        if departments[dep_id].organisation_id not in new.organisation_ids
    ]
    without = [
        o for o in new.organisation_ids if all(d.organisation_id != o for d in departments.values())
    ]
    errors += [
        FieldError(
            f"/organisation_ids/{new.organisation_ids.index(o)}",
            f"Organisation {o} has no department in the application.",
            "organisation-without-department",
        )
        for o in without
    ]
    municipalities = sorted({d.municipality_code for d in departments.values()})
    if len(municipalities) > 1:
        errors.append(
            FieldError(
                "/department_ids",
                "The departments lie in several municipalities "
                f"({', '.join(municipalities)}); an application has one location municipality "
                "that recommends it — apply once per municipality.",
                "several-municipalities",
            )
        )
    if errors:
        raise RuleViolationError(
            "The application's organisations and departments do not fit together; see 'errors'.",
            errors=errors,
        )
    at = now()
    application = ApplicationRow(
        id=f"app-{new.year}-{uuid.uuid4().hex[:12]}",
        kind=new.kind,
        title=new.title,
        lead_organisation_id=lead,
        organisation_ids=list(new.organisation_ids),
        department_ids=list(new.department_ids),
        municipality_code=municipalities[0],
        year=new.year,
        status=Status.DRAFT.value,
        version=0,
        payments_stopped=False,
        overdue=False,
        created_by=scope.subject,
        created_at=at,
        updated_at=at,
    )
    repo = ApplicationRepository(uow.session)
    await repo.add(application)
    # rent and letting figures of the latest year before the application's
    figures = await master.latest_figures(new.department_ids, new.year - 1)
    for dep_id in new.department_ids:
        department = departments[dep_id]
        found = None if dep_id not in figures else figures_json(figures[dep_id])
        await repo.add_form(
            DepartmentFormRow(
                application_id=application.id,
                department_id=dep_id,
                organisation_id=department.organisation_id,
                municipality_code=department.municipality_code,
                prefilled={
                    "organisation_id": department.organisation_id,
                    "municipality_code": department.municipality_code,
                    "region": department.region,
                    "housing_type": department.housing_type,
                    "building_type": department.building_type,
                    "construction_year": department.construction_year,
                    "register_version": department.version,
                    "key_figures": found,
                },
                answers=prefilled_answers(found),
                updated_at=at,
            )
        )
    await record(
        repo,
        application,
        scope,
        "created",
        f"Application created for {len(new.department_ids)} department(s) in municipality "
        f"{application.municipality_code}.",
        {"departments": list(new.department_ids), "organisations": list(new.organisation_ids)},
        at=at,
    )
    return application


def _two_decimals(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def figures_json(figures: DepartmentFiguresRow) -> dict[str, Any]:
    """The benchmark calculator's figures a form was prefilled with (shown to the applicant)."""
    return {
        "year": figures.year,
        "rent_per_m2": _two_decimals(figures.rent_per_m2),
        "comparable_rent_per_m2": _two_decimals(figures.comparable_rent_per_m2),
        "vacancy_share": _two_decimals(figures.vacancy_share),
        "move_out_rate": _two_decimals(figures.move_out_rate),
        "average_dwelling_size": _two_decimals(figures.average_dwelling_size),
    }


# the form's answers prefilled from the calculator's figures: answer code → figure
_PREFILLED_ANSWERS = {
    "average_rent_per_m2": "rent_per_m2",
    "vacancy_percent": "vacancy_share",
    "turnover_percent": "move_out_rate",
}


def prefilled_answers(figures: dict[str, Any] | None) -> dict[str, Any]:
    """The form's rent and letting answers from the prefilled figures (:func:`figures_json`;
    the applicant may change them)."""
    figures = figures or {}
    return {
        code: figures[key]
        for code, key in _PREFILLED_ANSWERS.items()
        if figures.get(key) is not None
    }


async def prefill_new_figures(session: AsyncSession, department_id: str) -> None:
    """The calculator's figures for a department arrived (or changed) after a draft including
    it was created: its form is prefilled with them now — the figures, and each prefilled
    answer the applicant has not given or changed — with a history line. Sent applications
    keep the figures they were sent with."""
    repo = ApplicationRepository(session)
    master = MasterDataRepository(session)
    for application in await repo.drafts_with_department(department_id):
        latest = await master.latest_figures([department_id], application.year - 1)
        form = await repo.form(application.id, department_id)
        if department_id not in latest or form is None:
            continue
        held = form.prefilled.get("key_figures")
        figures = figures_json(latest[department_id])
        if figures == held:
            continue
        before = prefilled_answers(held)
        answers = dict(form.answers)
        for code, value in prefilled_answers(figures).items():
            if answers.get(code) is None or answers[code] == before.get(code):
                answers[code] = value
        at = now()
        form.prefilled = {**form.prefilled, "key_figures": figures}
        form.answers = answers
        form.updated_at = at
        await record(
            repo,
            application,
            None,
            "figures_prefilled",
            f"The form of department {department_id} was prefilled with the benchmark "
            f"calculator's figures for {figures['year']}.",
            {"department_id": department_id, "year": figures["year"]},
            at=at,
        )


async def update_application(
    uow: UnitOfWork,
    scope: Scope,
    application_id: str,
    *,
    title: str | None,
    budget: Budget | None,
    expected: int | None = None,
) -> ApplicationRow:
    scope.require(APPLICANT_ROLES, "edit grant applications")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    check_version(application, expected)
    if not (budget is not None and title is None and _plan_editable(application)):
        ensure_editable(application)  # the title only in a draft; the budget also in the plan
    changed: list[str] = []
    if title is not None and title != application.title:
        application.title = title
        changed.append("title")
    if budget is not None:
        too_large = size_problems(budget)
        if too_large:
            raise RuleViolationError("The budget cannot be stored; see 'errors'.", errors=too_large)
        application.budget = budget_json(budget)
        application.requested_amount = budget.requested
        changed.append("budget")
    if changed:
        await record(repo, application, scope, "edited", f"Changed: {', '.join(changed)}.")
    return application


async def save_form_answers(
    uow: UnitOfWork,
    scope: Scope,
    application_id: str,
    department_id: str,
    answers: dict[str, Any],
    expected: int | None = None,
) -> DepartmentFormRow:
    scope.require(APPLICANT_ROLES, "fill in application forms")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    check_version(application, expected)
    ensure_editable(application)
    form = await repo.form(application.id, department_id)
    if form is None:
        raise RuleViolationError(
            f"Department {department_id} is not part of application {application.id}; its "
            f"departments are {', '.join(application.department_ids)}."
        )
    errors = answer_errors(answers)
    if errors:
        raise RuleViolationError(
            f"{len(errors)} answer(s) do not fit the form; see 'errors'.", errors=errors
        )
    form.answers = merge_answers(form.answers, answers)
    form.updated_at = now()
    await record(
        repo,
        application,
        scope,
        "form_saved",
        f"Department {department_id}'s form: {', '.join(sorted(answers))} answered.",
    )
    return form


async def declare(
    uow: UnitOfWork, scope: Scope, application_id: str, organisation_id: str
) -> DeclarationRow:
    """A participating housing organisation declares (tilkendegiver) that the application is
    sent on behalf of its departments."""
    scope.require(APPLICANT_ROLES, "declare participation")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    ensure_editable(application)
    if organisation_id not in application.organisation_ids:
        raise RuleViolationError(
            f"Organisation {organisation_id} does not take part in application {application.id}."
        )
    scope.ensure_acts_for(organisation_id, "declare participation")
    existing = await repo.declaration(application.id, organisation_id)
    if existing is not None:
        return existing
    at = now()
    declaration = DeclarationRow(
        application_id=application.id,
        organisation_id=organisation_id,
        declared_by=scope.subject,
        declared_at=at,
    )
    await repo.add_row(declaration)
    await record(
        repo,
        application,
        scope,
        "declared",
        f"Housing organisation {organisation_id} declared its participation.",
        at=at,
    )
    return declaration


async def recommend(
    uow: UnitOfWork, scope: Scope, application_id: str, comment: str | None
) -> RecommendationRow:
    """The location municipality recommends the application in the system."""
    scope.require(MUNICIPALITY_ROLES, "recommend applications")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    ensure_editable(application)
    existing = await repo.recommendation(application.id)
    at = now()
    if existing is not None:
        existing.comment = comment
        existing.source = "system"
        existing.recorded_by = scope.subject
        existing.recorded_at = at
        recommendation = existing
    else:
        recommendation = RecommendationRow(
            application_id=application.id,
            municipality_code=application.municipality_code,
            source="system",
            comment=comment,
            recorded_by=scope.subject,
            recorded_at=at,
        )
        await repo.add_row(recommendation)
    await record(
        repo,
        application,
        scope,
        "recommended",
        f"Municipality {application.municipality_code} recommended the application.",
        {"comment": comment},
        at=at,
    )
    return recommendation


async def save_plan(
    uow: UnitOfWork,
    scope: Scope,
    application_id: str,
    plan: dict[str, Any],
    expected: int | None = None,
) -> ApplicationRow:
    """Store the comprehensive plan's content (replacing what was stored)."""
    scope.require(APPLICANT_ROLES, "write comprehensive plans")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    check_version(application, expected)
    ensure_plan_editable(application)
    plan_of(plan)  # the API has checked the shape; this must hold
    application.plan = plan
    await record(repo, application, scope, "plan_saved", "Comprehensive plan saved.")
    return application


# --- attachments -------------------------------------------------------------------------


async def attach(
    uow: UnitOfWork,
    scope: Scope,
    application_id: str,
    *,
    kind: AttachmentKind,
    filename: str,
    content: bytes,
    organisation_id: str | None,
    max_bytes: int,
    year: int | None = None,
) -> AttachmentRow:
    scope.require(APPLICANT_ROLES, "attach files to applications")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    if kind is AttachmentKind.YEARLY_STATUS:
        ensure_committed(Status(application.status), "A yearly status report")
        start, end = application.period_start_year, application.period_end_year
        if year is None or start is None or end is None or not start <= year <= end:
            raise RuleViolationError(
                "A yearly status report names its calendar year (query parameter year), one "
                f"of the commitment period {start}–{end}."
            )
    elif year is not None:
        raise RuleViolationError("year is given only with a yearly status report.")
    elif kind in APPLICATION_ATTACHMENTS:
        ensure_editable(application)
    else:
        ensure_plan_editable(application)
    if len(content) > max_bytes:
        raise AttachmentTooLargeError(
            f"The file is {len(content):,} bytes; at most {max_bytes:,} bytes are accepted."
        )
    problem = type_problem(kind, content)
    if problem:
        raise AttachmentRejectedError(problem)
    if kind is AttachmentKind.DECLARATION:
        if organisation_id is None or organisation_id not in application.organisation_ids:
            raise RuleViolationError(
                "A declaration names the participating organisation it is from "
                "(query parameter organisation_id, one of "
                f"{', '.join(application.organisation_ids)})."
            )
        scope.ensure_acts_for(organisation_id, "upload a declaration")
    elif organisation_id is not None:
        raise RuleViolationError("organisation_id is given only with a declaration.")
    file_type = identify(content)
    assert file_type is not None  # type_problem refused anything else
    pages = pdf_pages(content) if file_type is FileType.PDF else None
    if kind is AttachmentKind.PROJECT_DESCRIPTION:
        assert pages is not None
        page_problem = description_page_problem(pages)
        if page_problem:
            raise AttachmentRejectedError(page_problem)
    at = now()
    attachment = AttachmentRow(
        id=str(uuid.uuid4()),
        application_id=application.id,
        kind=kind.value,
        organisation_id=organisation_id,
        filename=clean_filename(filename),
        content_type=file_type.value,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        pages=pages,
        year=year,
        content=content,
        uploaded_by=scope.subject,
        uploaded_at=at,
    )
    await repo.add_attachment(attachment)
    await record(
        repo,
        application,
        scope,
        "attached",
        f"Attached {kind.value}"
        + (f" for {year}" if year is not None else "")
        + f": {attachment.filename} ({len(content):,} bytes).",
        {"attachment_id": attachment.id, "kind": kind.value},
        at=at,
    )
    if kind is AttachmentKind.YEARLY_STATUS:
        assert year is not None
        await receive_status(uow, repo, scope, application, year, attachment.id, at)
    return attachment


async def read_attachment(
    uow: UnitOfWork, scope: Scope, application_id: str, attachment_id: str
) -> AttachmentRow:
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id)
    attachment = await repo.attachment(application.id, attachment_id)
    if attachment is None:
        raise AttachmentNotFoundError(
            f"Attachment {attachment_id} was not found on application {application.id}."
        )
    return attachment


# --- reading ----------------------------------------------------------------------------


def declared_organisations(
    declarations: list[DeclarationRow], attachments: list[AttachmentRow]
) -> list[str]:
    found = {d.organisation_id for d in declarations}
    found |= {
        a.organisation_id
        for a in attachments
        if a.kind == AttachmentKind.DECLARATION.value and a.organisation_id
    }
    return sorted(found)


async def view_of(repo: ApplicationRepository, application: ApplicationRow) -> ApplicationView:
    forms = await repo.forms_of(application.id)
    attachments = await repo.attachments_of(application.id)
    declared = declared_organisations(await repo.declarations_of(application.id), attachments)
    recommendation = await repo.recommendation(application.id)
    recommended = recommendation is not None or any(
        a.kind == AttachmentKind.MUNICIPAL_RECOMMENDATION.value for a in attachments
    )
    budget = budget_of(application.budget)
    check = SendCheck(
        forms=[
            DepartmentFormCheck(f.department_id, tuple(missing_fields(f.answers))) for f in forms
        ],
        attachment_kinds={AttachmentKind(a.kind) for a in attachments},
        budget=budget,
        recommended=recommended,
        organisation_ids=list(application.organisation_ids),
        declared_organisations=declared,
    )
    status = Status(application.status)
    today = danish_date(now())
    sent_on = danish_date(application.sent_at) if application.sent_at else None
    return ApplicationView(
        application=application,
        forms=forms,
        attachments=attachments,
        declared=declared,
        recommendation=recommendation,
        recommended=recommended,
        budget_problems=budget_problems(budget) if budget else [],
        send_blockers=send_blockers(check) if status is Status.DRAFT else [],
        plan_problems=(
            plan_problems(plan_of(application.plan), check.attachment_kinds, budget)
            if status in PLAN_EDITABLE
            else []
        ),
        statements=await repo.statements_of(application.id),
        payments=await repo.payments_of(application.id),
        age_days=case_age_days(sent_on, today),
        past_expected_processing=past_expected_processing(sent_on, today, status in AWAITING_FUND),
        transfers=await transfers_of(repo.session, application.id),
    )


async def plan_blockers(
    repo: ApplicationRepository, application: ApplicationRow
) -> list[FieldError]:
    """What the comprehensive plan still lacks (see :mod:`grants.domain.plan`)."""
    kinds = {AttachmentKind(a.kind) for a in await repo.attachments_of(application.id)}
    return plan_problems(plan_of(application.plan), kinds, budget_of(application.budget))


async def read_application(uow: UnitOfWork, scope: Scope, application_id: str) -> ApplicationView:
    repo = ApplicationRepository(uow.session)
    return await view_of(repo, await load(repo, scope, application_id))


async def send_application(uow: UnitOfWork, scope: Scope, application_id: str) -> ApplicationView:
    scope.require(APPLICANT_ROLES, "send applications")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    status = transition(Status(application.status), Action.SEND)
    view = await view_of(repo, application)
    if view.send_blockers:
        raise SendBlockedError(view.send_blockers)
    budget = budget_of(application.budget)
    assert budget is not None
    at = now()
    application.status = status.value
    application.sent_at = at
    application.requested_amount = budget.requested
    await record(
        repo,
        application,
        scope,
        "sent",
        f"Prequalification application sent to the fund; {budget.requested} DKK applied for.",
        at=at,
    )
    uow.record_event(outgoing.submitted(application, budget.requested, at))
    return await view_of(repo, application)


@dataclass(frozen=True, slots=True)
class CaseFilter:
    status: str | None = None
    municipality_code: str | None = None
    year: int | None = None
    overdue: bool | None = None
    past_expected_processing: bool | None = None


async def list_applications(
    uow: UnitOfWork,
    scope: Scope,
    filters: CaseFilter,
    cursor: str | None,
    limit: int,
    today: date | None = None,
) -> PageOf[Row[Any]]:
    """A page of case summaries (the list's columns), newest first; what is overdue and what
    is past the expected processing time as of ``today`` (the Danish date; default: now)."""
    today = today or danish_date(now())
    key = decode_cursor(cursor, str, str)
    after: tuple[datetime, str] | None = None
    if key is not None:
        try:
            after = (datetime.fromisoformat(key[0]), key[1])
        except ValueError:
            raise InvalidCursorError(
                "The cursor is not one this service issued; pass next_cursor unchanged."
            ) from None
    rows = await ApplicationRepository(uow.session).page(
        scope,
        status=filters.status,
        municipality_code=filters.municipality_code,
        year=filters.year,
        overdue=filters.overdue,
        today=today,
        after=after,
        limit=limit,
        flagged=None
        if filters.past_expected_processing is None
        else (
            filters.past_expected_processing,
            frozenset(s.value for s in AWAITING_FUND),
            datetime.combine(
                last_sent_day_flagged(today) + timedelta(days=1), time(0), DANISH_TIME
            ),
        ),
    )
    return page_of(rows, limit, key=lambda a: (a.created_at.isoformat(), a.id))


async def history(
    uow: UnitOfWork, scope: Scope, application_id: str, cursor: str | None, limit: int
) -> PageOf[HistoryRow]:
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id)
    key = decode_cursor(cursor, int)
    rows = await repo.history_page(application.id, key[0] if key else None, limit)
    return page_of(rows, limit, key=lambda h: (h.id,))


def case_age(application: ApplicationRow | Row[Any], today: date) -> tuple[int | None, bool]:
    sent_on = danish_date(application.sent_at) if application.sent_at else None
    return (
        case_age_days(sent_on, today),
        past_expected_processing(sent_on, today, Status(application.status) in AWAITING_FUND),
    )
