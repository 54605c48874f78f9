"""Benchmark cells: per year × comparison criteria × municipality, the count and exact sum of
each figure over the department-years in it. A recompute moves department-years between cells;
the cells change by what was removed and what was added, so they equal a fresh aggregation at
any time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from benchmarks.domain import figures as f

CELL_KEY: Final = (
    "year",
    "housing_type",
    "region",
    "building_type",
    "period_band",
    "size_band",
    "municipality_code",
)
"""A cell's key; an unknown criterion is the empty string in the cell."""


def cell_deltas(
    removed: Sequence[Mapping[Any, Any]], added: Sequence[Mapping[Any, Any]]
) -> list[dict[str, Any]]:
    """Per cell touched, its key and what to add to each count ``n_<code>`` and sum
    ``s_<code>``: the ``added`` department-years minus the ``removed`` ones. Cells whose
    changes cancel out are left out."""
    deltas: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rows, sign in ((removed, -1), (added, 1)):
        for row in rows:
            key = tuple(row[c] if row[c] is not None else "" for c in CELL_KEY)
            delta = deltas.setdefault(
                key,
                {
                    **dict(zip(CELL_KEY, key, strict=True)),
                    **{f"n_{c}": 0 for c in f.CODES},
                    **{f"s_{c}": Decimal(0) for c in f.CODES},
                },
            )
            for code in f.CODES:
                if row[code] is not None:
                    delta[f"n_{code}"] += sign
                    delta[f"s_{code}"] += sign * Decimal(row[code])
    return [d for d in deltas.values() if any(d[f"n_{c}"] or d[f"s_{c}"] for c in f.CODES)]
