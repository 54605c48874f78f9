"""§ 90 statistics: per tribunal and nationally for a period, as JSON and Excel.

The fund (for the ministry) sees the national figures and every tribunal's; a tribunal sees its
own. Every figure goes through :func:`legal_cases.domain.statistics.figures` (small cells
suppressed); the Excel file writes its cells through ``common.exports``."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import xlsxwriter

from common.errors import NotFoundError, PermissionDeniedError, RuleViolationError
from common.exports import write_row
from common.municipalities import MUNICIPALITIES
from legal_cases.db.repositories import StatisticsRepository, StatisticsRows
from legal_cases.domain.access import FUND_ROLE, TRIBUNAL_ROLE, Viewer
from legal_cases.domain.appeals import AppealOutcome
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.decisions import AppealBody, Outcome
from legal_cases.domain.statistics import (
    SUPPRESS_BELOW,
    Figures,
    Raw,
    combine,
    figures,
    protect_tribunals,
)

CATEGORIES = [c.value for c in CaseCategory]
OUTCOMES = [o.value for o in Outcome]
BODIES = [b.value for b in AppealBody]
APPEALED = [o.value for o in AppealOutcome]
MAX_DAYS = 366 * 5
HIDDEN = ".."  # a suppressed cell in the Excel file (as Statistics Denmark marks them)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Report:
    start: date
    end: date
    tribunal_code: str | None  # None: national
    overall: Figures
    tribunals: list[tuple[str, Figures]]


def _raw_by_tribunal(rows: StatisticsRows) -> dict[str, Raw]:
    filed: dict[str, dict[str, int]] = defaultdict(dict)
    for tribunal, category, count in rows.filed:
        filed[tribunal][category] = count
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    for tribunal, outcome, count in rows.outcomes:
        outcomes[tribunal][outcome] = count
    days = {tribunal: list(values) for tribunal, values in rows.days}
    appeals: dict[str, dict[str, int]] = defaultdict(dict)
    for tribunal, body, count in rows.appeals:
        appeals[tribunal][body] = count
    appeal_outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    for tribunal, outcome, count in rows.appeal_outcomes:
        appeal_outcomes[tribunal][outcome] = count
    rejected = dict(rows.rejected)
    inspections = dict(rows.inspections)
    reports = dict(rows.reports)
    codes = set(filed) | set(days) | set(appeals) | set(rejected) | set(inspections)
    codes |= set(reports) | set(appeal_outcomes)
    return {
        code: Raw(
            filed_by_category=filed.get(code, {}),
            rejected=rejected.get(code, 0),
            outcomes=outcomes.get(code, {}),
            days_to_decision=days.get(code, []),
            inspections_held=inspections.get(code, 0),
            appeals_by_body=appeals.get(code, {}),
            noncompliance_reports=reports.get(code, 0),
            appeal_outcomes=appeal_outcomes.get(code, {}),
        )
        for code in sorted(codes)
    }


async def report(
    repo: StatisticsRepository, viewer: Viewer, start: date, end: date, tribunal_code: str | None
) -> Report:
    if viewer.role == TRIBUNAL_ROLE:
        if tribunal_code is not None and tribunal_code != viewer.tribunal_code:
            raise NotFoundError(
                f"Tribunal {tribunal_code}'s statistics are not among those you may see; "
                "a tribunal reads its own (leave tribunal_code out)."
            )
        tribunal_code = viewer.tribunal_code
    elif viewer.role != FUND_ROLE:
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not read § 90 statistics; it needs one of: fund, "
            "tribunal."
        )
    if tribunal_code is not None and tribunal_code not in MUNICIPALITIES:
        raise RuleViolationError(f"'{tribunal_code}' is not a Danish municipality code.")
    if end < start or (end - start).days > MAX_DAYS:
        raise RuleViolationError(
            f"The period runs from 'from' to 'to' (both included), at most {MAX_DAYS} days; "
            f"got {start} to {end}."
        )
    by_tribunal = _raw_by_tribunal(await repo.rows(start, end, tribunal_code))
    overall = figures(combine(by_tribunal.values()), CATEGORIES, OUTCOMES, BODIES, APPEALED)
    protected = protect_tribunals(
        overall,
        {
            code: figures(raw, CATEGORIES, OUTCOMES, BODIES, APPEALED)
            for code, raw in by_tribunal.items()
        },
    )
    tribunals = sorted(protected.items())
    return Report(start, end, tribunal_code, overall, tribunals if tribunal_code is None else [])


def _lines(figs: Figures) -> list[tuple[str, str, Any]]:
    """(Danish label, suppression path, value) of every figure, in the sheet's order."""
    lines: list[tuple[str, str, Any]] = [("Indbragte sager i alt", "cases_filed", figs.cases_filed)]
    lines += [
        (f"Indbragt: {CaseCategory(c).label}", f"by_category.{c}", v)
        for c, v in figs.by_category.items()
    ]
    lines += [
        ("Afviste sager (§ 83, stk. 1)", "rejected", figs.rejected),
        ("Afgørelser", "decisions", figs.decisions),
    ]
    lines += [
        (f"Afgørelser: {Outcome(o).label}", f"outcomes.{o}", v) for o, v in figs.outcomes.items()
    ]
    lines += [
        ("Sagsbehandlingstid, median (dage)", "days_to_decision", figs.median_days_to_decision),
        ("Sagsbehandlingstid, 90 %-fraktil (dage)", "days_to_decision", figs.p90_days_to_decision),
        ("Besigtigelser afholdt", "inspections_held", figs.inspections_held),
    ]
    lines += [
        (f"Indbragt for {AppealBody(b).label}", f"appeals.{b}", v) for b, v in figs.appeals.items()
    ]
    lines += [
        (f"Ankeafgørelser: {AppealOutcome(o).label}", f"appeal_outcomes.{o}", v)
        for o, v in figs.appeal_outcomes.items()
    ]
    lines.append(
        ("Indberetninger om manglende efterlevelse", "noncompliance_reports",
         figs.noncompliance_reports)
    )  # fmt: skip
    return lines


def excel(result: Report) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    header = book.add_format({"bold": True})
    sheet = book.add_worksheet("Statistik § 90")
    scope = (
        "Hele landet" if result.tribunal_code is None else f"Huslejenævnet {result.tribunal_code}"
    )
    write_row(sheet, 0, 0, ["Huslejenævnsstatistik (§ 90)", scope], header)
    write_row(sheet, 1, 0, ["Periode", f"{result.start.isoformat()} – {result.end.isoformat()}"])
    write_row(
        sheet, 2, 0,
        ["Diskretion", f"'{HIDDEN}': tal under {SUPPRESS_BELOW} og tal, de kunne udledes af"],
    )  # fmt: skip
    columns = [("I alt", result.overall)] + [
        (f"{code} {MUNICIPALITIES.get(code, '')}".strip(), figs) for code, figs in result.tribunals
    ]
    write_row(sheet, 4, 0, ["Nøgletal", *[name for name, _ in columns]], header)
    per_column = [(_lines(figs), set(figs.suppressed)) for _, figs in columns]
    for index, (label, _, _) in enumerate(per_column[0][0]):
        values = []
        for lines, suppressed in per_column:
            _, path, value = lines[index]
            values.append(HIDDEN if value is None and path in suppressed else value)
        write_row(sheet, 5 + index, 0, [label, *values])
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, len(columns), 16)
    book.close()
    return buffer.getvalue()
