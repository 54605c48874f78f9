"""The fund's rent model: a department's rent per m² against the average comparable
department's, as an amount per m², a share, and a year's amount for an average dwelling."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENTS = Decimal("0.01")
TENTHS = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class RentDifference:
    per_m2: Decimal | None  # DKK/m²/år, positive: above
    share: Decimal | None  # % of the comparable rent
    per_dwelling: Decimal | None  # DKK a year for an average dwelling


def rent_difference(
    rent: Decimal | None, comparable: Decimal | None, average_dwelling_size: Decimal | None
) -> RentDifference:
    """The difference of ``rent`` from ``comparable`` (both per m² a year); None where a part
    is missing, and no share against a zero comparable rent."""
    if rent is None or comparable is None:
        return RentDifference(None, None, None)
    difference = rent - comparable
    share = None
    if comparable != 0:
        share = (difference * 100 / comparable).quantize(TENTHS, rounding=ROUND_HALF_UP)
    per_dwelling = None
    if average_dwelling_size is not None:
        per_dwelling = (difference * average_dwelling_size).quantize(CENTS, rounding=ROUND_HALF_UP)
    return RentDifference(difference.quantize(CENTS, rounding=ROUND_HALF_UP), share, per_dwelling)
