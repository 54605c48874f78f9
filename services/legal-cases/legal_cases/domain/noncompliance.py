"""Owners who do not comply with final decisions (§§ 21(2) no. 4 and 6, 22).

The tribunals report final decisions an owner has not complied with; when there are reports of
**three final decisions within 2 years** by one owner — across tribunals — or a conviction under
§ 16 of the Rent Act plus one non-complied final decision within 2 years, the involved tribunals
are told and may proceed to disqualification (§§ 20-21, 1-5 years).

The 2-year period is counted back from the day the report is evaluated: decisions made on or
after the same calendar day two years earlier count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

THRESHOLD: Final = 3


@dataclass(frozen=True, slots=True)
class Reported:
    case_id: str
    tribunal_code: str
    decided_on: date


@dataclass(frozen=True, slots=True)
class Threshold:
    rule: str  # "three_decisions" | "conviction_and_decision"
    case_ids: tuple[str, ...]
    tribunal_codes: tuple[str, ...]


def window_start(as_of: date) -> date:
    try:
        return as_of.replace(year=as_of.year - 2)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - 2, day=28)


def threshold_reached(
    reports: Sequence[Reported], convictions: Sequence[date], as_of: date
) -> Threshold | None:
    start = window_start(as_of)
    by_case: dict[str, Reported] = {}
    for report in reports:
        if start <= report.decided_on <= as_of:
            by_case.setdefault(report.case_id, report)
    counted = sorted(by_case.values(), key=lambda r: (r.decided_on, r.case_id))
    case_ids = tuple(r.case_id for r in counted)
    tribunals = tuple(sorted({r.tribunal_code for r in counted}))
    if len(counted) >= THRESHOLD:
        return Threshold("three_decisions", case_ids, tribunals)
    if counted and any(start <= c <= as_of for c in convictions):
        return Threshold("conviction_and_decision", case_ids, tribunals)
    return None
