"""Fees of rent tribunal cases and their yearly indexation (§§ 82(1)-(2), 89(4), 100).

The amounts are fixed at 2021 level and regulated once a year by the development of Statistics
Denmark's net price index (nettoprisindeks) over the 12-month period ending in June of the year
before the financial year the regulation concerns, rounded to the nearest whole krone (§ 100).
The fee due is the one of the filing date (of the appeal date for the appeal board fee).

So the amount in year ``Y`` is ``base × I(Y-1) / I(2020)``, where ``I(y)`` is the average index
of July ``y-1`` … June ``y``: 2021 amounts are the base amounts themselves (factor 1).

:data:`NET_PRICE_INDEX` holds those averages (2015 = 100). They are data, not code: each summer
the June figure is appended. A year without its index value is refused rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from common.money import round_to_kroner
from legal_cases.domain.categories import FeeKind
from legal_cases.domain.errors import AppealRejectedError, FeeIndexMissingError

BASE_YEAR: Final = 2021

#: The 2021-level amounts in DKK.
BASE_AMOUNTS: Final[Mapping[FeeKind, Decimal]] = MappingProxyType(
    {
        FeeKind.STANDARD: Decimal("315"),
        FeeKind.RENT_ACT_132_2: Decimal("526"),
        FeeKind.RENT_ACT_19_3: Decimal("4016"),
        FeeKind.LANDLORD_TENANT_WON: Decimal("6024"),
        FeeKind.APPEAL_BOARD: Decimal("166"),
    }
)

#: Average net price index (2015 = 100) of the 12 months ending in June of the key year.
NET_PRICE_INDEX: Final[Mapping[int, Decimal]] = MappingProxyType(
    {
        2020: Decimal("102.4"),
        2021: Decimal("103.5"),
        2022: Decimal("107.9"),
        2023: Decimal("115.6"),
        2024: Decimal("117.6"),
        2025: Decimal("119.6"),
        2026: Decimal("121.9"),
    }
)


def index_factor(year: int, index: Mapping[int, Decimal] = NET_PRICE_INDEX) -> Decimal:
    """The regulation factor of ``year`` relative to the 2021 level."""
    if year < BASE_YEAR:
        raise FeeIndexMissingError(
            f"Fees are fixed at {BASE_YEAR} level; there is no amount for {year}."
        )
    base = index[BASE_YEAR - 1]
    current = index.get(year - 1)
    if current is None:
        raise FeeIndexMissingError(
            f"The net price index for the 12 months ending June {year - 1} is not in the "
            f"service's index table, so the {year} fees cannot be computed. Add the figure "
            "from Statistics Denmark to legal_cases.domain.fees.NET_PRICE_INDEX."
        )
    return current / base


def fee_amount(kind: FeeKind, on: date, index: Mapping[int, Decimal] = NET_PRICE_INDEX) -> Decimal:
    """The amount of ``kind`` due on ``on`` (whole kroner), per apartment for the appeal board."""
    return round_to_kroner(BASE_AMOUNTS[kind] * index_factor(on.year, index))


def appeal_board_fee(
    apartments: int, on: date, index: Mapping[int, Decimal] = NET_PRICE_INDEX
) -> Decimal:
    """§ 89(4): the fee per apartment or premises the appeal concerns, times their number."""
    if apartments < 1:
        raise AppealRejectedError("An appeal concerns at least one apartment or premises.")
    return fee_amount(FeeKind.APPEAL_BOARD, on, index) * apartments
