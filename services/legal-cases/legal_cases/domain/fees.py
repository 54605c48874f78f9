"""Fees of rent tribunal cases and their yearly indexation (§§ 82(1)-(2), 89(4), 100).

The amounts are fixed at 2021 level and regulated once a year by the development of Statistics
Denmark's net price index (nettoprisindeks) over the 12-month period ending in June of the year
before the financial year the regulation concerns, rounded to the nearest whole krone (§ 100).
The fee due is the one of the filing date (of the appeal date for the appeal board fee).

So the amount in year ``Y`` is ``base × I(Y-1) / I(2020)``, where ``I(y)`` is the average index
of July ``y-1`` … June ``y``: 2021 amounts are the base amounts themselves (factor 1).

:data:`NET_PRICE_INDEX` holds those averages (2015 = 100), computed from Statistics Denmark's
published monthly figures (:data:`MONTHLY_NET_PRICE_INDEX`). A year without its index value is
refused rather than guessed; a deployment adds it with ``LEGAL_CASES_NET_PRICE_INDEX``.

A deployment that must take cases before the figure is known (the embedded ``make run``, a
municipality waiting for the published index) may instead carry the latest known 12-month
figure forward (``LEGAL_CASES_FEE_INDEX_CARRY_FORWARD``): the fee is then a :class:`FeeQuote`
marked **provisional**, naming the figure it rests on — shown on the case and in the letter, so
nobody takes it for the § 100 amount. No figure is ever invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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

#: Statistics Denmark's monthly net price index (PRIS116, 2015 = 100), as published on
#: dst.dk ("Nettoprisindeks, hovedtal"): the source data, checkable month by month. Append each
#: month as it is published; a deployment can also give a 12-month figure directly
#: (``LEGAL_CASES_NET_PRICE_INDEX``).
MONTHLY_NET_PRICE_INDEX: Final[Mapping[int, tuple[str, ...]]] = MappingProxyType(
    {
        2019: ("102.6", "103.3", "103.4", "103.7", "103.6", "103.4",
               "104.1", "103.7", "103.4", "103.8", "103.6", "103.4"),
        2020: ("103.6", "104.3", "103.9", "103.9", "103.7", "103.8",
               "104.6", "103.9", "103.7", "104.0", "103.6", "103.4"),
        2021: ("103.8", "104.4", "104.4", "104.8", "105.0", "105.1",
               "105.8", "105.5", "105.8", "106.7", "107.0", "106.5"),
        2022: ("107.9", "109.5", "110.1", "111.6", "112.7", "113.6",
               "115.1", "115.1", "116.4", "117.7", "116.7", "116.0"),
        2023: ("117.4", "118.5", "118.3", "118.7", "117.2", "117.6",
               "119.2", "118.3", "118.0", "118.3", "117.8", "117.2"),
        2024: ("118.1", "118.8", "118.8", "118.8", "118.8", "118.8"),
    }
)  # fmt: skip


def twelve_months_to_june(year: int, monthly: Mapping[int, tuple[str, ...]]) -> Decimal | None:
    """The average index of July ``year - 1`` … June ``year`` (None until all 12 are known)."""
    previous, current = monthly.get(year - 1, ()), monthly.get(year, ())
    if len(previous) < 12 or len(current) < 6:
        return None
    months = [Decimal(v) for v in (*previous[6:12], *current[:6])]
    return sum(months, Decimal(0)) / 12


#: The 12-month averages § 100 regulates by, per key year (2015 = 100).
NET_PRICE_INDEX: Final[Mapping[int, Decimal]] = MappingProxyType(
    {
        year: average
        for year in sorted(MONTHLY_NET_PRICE_INDEX)
        if (average := twelve_months_to_june(year, MONTHLY_NET_PRICE_INDEX)) is not None
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
            "(July to June average) from Statistics Denmark to LEGAL_CASES_NET_PRICE_INDEX, "
            "or its monthly figures to legal_cases.domain.fees.MONTHLY_NET_PRICE_INDEX."
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


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """An amount due and what it rests on: ``index_year`` is the June of the 12-month index
    figure used; ``provisional`` when that is not the figure § 100 prescribes (carried forward
    because the prescribed one is not known yet)."""

    amount: Decimal
    index_year: int
    provisional: bool

    @property
    def basis(self) -> str:
        text = f"nettoprisindeks, gennemsnit juli {self.index_year - 1} - juni {self.index_year}"
        if self.provisional:
            return (
                f"Foreløbigt beløb: {text} (det senest kendte tal); reguleres ikke automatisk, "
                f"når tallet til juni {self.index_year + 1} foreligger."
            )
        return text


@dataclass(frozen=True, slots=True)
class FeeTable:
    """The index figures a deployment computes fees from, and whether a missing year may be
    bridged provisionally by carrying the latest known figure forward."""

    index: Mapping[int, Decimal] = field(default_factory=lambda: dict(NET_PRICE_INDEX))
    carry_forward: bool = False

    def _key_year(self, year: int) -> tuple[int, bool]:
        wanted = year - 1
        if year < BASE_YEAR or wanted in self.index or not self.carry_forward:
            return wanted, False
        known = [y for y in self.index if BASE_YEAR - 1 <= y < wanted]
        if not known:
            return wanted, False
        return max(known), True

    def quote(self, kind: FeeKind, on: date, apartments: int = 1) -> FeeQuote:
        """The amount of ``kind`` due on ``on`` (× ``apartments`` for the appeal board)."""
        if kind is FeeKind.APPEAL_BOARD and apartments < 1:
            raise AppealRejectedError("An appeal concerns at least one apartment or premises.")
        key, provisional = self._key_year(on.year)
        # index_factor(key + 1) reads figure ``key``: the same rule, on the figure we have
        amount = round_to_kroner(BASE_AMOUNTS[kind] * index_factor(key + 1, self.index))
        return FeeQuote(amount * apartments, key, provisional)
