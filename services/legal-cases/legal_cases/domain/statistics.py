"""§ 90 statistics for the ministry: per tribunal and nationally, per period.

* cases filed by category (filing date in the period), rejected (§ 83(1));
* decisions made in the period, by outcome (who got support), and the time from filing to
  decision in calendar days: the **median** (the middle value, or the mean of the two middle
  values) and the **90th percentile** by the nearest-rank method (the smallest value with at
  least 90 % of the decisions at or below it);
* inspections held, appeals lodged (by body), non-compliance reports made;
* appeal outcomes (§§ 88-89): appellate decisions recorded in the period (by the appellate
  decision's date), by outcome — upheld, changed, set aside.

**Small cells are suppressed**: a count of 1 or 2 (below :data:`SUPPRESS_BELOW`) is published
as ``None`` and its path listed in ``suppressed`` — a zero is not a small cell. Times to decision
over fewer than 3 decisions are suppressed too. **Secondary suppression** within a breakdown
whose total is published (cases by category, decisions by outcome): when exactly one cell of it
is suppressed, the smallest other non-zero cell is suppressed as well, so the small cell cannot
be recovered as the total minus the others. **Across tribunals** (:func:`protect_tribunals`):
when a figure is suppressed for exactly one tribunal while the national figure is published,
the smallest published non-zero figure of another tribunal is suppressed too, so the national
figure minus the other tribunals does not give it away — repeated, with the rule within each
breakdown, until nothing changes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    appeal_outcomes: Mapping[str, int] = field(default_factory=dict)  # upheld/changed/set_aside


APPEAL_OUTCOMES: Final = ("upheld", "changed", "set_aside")


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
    appeal_outcomes: dict[str, int | None] = field(default_factory=dict)


def figures(
    raw: Raw,
    categories: Iterable[str],
    outcomes: Iterable[str],
    bodies: Iterable[str],
    appeal_outcomes: Iterable[str] = APPEAL_OUTCOMES,
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
        appeal_outcomes={
            o: cell(f"appeal_outcomes.{o}", raw.appeal_outcomes.get(o, 0)) for o in appeal_outcomes
        },
    )


def combine(parts: Iterable[Raw]) -> Raw:
    """The national figures: the tribunals' raw figures added up (before suppression)."""
    filed: Counter[str] = Counter()
    appeals: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    appeal_outcomes: Counter[str] = Counter()
    days: list[int] = []
    rejected = inspections = reports = 0
    for part in parts:
        filed.update(part.filed_by_category)
        appeals.update(part.appeals_by_body)
        outcomes.update(part.outcomes)
        appeal_outcomes.update(part.appeal_outcomes)
        days.extend(part.days_to_decision)
        rejected += part.rejected
        inspections += part.inspections_held
        reports += part.noncompliance_reports
    return Raw(
        dict(filed), rejected, dict(outcomes), days, inspections, dict(appeals), reports,
        dict(appeal_outcomes),
    )  # fmt: skip


_GROUPS: Final = (("cases_filed", "by_category."), ("decisions", "outcomes."))


def _flat(figs: Figures) -> dict[str, int | None]:
    cells: dict[str, int | None] = {
        "cases_filed": figs.cases_filed,
        "rejected": figs.rejected,
        "decisions": figs.decisions,
        "inspections_held": figs.inspections_held,
        "noncompliance_reports": figs.noncompliance_reports,
    }
    for prefix, values in (("by_category.", figs.by_category), ("outcomes.", figs.outcomes),
                           ("appeals.", figs.appeals),
                           ("appeal_outcomes.", figs.appeal_outcomes)):  # fmt: skip
        cells.update({prefix + key: value for key, value in values.items()})
    return cells


def _rebuild(figs: Figures, cells: dict[str, int | None], suppressed: list[str]) -> Figures:
    def group(prefix: str, keys: Iterable[str]) -> dict[str, int | None]:
        return {key: cells[prefix + key] for key in keys}

    return replace(
        figs,
        cases_filed=cells["cases_filed"],
        rejected=cells["rejected"],
        decisions=cells["decisions"],
        inspections_held=cells["inspections_held"],
        noncompliance_reports=cells["noncompliance_reports"],
        by_category=group("by_category.", figs.by_category),
        outcomes=group("outcomes.", figs.outcomes),
        appeals=group("appeals.", figs.appeals),
        appeal_outcomes=group("appeal_outcomes.", figs.appeal_outcomes),
        suppressed=suppressed,
    )


def protect_tribunals(national: Figures, tribunals: Mapping[str, Figures]) -> dict[str, Figures]:
    """Secondary suppression across tribunals (and again within each tribunal's breakdowns),
    until no published figure lets a suppressed one be recovered by subtraction."""
    national_cells = _flat(national)
    cells = {code: _flat(f) for code, f in tribunals.items()}
    hidden = {code: list(f.suppressed) for code, f in tribunals.items()}

    def hide(code: str, path: str) -> None:
        cells[code][path] = None
        hidden[code].append(path)

    changed = True
    while changed:
        changed = False
        for path, total in national_cells.items():
            if total is None:
                continue
            small = [code for code in cells if path in hidden[code]]
            if len(small) != 1:
                continue
            others = [
                (value, code)
                for code in cells
                if code not in small and (value := cells[code][path])
            ]
            if others:
                hide(min(others)[1], path)
                changed = True
        for code, values in cells.items():
            # total = sum of its cells: one hidden member of the relation (the total or a
            # cell) could be recovered from the others, so a second one is hidden
            for total_path, prefix in _GROUPS:
                relation = [total_path, *(p for p in values if p.startswith(prefix))]
                if sum(1 for p in relation if values[p] is None) != 1:
                    continue
                others = [(v, p) for p in relation if (v := values[p])]
                if others:
                    hide(code, min(others)[1])
                    changed = True
    return {code: _rebuild(tribunals[code], cells[code], hidden[code]) for code in tribunals}
