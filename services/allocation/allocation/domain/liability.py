"""What the municipality owes in rent while a dwelling is at its disposal.

Seed 003 and § 56(2): the municipality pays the rent from when the dwelling is at its disposal
until it is let; § 56(3): after silence or a late "no", not beyond the day a notice to quit would
have taken effect. Each day costs the monthly rent **in force on that day** divided by the number
of days of its calendar month; the sum is rounded to øre once.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from common.money import to_dkk


@dataclass(frozen=True, slots=True)
class RentFrom:
    """A monthly rent in force from ``from_day`` (until the next entry)."""

    from_day: date
    monthly_rent: Decimal


def rent_on(history: Sequence[RentFrom], day: date) -> Decimal | None:
    """The monthly rent in force on ``day``; None before the first known rent."""
    current: Decimal | None = None
    for entry in sorted(history, key=lambda e: e.from_day):
        if entry.from_day > day:
            break
        current = entry.monthly_rent
    return current


def liability_end(let_on: date | None, cap: date | None) -> date | None:
    """The first day the municipality no longer pays: the day the dwelling is let, or the cap
    (the day a notice to quit would have taken effect), whichever comes first."""
    if let_on is None:
        return cap
    if cap is None:
        return let_on
    return min(let_on, cap)


def rent_owed(history: Sequence[RentFrom], start: date, end: date) -> Decimal:
    """Rent for the days ``start <= day < end`` at each day's rent.

    A day before the first known rent is charged at the first known rent (the register reports
    the rent with the vacancy); no history at all is an error, not a zero."""
    if not history:
        raise ValueError("no rent is known for the dwelling")
    if end <= start:
        return to_dkk(0)
    ordered = sorted(history, key=lambda e: e.from_day)
    total = Decimal(0)
    day = start
    while day < end:
        rent = rent_on(ordered, day) or ordered[0].monthly_rent
        total += rent / Decimal(calendar.monthrange(day.year, day.month)[1])
        day += timedelta(days=1)
    return to_dkk(total)
