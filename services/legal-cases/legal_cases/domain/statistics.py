"""§ 90 statistics for the ministry: per tribunal and nationally, per period.

* cases filed by category (filing date in the period), rejected (§ 83(1));
* decisions made in the period, by outcome (who got support), and the time from filing to
  decision in calendar days: the **median** (the middle value, or the mean of the two middle
  values) and the **90th percentile** by the nearest-rank method (the smallest value with at
  least 90 % of the decisions at or below it);
* inspections held, appeals lodged (by body), non-compliance reports made.

**Small cells are suppressed**: a count of 1 or 2 (below :data:`SUPPRESS_BELOW`) is published
as ``None`` and its path listed in ``suppressed`` — a zero is not a small cell. Times to decision
over fewer than 3 decisions are suppressed too. **Secondary suppression** within a breakdown
whose total is published (cases by category, decisions by outcome): when exactly one cell of it
is suppressed, the smallest other non-zero cell is suppressed as well, so the small cell cannot
be recovered as the total minus the others. (Across tribunals — a national total minus the
other tribunals — nothing is done yet; see DESIGN.md.)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

SUPPRESS_BELOW: Final = 3


def median(values: Sequence[int]) -> Decimal:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("the median of nothing")
    middle = n // 2
    if n % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1] + ordered[middle]) / 2).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def nearest_rank(values: Sequence[int], percent: int) -> int:
    ordered = sorted(values)
    if not ordered:
        raise ValueError("a percentile of nothing")
    rank = max(1, math.ceil(percent * len(ordered) / 100))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class Raw:
    """What one tribunal (or the country) did in the period, before suppression."""

    filed_by_category: Mapping[str, int] = field(default_factory=dict)
    rejected: int = 0
    outcomes: Mapping[str, int] = field(default_factory=dict)
    days_to_decision: Sequence[int] = ()  # one per decision: calendar days from filing
    inspections_held: int = 0
    appeals_by_body: Mapping[str, int] = field(default_factory=dict)
    noncompliance_reports: int = 0


@dataclass(frozen=True, slots=True)
class Figures:
    cases_filed: int | None
    by_category: dict[str, int | None]
    rejected: int | None
    decisions: int | None
    outcomes: dict[str, int | None]
    median_days_to_decision: Decimal | None
    p90_days_to_decision: int | None
    inspections_held: int | None
    appeals: dict[str, int | None]
    noncompliance_reports: int | None
    suppressed: list[str]


def figures(
    raw: Raw, categories: Iterable[str], outcomes: Iterable[str], bodies: Iterable[str]
) -> Figures:
    suppressed: list[str] = []

    def cell(path: str, count: int) -> int | None:
        if 0 < count < SUPPRESS_BELOW:
            suppressed.append(path)
            return None
        return count

    def breakdown(
        prefix: str, counts: Mapping[str, int], keys: Iterable[str]
    ) -> dict[str, int | None]:
        cells = {k: cell(f"{prefix}.{k}", counts.get(k, 0)) for k in keys}
        hidden = [k for k, v in cells.items() if v is None]
        if len(hidden) == 1 and sum(counts.values()) >= SUPPRESS_BELOW:
            others = [(v, k) for k, v in cells.items() if v]  # published and non-zero
            if others:
                _, smallest = min(others)
                cells[smallest] = None
                suppressed.append(f"{prefix}.{smallest}")
        return cells

    days = raw.days_to_decision
    enough = len(days) >= SUPPRESS_BELOW
    if days and not enough:
        suppressed.append("days_to_decision")
    return Figures(
        cases_filed=cell("cases_filed", sum(raw.filed_by_category.values())),
        by_category=breakdown("by_category", raw.filed_by_category, categories),
        rejected=cell("rejected", raw.rejected),
        decisions=cell("decisions", len(days)),
        outcomes=breakdown("outcomes", raw.outcomes, outcomes),
        median_days_to_decision=median(days) if enough else None,
        p90_days_to_decision=nearest_rank(days, 90) if enough else None,
        inspections_held=cell("inspections_held", raw.inspections_held),
        appeals={b: cell(f"appeals.{b}", raw.appeals_by_body.get(b, 0)) for b in bodies},
        noncompliance_reports=cell("noncompliance_reports", raw.noncompliance_reports),
        suppressed=suppressed,
    )


def combine(parts: Iterable[Raw]) -> Raw:
    """The national figures: the tribunals' raw figures added up (before suppression)."""
    filed: Counter[str] = Counter()
    appeals: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    days: list[int] = []
    rejected = inspections = reports = 0
    for part in parts:
        filed.update(part.filed_by_category)
        appeals.update(part.appeals_by_body)
        outcomes.update(part.outcomes)
        days.extend(part.days_to_decision)
        rejected += part.rejected
        inspections += part.inspections_held
        reports += part.noncompliance_reports
    return Raw(dict(filed), rejected, dict(outcomes), days, inspections, dict(appeals), reports)
