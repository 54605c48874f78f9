"""Charts drawn on the server as SVG: no script, no library, works offline, and every chart
stands beside a table with the same numbers (the accessible form). Each chart is an
``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says what it shows in words.

Pure functions returning markup; every text is escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

PALETTE: Final = ("#1f5f8b", "#d9822b", "#3c8d5a", "#b8323c", "#6b4c9a", "#7a7a7a", "#2a9d8f")
WIDTH: Final = 640
BAR_HEIGHT: Final = 22
LABEL_WIDTH: Final = 210
LEGEND_STEP: Final = 155


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[int]
    colour: str


def _nice_max(value: int) -> int:
    if value <= 0:
        return 1
    step: int = 10 ** max(len(str(value)) - 1, 0)
    return ((value + step - 1) // step) * step


def _svg(chart_id: str, title: str, desc: str, height: int, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>{body}</svg>'
    )


def horizontal_bars(
    chart_id: str, title: str, labels: Sequence[str], values: Sequence[int], *, unit: str = ""
) -> str:
    """One bar per label, the value written at its end."""
    top = max([*values, 0])
    scale = (WIDTH - LABEL_WIDTH - 70) / _nice_max(top)
    rows = []
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 8 + n * (BAR_HEIGHT + 6)
        width = max(value * scale, 0)
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}" font-size="13">'
            f"{value}{escape(unit)}</text>"
        )
    height = 16 + len(labels) * (BAR_HEIGHT + 6)
    desc = "; ".join(f"{label}: {value}{unit}" for label, value in zip(labels, values, strict=True))
    return _svg(chart_id, title, desc or "Ingen data", height, "".join(rows))


def column_series(
    chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series]
) -> str:
    """Grouped columns over time (one group per label, e.g. per day), with a legend."""
    height = 220
    plot_top, plot_bottom, left = 30, 180, 40
    top = max([v for s in series for v in s.values] + [0])
    ceiling = _nice_max(top)
    scale = (plot_bottom - plot_top) / ceiling
    count = max(len(labels), 1)
    group = (WIDTH - left - 10) / count
    bar = max(group / (len(series) + 1), 1)
    parts = [
        f'<line x1="{left}" y1="{plot_bottom}" x2="{WIDTH - 10}" y2="{plot_bottom}" '
        'stroke="#444"/>',
        f'<text x="{left - 4}" y="{plot_top + 4}" text-anchor="end" font-size="11">{ceiling}</text>',
        f'<text x="{left - 4}" y="{plot_bottom}" text-anchor="end" font-size="11">0</text>',
    ]
    for n, label in enumerate(labels):
        x0 = left + n * group
        for k, s in enumerate(series):
            value = s.values[n]
            h = value * scale
            parts.append(
                f'<rect x="{x0 + k * bar:.1f}" y="{plot_bottom - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{s.colour}"><title>{escape(label)} – '
                f"{escape(s.name)}: {value}</title></rect>"
            )
        if n % max(count // 6, 1) == 0:
            parts.append(
                f'<text x="{x0:.1f}" y="{plot_bottom + 14}" font-size="11">{escape(label)}</text>'
            )
    for k, s in enumerate(series):
        x = left + k * 170
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{s.colour}"/>'
            f'<text x="{x + 16}" y="16" font-size="12">{escape(s.name)}</text>'
        )
    totals = ", ".join(f"{s.name} i alt {sum(s.values)}" for s in series)
    desc = f"{labels[0]} til {labels[-1]}: {totals}" if labels else "Ingen data"
    return _svg(chart_id, title, desc, height, "".join(parts))


def stacked_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    stacks: Mapping[str, Sequence[int]],
    colours: Sequence[str] = PALETTE,
) -> str:
    """One horizontal bar per label, split into the named parts (e.g. statuses)."""
    names = list(stacks)
    totals = [sum(stacks[name][n] for name in names) for n in range(len(labels))]
    scale = (WIDTH - LABEL_WIDTH - 50) / _nice_max(max([*totals, 0]))
    parts = []
    per_row = (WIDTH - 10) // LEGEND_STEP
    for k, name in enumerate(names):
        legend = 10 + (k % per_row) * LEGEND_STEP
        top = 4 + (k // per_row) * 16
        parts.append(
            f'<rect x="{legend}" y="{top}" width="12" height="12" '
            f'fill="{colours[k % len(colours)]}"/>'
            f'<text x="{legend + 16}" y="{top + 10}" font-size="11">{escape(name)}</text>'
        )
    first = 12 + 16 * max((len(names) + per_row - 1) // per_row, 1)
    for n, label in enumerate(labels):
        y = first + n * (BAR_HEIGHT + 6)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
        )
        x = float(LABEL_WIDTH)
        for k, name in enumerate(names):
            value = stacks[name][n]
            width = value * scale
            if value:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{colours[k % len(colours)]}"><title>{escape(label)} – '
                    f"{escape(name)}: {value}</title></rect>"
                )
            x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="13">{totals[n]}</text>')
    height = first + 8 + len(labels) * (BAR_HEIGHT + 6)
    desc = "; ".join(
        f"{label}: " + ", ".join(f"{name} {stacks[name][n]}" for name in names)
        for n, label in enumerate(labels)
    )
    return _svg(chart_id, title, desc or "Ingen data", height, "".join(parts))
