"""Register API: the ERP webservice's single-record endpoints.

Every record type has create (POST), full update (PUT, with ``If-Match: W/"<version>"`` or a
``version`` field), read (GET, with ``ETag``) and a filtered list with keyset pagination.
Housing expenses live under their lease. Routes only build commands, call the use cases in
``register.services.records`` and map the results; the request's unit of work commits when the
route returns.
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from common.access import Scope
from common.app import ReadUnitOfWorkDep, UnitOfWorkDep
from common.dates import WireDateTime
from common.errors import DomainError, PreconditionRequiredError
from common.paging import Cursor, Limit, Page, PageOf
from common.problems import PROBLEM_TYPE_PREFIX, problem_responses, status_for
from common.versioning import etag, parse_if_match
from register.api.deps import ReadScope, WriteScope
from register.api.schemas import (
    ID_PATTERN,
    MAX_CONFIRMATIONS,
    BuildingSectionIn,
    BuildingSectionOut,
    DepartmentIn,
    DepartmentOut,
    DwellingConfirmationOut,
    DwellingConfirmationsIn,
    DwellingConfirmationsOut,
    DwellingIn,
    DwellingOut,
    FieldProblem,
    HeldDwellingOut,
    HousingExpenseIn,
    HousingExpenseOut,
    LeaseConfirmationOut,
    LeaseConfirmationsIn,
    LeaseConfirmationsOut,
    LeaseIn,
    LeaseOut,
    OrganisationIn,
    OrganisationOut,
    RecordProblem,
    Warning_,
)
from register.domain.access import sees_tenant_names
from register.domain.records import EntityType
from register.services import records as use_cases
from register.services.records import ListQuery
from register.services.writing import WriteCommand, WriteOutcome

router = APIRouter(tags=["records"])

RecordIdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=ID_PATTERN, description="The record's id.")
]
ExpenseIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="BoligudgiftIdentifikator.")]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=40,
        description='W/"<version>" from the ETag you read; or send "version" in the body.',
    ),
]
ChangedSince = Annotated[
    WireDateTime | None,
    Query(description="Only records changed at or after this time (RFC 3339)."),
]
MunicipalityFilter = Annotated[
    str | None, Query(pattern=r"^\d{3}$", description="Municipality code, three digits.")
]
IdFilter = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]

READ_RESPONSES = problem_responses(
    {
        401: "No or invalid bearer token",
        403: "Your role may not read the register here",
        404: "No such record among those you may see",
    }
)
WRITE_RESPONSES = {
    **READ_RESPONSES,
    **problem_responses(
        {
            403: "Not your organisation's record, or your role may not report",
            409: "The record already exists",
            422: "The record breaks the register's rules: one error per field",
        }
    ),
}
UPDATE_RESPONSES = {
    **WRITE_RESPONSES,
    **problem_responses(
        {
            412: "Stale version: someone changed the record since you read it",
            428: "Neither If-Match nor version was sent",
        }
    ),
}


def expected_version(if_match: str | None, body_version: int | None) -> int:
    version = parse_if_match(if_match) or body_version
    if version is None:
        raise PreconditionRequiredError(
            'An update needs the version you read: send If-Match: W/"<version>" (the ETag) '
            "or a version field, so that nobody's change is overwritten unseen."
        )
    return version


def _out(model: type[BaseModel], row: Any, scope: Scope) -> Any:
    out = model.model_validate(row, from_attributes=True)
    if isinstance(out, LeaseOut) and not sees_tenant_names(scope.role):
        out.tenant_name = None
    return out


def _listed(model: type[BaseModel], page: PageOf[Any], scope: Scope) -> dict[str, Any]:
    """The page as plain values: the route's response model validates and serialises it once
    (building the read models here as well cost as much again); the repository's lists
    give their rows as dicts of the shown columns."""
    items = page.rows
    if model is LeaseOut and not sees_tenant_names(scope.role):
        for item in items:
            item["tenant_name"] = None
    return {"items": items, "next_cursor": page.next_cursor}


async def _created(
    uow: UnitOfWorkDep, scope: Scope, command: WriteCommand, response: Response, path: str
) -> Any:
    outcome = await use_cases.create_record(uow, scope, command)
    response.headers["ETag"] = etag(outcome.row.version)
    response.headers["Location"] = f"{path}/{outcome.entity_id}"
    return outcome


async def _updated(
    uow: UnitOfWorkDep,
    scope: Scope,
    build: Callable[[int], WriteCommand],
    if_match: str | None,
    body_version: int | None,
    path_id: str,
    response: Response,
) -> Any:
    version = expected_version(if_match, body_version)
    outcome = await use_cases.update_record(uow, scope, build(version), path_id)
    response.headers["ETag"] = etag(outcome.row.version)
    return outcome


async def _read(
    uow: UnitOfWorkDep,
    scope: Scope,
    entity_type: EntityType,
    record_id: str,
    response: Response,
) -> Any:
    row = await use_cases.get_record(uow, scope, entity_type, record_id)
    response.headers["ETag"] = etag(row.version)
    return row


# --- organisations -----------------------------------------------------------------------------

ORGANISATIONS = "/register/v1/organisations"


@router.post(
    "/organisations",
    status_code=201,
    response_model=OrganisationOut,
    responses=WRITE_RESPONSES,
    summary="Report a housing organisation",
    description="Creates a housing organisation (boligorganisation) of your token. The CVR "
    "number is checked (mod 11), the home municipality must be one of the 98.",
)
async def create_organisation(
    body: OrganisationIn, scope: WriteScope, uow: UnitOfWorkDep, response: Response
) -> Any:
    command = WriteCommand(EntityType.ORGANISATION, body.to_domain())
    return _out(
        OrganisationOut, (await _created(uow, scope, command, response, ORGANISATIONS)).row, scope
    )


@router.get(
    "/organisations",
    response_model=Page[OrganisationOut],
    responses=READ_RESPONSES,
    summary="List housing organisations",
    description="Organisations you may see, ordered by id; follow next_cursor for more.",
)
async def list_organisations(
    scope: ReadScope,
    uow: ReadUnitOfWorkDep,
    municipality: MunicipalityFilter = None,
    changed_since: ChangedSince = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    query = ListQuery(limit, cursor, changed_since, municipality_code=municipality)
    page = await use_cases.list_records(uow, scope, EntityType.ORGANISATION, query)
    return _listed(OrganisationOut, page, scope)


@router.get(
    "/organisations/{organisation_id}",
    response_model=OrganisationOut,
    responses=READ_RESPONSES,
    summary="Read a housing organisation",
)
async def get_organisation(
    organisation_id: RecordIdPath, scope: ReadScope, uow: ReadUnitOfWorkDep, response: Response
) -> Any:
    row = await _read(uow, scope, EntityType.ORGANISATION, organisation_id, response)
    return _out(OrganisationOut, row, scope)


@router.put(
    "/organisations/{organisation_id}",
    response_model=OrganisationOut,
    responses=UPDATE_RESPONSES,
    summary="Update a housing organisation",
    description='Full update. Send If-Match: W/"<version>" (or "version" in the body).',
)
async def update_organisation(
    organisation_id: RecordIdPath,
    body: OrganisationIn,
    scope: WriteScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    def build(version: int) -> WriteCommand:
        return WriteCommand(EntityType.ORGANISATION, body.to_domain(), version)

    row = (await _updated(uow, scope, build, if_match, body.version, organisation_id, response)).row
    return _out(OrganisationOut, row, scope)


# --- departments -------------------------------------------------------------------------------

DEPARTMENTS = "/register/v1/departments"


@router.post(
    "/departments",
    status_code=201,
    response_model=DepartmentOut,
    responses=WRITE_RESPONSES,
    summary="Report a department",
    description="Creates a department (afdeling) of one of your organisations; the region is "
    "derived from the municipality.",
)
async def create_department(
    body: DepartmentIn, scope: WriteScope, uow: UnitOfWorkDep, response: Response
) -> Any:
    command = WriteCommand(EntityType.DEPARTMENT, body.to_domain())
    return _out(
        DepartmentOut, (await _created(uow, scope, command, response, DEPARTMENTS)).row, scope
    )


@router.get(
    "/departments",
    response_model=Page[DepartmentOut],
    responses=READ_RESPONSES,
    summary="List departments",
    description="Departments you may see (a municipality: those lying in it), ordered by id.",
)
async def list_departments(
    scope: ReadScope,
    uow: ReadUnitOfWorkDep,
    organisation: IdFilter = None,
    municipality: MunicipalityFilter = None,
    housing_type: Annotated[Literal["family", "youth", "elderly"] | None, Query()] = None,
    changed_since: ChangedSince = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    query = ListQuery(
        limit,
        cursor,
        changed_since,
        organisation_id=organisation,
        municipality_code=municipality,
        housing_type=housing_type,
    )
    page = await use_cases.list_records(uow, scope, EntityType.DEPARTMENT, query)
    return _listed(DepartmentOut, page, scope)


@router.get(
    "/departments/{department_id}",
    response_model=DepartmentOut,
    responses=READ_RESPONSES,
    summary="Read a department",
)
async def get_department(
    department_id: RecordIdPath, scope: ReadScope, uow: ReadUnitOfWorkDep, response: Response
) -> Any:
    row = await _read(uow, scope, EntityType.DEPARTMENT, department_id, response)
    return _out(DepartmentOut, row, scope)


@router.put(
    "/departments/{department_id}",
    response_model=DepartmentOut,
    responses=UPDATE_RESPONSES,
    summary="Update a department",
    description='Full update. Send If-Match: W/"<version>" (or "version" in the body).',
)
async def update_department(
    department_id: RecordIdPath,
    body: DepartmentIn,
    scope: WriteScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    def build(version: int) -> WriteCommand:
        return WriteCommand(EntityType.DEPARTMENT, body.to_domain(), version)

    row = (await _updated(uow, scope, build, if_match, body.version, department_id, response)).row
    return _out(DepartmentOut, row, scope)


# --- building sections -------------------------------------------------------------------------

SECTIONS = "/register/v1/building-sections"


@router.post(
    "/building-sections",
    status_code=201,
    response_model=BuildingSectionOut,
    responses=WRITE_RESPONSES,
    summary="Report a building section",
    description="Creates a building section (byggeafsnit) of one of your departments.",
)
async def create_building_section(
    body: BuildingSectionIn, scope: WriteScope, uow: UnitOfWorkDep, response: Response
) -> Any:
    command = WriteCommand(EntityType.BUILDING_SECTION, body.to_domain())
    return _out(
        BuildingSectionOut, (await _created(uow, scope, command, response, SECTIONS)).row, scope
    )


@router.get(
    "/building-sections",
    response_model=Page[BuildingSectionOut],
    responses=READ_RESPONSES,
    summary="List building sections",
)
async def list_building_sections(
    scope: ReadScope,
    uow: ReadUnitOfWorkDep,
    department: IdFilter = None,
    changed_since: ChangedSince = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    query = ListQuery(limit, cursor, changed_since, department_id=department)
    page = await use_cases.list_records(uow, scope, EntityType.BUILDING_SECTION, query)
    return _listed(BuildingSectionOut, page, scope)


@router.get(
    "/building-sections/{section_id}",
    response_model=BuildingSectionOut,
    responses=READ_RESPONSES,
    summary="Read a building section",
)
async def get_building_section(
    section_id: RecordIdPath, scope: ReadScope, uow: ReadUnitOfWorkDep, response: Response
) -> Any:
    row = await _read(uow, scope, EntityType.BUILDING_SECTION, section_id, response)
    return _out(BuildingSectionOut, row, scope)


@router.put(
    "/building-sections/{section_id}",
    response_model=BuildingSectionOut,
    responses=UPDATE_RESPONSES,
    summary="Update a building section",
    description='Full update. Send If-Match: W/"<version>" (or "version" in the body).',
)
async def update_building_section(
    section_id: RecordIdPath,
    body: BuildingSectionIn,
    scope: WriteScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    def build(version: int) -> WriteCommand:
        return WriteCommand(EntityType.BUILDING_SECTION, body.to_domain(), version)

    row = (await _updated(uow, scope, build, if_match, body.version, section_id, response)).row
    return _out(BuildingSectionOut, row, scope)


# --- dwellings ---------------------------------------------------------------------------------

DWELLINGS = "/register/v1/dwellings"


HELD_DWELLING_RESPONSE: dict[int | str, dict[str, Any]] = {
    202: {
        "model": HeldDwellingOut,
        "description": "Held by plausibility warnings until confirmed (not yet in the register)",
    }
}


def _held(outcome: Any) -> JSONResponse:
    held = HeldDwellingOut(
        dwelling_id=outcome.entity_id,
        warnings=[Warning_.model_validate(w) for w in outcome.held.warnings],
    )
    return JSONResponse(held.model_dump(by_alias=True, mode="json"), status_code=202)


@router.post(
    "/dwellings",
    status_code=201,
    response_model=DwellingOut,
    responses={**WRITE_RESPONSES, **HELD_DWELLING_RESPONSE},
    summary="Report a dwelling",
    description="Creates a dwelling (bolig) of one of your departments. An area under 10 m² "
    "or over 300 m² is a plausibility warning: the dwelling is held (202, Status 'held', "
    "Advarsler) — kept, but not in the register — until confirmed with POST "
    "/dwellings/{id}/confirm (or /dwellings/confirmations), or sent again with "
    "AdvarslerBekraeftetIndikator: true.",
)
async def create_dwelling(
    body: DwellingIn, scope: WriteScope, uow: UnitOfWorkDep, response: Response
) -> Any:
    command = WriteCommand(EntityType.DWELLING, body.to_domain(), confirmed=body.confirmed)
    outcome = await use_cases.create_record(uow, scope, command)
    if outcome.held is not None:
        return _held(outcome)
    response.headers["ETag"] = etag(outcome.row.version)
    response.headers["Location"] = f"{DWELLINGS}/{outcome.entity_id}"
    return _out(DwellingOut, outcome.row, scope)


@router.get(
    "/held-dwellings",
    response_model=Page[HeldDwellingOut],
    responses=READ_RESPONSES,
    summary="Your dwellings held by plausibility warnings",
    description="The dwellings of your organisations held until their warnings are confirmed, "
    "by id, keyset-paged as every list.",
)
async def list_held_dwellings(
    scope: WriteScope, uow: UnitOfWorkDep, limit: Limit = 100, cursor: Cursor = None
) -> Any:
    page = await use_cases.held_dwellings(uow, scope, limit=limit, cursor=cursor)
    items = [
        HeldDwellingOut(
            dwelling_id=row.id, warnings=[Warning_.model_validate(w) for w in row.warnings]
        )
        for row in page.rows
    ]
    return {"items": items, "next_cursor": page.next_cursor}


@router.post(
    "/dwellings/confirmations",
    response_model=DwellingConfirmationsOut,
    responses=WRITE_RESPONSES,
    summary="Confirm many held dwellings",
    description="Stores held dwellings after their plausibility warnings were seen, each on "
    f"its own (at most {MAX_CONFIRMATIONS} a call): a held dwelling is stored in the register, "
    "one in the register with nothing held is already_accepted (repeating the call changes "
    "nothing), one not found for you, or that breaks a rule now, is refused with its problem.",
)
async def confirm_dwellings(
    body: DwellingConfirmationsIn, scope: WriteScope, uow: UnitOfWorkDep
) -> DwellingConfirmationsOut:
    results = await use_cases.confirm_dwellings(uow, scope, body.dwelling_ids)
    out = [
        DwellingConfirmationOut(
            dwelling_id=r.record_id,
            outcome=r.outcome,
            version=r.version,
            problem=None if r.problem is None else _record_problem(r.problem),
        )
        for r in results
    ]
    return DwellingConfirmationsOut(
        confirmed=sum(r.outcome == "confirmed" for r in out),
        already_accepted=sum(r.outcome == "already_accepted" for r in out),
        refused=sum(r.outcome == "refused" for r in out),
        results=out,
    )


@router.post(
    "/dwellings/{dwelling_id}/confirm",
    response_model=DwellingOut,
    responses={**WRITE_RESPONSES, 409: {"description": "No held version of the dwelling"}},
    summary="Confirm a held dwelling",
    description="Stores a held dwelling after its plausibility warnings were seen (the rules "
    "run again on the current register); it is then in the register and counted.",
)
async def confirm_dwelling(
    dwelling_id: RecordIdPath, scope: WriteScope, uow: UnitOfWorkDep, response: Response
) -> Any:
    outcome = await use_cases.confirm_dwelling(uow, scope, dwelling_id)
    response.headers["ETag"] = etag(outcome.row.version)
    return _out(DwellingOut, outcome.row, scope)


@router.get(
    "/dwellings",
    response_model=Page[DwellingOut],
    responses=READ_RESPONSES,
    summary="List dwellings",
)
async def list_dwellings(
    scope: ReadScope,
    uow: ReadUnitOfWorkDep,
    department: IdFilter = None,
    municipality: MunicipalityFilter = None,
    changed_since: ChangedSince = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    query = ListQuery(
        limit, cursor, changed_since, department_id=department, municipality_code=municipality
    )
    page = await use_cases.list_records(uow, scope, EntityType.DWELLING, query)
    return _listed(DwellingOut, page, scope)


@router.get(
    "/dwellings/{dwelling_id}",
    response_model=DwellingOut,
    responses=READ_RESPONSES,
    summary="Read a dwelling",
)
async def get_dwelling(
    dwelling_id: RecordIdPath, scope: ReadScope, uow: ReadUnitOfWorkDep, response: Response
) -> Any:
    row = await _read(uow, scope, EntityType.DWELLING, dwelling_id, response)
    return _out(DwellingOut, row, scope)


@router.put(
    "/dwellings/{dwelling_id}",
    response_model=DwellingOut,
    responses=UPDATE_RESPONSES,
    summary="Update a dwelling",
    description='Full update. Send If-Match: W/"<version>" (or "version" in the body).',
)
async def update_dwelling(
    dwelling_id: RecordIdPath,
    body: DwellingIn,
    scope: WriteScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    version = expected_version(if_match, body.version)
    command = WriteCommand(EntityType.DWELLING, body.to_domain(), version, body.confirmed)
    outcome = await use_cases.update_record(uow, scope, command, dwelling_id)
    if outcome.held is not None:
        return _held(outcome)
    response.headers["ETag"] = etag(outcome.row.version)
    return _out(DwellingOut, outcome.row, scope)


# --- leases ------------------------------------------------------------------------------------

LEASES = "/register/v1/leases"


@router.post(
    "/leases",
    status_code=201,
    response_model=LeaseOut,
    responses=WRITE_RESPONSES,
    summary="Report a lease",
    description="Creates a lease (lejekontrakt) with its housing expenses. Hard rules reject "
    "it (422, one error per field); plausibility warnings store it as held (Status 'held', "
    "Advarsler) until confirmed; KladdeIndikator stores a draft.",
)
async def create_lease(
    body: LeaseIn, scope: WriteScope, uow: UnitOfWorkDep, response: Response
) -> Any:
    command = WriteCommand(EntityType.LEASE, body.to_domain(), confirmed=body.confirmed)
    return _lease_out(await _created(uow, scope, command, response, LEASES), scope)


@router.get(
    "/leases",
    response_model=Page[LeaseOut],
    responses=READ_RESPONSES,
    summary="List leases",
    description="Leases you may see. Municipalities and the fund see accepted leases only, "
    "and municipalities never see tenant names (LejerNavn is null).",
)
async def list_leases(
    scope: ReadScope,
    uow: ReadUnitOfWorkDep,
    department: IdFilter = None,
    dwelling: IdFilter = None,
    municipality: MunicipalityFilter = None,
    status: Annotated[Literal["accepted", "draft", "held"] | None, Query()] = None,
    changed_since: ChangedSince = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    query = ListQuery(
        limit,
        cursor,
        changed_since,
        department_id=department,
        dwelling_id=dwelling,
        municipality_code=municipality,
        status=status,
    )
    page = await use_cases.list_records(uow, scope, EntityType.LEASE, query)
    return _listed(LeaseOut, page, scope)


@router.get(
    "/leases/{lease_id}",
    response_model=LeaseOut,
    responses=READ_RESPONSES,
    summary="Read a lease",
)
async def get_lease(
    lease_id: RecordIdPath, scope: ReadScope, uow: ReadUnitOfWorkDep, response: Response
) -> Any:
    row = await _read(uow, scope, EntityType.LEASE, lease_id, response)
    return _out(LeaseOut, row, scope)


@router.put(
    "/leases/{lease_id}",
    response_model=LeaseOut,
    responses=UPDATE_RESPONSES,
    summary="Update a lease",
    description='Full update. Send If-Match: W/"<version>" (or "version" in the body). '
    "Submitting a draft without KladdeIndikator submits it for real.",
)
async def update_lease(
    lease_id: RecordIdPath,
    body: LeaseIn,
    scope: WriteScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    def build(version: int) -> WriteCommand:
        return WriteCommand(EntityType.LEASE, body.to_domain(), version, body.confirmed)

    return _lease_out(
        await _updated(uow, scope, build, if_match, body.version, lease_id, response), scope
    )


def _lease_out(outcome: WriteOutcome, scope: Scope) -> LeaseOut:
    """The lease written; its open plausibility warnings, and what the register kept against
    it as sent (the municipality's allocation type)."""
    out: LeaseOut = _out(LeaseOut, outcome.row, scope)
    out.warnings += [
        Warning_(pointer=n.pointer, code=n.code, detail=n.detail) for n in outcome.notices
    ]
    return out


@router.post(
    "/leases/{lease_id}/confirm",
    response_model=LeaseOut,
    responses={**WRITE_RESPONSES, 409: {"description": "The lease is not held"}, 412: {}},
    summary="Confirm a held lease",
    description="Accepts a held lease after its plausibility warnings were seen; it is then "
    "published and counted. If-Match is optional here.",
)
async def confirm_lease(
    lease_id: RecordIdPath,
    scope: WriteScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    outcome = await use_cases.confirm_lease(uow, scope, lease_id, parse_if_match(if_match))
    response.headers["ETag"] = etag(outcome.row.version)
    return _out(LeaseOut, outcome.row, scope)


def _record_problem(error: DomainError) -> RecordProblem:
    return RecordProblem(
        type=f"{PROBLEM_TYPE_PREFIX}{error.code}",
        title=error.title,
        status=status_for(error),
        detail=error.detail,
        errors=[
            FieldProblem(pointer=e.pointer, detail=e.detail, code=e.code) for e in error.errors
        ],
    )


@router.post(
    "/leases/confirmations",
    response_model=LeaseConfirmationsOut,
    responses=WRITE_RESPONSES,
    summary="Confirm many held leases",
    description="Accepts held leases after their plausibility warnings were seen, each on its "
    f"own (at most {MAX_CONFIRMATIONS} a call): a held lease is accepted and published, one "
    "accepted already is reported as already_accepted (repeating the call changes nothing), "
    "a draft or a lease not found for you is refused with its problem, and the others go on.",
)
async def confirm_leases(
    body: LeaseConfirmationsIn, scope: WriteScope, uow: UnitOfWorkDep
) -> LeaseConfirmationsOut:
    results = await use_cases.confirm_leases(uow, scope, body.lease_ids)
    out = [
        LeaseConfirmationOut(
            lease_id=r.lease_id,
            outcome=r.outcome,
            version=r.version,
            problem=None if r.problem is None else _record_problem(r.problem),
        )
        for r in results
    ]
    return LeaseConfirmationsOut(
        confirmed=sum(r.outcome == "confirmed" for r in out),
        already_accepted=sum(r.outcome == "already_accepted" for r in out),
        refused=sum(r.outcome == "refused" for r in out),
        results=out,
    )


# --- housing expenses --------------------------------------------------------------------------


@router.post(
    "/leases/{lease_id}/expenses",
    status_code=201,
    response_model=HousingExpenseOut,
    responses=WRITE_RESPONSES,
    summary="Report a housing expense of a lease",
    description="A dated monthly expense (boligudgift), e.g. a rent change from a date. One "
    "expense of a type may start on a given day; the rent-forming ones form the rent.",
)
async def create_expense(
    lease_id: RecordIdPath,
    body: HousingExpenseIn,
    scope: WriteScope,
    uow: UnitOfWorkDep,
    response: Response,
) -> Any:
    command = WriteCommand(
        EntityType.HOUSING_EXPENSE, body.to_domain(), confirmed=body.confirmed, lease_id=lease_id
    )
    outcome = await use_cases.create_record(uow, scope, command)
    response.headers["ETag"] = etag(outcome.row.version)
    response.headers["Location"] = f"{LEASES}/{lease_id}/expenses/{outcome.entity_id}"
    return _expense_out(outcome, scope)


def _expense_out(outcome: Any, scope: Scope) -> HousingExpenseOut:
    out: HousingExpenseOut = _out(HousingExpenseOut, outcome.row, scope)
    out.warnings = [
        Warning_(pointer=w.pointer, code=w.code, detail=w.detail) for w in outcome.warnings
    ]
    return out


@router.get(
    "/leases/{lease_id}/expenses",
    response_model=Page[HousingExpenseOut],
    responses=READ_RESPONSES,
    summary="List the housing expenses of a lease",
)
async def list_expenses(
    lease_id: RecordIdPath,
    scope: ReadScope,
    uow: ReadUnitOfWorkDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    page = await use_cases.list_expenses(uow, scope, lease_id, limit=limit, cursor=cursor)
    return _listed(HousingExpenseOut, page, scope)


@router.get(
    "/leases/{lease_id}/expenses/{expense_id}",
    response_model=HousingExpenseOut,
    responses=READ_RESPONSES,
    summary="Read a housing expense",
)
async def get_expense(
    lease_id: RecordIdPath,
    expense_id: ExpenseIdPath,
    scope: ReadScope,
    uow: ReadUnitOfWorkDep,
    response: Response,
) -> Any:
    row = await use_cases.get_expense(uow, scope, lease_id, expense_id)
    response.headers["ETag"] = etag(row.version)
    return _out(HousingExpenseOut, row, scope)


@router.put(
    "/leases/{lease_id}/expenses/{expense_id}",
    response_model=HousingExpenseOut,
    responses=UPDATE_RESPONSES,
    summary="Update a housing expense",
    description='Full update. Send If-Match: W/"<version>" (or "version" in the body).',
)
async def update_expense(
    lease_id: RecordIdPath,
    expense_id: ExpenseIdPath,
    body: HousingExpenseIn,
    scope: WriteScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    command = WriteCommand(
        EntityType.HOUSING_EXPENSE,
        body.to_domain(),
        expected_version(if_match, body.version),
        body.confirmed,
        lease_id=lease_id,
        expense_id=expense_id,
    )
    outcome = await use_cases.update_record(uow, scope, command, lease_id)
    response.headers["ETag"] = etag(outcome.row.version)
    return _expense_out(outcome, scope)
