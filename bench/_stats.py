"""Medians, percentiles and the spread of repeated rounds."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the two nearest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float]) -> str:
    """Min–max of the rounds, as ±% around their median."""
    if len(values) < 2:
        return "–"
    middle = median(values)
    low, high = (min(values) / middle - 1) * 100, (max(values) / middle - 1) * 100
    return f"{low:+.0f}% / {high:+.0f}%"
