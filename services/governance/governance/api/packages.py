"""Documentation packages: creating the year's packages, reading them, filling in the report
and department forms, accounts, key-figure comments, attachments, status transitions, the
change log. Routes build commands and call the use cases; the request's unit of work commits
when the route returns (and stores nothing when it raises)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from common.access import Scope
from common.app import ReadUnitOfWorkDep, UnitOfWorkDep
from common.paging import Cursor, Limit
from common.problems import problem_responses
from common.versioning import etag, parse_if_match
from governance.api.deps import (
    DepartmentIdPath,
    GovernanceScope,
    IfMatch,
    PackageIdPath,
    SettingsDep,
    attachment_out,
    form_out,
    list_item,
    list_item_values,
    package_out,
)
from governance.api.schemas import (
    ID_PATTERN,
    AccountsIn,
    AccountsOut,
    AnswersIn,
    AttachmentOut,
    ChangeOut,
    ChangePage,
    CommentIn,
    FormOut,
    GenerateIn,
    GenerateOut,
    LoadLastYearIn,
    LoadLastYearOut,
    MeetingIn,
    PackageListItem,
    PackageOut,
    PackagePage,
    ReturnIn,
    UpdateBenchmarksIn,
    UpdateBenchmarksOut,
)
from governance.domain.rules import FormKind, PackageStatus
from governance.services import accounts as accounts_service
from governance.services import attachments as attachment_service
from governance.services import changes, forms, keyfigures, packages, workflow
from governance.services.attachments import AttachmentKind, StoredFile

router = APIRouter(tags=["packages"])

READ = problem_responses(
    {
        401: "No or invalid bearer token",
        403: "Your role may not do this",
        404: "No such package among those you may see",
    }
)
WRITE = {
    **READ,
    **problem_responses(
        {
            409: "The package is read-only, in another status, or changed concurrently",
            422: "The request breaks a rule: see 'errors'",
        }
    ),
}
PDF_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}
FigureCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
AttachmentId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
Filename = Annotated[str, Query(min_length=1, max_length=200, description="The file's name.")]


def content_disposition(filename: str) -> str:
    """An ASCII fallback plus the UTF-8 name (RFC 6266 / 5987): headers are Latin-1 only."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


async def _package(
    uow: UnitOfWorkDep, scope: Scope, package_id: str, response: Response
) -> PackageOut:
    view = await packages.read_package(uow.session, scope, package_id)
    response.headers["ETag"] = etag(view.package.version)
    return package_out(view)


@router.post(
    "/packages/generate",
    response_model=GenerateOut,
    summary="Open a governance year: create the packages of every organisation that reports",
    responses=WRITE,
)
async def generate(body: GenerateIn, scope: GovernanceScope, uow: UnitOfWorkDep) -> GenerateOut:
    result = await packages.generate_packages(uow.session, scope, body.year)
    return GenerateOut(
        year=result.year,
        created=len(result.created),
        existing=result.existing,
        exempt=result.exempt,
        package_ids=result.created,
    )


@router.get("/packages", response_model=PackagePage, summary="Packages you may see", responses=READ)
async def list_packages(
    scope: GovernanceScope,
    uow: ReadUnitOfWorkDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: PackageStatus | None = None,
    organisation_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    home_municipality_code: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    page = await packages.list_packages(
        uow.session,
        scope,
        packages.PackageFilter(
            year=year,
            status=status,
            organisation_id=organisation_id,
            home_municipality_code=home_municipality_code,
        ),
        cursor,
        limit,
    )
    return {"items": [list_item_values(r) for r in page.rows], "next_cursor": page.next_cursor}


@router.get("/packages/{package_id}", response_model=PackageOut, responses=READ)
async def read_package(
    package_id: PackageIdPath, scope: GovernanceScope, uow: UnitOfWorkDep, response: Response
) -> PackageOut:
    """The package with each part's progress, accounts, attachments and deadline. A location
    municipality sees the report and the forms of its own departments only."""
    return await _package(uow, scope, package_id, response)


# --- forms -----------------------------------------------------------------------------------


@router.get("/packages/{package_id}/report", response_model=FormOut, responses=READ)
async def read_report(
    package_id: PackageIdPath, scope: GovernanceScope, uow: UnitOfWorkDep
) -> FormOut:
    return form_out(
        await forms.read_form(uow.session, scope, package_id, FormKind.REPORT, "report")
    )


@router.put("/packages/{package_id}/report/answers", response_model=FormOut, responses=WRITE)
async def save_report_answers(
    package_id: PackageIdPath,
    body: AnswersIn,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    if_match: IfMatch = None,
) -> FormOut:
    view = await forms.save_answers(
        uow.session,
        scope,
        package_id,
        FormKind.REPORT,
        "report",
        body.answers,
        parse_if_match(if_match),
    )
    return form_out(view)


@router.get(
    "/packages/{package_id}/departments/{department_id}", response_model=FormOut, responses=READ
)
async def read_department_form(
    package_id: PackageIdPath,
    department_id: DepartmentIdPath,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
) -> FormOut:
    return form_out(
        await forms.read_form(uow.session, scope, package_id, FormKind.DEPARTMENT, department_id)
    )


@router.put(
    "/packages/{package_id}/departments/{department_id}/answers",
    response_model=FormOut,
    responses=WRITE,
)
async def save_department_answers(
    package_id: PackageIdPath,
    department_id: DepartmentIdPath,
    body: AnswersIn,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    if_match: IfMatch = None,
) -> FormOut:
    view = await forms.save_answers(
        uow.session,
        scope,
        package_id,
        FormKind.DEPARTMENT,
        department_id,
        body.answers,
        parse_if_match(if_match),
    )
    return form_out(view)


@router.put(
    "/packages/{package_id}/departments/{department_id}/key-figures/{code}/comment",
    response_model=FormOut,
    responses=WRITE,
    summary="Comment on a key figure (required on red and yellow ones before sending)",
)
async def save_comment(
    package_id: PackageIdPath,
    department_id: DepartmentIdPath,
    code: FigureCode,
    body: CommentIn,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    if_match: IfMatch = None,
) -> FormOut:
    view = await forms.save_comment(
        uow.session, scope, package_id, department_id, code, body.comment, parse_if_match(if_match)
    )
    return form_out(view)


@router.post(
    "/packages/{package_id}/load-last-year",
    response_model=LoadLastYearOut,
    responses=WRITE,
    summary="Load last year's answers (where the question did not change)",
)
async def load_last_year(
    package_id: PackageIdPath,
    body: LoadLastYearIn,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    if_match: IfMatch = None,
) -> LoadLastYearOut:
    result = await forms.load_last_years_answers(
        uow.session,
        scope,
        package_id,
        body.forms,
        overwrite=body.overwrite,
        expected_version=parse_if_match(if_match),
    )
    return LoadLastYearOut(
        copied=result.copied,
        kept=result.kept,
        changed_questions=result.changed_questions,
        forms=result.forms,
    )


@router.post(
    "/packages/{package_id}/update-benchmarks",
    response_model=UpdateBenchmarksOut,
    responses=WRITE,
    summary="Replace indexed benchmarks by newer ones (needs confirm=true)",
)
async def update_benchmarks(
    package_id: PackageIdPath,
    body: UpdateBenchmarksIn,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    if_match: IfMatch = None,
) -> UpdateBenchmarksOut:
    updated = await keyfigures.update_benchmarks(
        uow.session,
        scope,
        package_id,
        confirm=body.confirm,
        expected_version=parse_if_match(if_match),
    )
    return UpdateBenchmarksOut(updated=updated)


# --- accounts --------------------------------------------------------------------------------


def _accounts_out(row: object) -> AccountsOut:
    return AccountsOut.model_validate(row, from_attributes=True)


@router.put(
    "/packages/{package_id}/departments/{department_id}/accounts",
    response_model=AccountsOut,
    responses=WRITE,
    summary="Report a department's accounts of the package's accounts year (organisation or ERP)",
)
async def report_accounts(
    package_id: PackageIdPath,
    department_id: DepartmentIdPath,
    body: AccountsIn,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
) -> AccountsOut:
    row, _ = await accounts_service.report_accounts(
        uow,
        scope,
        package_id,
        department_id,
        accounts_service.ReportAccounts(**body.model_dump()),
    )
    return _accounts_out(row)


@router.get("/packages/{package_id}/accounts", response_model=list[AccountsOut], responses=READ)
async def list_accounts(
    package_id: PackageIdPath, scope: GovernanceScope, uow: UnitOfWorkDep
) -> list[AccountsOut]:
    return [_accounts_out(r) for r in await accounts_service.accounts_of(uow, scope, package_id)]


# --- transitions -----------------------------------------------------------------------------


@router.post(
    "/packages/{package_id}/send",
    response_model=PackageOut,
    responses=WRITE,
    summary="Send the package (Fremsendt) to the home and location municipalities",
)
async def send(
    package_id: PackageIdPath,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> PackageOut:
    await workflow.send_package(uow, scope, package_id, parse_if_match(if_match))
    return await _package(uow, scope, package_id, response)


@router.post(
    "/packages/{package_id}/return",
    response_model=PackageListItem,
    responses=WRITE,
    summary="Send the package back (home municipality): reopens it for changes",
)
async def send_back(
    package_id: PackageIdPath,
    body: ReturnIn,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> PackageListItem:
    """The package's new status. It is being prepared again, so the municipality no longer
    sees its content until it is sent anew."""
    package = await workflow.return_package(
        uow, scope, package_id, body.reason, parse_if_match(if_match)
    )
    response.headers["ETag"] = etag(package.version)
    return list_item(package)


@router.post(
    "/packages/{package_id}/meeting",
    response_model=PackageOut,
    responses=WRITE,
    summary="Record the governance meeting (Møde afholdt; home municipality)",
)
async def meeting(
    package_id: PackageIdPath,
    body: MeetingIn,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> PackageOut:
    await workflow.record_meeting(uow, scope, package_id, body.held_on, parse_if_match(if_match))
    return await _package(uow, scope, package_id, response)


@router.post(
    "/packages/{package_id}/statement",
    response_model=PackageOut,
    responses=WRITE,
    openapi_extra=PDF_BODY,
    summary="Upload the statement (redegørelse, PDF): home municipality after the meeting; a "
    "location municipality's is supplementary",
)
async def statement(
    package_id: PackageIdPath,
    filename: Filename,
    request: Request,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> PackageOut:
    file = StoredFile(filename, request.headers.get("content-type"), await request.body())
    await workflow.submit_statement(
        uow, scope, package_id, file, settings.attachment_max_bytes, parse_if_match(if_match)
    )
    return await _package(uow, scope, package_id, response)


# --- attachments -----------------------------------------------------------------------------


@router.post(
    "/packages/{package_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    responses=WRITE,
    openapi_extra=PDF_BODY,
    summary="Attach a PDF (accounts material or an extra document)",
)
async def add_attachment(
    package_id: PackageIdPath,
    filename: Filename,
    request: Request,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    kind: AttachmentKind = AttachmentKind.EXTRA,
) -> AttachmentOut:
    file = StoredFile(filename, request.headers.get("content-type"), await request.body())
    row = await attachment_service.attach(
        uow.session, scope, package_id, kind, file, settings.attachment_max_bytes
    )
    return attachment_out(row)


@router.get(
    "/packages/{package_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={**READ, 200: {"content": {"application/pdf": {}}}},
)
async def download_attachment(
    package_id: PackageIdPath,
    attachment_id: AttachmentId,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
) -> Response:
    row = await attachment_service.read_attachment(uow.session, scope, package_id, attachment_id)
    return Response(
        row.content,
        media_type=row.content_type,
        headers={"Content-Disposition": content_disposition(row.filename)},
    )


@router.delete(
    "/packages/{package_id}/attachments/{attachment_id}", status_code=204, responses=WRITE
)
async def delete_attachment(
    package_id: PackageIdPath,
    attachment_id: AttachmentId,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
) -> Response:
    await attachment_service.remove_attachment(uow.session, scope, package_id, attachment_id)
    return Response(status_code=204)


# --- change log ------------------------------------------------------------------------------


@router.get(
    "/packages/{package_id}/changes",
    response_model=ChangePage,
    responses=READ,
    summary="The package's change log: who changed what, when",
)
async def list_changes(
    package_id: PackageIdPath,
    scope: GovernanceScope,
    uow: UnitOfWorkDep,
    limit: Limit = 100,
    cursor: Annotated[
        int | None, Query(ge=0, le=2**62, description="``next_cursor`` of the previous page.")
    ] = None,
) -> ChangePage:
    page = await changes.list_changes(uow.session, scope, package_id, after=cursor, limit=limit)
    return ChangePage(
        items=[ChangeOut.model_validate(r, from_attributes=True) for r in page.rows],
        next_cursor=page.next_cursor,
    )
