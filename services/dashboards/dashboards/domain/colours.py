"""A department's red and yellow key figures (kritiske værdier) from its key-figure set."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Colours:
    red: int
    yellow: int
    red_codes: str  # the red figures' codes, comma-separated, sorted


def count_colours(figures: Iterable[tuple[str, str]]) -> Colours:
    """``figures``: (code, colour) pairs, colour one of green / yellow / red / none."""
    pairs = list(figures)
    red = sorted(code for code, colour in pairs if colour == "red")
    yellow = sum(1 for _, colour in pairs if colour == "yellow")
    return Colours(red=len(red), yellow=yellow, red_codes=",".join(red))
