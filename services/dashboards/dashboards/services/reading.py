"""The pages' figures: what a caller sees of the read model, per page, as tables (each table
is what its chart draws, what the page shows beside it and what the CSV/Excel download holds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.municipalities import MUNICIPALITIES
from dashboards.db import reading as db
from dashboards.domain.figures import (
    ALLOCATION_LABELS,
    MUNICIPAL_ALLOCATION,
    PACKAGE_STATE_ORDER,
    RENT_BAND_EDGES,
    RENT_BAND_LABELS,
    daily_window,
    package_state,
    reference_day,
    share,
)

TOP_DEPARTMENTS = 20


@dataclass(frozen=True, slots=True)
class Filters:
    year: int
    municipality: str | None = None
    organisation: str | None = None

    def query(self) -> dict[str, str]:
        out = {"year": str(self.year)}
        if self.municipality:
            out["municipality"] = self.municipality
        if self.organisation:
            out["organisation"] = self.organisation
        return out


@dataclass(frozen=True, slots=True)
class Table:
    """A table of figures: its key (download name), caption, column headings and rows."""

    key: str
    caption: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass
class Page:
    headline: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    municipalities: list[str] = field(default_factory=list)


def municipality_name(code: str) -> str:
    name = MUNICIPALITIES.get(code)
    return f"{code} {name}" if name else code


def where_of(scope: Scope, filters: Filters) -> db.Where:
    return db.Where(
        organisation_ids=scope.organisation_ids,
        scope_municipality=scope.municipality_code,
        municipality=filters.municipality,
        organisation=filters.organisation,
    )


async def register_page(session: AsyncSession, scope: Scope, filters: Filters, today: date) -> Page:
    where = where_of(scope, filters)
    page = Page(municipalities=await db.municipalities(session, where_of(scope, Filters(0))))
    window = daily_window(filters.year, today)
    created = await db.daily_counts(session, where, "created_at", window.first, window.last)
    ended = await db.daily_counts(session, where, "terminated_at", window.first, window.last)
    page.tables["daily"] = Table(
        "daily",
        f"Lejemål oprettet og opsagt pr. dag, {window.first:%d.%m.%Y}–{window.last:%d.%m.%Y}",
        ("Dag", "Oprettet", "Opsagt"),
        [(d, created.get(d, 0), ended.get(d, 0)) for d in window.days],
    )
    loss, soon = await db.vacancy_now(session, where)
    page.tables["vacancy"] = Table(
        "vacancy",
        "Ledige boliger nu",
        ("Ledighed", "Boliger"),
        [("Tomgang (ledig med lejetab)", loss), ("Bliver snart ledig", soon)],
    )
    lettings = await db.lettings_by_allocation(
        session, where, date(filters.year, 1, 1), date(filters.year, 12, 31)
    )
    total = sum(lettings.values())
    page.tables["lettings"] = Table(
        "lettings",
        f"Genudlejninger {filters.year} efter anvisningstype",
        ("Anvisningstype", "Genudlejninger", "Andel (%)"),
        [
            (label, lettings.get(kind, 0), share(lettings.get(kind, 0), total))
            for kind, label in ALLOCATION_LABELS.items()
        ]
        + [("I alt", total, share(total, total))],
    )
    day = reference_day(filters.year, today)
    bands = await db.rent_bands(session, where, day, RENT_BAND_EDGES)
    page.tables["rent_bands"] = Table(
        "rent_bands",
        f"Lejemål efter månedlig husleje pr. {day:%d.%m.%Y}",
        ("Husleje pr. måned", "Lejemål"),
        [(label, bands.get(n, 0)) for n, label in enumerate(RENT_BAND_LABELS)],
    )
    page.headline = {
        "created_today": created.get(today, 0),
        "vacancy_loss": loss,
        "vacant_soon": soon,
        "lettings": total,
        "municipal_share": share(lettings.get(MUNICIPAL_ALLOCATION, 0), total),
    }
    return page


async def governance_page(session: AsyncSession, scope: Scope, filters: Filters) -> Page:
    where = where_of(scope, filters)
    page = Page(municipalities=await db.municipalities(session, where_of(scope, Filters(0))))
    counts: dict[str, dict[str, int]] = {}
    red = yellow = 0
    for facts in await db.packages(session, where, filters.year):
        state = package_state(
            sent_at=facts.sent_at,
            returned_at=facts.returned_at,
            meeting_held_on=facts.meeting_held_on,
            statement_at=facts.statement_at,
        )
        if state is None:
            continue
        per = counts.setdefault(facts.home_municipality_code, {})
        per[state.value] = per.get(state.value, 0) + 1
        red += facts.red_figures or 0
        yellow += facts.yellow_figures or 0
    page.tables["packages"] = Table(
        "packages",
        f"Dokumentationspakker {filters.year} pr. status og hjemkommune",
        ("Kommune", *(s.label for s in PACKAGE_STATE_ORDER), "I alt"),
        [
            (
                municipality_name(code),
                *(per.get(s.value, 0) for s in PACKAGE_STATE_ORDER),
                sum(per.values()),
            )
            for code, per in sorted(counts.items())
        ],
    )
    departments, any_red, any_yellow = await db.coloured_departments(
        session, where, filters.year - 1, TOP_DEPARTMENTS
    )
    page.tables["colours"] = Table(
        "colours",
        f"Afdelinger med røde og gule nøgletal (regnskabsår {filters.year - 1}), "
        f"de {TOP_DEPARTMENTS} med flest røde",
        ("Afdeling", "Boligorganisation", "Kommune", "Røde", "Gule", "Røde nøgletal"),
        [
            (
                d.department_id,
                d.organisation_id,
                municipality_name(d.municipality_code),
                d.red,
                d.yellow,
                d.red_codes.replace(",", ", "),
            )
            for d in departments
        ],
    )
    totals = [sum(per.get(s.value, 0) for per in counts.values()) for s in PACKAGE_STATE_ORDER]
    page.headline = {
        "packages": sum(totals),
        **{s.value: n for s, n in zip(PACKAGE_STATE_ORDER, totals, strict=True)},
        "red_figures": red,
        "yellow_figures": yellow,
        "departments_red": any_red,
        "departments_yellow": any_yellow,
    }
    return page
