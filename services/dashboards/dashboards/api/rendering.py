"""HTML of the pages: Jinja2 templates (autoescaped) and the charts beside each table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from dashboards.domain import charts
from dashboards.domain.figures import (
    DEADLINE_STATE_ORDER,
    GRANT_STATUS_ORDER,
    PACKAGE_STATE_ORDER,
    danish_number,
)
from dashboards.services.reading import Page, Table

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def cell(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int):
        return danish_number(value)
    if isinstance(value, Decimal):
        return danish_number(value, 1)
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if value is None:
        return "–"
    return str(value)


TEMPLATES.filters["cell"] = cell


def chart_for(page: str, table: Table) -> Markup:
    """The chart that draws ``table`` (the table stays beside it)."""
    rows = table.rows
    if page == "register" and table.key == "daily":
        svg = charts.column_series(
            f"chart-{table.key}",
            table.caption,
            [f"{r[0]:%d.%m}" for r in rows],
            [
                charts.Series("Oprettet", [r[1] for r in rows], charts.PALETTE[0]),
                charts.Series("Opsagt", [r[2] for r in rows], charts.PALETTE[1]),
            ],
        )
    elif page == "register" and table.key == "lettings":
        body = rows[:-1]  # without the total
        svg = charts.horizontal_bars(
            f"chart-{table.key}", table.caption, [r[0] for r in body], [r[1] for r in body]
        )
    elif page == "governance" and table.key == "packages":
        labels = [str(r[0]) for r in rows]
        stacks = {
            state.label: [int(r[1 + n]) for r in rows]
            for n, state in enumerate(PACKAGE_STATE_ORDER)
        }
        svg = charts.stacked_bars(f"chart-{table.key}", table.caption, labels, stacks)
    elif page == "governance" and table.key == "colours":
        svg = charts.stacked_bars(
            f"chart-{table.key}",
            table.caption,
            [str(r[0]) for r in rows],
            {"Røde": [int(r[3]) for r in rows], "Gule": [int(r[4]) for r in rows]},
            colours=("#b8323c", "#e0b000"),
        )
    elif page == "grants" and table.key == "frame":
        svg = charts.stacked_bars(
            f"chart-{table.key}",
            table.caption,
            [str(r[0]) for r in rows],
            {
                "Brugt": [_whole(r[2]) for r in rows],
                "Reserveret": [_whole(r[3]) for r in rows],
                "Tilbage": [_whole(r[4]) for r in rows],
            },
            colours=(charts.PALETTE[0], charts.PALETTE[1], "#c9d6e2"),
        )
    elif page == "grants" and table.key == "pipeline":
        svg = charts.stacked_bars(
            f"chart-{table.key}",
            table.caption,
            [str(r[0]) for r in rows],
            {s.label: [int(r[1 + n]) for r in rows] for n, s in enumerate(GRANT_STATUS_ORDER)},
        )
    elif page == "allocation" and table.key == "offer_age":
        svg = charts.stacked_bars(
            f"chart-{table.key}",
            table.caption,
            [str(r[0]) for r in rows],
            {
                "Inden for svarfristen": [int(r[1]) - int(r[2]) for r in rows],
                "Over svarfristen": [int(r[2]) for r in rows],
            },
            colours=(charts.PALETTE[0], "#b8323c"),
        )
    elif page == "allocation" and table.key == "offers":
        svg = charts.stacked_bars(
            f"chart-{table.key}",
            table.caption,
            [str(r[0]) for r in rows],
            {
                "Åbne": [int(r[1]) for r in rows],
                "Bortfaldet": [int(r[3]) for r in rows],
                "Accepteret": [int(r[5]) for r in rows],
                "Afslået": [int(r[6]) for r in rows],
            },
        )
    elif page == "allocation" and table.key == "subsidy_frames":
        svg = charts.stacked_bars(
            f"chart-{table.key}",
            table.caption,
            [str(r[0]) for r in rows],
            {"Brugt": [int(r[2]) for r in rows], "Tilbage": [_whole(r[3]) for r in rows]},
            colours=(charts.PALETTE[0], "#c9d6e2"),
        )
    elif page == "tribunal" and table.key == "open_cases":
        svg = charts.stacked_bars(
            f"chart-{table.key}",
            table.caption,
            [str(r[0]) for r in rows],
            {s.label: [int(r[1 + n]) for r in rows] for n, s in enumerate(DEADLINE_STATE_ORDER)},
            colours=("#b8323c", "#e0b000", charts.PALETTE[0], charts.PALETTE[4], charts.PALETTE[5]),
        )
    elif page == "tribunal" and table.key == "decision_time":
        svg = charts.horizontal_bars(
            f"chart-{table.key}",
            table.caption + " — median",
            [str(r[0]) for r in rows],
            [_whole(r[2]) for r in rows],
            unit=" dage",
        )
    elif page == "operations" and table.key == "consumer_lag":
        svg = charts.horizontal_bars(
            f"chart-{table.key}",
            table.caption,
            [f"{r[0]} · {r[1]}" for r in rows],
            [_whole(r[2]) for r in rows],
        )
    elif page == "operations" and table.key == "outbox":
        svg = charts.horizontal_bars(
            f"chart-{table.key}",
            table.caption + " — ikke-udgivne",
            [str(r[0]) for r in rows],
            [_whole(r[2]) for r in rows],
        )
    else:
        svg = charts.horizontal_bars(
            f"chart-{table.key}",
            table.caption,
            [str(r[0]) for r in rows],
            [_whole(r[1]) for r in rows],
        )
    return Markup(svg)  # noqa: S704 - built by dashboards.domain.charts, every text escaped


def _whole(value: Any) -> int:
    """A chart's whole number of a table's cell (none, text or below zero: 0)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return 0
    return max(int(Decimal(value).to_integral_value()), 0)


def render(template: str, **context: Any) -> str:
    return TEMPLATES.get_template(template).render(**context)


def figures_html(page_name: str, page: Page, query: str) -> str:
    charts_by_key = {key: chart_for(page_name, table) for key, table in page.tables.items()}
    return render(
        f"{page_name}_figures.html",
        page=page,
        charts=charts_by_key,
        page_name=page_name,
        query=query,
    )
