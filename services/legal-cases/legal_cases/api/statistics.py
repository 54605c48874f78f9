"""§ 90 statistics to the ministry: JSON and Excel, small cells suppressed."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from common.app import UnitOfWorkDep
from common.dates import WireDate
from common.problems import problem_responses
from legal_cases.api.deps import viewer_dependency
from legal_cases.api.schemas import FiguresOut, StatisticsOut, TribunalFiguresOut
from legal_cases.db.repositories import StatisticsRepository
from legal_cases.domain.access import OWNER_READERS, Viewer
from legal_cases.domain.statistics import SUPPRESS_BELOW
from legal_cases.services import statistics

router = APIRouter(tags=["statistics"])

StatisticsReader = Annotated[
    Viewer, Depends(viewer_dependency(OWNER_READERS, "read § 90 statistics"))
]
From = Annotated[WireDate, Query(alias="from", description="First day of the period.")]
To = Annotated[WireDate, Query(alias="to", description="Last day of the period (included).")]
TribunalCode = Annotated[
    str | None,
    Query(pattern=r"^\d{3}$", description="One tribunal; left out: national (the fund)."),
]
RESPONSES = problem_responses(
    {401: "No or invalid bearer token", 403: "Your role may not do this",
     404: "Another tribunal's statistics", 422: "The period or code is not valid"}
)  # fmt: skip


def statistics_out(result: statistics.Report) -> StatisticsOut:
    return StatisticsOut(
        period_from=result.start,
        period_to=result.end,
        tribunal_code=result.tribunal_code,
        suppression_threshold=SUPPRESS_BELOW,
        overall=FiguresOut(**dataclasses.asdict(result.overall)),
        tribunals=[
            TribunalFiguresOut(tribunal_code=code, **dataclasses.asdict(figs))
            for code, figs in result.tribunals
        ],
    )


@router.get("/statistics", response_model=StatisticsOut, responses=RESPONSES)
async def get_statistics(
    viewer: StatisticsReader, uow: UnitOfWorkDep, start: From, end: To,
    tribunal_code: TribunalCode = None,
) -> StatisticsOut:  # fmt: skip
    """Cases by category, decisions by outcome, median and 90th percentile time to decision,
    inspections, appeals and non-compliance reports (§ 90)."""
    result = await statistics.report(
        StatisticsRepository(uow.session), viewer, start, end, tribunal_code
    )
    return statistics_out(result)


@router.get(
    "/statistics.xlsx",
    response_class=Response,
    responses={**RESPONSES, 200: {"content": {statistics.XLSX: {}}}},
)
async def get_statistics_excel(
    viewer: StatisticsReader, uow: UnitOfWorkDep, start: From, end: To,
    tribunal_code: TribunalCode = None,
) -> Response:  # fmt: skip
    result = await statistics.report(
        StatisticsRepository(uow.session), viewer, start, end, tribunal_code
    )
    name = f"huslejenaevn-statistik-{start.isoformat()}-{end.isoformat()}.xlsx"
    return Response(
        content=statistics.excel(result),
        media_type=statistics.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
