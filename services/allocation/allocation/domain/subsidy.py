"""The rent subsidy for particularly cheap dwellings (huslejetilskud, seed 003).

* Only a family dwelling with a rent of **4,500–6,500 DKK a month** excluding utilities
  (both ends included), and only while the municipality's frame (a number of dwellings for a
  year) has room.
* About 1,400 DKK a month in 2023, **indexed yearly**: a table of monthly rates per year; a
  period is paid at the rate of the calendar year it starts in; a year not in the table yet is
  paid at the latest known rate and marked provisional.
* **Full for 4 years** from move-in, then **tapered over 5 years** (9 years in all). The taper
  is in yearly steps of one sixth: 5/6, 4/6, 3/6, 2/6, 1/6 of the rate in subsidy years 5–9
  (the seed gives no shape; this is the platform's reading, see DESIGN.md).
* Subsidy months are anchored to the move-in day: move-in on 31 January gives periods from
  31 January, 28 (29) February, 31 March, …; each period runs to the day before the next.
  A move-out ends the schedule: the period it falls in is paid for its days lived, in
  proportion to the period's days.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from allocation.domain.errors import SubsidyRefusedError
from common.money import to_dkk

RENT_BAND = (Decimal("4500.00"), Decimal("6500.00"))
FULL_YEARS = 4
TAPER_YEARS = 5
MONTHS = (FULL_YEARS + TAPER_YEARS) * 12
TAPER: tuple[Fraction, ...] = (
    *(Fraction(1),) * FULL_YEARS,
    *(Fraction(TAPER_YEARS + 1 - k, TAPER_YEARS + 1) for k in range(1, TAPER_YEARS + 1)),
)


def check_rent_band(monthly_rent: Decimal) -> None:
    low, high = RENT_BAND
    if not low <= monthly_rent <= high:
        raise SubsidyRefusedError(
            f"The dwelling's rent is {to_dkk(monthly_rent)} DKK a month excluding utilities; "
            f"the subsidy is only for rents from {low} to {high} DKK."
        )


def check_housing_type(housing_type: str) -> None:
    if housing_type != "family":
        raise SubsidyRefusedError(
            f"The subsidy is only for family dwellings; this is a {housing_type} dwelling."
        )


def check_frame(frame: int, used: int) -> None:
    if used >= frame:
        raise SubsidyRefusedError(
            f"The municipality's frame of {frame} subsidised dwellings is used up; "
            "apply for a larger frame in the next round."
        )


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved ``months`` months, the day clamped to the month's end (31 → 28/29/30)."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Month:
    number: int  # 1 … 108
    period_start: date
    period_end: date  # last day of the period
    rate: Decimal
    factor: Fraction
    amount: Decimal
    provisional: bool  # paid at the latest known rate; the year's rate is not set yet


def rate_for(year: int, rates: Mapping[int, Decimal]) -> tuple[Decimal, bool]:
    if year in rates:
        return rates[year], False
    known = [y for y in rates if y <= year]
    if not known:
        raise SubsidyRefusedError(f"No subsidy rate is set for {year} or earlier.")
    return rates[max(known)], True


def schedule(
    move_in: date, rates: Mapping[int, Decimal], move_out: date | None = None
) -> list[Month]:
    """The subsidy month by month; ``move_out`` is the first day the tenant no longer lives
    there (the schedule stops before it)."""
    if move_out is not None and move_out <= move_in:
        return []
    months: list[Month] = []
    for i in range(MONTHS):
        start = add_months(move_in, i)
        next_start = add_months(move_in, i + 1)
        if move_out is not None and start >= move_out:
            break
        rate, provisional = rate_for(start.year, rates)
        factor = TAPER[i // 12]
        amount = rate * factor.numerator / factor.denominator
        end = next_start
        if move_out is not None and move_out < next_start:
            days = (next_start - start).days
            amount = amount * (move_out - start).days / days
            end = move_out
        months.append(
            Month(
                number=i + 1,
                period_start=start,
                period_end=date.fromordinal(end.toordinal() - 1),
                rate=rate,
                factor=factor,
                amount=to_dkk(amount),
                provisional=provisional,
            )
        )
    return months


def total(months: list[Month]) -> Decimal:
    return to_dkk(sum((m.amount for m in months), Decimal(0)))
