"""Register API: bulk submissions from ERP systems, and validate-only runs."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from common.app import UnitOfWorkDep
from common.errors import FieldError
from common.problems import json_pointer
from register.api.deps import WriteScope
from register.api.schemas import (
    RECORD_SCHEMAS,
    FieldProblem,
    HousingExpenseIn,
    RecordProblem,
    RecordResult,
    SubmissionIn,
    SubmissionOut,
    SubmissionRecord,
)
from register.domain.records import Outcome
from register.services import submissions as use_cases
from register.services.records import ID_FIELDS
from register.services.submissions import SubmissionReport, SubmittedRecord
from register.services.writing import WriteCommand

router = APIRouter(tags=["submissions"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or invalid bearer token (problem+json)"},
    403: {"description": "Your role may not report to the register (problem+json)"},
    413: {"description": "The body is over 10 MiB (problem+json)"},
    422: {"description": "Not a submission, or over 5,000 records (problem+json)"},
}
DESCRIPTION = (
    "Up to 5,000 typed records (or 10 MiB): organisation, department, building_section, "
    "dwelling, lease, housing_expense — each in the same format as its single-record "
    "endpoint. They are applied in dependency order (organisations → departments → sections "
    "→ dwellings → leases → expenses), so a record may refer to a parent elsewhere in the "
    "same submission. Existing records are replaced (send ``version`` to guard against "
    "overwriting a newer state); unchanged records are left alone. The answer has one result "
    "per record, in the order sent: ``accepted``, ``draft``, ``held`` (plausibility warnings: "
    "a held lease is stored as held, a held dwelling kept apart until confirmed — confirm "
    "with POST /leases/{id}/confirm, /dwellings/{id}/confirm, or many at once with "
    "/leases/confirmations and /dwellings/confirmations, or send again with "
    "AdvarslerBekraeftetIndikator: true) or ``rejected`` with a problem whose errors point "
    "at the fields (``#/records/<i>/record/<field>``); valid records are stored even when "
    "others are rejected. Idempotency-Key makes a retry safe."
)


def parse_record(index: int, item: SubmissionRecord) -> SubmittedRecord:
    """One wire item of a submission → a write command, or the reasons it cannot be read (the
    same parsing for the webservice and for the demo data, ``register_synthetic.demo``)."""
    raw = item.record
    id_field = ID_FIELDS.get(item.type)
    raw_id = raw.get(id_field) if id_field else None
    record_id = raw_id if isinstance(raw_id, str) else None
    try:
        parsed: Any = RECORD_SCHEMAS[item.type].model_validate(raw)
    except ValidationError as error:
        errors = [
            FieldError(json_pointer(("records", index, "record", *e["loc"])), e["msg"], e["type"])
            for e in error.errors()
        ]
        return SubmittedRecord(index, item.type, record_id, None, errors)
    command = WriteCommand(
        item.type,
        parsed.to_domain(),
        expected_version=parsed.version,
        confirmed=getattr(parsed, "confirmed", False),
        lease_id=parsed.lease_id if isinstance(parsed, HousingExpenseIn) else None,
    )
    return SubmittedRecord(index, item.type, record_id, command)


def _result_out(result: use_cases.RecordResult) -> RecordResult:
    def problems(errors: list[FieldError]) -> list[FieldProblem]:
        return [FieldProblem(pointer=e.pointer, detail=e.detail, code=e.code) for e in errors]

    problem = result.problem
    return RecordResult(
        index=result.index,
        type=result.entity_type,
        id=result.record_id,
        outcome=result.outcome,
        changed=result.changed,
        version=result.version,
        warnings=problems(result.warnings),
        problem=None
        if problem is None
        else RecordProblem(
            type=problem.type,
            title=problem.title,
            status=problem.status,
            detail=problem.detail,
            errors=problems(problem.errors),
        ),
    )


def _report_out(report: SubmissionReport) -> SubmissionOut:
    return SubmissionOut(
        submission_id=str(report.submission_id),
        validate_only=report.validate_only,
        accepted=report.count(Outcome.ACCEPTED),
        held=report.count(Outcome.HELD),
        draft=report.count(Outcome.DRAFT),
        rejected=report.count(Outcome.REJECTED),
        results=[_result_out(r) for r in report.results],
    )


async def _submit(
    body: SubmissionIn, request: Request, scope: Any, uow: Any, *, validate_only: bool
) -> SubmissionOut:
    records = [parse_record(index, item) for index, item in enumerate(body.records)]
    report = await use_cases.submit(
        uow,
        scope,
        records,
        validate_only=validate_only,
        max_records=request.app.state.settings.bulk_max_records,
    )
    return _report_out(report)


@router.post(
    "/submissions",
    response_model=SubmissionOut,
    responses=RESPONSES,
    summary="Submit many records at once (ERP bulk submission)",
    description=DESCRIPTION,
)
async def submit(
    body: SubmissionIn,
    request: Request,
    scope: WriteScope,
    uow: UnitOfWorkDep,
    validate_only: Annotated[
        bool, Query(description="Run every rule and answer, but store and publish nothing.")
    ] = False,
) -> SubmissionOut:
    return await _submit(body, request, scope, uow, validate_only=validate_only)


@router.post(
    "/submissions/validate",
    response_model=SubmissionOut,
    responses=RESPONSES,
    summary="Validate a submission without storing it",
    description="The same per-record results as POST /submissions, but nothing is stored or "
    "published (only the validation run itself is logged as a submission).",
)
async def validate(
    body: SubmissionIn, request: Request, scope: WriteScope, uow: UnitOfWorkDep
) -> SubmissionOut:
    return await _submit(body, request, scope, uow, validate_only=True)
