"""The frame and the pipeline as Excel for the fund: one sheet with each frame year's frame,
used, reserved and left; one with every case (the pipeline). Every cell goes through
``common.exports`` (text that would start a formula is neutralised)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import xlsxwriter

from common.access import Scope
from common.calendar import danish_date
from common.db.uow import UnitOfWork
from common.exports import write_cell, write_row
from grants.db.repositories import ApplicationRepository, FrameRepository
from grants.domain.frame import frame_years
from grants.domain.lifecycle import Status
from grants.services.applications import case_age
from grants.services.decisions import frame_use
from grants.services.roles import FUND_ROLES

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PIPELINE_HEADER = (
    "Sag",
    "Titel",
    "Type",
    "Status",
    "Boligorganisationer",
    "Kommune",
    "Rammeår",
    "Ansøgt (kr.)",
    "Reserveret (kr.)",
    "Tilsagn (kr.)",
    "Fremsendt",
    "Alder (dage)",
    "Over 6 uger",
    "Opgørelse for sent",
    "Udbetalinger stoppet",
)


async def frame_and_pipeline_workbook(uow: UnitOfWork, scope: Scope) -> bytes:
    scope.require(FUND_ROLES, "export the frame and the pipeline")
    frames = FrameRepository(uow.session)
    uses = [await frame_use(frames, year, lock=False) for year in frame_years()]
    today = danish_date(datetime.now(UTC))
    cases = await ApplicationRepository(uow.session).all_summaries(today)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    header = book.add_format({"bold": True, "bg_color": "#DDDDDD"})
    money = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})

    sheet = book.add_worksheet("Ramme")
    write_row(
        sheet,
        0,
        0,
        ["År", "Ramme (kr.)", "Tilsagn (kr.)", "Reserveret (kr.)", "Rest (kr.)"],
        header,
    )
    for row, use in enumerate(uses, start=1):
        write_cell(sheet, row, 0, use.year)
        for col, value in enumerate((use.frame, use.used, use.reserved, use.left), start=1):
            write_cell(sheet, row, col, value, money)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 4, 18)
    sheet.freeze_panes(1, 0)

    sheet = book.add_worksheet("Pipeline")
    write_row(sheet, 0, 0, PIPELINE_HEADER, header)
    for row, case in enumerate(cases, start=1):
        age, flagged = case_age(case, today)
        write_row(
            sheet,
            row,
            0,
            [
                case.id,
                case.title,
                case.kind,
                Status(case.status).label,
                ", ".join(case.organisation_ids),
                case.municipality_code,
                case.year,
            ],
        )
        for col, value in enumerate(
            (case.requested_amount, case.reserved_amount, case.committed_amount), start=7
        ):
            write_cell(sheet, row, col, value, money)
        write_cell(sheet, row, 10, danish_date(case.sent_at) if case.sent_at else None, day)
        write_row(sheet, row, 11, [age, flagged, case.overdue, case.payments_stopped])
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(len(cases), 1), len(PIPELINE_HEADER) - 1)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 14, 16)
    book.close()
    return buffer.getvalue()
