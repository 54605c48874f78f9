"""Excel exports, every cell written through ``common.exports``: the subsidy payment schedule
and the quarterly refund statement."""

from __future__ import annotations

import io
from datetime import date

import xlsxwriter

from allocation.db.models import SubsidyRow
from allocation.db.repositories import Repository
from allocation.domain.subsidy import schedule
from allocation.services.offers import offers_condition
from allocation.services.refunds import statement
from allocation.services.roles import SUBSIDY_READERS
from common.access import Scope
from common.db.uow import UnitOfWork
from common.exports import write_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _book() -> tuple[io.BytesIO, xlsxwriter.Workbook]:
    buffer = io.BytesIO()
    return buffer, xlsxwriter.Workbook(buffer, {"in_memory": True})


async def subsidy_schedule_xlsx(uow: UnitOfWork, scope: Scope, frame_year: int | None) -> bytes:
    """One row per subsidy month: the municipality's payment schedule (the fund: all)."""
    scope.require(SUBSIDY_READERS, "export subsidy schedules")
    repo = Repository(uow.session)
    rates = await repo.rates()
    buffer, book = _book()
    sheet = book.add_worksheet("Udbetalingsplan")
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    header = [
        "Tilskud",
        "Kommune",
        "Ramme-år",
        "Bolig",
        "Boligorganisation",
        "Sag",
        "Måned nr.",
        "Periode fra",
        "Periode til",
        "Sats (kr./md.)",
        "Andel",
        "Beløb (kr.)",
        "Foreløbig sats",
    ]
    write_row(sheet, 0, 0, header, bold)
    row_index = 1
    for subsidy in await repo.subsidies_of(
        scope.filter(None, SubsidyRow.municipality_code), frame_year
    ):
        for month in schedule(subsidy.move_in, rates, subsidy.move_out):
            write_row(
                sheet,
                row_index,
                0,
                [
                    subsidy.id,
                    subsidy.municipality_code,
                    subsidy.frame_year,
                    subsidy.dwelling_id,
                    subsidy.organisation_id,
                    subsidy.case_reference,
                    month.number,
                ],
            )
            write_row(sheet, row_index, 7, [month.period_start, month.period_end], day)
            write_row(sheet, row_index, 9, [month.rate], money)
            write_row(
                sheet, row_index, 10, [f"{month.factor.numerator}/{month.factor.denominator}"]
            )
            write_row(sheet, row_index, 11, [month.amount], money)
            write_row(sheet, row_index, 12, ["ja" if month.provisional else "nej"])
            row_index += 1
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


async def refund_statement_xlsx(
    uow: UnitOfWork, scope: Scope, municipality_code: str, year: int, quarter: int, today: date
) -> bytes:
    result = await statement(uow, scope, municipality_code, year, quarter, today)
    buffer, book = _book()
    sheet = book.add_worksheet(f"Refusion {year} K{quarter}")
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    write_row(
        sheet,
        0,
        0,
        [f"Refusionsopgørelse § 55, kommune {municipality_code}, {year} kvartal {quarter}"],
        bold,
    )
    write_row(
        sheet,
        2,
        0,
        ["Aftale", "Ejendom", "Art", "Dato", "Tilbud", "Udgift (kr.)", "Refusion (kr.)", "Note"],
        bold,
    )
    for index, line in enumerate(result.lines, start=3):
        write_row(sheet, index, 0, [line.agreement_id, line.property_id, line.kind])
        write_row(sheet, index, 3, [line.day], day)
        write_row(sheet, index, 4, [line.offer_id or ""])
        write_row(sheet, index, 5, [line.expense, line.refund], money)
        write_row(sheet, index, 7, [line.note])
    total = 3 + len(result.lines)
    write_row(sheet, total, 0, ["I alt"], bold)
    write_row(sheet, total, 5, [result.expenses, result.refunds], money)
    book.close()
    return buffer.getvalue()


async def offers_xlsx(uow: UnitOfWork, scope: Scope, status: str | None) -> bytes:
    """The offers the caller sees (newest first), one row each, with what is owed."""
    rows = await Repository(uow.session).list_offers(
        offers_condition(scope),
        status=status,
        source=None,
        organisation_id=None,
        opened_from=None,
        after=None,
        limit=100_000,
    )
    buffer, book = _book()
    sheet = book.add_worksheet("Tilbud")
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    write_row(
        sheet,
        0,
        0,
        [
            "Tilbud",
            "Art",
            "Kommune",
            "Boligorganisation/udlejer",
            "Bolig",
            "Status",
            "Modtaget",
            "Svarfrist",
            "Til rådighed fra",
            "Udlejet",
            "Husleje betales til",
            "Husleje (kr.)",
            "Godtgørelse (kr.)",
            "Sag",
        ],
        bold,
    )
    for index, offer in enumerate(rows, start=1):
        write_row(
            sheet,
            index,
            0,
            [
                offer.id,
                "almen" if offer.source == "social" else "privat",
                offer.municipality_code,
                offer.organisation_id,
                offer.dwelling_id,
                offer.status,
            ],
        )
        write_row(
            sheet,
            index,
            6,
            [
                offer.received_on,
                offer.answer_due,
                offer.available_from,
                offer.let_on,
                offer.rent_until,
            ],
            day,
        )
        write_row(sheet, index, 11, [offer.rent_owed, offer.compensation_owed], money)
        write_row(sheet, index, 13, [offer.case_reference or ""])
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
