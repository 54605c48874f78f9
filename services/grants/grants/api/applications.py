"""Grant cases: the applicant's application, the municipality's recommendation and plan
approval, the fund's assessment, decisions and commitment, statements and payments, the case
list and history. Routes build commands and call one use case; the request's unit of work
commits when the route returns (and stores nothing when it raises)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from common.app import ReadUnitOfWorkDep, UnitOfWorkDep
from common.paging import Cursor, Limit, Page
from common.pdf import render_pdf_async
from common.problems import problem_responses
from common.versioning import etag, parse_if_match
from grants.api.deps import (
    ApplicationIdPath,
    DepartmentIdPath,
    GrantsScope,
    IfMatch,
    SettingsDep,
    Today,
    application_out,
    attachment_out,
    list_page_json,
)
from grants.api.schemas import (
    AnswersIn,
    ApplicationIn,
    ApplicationListItem,
    ApplicationOut,
    ApplicationPatch,
    AttachmentOut,
    CommitmentIn,
    DeclarationIn,
    HistoryOut,
    OperatingSupportDecisionIn,
    PaymentIn,
    PaymentOut,
    PlanApprovalIn,
    PlanIn,
    PrequalifyIn,
    RecommendationIn,
    RegulationAccountIn,
    RejectIn,
    RentSupportIn,
    ReviewIn,
    StopPaymentsIn,
)
from grants.domain.budget import CostCategory, CostLine, IncomeLine, IncomeSource, budget_from_lines
from grants.domain.lifecycle import Status
from grants.domain.regulation_account import RegulationAccount
from grants.domain.sending import AttachmentKind
from grants.services import applications as cases
from grants.services import decisions, documents, followup, rent_support, transfer

router = APIRouter(tags=["applications"])

READ = problem_responses(
    {
        401: "No or invalid bearer token",
        403: "Your role may not do this",
        404: "No such case among those you may see",
    }
)
WRITE = {
    **READ,
    **problem_responses(
        {
            409: "The case is in another status, read-only, or the frame would be exceeded",
            422: "The request breaks a rule: see 'errors'",
        }
    ),
}
FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}
AttachmentId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
Filename = Annotated[str, Query(min_length=1, max_length=200, description="The file's name.")]
StatementYear = Annotated[int, Path(ge=2000, le=2100)]


async def _view(
    uow: UnitOfWorkDep,
    scope: GrantsScope,
    application_id: str,
    response: Response | None = None,
    today: date | None = None,
) -> ApplicationOut:
    out = application_out(await cases.read_application(uow, scope, application_id), today)
    if response is not None:
        response.headers["ETag"] = etag(out.version)
    return out


# --- the applicant -------------------------------------------------------------------------


@router.post(
    "/applications",
    response_model=ApplicationOut,
    status_code=201,
    responses=WRITE,
    summary="Create a prequalification application (one form per department, prefilled)",
)
async def create_application(
    body: ApplicationIn, scope: GrantsScope, uow: UnitOfWorkDep, response: Response
) -> ApplicationOut:
    application = await cases.create_application(
        uow,
        scope,
        cases.NewApplication(
            title=body.title,
            kind=body.kind,
            organisation_ids=body.organisation_ids,
            department_ids=body.department_ids,
            year=body.year,
        ),
    )
    response.headers["Location"] = f"/grants/v1/applications/{application.id}"
    return await _view(uow, scope, application.id)


@router.patch(
    "/applications/{application_id}",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Change a draft's title or overall budget (the budget also while the plan is made)",
)
async def update_application(
    application_id: ApplicationIdPath,
    body: ApplicationPatch,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationOut:
    budget = None
    if body.budget is not None:
        budget = budget_from_lines(
            body.budget.years,
            [IncomeLine(IncomeSource(i.source), i.amount, i.text) for i in body.budget.income],
            [
                CostLine(CostCategory(c.category), c.amount, c.text, c.extra_cost)
                for c in body.budget.costs
            ],
        )
    await cases.update_application(
        uow,
        scope,
        application_id,
        title=body.title,
        budget=budget,
        expected=parse_if_match(if_match),
    )
    return await _view(uow, scope, application_id, response)


@router.put(
    "/applications/{application_id}/departments/{department_id}/answers",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Answer a department's application form (null clears an answer)",
)
async def save_answers(
    application_id: ApplicationIdPath,
    department_id: DepartmentIdPath,
    body: AnswersIn,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationOut:
    await cases.save_form_answers(
        uow, scope, application_id, department_id, body.answers, parse_if_match(if_match)
    )
    return await _view(uow, scope, application_id, response)


@router.post(
    "/applications/{application_id}/declarations",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Declare a participating housing organisation's participation",
)
async def declare(
    application_id: ApplicationIdPath, body: DeclarationIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await cases.declare(uow, scope, application_id, body.organisation_id)
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    responses=WRITE,
    openapi_extra=FILE_BODY,
    summary="Attach a file; its type is decided by its bytes (PDF; resident data, reporting "
    "form and yearly status also .xlsx)",
    description="kind=yearly_status with year=Y (after commitment, Y in the commitment period) "
    "is the year's status on goals, indicators and activities: its first upload marks it "
    "received (due with the statement, 30 June Y+1 moved to the next Danish working day); a "
    "later upload replaces the form. Receipt clears the overdue mark and resumes stopped "
    "payments once no yearly report is overdue.",
)
async def add_attachment(
    application_id: ApplicationIdPath,
    kind: AttachmentKind,
    filename: Filename,
    request: Request,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    organisation_id: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[
        int | None, Query(ge=2000, le=2100, description="The year of a yearly status report.")
    ] = None,
) -> AttachmentOut:
    row = await cases.attach(
        uow,
        scope,
        application_id,
        kind=kind,
        filename=filename,
        content=await request.body(),
        organisation_id=organisation_id,
        max_bytes=settings.attachment_max_bytes,
        year=year,
    )
    return attachment_out(row)


@router.get(
    "/applications/{application_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={**READ, 200: {"content": {"application/pdf": {}}}},
    summary="Download an attachment",
)
async def download_attachment(
    application_id: ApplicationIdPath,
    attachment_id: AttachmentId,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
) -> Response:
    row = await cases.read_attachment(uow, scope, application_id, attachment_id)
    return Response(
        row.content,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/applications/{application_id}/send",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Send the application to the fund (422 with one entry per missing item)",
)
async def send(
    application_id: ApplicationIdPath, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    return application_out(await cases.send_application(uow, scope, application_id))


@router.put(
    "/applications/{application_id}/plan",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Write the comprehensive plan (while prequalified); 'plan_problems' says what it lacks",
)
async def save_plan(
    application_id: ApplicationIdPath,
    body: PlanIn,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationOut:
    await cases.save_plan(
        uow, scope, application_id, body.model_dump(mode="json"), parse_if_match(if_match)
    )
    return await _view(uow, scope, application_id, response)


@router.post(
    "/applications/{application_id}/plan/send",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Send the council-approved comprehensive plan to the fund",
)
async def send_plan(
    application_id: ApplicationIdPath, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await decisions.send_plan(uow, scope, application_id)
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/statements/{year}",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Hand in (or, for the fund, record receipt of) a year's regulation-account statement "
    "with its content",
)
async def receive_statement(
    application_id: ApplicationIdPath,
    year: StatementYear,
    body: RegulationAccountIn,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
) -> ApplicationOut:
    account = RegulationAccount(**body.model_dump())  # the same fields, amounts as Decimal
    await followup.receive_statement(uow, scope, application_id, year, account)
    return await _view(uow, scope, application_id)


# --- the location municipality ---------------------------------------------------------------


@router.post(
    "/applications/{application_id}/recommendation",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="The location municipality recommends the application",
)
async def recommend(
    application_id: ApplicationIdPath,
    body: RecommendationIn,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
) -> ApplicationOut:
    await cases.recommend(uow, scope, application_id, body.comment)
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/plan/approval",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Record the municipal council's approval of the comprehensive plan",
)
async def approve_plan(
    application_id: ApplicationIdPath, body: PlanApprovalIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await decisions.approve_plan(uow, scope, application_id, body.approved_on, body.reference)
    return await _view(uow, scope, application_id)


# --- the fund --------------------------------------------------------------------------------


@router.post(
    "/applications/{application_id}/assessment",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Start assessing a sent application",
)
async def start_assessment(
    application_id: ApplicationIdPath, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await decisions.start_assessment(uow, scope, application_id)
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/prequalification",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Prequalify: reserve an amount in the year's frame (and grant an advance)",
)
async def prequalify(
    application_id: ApplicationIdPath, body: PrequalifyIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await decisions.prequalify(
        uow, scope, application_id, body.reserved_amount, body.advance_amount
    )
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/rejection",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Reject with a reason (final; there is no waiting list)",
    description="A rent-support case is refused only on the rent model's basis, and only after "
    "every department it found not covered was transferred to the national disposition fund "
    "and that operating-support case was decided (409 `transfer-pending` otherwise).",
)
async def reject(
    application_id: ApplicationIdPath, body: RejectIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await decisions.reject(uow, scope, application_id, body.reason)
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/commitment",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Commit (tilsagn); refused with 409 when the year's frame would be exceeded",
)
async def commit(
    application_id: ApplicationIdPath, body: CommitmentIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await decisions.commit(
        uow,
        scope,
        application_id,
        decisions.Commitment(
            body.amount, body.period_start_year, body.period_end_year, body.conditions
        ),
    )
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/rent-support",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Calculate rent support with the fund's rent model, step by step per department",
    description="The fund's rent model per department against the benchmark calculator's "
    "comparable group, with the fund's additions and deductions and the minimum support need in "
    "force for the case's frame year (422 `minimum-need-not-set` when the fund has set none). A "
    "department below the minimum is not covered: its result carries `refusal_reason` and it is "
    "listed in `transferred_to_disposition_fund` (transfer it with POST …/transfer).",
)
async def calculate_rent_support(
    application_id: ApplicationIdPath, body: RentSupportIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await rent_support.calculate_rent_support(
        uow,
        scope,
        application_id,
        year=body.year,
        adjustments=body.adjustments,
    )
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/transfer",
    response_model=ApplicationOut,
    status_code=201,
    responses=WRITE,
    summary="Transfer a rent-support case's uncovered departments to the national disposition "
    "fund as an operating-support case (the fund)",
    description="Seed 001: departments the rent model finds not covered 'overføres til "
    "viderebehandling i landsdispositionsfonden som almindelige driftsstøttesager inden evt. "
    "endeligt afslag'. Creates a new case (kind `operating_support`, status `transferred`) for "
    "the departments of the stored calculation's `transferred_to_disposition_fund` not yet "
    "transferred, and answers with it (`Location`). 409 for a case that is not rent support or "
    "not under assessment / prequalified; 422 without a calculation or with nothing left to "
    "transfer. Publishes `grants.application.transferred`.",
)
async def transfer_to_disposition_fund(
    application_id: ApplicationIdPath, scope: GrantsScope, uow: UnitOfWorkDep, response: Response
) -> ApplicationOut:
    case = await transfer.transfer(uow, scope, application_id)
    response.headers["Location"] = f"/grants/v1/applications/{case.id}"
    return await _view(uow, scope, case.id)


@router.post(
    "/applications/{application_id}/operating-support-decision",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Decide an operating-support case in the national disposition fund (the fund)",
    description="Grants or refuses (final, with a reason) an operating-support case in status "
    "`transferred`; afterwards the rent-support case it came from may be finally refused.",
)
async def decide_operating_support(
    application_id: ApplicationIdPath,
    body: OperatingSupportDecisionIn,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
) -> ApplicationOut:
    await transfer.decide_operating_support(
        uow, scope, application_id, granted=body.decision == "granted", reason=body.reason
    )
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/review",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Record the one-year review (etårseftersyn) of a committed effort",
)
async def record_review(
    application_id: ApplicationIdPath, body: ReviewIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await followup.record_review(uow, scope, application_id, body.held_on, body.notes)
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/payments/stop",
    response_model=ApplicationOut,
    responses=WRITE,
    summary="Stop payments while a yearly report (statement or status) is overdue",
)
async def stop_payments(
    application_id: ApplicationIdPath, body: StopPaymentsIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> ApplicationOut:
    await followup.stop_payments(uow, scope, application_id, body.reason)
    return await _view(uow, scope, application_id)


@router.post(
    "/applications/{application_id}/payments",
    response_model=PaymentOut,
    status_code=201,
    responses=WRITE,
    summary="Record a payment (refused while payments are stopped)",
)
async def record_payment(
    application_id: ApplicationIdPath, body: PaymentIn, scope: GrantsScope, uow: UnitOfWorkDep
) -> PaymentOut:
    row = await followup.record_payment(
        uow, scope, application_id, followup.NewPayment(body.kind, body.amount, body.paid_on)
    )
    return PaymentOut(
        id=row.id,
        kind=row.kind,
        amount=row.amount,
        paid_on=row.paid_on,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


# --- reading ---------------------------------------------------------------------------------


@router.get(
    "/applications",
    response_model=Page[ApplicationListItem],
    responses=READ,
    summary="Cases you may see, newest first, with filters and keyset pagination",
)
async def list_applications(
    scope: GrantsScope,
    uow: ReadUnitOfWorkDep,
    today: Today,
    status: Status | None = None,
    municipality_code: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    overdue: Annotated[
        bool | None,
        Query(
            description="A yearly report — the regulation-account statement or the status on "
            "goals, indicators and activities — is overdue (true) or not (false)."
        ),
    ] = None,
    past_expected_processing: Annotated[
        bool | None,
        Query(description="Awaiting the fund longer than the expected 6 weeks (true) or not."),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    # The body is written straight from the rows (``deps.list_page_json``: the same bytes as
    # ``Page[ApplicationListItem]`` gives, without validating each item); the OpenAPI schema
    # is still ``response_model``'s.
    page = await cases.list_applications(
        uow,
        scope,
        cases.CaseFilter(
            status=status.value if status else None,
            municipality_code=municipality_code,
            year=year,
            overdue=overdue,
            past_expected_processing=past_expected_processing,
        ),
        cursor,
        limit,
        today,
    )
    return Response(
        list_page_json(page.rows, page.next_cursor, today), media_type="application/json"
    )


@router.get("/applications/{application_id}", response_model=ApplicationOut, responses=READ)
async def read_application(
    application_id: ApplicationIdPath,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
    response: Response,
    today: Today,
) -> ApplicationOut:
    """The case with its forms, attachments, declarations, recommendation, budget problems,
    what still stops sending, its age, statements and payments; ``ETag`` is its version (send
    it back as ``If-Match`` with an edit)."""
    return await _view(uow, scope, application_id, response, today)


@router.get(
    "/applications/{application_id}/pdf",
    response_class=Response,
    responses={**READ, 200: {"content": {"application/pdf": {}}}},
    summary="The case as PDF",
)
async def case_pdf(
    application_id: ApplicationIdPath, scope: GrantsScope, uow: UnitOfWorkDep
) -> Response:
    document = await documents.case_document(uow, scope, application_id)
    # Read-only: end the transaction so the connection is free while the PDF renders.
    await uow.rollback()
    pdf = await render_pdf_async(document.html)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{document.filename}"'},
    )


@router.get(
    "/applications/{application_id}/history",
    response_model=Page[HistoryOut],
    responses=READ,
    summary="Who did what when on the case, oldest first",
)
async def case_history(
    application_id: ApplicationIdPath,
    scope: GrantsScope,
    uow: UnitOfWorkDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[HistoryOut]:
    page = await cases.history(uow, scope, application_id, cursor, limit)
    return Page(
        items=[
            HistoryOut(
                id=h.id,
                at=h.at,
                actor=h.actor,
                role=h.role,
                action=h.action,
                detail=h.detail,
                data=h.data,
            )
            for h in page.rows
        ],
        next_cursor=page.next_cursor,
    )
