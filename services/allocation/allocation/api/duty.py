"""§ 5 vacancy duty reports, § 52 invitation rounds, § 55 refund statements, Excel exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from allocation.api.deps import AllocationScope, IdPath, PrivateScope, SubsidyScope
from allocation.api.schemas import (
    LongVacancyOut,
    PickIn,
    RefundLineOut,
    RefundStatementOut,
    ReportDecisionIn,
    RoundIn,
    RoundOfferIn,
    RoundOfferOut,
    RoundOut,
    VacancyReportIn,
    VacancyReportOut,
)
from allocation.db.models import InvitationRoundRow, RoundOfferRow, VacancyReportRow
from allocation.domain.duty import ReportStatus, age_days
from allocation.services import duty, exports, refunds, rounds
from allocation.services.core import today
from common.app import UnitOfWorkDep
from common.paging import Cursor, Limit, Page
from common.problems import problem_responses

router = APIRouter(tags=["vacancy duty, invitations, refunds"])

READ = problem_responses({401: "No or invalid token", 403: "Your role may not", 404: "Not found"})
WRITE = {**READ, **problem_responses({409: "Conflict", 422: "Refused: see 'detail'"})}
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {exports.XLSX: {}}, "description": "An Excel workbook"}
}
Municipality = Annotated[str, Path(pattern=r"^\d{3}$")]
Year = Annotated[int, Path(ge=2000, le=2100)]
Quarter = Annotated[int, Path(ge=1, le=4)]


def report_out(row: VacancyReportRow) -> VacancyReportOut:
    return VacancyReportOut(
        id=row.id,
        municipality_code=row.municipality_code,
        landlord_id=row.landlord_id,
        dwelling_ref=row.dwelling_ref,
        vacant_since=row.vacant_since,
        age_days=age_days(row.vacant_since, today()),
        reported_on=row.reported_on,
        status=row.status,
        case_reference=row.case_reference,
        extended_until=row.extended_until,
        reason=row.reason,
    )


def round_offer_out(row: RoundOfferRow) -> RoundOfferOut:
    return RoundOfferOut(
        id=row.id,
        round_id=row.round_id,
        landlord_id=row.landlord_id,
        property_id=row.property_id,
        kind=row.kind,
        frequency=row.frequency,
        specific_apartments=list(row.specific_apartments or ()),
        price_per_right=row.price_per_right,
        decision=row.decision,
    )


def round_out(row: InvitationRoundRow, offers: list[RoundOfferRow] | None = None) -> RoundOut:
    return RoundOut(
        id=row.id,
        municipality_code=row.municipality_code,
        deadline=row.deadline,
        basis=row.basis,
        offers=[round_offer_out(o) for o in offers or []],
    )


@router.post(
    "/vacancy-reports",
    status_code=201,
    response_model=VacancyReportOut,
    responses=WRITE,
    summary="Report a dwelling vacant for more than 6 weeks (§ 5(2), landlord)",
)
async def report(
    body: VacancyReportIn, scope: PrivateScope, uow: UnitOfWorkDep
) -> VacancyReportOut:
    row = await duty.report_vacancy(
        uow,
        scope,
        duty.NewReport(
            body.landlord_id, body.municipality_code, body.dwelling_ref, body.vacant_since
        ),
        today(),
    )
    return report_out(row)


@router.get(
    "/vacancy-reports",
    response_model=Page[VacancyReportOut],
    responses=READ,
    summary="Vacancy reports with their age (a municipality its own)",
)
async def list_reports(
    scope: PrivateScope,
    uow: UnitOfWorkDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: ReportStatus | None = None,
) -> Page[VacancyReportOut]:
    page = await duty.list_reports(uow, scope, status=status, cursor=cursor, limit=limit)
    return Page(items=[report_out(r) for r in page.rows], next_cursor=page.next_cursor)


@router.post(
    "/vacancy-reports/{report_id}/decision",
    response_model=VacancyReportOut,
    responses=WRITE,
    summary="Allocate a home seeker (§ 5(3)) or grant a further deadline (§ 5(5))",
)
async def decide(
    report_id: IdPath, body: ReportDecisionIn, scope: PrivateScope, uow: UnitOfWorkDep
) -> VacancyReportOut:
    row = await duty.decide_report(
        uow,
        scope,
        report_id,
        duty.Decision(body.allocate_case_reference, body.extended_until, body.reason),
        today(),
    )
    return report_out(row)


@router.get(
    "/long-vacancies",
    response_model=Page[LongVacancyOut],
    responses=READ,
    summary="Social dwellings vacant for more than 6 weeks, from the register's events",
)
async def long_vacancies(
    scope: AllocationScope, uow: UnitOfWorkDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[LongVacancyOut]:
    now = today()
    page = await duty.long_social_vacancies(uow, scope, now, cursor=cursor, limit=limit)
    return Page(
        items=[
            LongVacancyOut(
                dwelling_id=r.dwelling_id,
                organisation_id=r.organisation_id,
                municipality_code=r.municipality_code,
                housing_type=r.housing_type,
                vacant_from=r.vacant_from,
                age_days=age_days(r.vacant_from, now),
                decision=None if report is None else report_out(report),
            )
            for r, report in page.rows
        ],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/long-vacancies/{dwelling_id}/decision",
    response_model=VacancyReportOut,
    responses=WRITE,
    summary="Allocate a home seeker to a social dwelling vacant over 6 weeks (§ 5(3)) or grant a "
    "further deadline (§ 5(5))",
)
async def decide_long_vacancy(
    dwelling_id: IdPath, body: ReportDecisionIn, scope: PrivateScope, uow: UnitOfWorkDep
) -> VacancyReportOut:
    row = await duty.decide_long_vacancy(
        uow,
        scope,
        dwelling_id,
        duty.Decision(body.allocate_case_reference, body.extended_until, body.reason),
        today(),
    )
    return report_out(row)


@router.post(
    "/private/rounds",
    status_code=201,
    response_model=RoundOut,
    responses=WRITE,
    summary="Invite every private landlord in the municipality (§ 52)",
)
async def open_round(body: RoundIn, scope: PrivateScope, uow: UnitOfWorkDep) -> RoundOut:
    return round_out(await rounds.open_round(uow, scope, body.deadline, body.basis, today()))


@router.get(
    "/private/rounds",
    response_model=Page[RoundOut],
    responses=READ,
    summary="Invitation rounds (a landlord: those of its properties' municipalities)",
)
async def list_rounds(
    scope: PrivateScope, uow: UnitOfWorkDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[RoundOut]:
    page = await rounds.list_rounds(uow, scope, cursor=cursor, limit=limit)
    return Page(items=[round_out(r) for r in page.rows], next_cursor=page.next_cursor)


@router.get(
    "/private/rounds/{round_id}",
    response_model=RoundOut,
    responses=READ,
    summary="A round with the offers you may see",
)
async def get_round(round_id: IdPath, scope: PrivateScope, uow: UnitOfWorkDep) -> RoundOut:
    row, offers = await rounds.get_round(uow, scope, round_id)
    return round_out(row, offers)


@router.post(
    "/private/rounds/{round_id}/offers",
    status_code=201,
    response_model=RoundOfferOut,
    responses=WRITE,
    summary="Give a binding offer by the deadline (landlord)",
)
async def give_offer(
    round_id: IdPath, body: RoundOfferIn, scope: PrivateScope, uow: UnitOfWorkDep
) -> RoundOfferOut:
    row = await rounds.give_offer(
        uow,
        scope,
        rounds.NewRoundOffer(
            round_id,
            body.property_id,
            body.kind,
            body.frequency,
            tuple(body.specific_apartments),
            body.price_per_right,
        ),
        today(),
    )
    return round_offer_out(row)


@router.post(
    "/private/rounds/{round_id}/offers/{offer_id}/decision",
    response_model=RoundOfferOut,
    responses=WRITE,
    summary="Pick or reject an offer after the deadline (municipality)",
)
async def decide_offer(
    round_id: IdPath, offer_id: IdPath, body: PickIn, scope: PrivateScope, uow: UnitOfWorkDep
) -> RoundOfferOut:
    return round_offer_out(
        await rounds.decide_offer(uow, scope, round_id, offer_id, body.pick, today())
    )


@router.get(
    "/refund-statements/{municipality_code}/{year}/{quarter}",
    response_model=RefundStatementOut,
    responses=WRITE,
    summary="§ 55 refund statement of a quarter, in arrears",
)
async def refund_statement(
    municipality_code: Municipality,
    year: Year,
    quarter: Quarter,
    scope: SubsidyScope,
    uow: UnitOfWorkDep,
) -> RefundStatementOut:
    result = await refunds.statement(uow, scope, municipality_code, year, quarter, today())
    return RefundStatementOut(
        municipality_code=result.municipality_code,
        year=result.year,
        quarter=result.quarter,
        expenses=result.expenses,
        refunds=result.refunds,
        lines=[
            RefundLineOut(
                agreement_id=line.agreement_id,
                property_id=line.property_id,
                kind=line.kind,
                day=line.day,
                offer_id=line.offer_id,
                expense=line.expense,
                refund=line.refund,
                note=line.note,
            )
            for line in result.lines
        ],
    )


@router.get(
    "/refund-statements/{municipality_code}/{year}/{quarter}/xlsx",
    response_class=Response,
    responses={**WRITE, **XLSX_RESPONSE},
    summary="The refund statement as Excel, for Udbetaling Danmark",
)
async def refund_statement_xlsx(
    municipality_code: Municipality,
    year: Year,
    quarter: Quarter,
    scope: SubsidyScope,
    uow: UnitOfWorkDep,
) -> Response:
    content = await exports.refund_statement_xlsx(
        uow, scope, municipality_code, year, quarter, today()
    )
    return Response(
        content,
        media_type=exports.XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="refusion-{municipality_code}-{year}-K{quarter}.xlsx"'
        },
    )


@router.get(
    "/subsidies-schedule.xlsx",
    response_class=Response,
    responses={**READ, **XLSX_RESPONSE},
    summary="Payment schedule of the subsidies, month by month, as Excel",
)
async def schedule_xlsx(
    scope: SubsidyScope,
    uow: UnitOfWorkDep,
    frame_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    content = await exports.subsidy_schedule_xlsx(uow, scope, frame_year)
    return Response(
        content,
        media_type=exports.XLSX,
        headers={
            "Content-Disposition": 'attachment; filename="huslejetilskud-udbetalingsplan.xlsx"'
        },
    )
