"""Comparable departments (sammenlignelige afdelinger), after the fund's rent model (seed 001).

"A corresponding average social housing department is from the same construction period
(årgang), of the same kind (etage / tæt-lav), has a corresponding dwelling structure (average
dwelling size), is from the same region (the capital / the rest of the country) and has a
corresponding resident composition." The events carry no resident data (contracts carry no
personal data), so resident composition is not a criterion of the groups every figure is
benchmarked in; housing type (family / youth / elderly) is added, as the issue asks, because the
three are not comparable.

For the rent model only, the comparison is narrowed by a **resident-composition band**
(:data:`RESIDENT_BANDS`, :func:`resident_band`): the one resident fact the register's events
carry is each lease's allocation type (anvisningstype), and the share of a department's
re-lettings made by municipal allocation (kommunal anvisning — the municipality places
households with social or housing needs) is the calculator's figure
``municipal_allocation_share``. LBF's own rent model uses its resident index (beboerindekset,
socio-economic data from Statistics Denmark), which no event carries; the band is this
service's approximation of "tilsvarende beboersammensætning", not LBF's index.

A group is found at the narrowest :data:`LEVELS` entry that has at least the minimum number of
departments with a value for the figure; each further level drops a criterion (the widening
order). The department itself counts as a member (the average comparable department is the
average over the group it belongs to).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final


@dataclass(frozen=True, slots=True)
class Band:
    code: str
    label: str  # Danish
    low: Decimal | None  # included
    high: Decimal | None  # excluded


CONSTRUCTION_PERIODS: Final[tuple[Band, ...]] = (
    Band("-1944", "opført før 1945", None, Decimal(1945)),
    Band("1945-1959", "opført 1945–1959", Decimal(1945), Decimal(1960)),
    Band("1960-1974", "opført 1960–1974", Decimal(1960), Decimal(1975)),
    Band("1975-1989", "opført 1975–1989", Decimal(1975), Decimal(1990)),
    Band("1990-2004", "opført 1990–2004", Decimal(1990), Decimal(2005)),
    Band("2005-", "opført 2005 eller senere", Decimal(2005), None),
)
"""Construction-period bands (årgange), by construction year."""

DWELLING_SIZES: Final[tuple[Band, ...]] = (
    Band("-49", "gns. boligstørrelse under 50 m²", None, Decimal(50)),
    Band("50-69", "gns. boligstørrelse 50–69 m²", Decimal(50), Decimal(70)),
    Band("70-89", "gns. boligstørrelse 70–89 m²", Decimal(70), Decimal(90)),
    Band("90-", "gns. boligstørrelse 90 m² eller mere", Decimal(90), None),
)
"""Bands of the department's average dwelling size in the year (m²)."""


RESIDENT_BANDS: Final[tuple[Band, ...]] = (
    Band("-9", "under 10 % kommunalt anviste genudlejninger", None, Decimal(10)),
    Band("10-24", "10–24,9 % kommunalt anviste genudlejninger", Decimal(10), Decimal(25)),
    Band("25-", "25 % eller flere kommunalt anviste genudlejninger", Decimal(25), None),
)
"""Resident-composition bands by the share (%) of the year's re-lettings made by municipal
allocation: below 10 % (the national share was 11.6 % in 2022, seed 003 Table 1), up to the
statutory municipal right to every fourth vacant family dwelling (25 %, seed 003), and at or
above it (allocation agreements may give the municipality more)."""


def _band(bands: tuple[Band, ...], value: Decimal) -> Band:
    for band in bands:
        if (band.low is None or value >= band.low) and (band.high is None or value < band.high):
            return band
    raise ValueError(f"{value} is in no band")  # pragma: no cover - the bands cover everything


def construction_period(year: int) -> str:
    return _band(CONSTRUCTION_PERIODS, Decimal(year)).code


def dwelling_size_band(average_m2: Decimal | None) -> str | None:
    return None if average_m2 is None else _band(DWELLING_SIZES, average_m2).code


def resident_band(municipal_allocation_share: Decimal | None) -> Band | None:
    """The department-year's resident-composition band (None without re-lettings)."""
    if municipal_allocation_share is None:
        return None
    return _band(RESIDENT_BANDS, municipal_allocation_share)


CRITERIA: Final[tuple[str, ...]] = (
    "housing_type",
    "region",
    "building_type",
    "period_band",
    "size_band",
)
"""The criteria columns, broadest first."""

CRITERION_LABELS: Final[dict[str, str]] = {
    "housing_type": "boligtype",
    "region": "region",
    "building_type": "bebyggelsestype",
    "period_band": "opførelsesperiode",
    "size_band": "gns. boligstørrelse",
}


@dataclass(frozen=True, slots=True)
class Level:
    number: int
    criteria: tuple[str, ...]
    label: str  # Danish, used in reasons


LEVELS: Final[tuple[Level, ...]] = (
    Level(
        1,
        ("housing_type", "region", "building_type", "period_band", "size_band"),
        "sammenlignelige afdelinger",
    ),
    Level(
        2,
        ("housing_type", "region", "building_type", "period_band"),
        "sammenlignelige afdelinger uanset boligstørrelse",
    ),
    Level(
        3,
        ("housing_type", "region", "building_type"),
        "afdelinger af samme boligtype, region og bebyggelsestype",
    ),
    Level(4, ("housing_type", "region"), "afdelinger af samme boligtype i regionen"),
    Level(5, ("housing_type",), "afdelinger af samme boligtype i hele landet"),
    Level(6, (), "alle afdelinger i hele landet"),
)
"""The widening order: drop dwelling size, then construction period, then building type,
then region, then housing type."""


@dataclass(frozen=True, slots=True)
class GroupKey:
    """A department's comparison criteria in one year."""

    housing_type: str
    region: str
    building_type: str
    period_band: str
    size_band: str | None

    def value(self, criterion: str) -> str | None:
        value: str | None = getattr(self, criterion)
        return value

    def matches(self, other: GroupKey, level: Level) -> bool:
        return all(self.value(c) == other.value(c) for c in level.criteria)


def choose_level(counts: dict[int, int], minimum: int) -> Level | None:
    """The narrowest level whose group has at least ``minimum`` members with a value.

    ``counts`` maps a level number to its member count. None when even the whole country has
    too few."""
    for level in LEVELS:
        if counts.get(level.number, 0) >= minimum:
            return level
    return None


def widened(level: Level) -> list[str]:
    """What ``level`` dropped from the narrowest group, as labels."""
    return [CRITERION_LABELS[c] for c in LEVELS[0].criteria if c not in level.criteria]
