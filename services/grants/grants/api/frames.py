"""The yearly frame as the fund sees it: per year the frame, used (committed), reserved, left."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from common.app import UnitOfWorkDep
from common.problems import problem_responses
from grants.api.deps import GrantsScope
from grants.api.schemas import FrameDetailOut, FrameEntryOut, FrameOut
from grants.domain.frame import FrameUse
from grants.services import decisions, exports

router = APIRouter(tags=["frame"])
READ = problem_responses(
    {401: "No or invalid bearer token", 403: "Only the fund sees the frame", 422: "No such year"}
)


def _out(use: FrameUse) -> dict[str, object]:
    return {
        "year": use.year,
        "frame": use.frame,
        "used": use.used,
        "reserved": use.reserved,
        "left": use.left,
    }


@router.get("/frames", response_model=list[FrameOut], responses=READ)
async def frames(scope: GrantsScope, uow: UnitOfWorkDep) -> list[FrameOut]:
    """Every frame year (2019–2026) with what is used, reserved and left."""
    return [FrameOut(**_out(use)) for use in await decisions.frames_overview(uow, scope)]


@router.get(
    "/frames/export.xlsx",
    response_class=Response,
    responses={**READ, 200: {"content": {exports.MEDIA_TYPE: {}}}},
    summary="The frame per year and the pipeline of every case, as Excel",
)
async def export_frame_and_pipeline(scope: GrantsScope, uow: UnitOfWorkDep) -> Response:
    content = await exports.frame_and_pipeline_workbook(uow, scope)
    return Response(
        content,
        media_type=exports.MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="ramme-og-pipeline.xlsx"'},
    )


@router.get("/frames/{year}", response_model=FrameDetailOut, responses=READ)
async def frame(
    year: Annotated[int, Path(ge=2000, le=2100)], scope: GrantsScope, uow: UnitOfWorkDep
) -> FrameDetailOut:
    """One year's frame with each reservation and commitment."""
    use, entries = await decisions.frame_detail(uow, scope, year)
    return FrameDetailOut(
        **_out(use),
        entries=[
            FrameEntryOut(
                application_id=e.application_id,
                kind=e.kind,
                amount=e.amount,
                released=e.released_at is not None,
                created_at=e.created_at,
            )
            for e in entries
        ],
    )
