"""Comparable departments (sammenlignelige afdelinger), after the fund's rent model (seed 001).

"A corresponding average social housing department is from the same construction period
(årgang), of the same kind (etage / tæt-lav), has a corresponding dwelling structure (average
dwelling size), is from the same region (the capital / the rest of the country) and has a
corresponding resident composition." The events carry no resident data (contracts carry no
personal data), so resident composition is not a criterion here; housing type (family / youth /
elderly) is added, as the issue asks, because the three are not comparable.

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


def _band(bands: tuple[Band, ...], value: Decimal) -> Band:
    for band in bands:
        if (band.low is None or value >= band.low) and (band.high is None or value < band.high):
            return band
    raise ValueError(f"{value} is in no band")  # pragma: no cover - the bands cover everything


def construction_period(year: int) -> str:
    return _band(CONSTRUCTION_PERIODS, Decimal(year)).code


def dwelling_size_band(average_m2: Decimal | None) -> str | None:
    return None if average_m2 is None else _band(DWELLING_SIZES, average_m2).code


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
