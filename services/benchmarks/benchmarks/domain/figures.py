"""The key-figure catalogue (nøgletal): codes, units, directions and where each comes from.

The codes are part of the contract ``KeyFiguresUpdatedV1`` (the governance service prefills its
department forms from them), so they never change meaning; a changed definition is a new code.
Definitions in words are in ``services/benchmarks/DESIGN.md``; :data:`CATALOGUE` carries them
too (the API serves them).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Direction(StrEnum):
    """Which way away from the benchmark is worse (decides yellow/red)."""

    HIGHER_WORSE = "higher_worse"
    LOWER_WORSE = "lower_worse"
    BOTH_WORSE = "both_worse"  # far away either way deserves a comment
    NEUTRAL = "neutral"  # context only: benchmark shown, never coloured


class Source(StrEnum):
    REGISTER = "register"  # the rent register's lease events
    ACCOUNTS = "accounts"  # the governance service's accounts events


@dataclass(frozen=True, slots=True)
class FigureSpec:
    code: str
    name: str  # Danish, as on the department form
    unit: str
    direction: Direction
    source: Source
    definition: str


RENT_PER_M2: Final = "rent_per_m2"
VACANCY_SHARE: Final = "vacancy_share"
MOVE_OUT_RATE: Final = "move_out_rate"
MUNICIPAL_ALLOCATION_SHARE: Final = "municipal_allocation_share"
AVERAGE_DWELLING_SIZE: Final = "average_dwelling_size"
ADMINISTRATION_COST_PER_DWELLING: Final = "administration_cost_per_dwelling"
MAINTENANCE_PER_M2: Final = "maintenance_per_m2"
VACANCY_LOSS_PER_DWELLING: Final = "vacancy_loss_per_dwelling"
OPERATING_COST_PER_M2: Final = "operating_cost_per_m2"

DWELLING_MONTHS: Final = (
    "A dwelling-month is a dwelling and a month of the year whose first day lies within one "
    "of the dwelling's leases (start date to end date, both included)."
)

CATALOGUE: Final[tuple[FigureSpec, ...]] = (
    FigureSpec(
        ADMINISTRATION_COST_PER_DWELLING,
        "Administrationsudgifter pr. lejemål",
        "DKK/lejemål/år",
        Direction.HIGHER_WORSE,
        Source.ACCOUNTS,
        "Administration costs of the accounts year / dwellings in the accounts.",
    ),
    FigureSpec(
        AVERAGE_DWELLING_SIZE,
        "Gennemsnitlig boligstørrelse",
        "m²",
        Direction.NEUTRAL,
        Source.REGISTER,
        "Sum of the areas of the dwellings with at least one dwelling-month in the year / "
        "their number. " + DWELLING_MONTHS,
    ),
    FigureSpec(
        MAINTENANCE_PER_M2,
        "Vedligeholdelse pr. m²",
        "DKK/m²/år",
        Direction.BOTH_WORSE,
        Source.ACCOUNTS,
        "Planned and ongoing maintenance and renewals of the accounts year / total dwelling "
        "area in the accounts. Far below the benchmark may mean neglect, far above high costs.",
    ),
    FigureSpec(
        MOVE_OUT_RATE,
        "Fraflytningsprocent",
        "%",
        Direction.HIGHER_WORSE,
        Source.REGISTER,
        "Leases whose end date lies in the year × 100 / dwellings with at least one "
        "dwelling-month in the year. " + DWELLING_MONTHS,
    ),
    FigureSpec(
        MUNICIPAL_ALLOCATION_SHARE,
        "Andel genudlejninger ved kommunal anvisning",
        "%",
        Direction.NEUTRAL,
        Source.REGISTER,
        "Re-lettings in the year with allocation type municipal_allocation × 100 / all "
        "re-lettings in the year. A re-letting is a lease starting in the year that is not the "
        "dwelling's first known lease (the register's definition). None without re-lettings.",
    ),
    FigureSpec(
        OPERATING_COST_PER_M2,
        "Driftsudgifter pr. m²",
        "DKK/m²/år",
        Direction.HIGHER_WORSE,
        Source.ACCOUNTS,
        "Total operating costs of the accounts year / total dwelling area in the accounts.",
    ),
    FigureSpec(
        RENT_PER_M2,
        "Husleje pr. m² pr. år",
        "DKK/m²/år",
        Direction.HIGHER_WORSE,
        Source.REGISTER,
        "12 × the sum over the year's dwelling-months of the monthly rent in force on the "
        "month's first day / the sum over the same dwelling-months of the dwelling's area. "
        + DWELLING_MONTHS,
    ),
    FigureSpec(
        VACANCY_LOSS_PER_DWELLING,
        "Tab ved lejeledighed pr. lejemål",
        "DKK/lejemål/år",
        Direction.HIGHER_WORSE,
        Source.ACCOUNTS,
        "Rent lost to vacancy in the accounts year / dwellings in the accounts.",
    ),
    FigureSpec(
        VACANCY_SHARE,
        "Tomgang (andel af boligmåneder)",
        "%",
        Direction.HIGHER_WORSE,
        Source.REGISTER,
        "Dwelling-months whose lease carried the vacancy-with-loss flag (tomgang, "
        "LejekontraktTomgangsledigIndikator) on the month's first day × 100 / all "
        "dwelling-months of the year. The flag on a day is the last one the register recorded "
        "before that day; before the first record, the flag the lease was first reported with. "
        + DWELLING_MONTHS,
    ),
)
"""Every figure, sorted by code (the order of ``KeyFiguresUpdatedV1.figures``)."""

BY_CODE: Final[dict[str, FigureSpec]] = {spec.code: spec for spec in CATALOGUE}
CODES: Final[tuple[str, ...]] = tuple(spec.code for spec in CATALOGUE)
REGISTER_CODES: Final = tuple(s.code for s in CATALOGUE if s.source is Source.REGISTER)
ACCOUNTS_CODES: Final = tuple(s.code for s in CATALOGUE if s.source is Source.ACCOUNTS)


def spec(code: str) -> FigureSpec:
    try:
        return BY_CODE[code]
    except KeyError:
        known = ", ".join(CODES)
        raise KeyError(f"unknown key figure {code!r}; known: {known}") from None
