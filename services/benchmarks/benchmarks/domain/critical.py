"""Critical values (kritiske værdier, seed 002): a figure far from its benchmark is yellow or red,
and says why in Danish; and the forward indexing of an earlier year's benchmark.

Thresholds are per figure and configurable (``BENCHMARKS_THRESHOLDS``): *relative* thresholds
are percent deviations from the benchmark, *absolute* ones differences in the figure's own unit
(percentage points for the shares). Only the worse side counts (:class:`Direction`); a neutral
figure, a figure without value or without benchmark, or a relative threshold against a zero
benchmark gets no colour (``none``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from benchmarks.domain.figures import Direction, FigureSpec

FOUR_PLACES: Final = Decimal("0.0001")


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NONE = "none"


class Mode(StrEnum):
    RELATIVE = "relative"  # percent of the benchmark
    ABSOLUTE = "absolute"  # in the figure's unit


@dataclass(frozen=True, slots=True)
class Threshold:
    mode: Mode
    yellow: Decimal
    red: Decimal

    def __post_init__(self) -> None:
        if not Decimal(0) < self.yellow <= self.red:
            raise ValueError("thresholds need 0 < yellow <= red")


@dataclass(frozen=True, slots=True)
class Assessment:
    colour: Colour
    reason: str | None


def round4(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _danish(value: Decimal, places: int) -> str:
    """``1234.5`` → ``1.234,5`` (Danish digit grouping and decimal comma)."""
    quantum = Decimal(1).scaleb(-places)
    text = f"{abs(value.quantize(quantum, rounding=ROUND_HALF_UP)):,.{places}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def assess(
    spec: FigureSpec,
    value: Decimal | None,
    benchmark: Decimal | None,
    threshold: Threshold | None,
    *,
    group_label: str,
    indexed_from: int | None = None,
) -> Assessment:
    """Colour and reason of one figure against its benchmark.

    ``group_label`` names what the benchmark averages (e.g. "sammenlignelige afdelinger");
    ``indexed_from`` is the year whose benchmark was indexed forward, if it was."""
    if value is None or benchmark is None or threshold is None:
        return Assessment(Colour.NONE, None)
    if spec.direction is Direction.NEUTRAL:
        return Assessment(Colour.NONE, None)
    if threshold.mode is Mode.RELATIVE:
        if benchmark == 0:
            return Assessment(Colour.NONE, None)
        deviation = (value - benchmark) * 100 / benchmark
    else:
        deviation = value - benchmark
    if spec.direction is Direction.HIGHER_WORSE:
        worse = max(deviation, Decimal(0))
    elif spec.direction is Direction.LOWER_WORSE:
        worse = max(-deviation, Decimal(0))
    else:
        worse = abs(deviation)
    if worse >= threshold.red:
        colour = Colour.RED
    elif worse >= threshold.yellow:
        colour = Colour.YELLOW
    else:
        return Assessment(Colour.GREEN, None)
    side = "over" if deviation > 0 else "under"
    if threshold.mode is Mode.RELATIVE:
        amount = f"{_danish(deviation, 0)} %"
    elif spec.unit == "%":
        amount = f"{_danish(deviation, 1)} procentpoint"
    else:
        amount = f"{_danish(deviation, 2)} {spec.unit}"
    reason = f"{amount} {side} benchmark for {group_label}"
    if indexed_from is not None:
        reason += f" (benchmark fra {indexed_from}, fremskrevet)"
    return Assessment(colour, reason)


def index_forward(benchmark: Decimal, yearly_index: Decimal, years: int) -> Decimal:
    """``benchmark`` × (1 + ``yearly_index``) ** ``years``, to four decimals."""
    if years < 0:
        raise ValueError("a benchmark is only indexed forward")
    factor = (Decimal(1) + yearly_index) ** years
    return round4(benchmark * factor)
