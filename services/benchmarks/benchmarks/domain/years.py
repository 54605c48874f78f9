"""Which of a department's years a reader gets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from benchmarks.domain.errors import NoFiguresError

HISTORY_YEARS = 5
"""A department's history: the five years up to and including the year read."""


class HasYear(Protocol):
    @property
    def year(self) -> int: ...


YearT = TypeVar("YearT", bound=HasYear)


def pick_year(rows: Sequence[YearT], year: int | None, what: str) -> YearT:
    """The row of ``year`` among ``rows`` (sorted by year), the latest without ``year``; 404
    naming the years there are when there is none of it, and "not found" without any."""
    if not rows:
        raise NoFiguresError(f"{what} was not found.")
    if year is None:
        return rows[-1]
    for row in rows:
        if row.year == year:
            return row
    years = ", ".join(str(r.year) for r in rows)
    raise NoFiguresError(f"{what} has no key figures for {year}; it has figures for {years}.")


def in_history(year: int, past: int) -> bool:
    """Whether ``past`` is among the history years shown with ``year``."""
    return year - HISTORY_YEARS < past <= year
