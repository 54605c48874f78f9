"""The yearly frame: 380 mDKK a year for 2019–2026 (lov nr. 1561 af 18. december 2018).

Prequalifications *reserve* an amount against the year's frame; a commitment *uses* it and
releases the case's reservation. The fund sees, per year, the frame, what is used (committed),
what is reserved and what is left; a reservation or commitment that would take "left" below
zero is refused."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from common.money import format_dkk
from grants.domain.errors import FrameExceededError, NoFrameError

YEARLY_FRAME: Final = Decimal("380000000.00")
FIRST_YEAR: Final = 2019
LAST_YEAR: Final = 2026


def frame_years() -> range:
    return range(FIRST_YEAR, LAST_YEAR + 1)


def ensure_frame_year(year: int) -> None:
    if year not in frame_years():
        raise NoFrameError(
            f"There is no § 91a frame for {year}: the 380 mDKK frame covers "
            f"{FIRST_YEAR}–{LAST_YEAR}."
        )


@dataclass(frozen=True, slots=True)
class FrameUse:
    year: int
    frame: Decimal
    used: Decimal  # committed
    reserved: Decimal  # prequalified, not committed yet

    @property
    def left(self) -> Decimal:
        return self.frame - self.used - self.reserved

    def after(
        self,
        *,
        reserve: Decimal = Decimal(0),
        use: Decimal = Decimal(0),
        release: Decimal = Decimal(0),
    ) -> FrameUse:
        return FrameUse(self.year, self.frame, self.used + use, self.reserved + reserve - release)


def check_fits(
    current: FrameUse,
    *,
    reserve: Decimal = Decimal(0),
    use: Decimal = Decimal(0),
    release: Decimal = Decimal(0),
    what: str,
) -> FrameUse:
    """The frame after the change, or :class:`FrameExceededError` when it would not fit."""
    after = current.after(reserve=reserve, use=use, release=release)
    if after.left < 0:
        needed = reserve + use - release
        raise FrameExceededError(
            f"{what} of {format_dkk(needed)} net does not fit in the {current.year} frame: "
            f"{format_dkk(current.frame)}, of which {format_dkk(current.used)} is committed and "
            f"{format_dkk(current.reserved)} reserved; only {format_dkk(current.left)} is left."
        )
    return after
