"""The fund's administration of the platform: the year's question catalogue and exemptions;
the municipalities' deadlines per organisation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from common.app import UnitOfWorkDep
from common.paging import Cursor, Limit, Page
from common.problems import problem_responses
from governance.api.deps import GovernanceScope
from governance.api.schemas import (
    ID_PATTERN,
    CatalogueIn,
    CatalogueOut,
    DeadlineIn,
    DeadlineOut,
    ExemptionIn,
    QuestionOut,
)
from governance.domain.rules import PackageStatus, Question, deadline_passed
from governance.services import forms, masterdata, workflow
from governance.services.core import today

router = APIRouter(tags=["administration"])

RESPONSES = problem_responses(
    {
        401: "No or invalid bearer token",
        403: "Your role may not do this",
        404: "Not found",
        409: "The year's catalogue already has answers",
        422: "The request breaks a rule: see 'errors'",
    }
)
YearPath = Annotated[int, Path(ge=2000, le=2100)]
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]


@router.put(
    "/catalogues/{year}",
    response_model=CatalogueOut,
    responses=RESPONSES,
    summary="Set the year's question catalogue (fund); refused once the year has answers",
)
async def put_catalogue(
    year: YearPath, body: CatalogueIn, scope: GovernanceScope, uow: UnitOfWorkDep
) -> CatalogueOut:
    questions = [
        Question(
            code=q.code,
            form_kind=q.form,
            section=q.section,
            text=q.text,
            kind=q.kind,
            required=q.required,
            options=tuple(q.options),
            help_text=q.help_text,
        )
        for q in body.questions
    ]
    await forms.replace_catalogue(uow.session, scope, year, questions)
    return await _catalogue(uow, year)


@router.get("/catalogues/{year}", response_model=CatalogueOut, responses=RESPONSES)
async def get_catalogue(year: YearPath, scope: GovernanceScope, uow: UnitOfWorkDep) -> CatalogueOut:
    return await _catalogue(uow, year)


async def _catalogue(uow: UnitOfWorkDep, year: int) -> CatalogueOut:
    rows = await forms.catalogue(uow.session, year)
    return CatalogueOut(
        year=year,
        questions=[
            QuestionOut(
                code=r.code,
                form=r.form_kind,
                section=r.section,
                text=r.text,
                kind=r.kind,
                required=r.required,
                options=list(r.options),
                help_text=r.help_text,
                fingerprint=r.fingerprint,
            )
            for r in rows
        ],
    )


@router.put(
    "/exemptions/organisations/{organisation_id}",
    status_code=204,
    responses=RESPONSES,
    summary="Mark an organisation exempt from the reporting duty (fund)",
)
async def exempt_organisation(
    organisation_id: IdPath, body: ExemptionIn, scope: GovernanceScope, uow: UnitOfWorkDep
) -> Response:
    await masterdata.set_exemption(
        uow.session, scope, organisation_id=organisation_id, exemption=body.exemption
    )
    return Response(status_code=204)


@router.put(
    "/exemptions/departments/{department_id}",
    status_code=204,
    responses=RESPONSES,
    summary="Mark a department exempt from the reporting duty (fund)",
)
async def exempt_department(
    department_id: IdPath, body: ExemptionIn, scope: GovernanceScope, uow: UnitOfWorkDep
) -> Response:
    await masterdata.set_exemption(
        uow.session, scope, department_id=department_id, exemption=body.exemption
    )
    return Response(status_code=204)


@router.put(
    "/deadlines/{year}/{organisation_id}",
    status_code=204,
    responses=RESPONSES,
    summary="Set (or with null remove) the deadline for an organisation's package (home "
    "municipality; shown, not blocking)",
)
async def put_deadline(
    year: YearPath,
    organisation_id: IdPath,
    body: DeadlineIn,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
) -> Response:
    await workflow.set_deadline(uow, scope, organisation_id, year, body.deadline)
    return Response(status_code=204)


class StatusItem(BaseModel):
    package_id: str
    organisation_id: str
    year: int
    status: str
    status_label: str
    deadline: date | None
    deadline_passed: bool
    sent_at: datetime | None


class StatusPage(Page[StatusItem]):
    """A page of the status overview (``next_cursor`` is opaque: pass it back unchanged)."""


class DeadlinePage(Page[DeadlineOut]):
    """A page of deadlines (``next_cursor`` is opaque: pass it back unchanged)."""


OrganisationFilter = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]


@router.get(
    "/status-overview",
    response_model=StatusPage,
    responses=RESPONSES,
    summary="The home municipality's overview of its organisations' packages: status and "
    "deadline, no content before sending; by organisation, a page at a time",
)
async def status_overview(
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    status: PackageStatus | None = None,
    organisation_id: OrganisationFilter = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> StatusPage:
    day = today()
    page = await workflow.status_overview(uow, scope, year, status, organisation_id, cursor, limit)
    items = []
    for package, deadline in page.rows:
        package_status = PackageStatus(package.status)
        items.append(
            StatusItem(
                package_id=package.id,
                organisation_id=package.organisation_id,
                year=package.year,
                status=package_status.value,
                status_label=package_status.label,
                deadline=deadline,
                deadline_passed=deadline_passed(deadline, package_status, day),
                sent_at=package.sent_at,
            )
        )
    return StatusPage(items=items, next_cursor=page.next_cursor)


@router.get(
    "/deadlines",
    response_model=DeadlinePage,
    responses=RESPONSES,
    summary="The municipality's deadlines, by year and organisation, a page at a time",
)
async def list_deadlines(
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    organisation_id: OrganisationFilter = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> DeadlinePage:
    page = await workflow.deadlines_of(uow, scope, year, organisation_id, cursor, limit)
    return DeadlinePage(
        items=[DeadlineOut.model_validate(r, from_attributes=True) for r in page.rows],
        next_cursor=page.next_cursor,
    )
