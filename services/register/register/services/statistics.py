"""Vacancy listing and counts, public statistics and municipal data sheets (read side).

The database does the counting (``register.db.queries_statistics``); this module turns the
aggregated cells into the published products: keyset cursors, statistical disclosure control
(suppression of small cells), shares, CSV and XLSX.

Suppression (statistical disclosure control)
--------------------------------------------
A published count of 1–4 dwellings (``THRESHOLD`` = 5) is *primarily* suppressed: its value is
``null`` with ``suppressed: true``. Zero is published (there is nobody to protect). Every product
is a table with margins (totals), and totals would let a reader back out a suppressed cell, so
*complementary* suppression runs over every additive relation ``total = Σ members`` of the table
(each row, each column, each municipality against the national figure, each department against
its organisation and the organisation against the municipality) until, in every relation,

* no suppressed value is the only unknown (it could be computed from the others), and
* when the relation's total is published, the suppressed members add up to at least
  ``THRESHOLD`` (otherwise the group is itself a small cell).

The next cell hidden is the smallest positive published member of the offending relation (the
total if no member is left), ties broken by key, so the pattern is deterministic. Statistics are
computed over the whole national cube at once and the requested municipality is cut from it, so
a municipality's suppressed cell cannot be backed out by subtracting the other municipalities
from the national figure. Shares and averages are published only when the counts they rest on
are: a share ``k / total`` is null if ``k`` or ``total`` is suppressed, and an average is null if
its dwelling count is suppressed or under ``THRESHOLD``. This is the standard heuristic (as
tau-argus' "hypercube" method); it is consistent within each product, not across products.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import csv
import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import product
from typing import Any, Final, Literal, TypeVar

import xlsxwriter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import NotFoundError, RuleViolationError
from common.money import DKK
from common.municipalities import MUNICIPALITIES
from register.api.access import RegisterScope
from register.db import queries_statistics as q
from register.domain.codes import AllocationType, HousingType

THRESHOLD: Final = 5
TOTAL: Final = "*"
MAX_PAGE: Final = 200

RENT_BANDS: Final[tuple[tuple[str, str, Decimal | None, Decimal | None], ...]] = (
    ("under_3500", "Under 3.500 kr./md.", None, Decimal("3499.99")),
    ("3500_4499", "3.500–4.499 kr./md.", Decimal("3500.00"), Decimal("4499.99")),
    ("4500_6500", "4.500–6.500 kr./md.", Decimal("4500.00"), Decimal("6500.00")),
    ("over_6500", "Over 6.500 kr./md.", Decimal("6500.01"), None),
    ("no_rent", "Ingen husleje i kraft på datoen", None, None),
)
HOUSING_TYPE_LABELS: Final = {
    HousingType.FAMILY.value: "Familieboliger",
    HousingType.YOUTH.value: "Ungdomsboliger",
    HousingType.ELDERLY.value: "Ældre- og plejeboliger",
}
ALLOCATION_LABELS: Final = {
    AllocationType.EXTERNAL_WAITING_LIST.value: "Ekstern venteliste",
    AllocationType.EXCHANGE.value: "Bytning",
    AllocationType.ORGANISATION_INTERNAL.value: "Organisationsintern",
    AllocationType.DEPARTMENT_INTERNAL.value: "Afdelingsintern",
    AllocationType.HOUSING_GUARANTEE.value: "Boliggarantibevis",
    AllocationType.PUBLIC_ADVERTISEMENT.value: "Offentlig annoncering",
    AllocationType.FLEXIBLE_LETTING.value: "Fleksibel udlejning",
    AllocationType.COMBINED_LETTING.value: "Kombineret udlejning",
    AllocationType.MUNICIPAL_ALLOCATION.value: "Kommunal anvisning",
}
HOUSING_TYPES: Final = tuple(HOUSING_TYPE_LABELS)
ALLOCATION_TYPES: Final = tuple(ALLOCATION_LABELS)
BANDS: Final = tuple(b[0] for b in RENT_BANDS)

SUPPRESSION_NOTE: Final = (
    f"Counts of 1–{THRESHOLD - 1} dwellings are suppressed (null, suppressed: true); further "
    "cells are suppressed so that no suppressed count can be computed from totals. Shares and "
    "averages resting on a suppressed count are null."
)


# --- statistical disclosure control ------------------------------------------------------------

K = TypeVar("K", bound=Hashable)
Relation = tuple[K, Sequence[K]]  # total = Σ members


def suppress(
    values: Mapping[K, int], relations: Sequence[Relation[K]], threshold: int = THRESHOLD
) -> set[K]:
    """Keys to publish as suppressed: primary (0 < value < threshold) and complementary (see the
    module docstring). ``values`` must hold every key that appears in ``relations``."""
    hidden = {k for k, v in values.items() if 0 < v < threshold}
    changed = True
    while changed:
        changed = False
        for total, members in relations:
            unknown = [k for k in (total, *members) if k in hidden]
            if not unknown:
                continue
            if total not in hidden and len(unknown) >= 2:
                if sum(values[k] for k in unknown) >= threshold:
                    continue
            elif len(unknown) >= 2:
                continue
            # Exposed: hide the smallest positive published member, else the total, else a zero.
            published = [k for k in members if k not in hidden]
            positive = [k for k in published if values[k] > 0]
            if positive:
                pick = min(positive, key=lambda k: (values[k], str(k)))
            elif total not in hidden:
                pick = total
            elif published:
                pick = min(published, key=str)
            else:
                continue
            hidden.add(pick)
            changed = True
    return hidden


CubeKey = tuple[str, ...]


class Cube:
    """Counts over a few dimensions with every margin (``TOTAL`` in a coordinate), and its
    suppression pattern."""

    def __init__(self, rows: Iterable[Any], domains: Sequence[Iterable[str]]) -> None:
        dims = len(domains)
        observed: dict[CubeKey, int] = {}
        values_seen: list[list[str]] = [list(dict.fromkeys(d)) for d in domains]
        for row in rows:
            key = tuple(TOTAL if row[i] is None else str(row[i]) for i in range(dims))
            observed[key] = int(row.n)
            for i, v in enumerate(key):
                if v != TOTAL and v not in values_seen[i]:
                    values_seen[i].append(v)
        self.domains = [tuple(d) for d in values_seen]
        self.values: dict[CubeKey, int] = {
            key: observed.get(key, 0) for key in product(*[(*d, TOTAL) for d in self.domains])
        }
        relations: list[Relation[CubeKey]] = []
        for key in self.values:
            for i in range(dims):
                if key[i] == TOTAL:
                    members = [(*key[:i], v, *key[i + 1 :]) for v in self.domains[i]]
                    relations.append((key, members))
        self.hidden = suppress(self.values, relations)

    def cell(self, *key: str) -> Cell:
        if key not in self.values:
            return Cell(value=0, suppressed=False)
        if key in self.hidden:
            return Cell(value=None, suppressed=True)
        return Cell(value=self.values[key], suppressed=False)


# --- read models -------------------------------------------------------------------------------


class Cell(BaseModel):
    """A published count: ``value`` is null when ``suppressed``."""

    value: int | None
    suppressed: bool


class SuppressionInfo(BaseModel):
    threshold: int = THRESHOLD
    method: str = SUPPRESSION_NOTE


class RentBand(BaseModel):
    code: str
    label: str
    min_monthly_rent: DKK | None
    max_monthly_rent: DKK | None


class HousingTypeRow(BaseModel):
    housing_type: str = Field(description="family | youth | elderly, or 'all' for the sum row")
    label: str
    by_rent_band: dict[str, Cell]
    total: Cell


class DwellingStatistics(BaseModel):
    date: dt.date
    municipality_code: str | None = Field(description="null: the whole country")
    municipality_name: str
    rent_bands: list[RentBand]
    rows: list[HousingTypeRow]
    suppression: SuppressionInfo = SuppressionInfo()


class AllocationRow(BaseModel):
    allocation_type: str = Field(description="an AllocationType code, or 'sum' for the sum row")
    label: str
    count: Cell
    share_percent: float | None = Field(description="share of all re-lettings, 1 decimal")


class RelettingStatistics(BaseModel):
    year: int
    municipality_code: str | None
    municipality_name: str
    housing_type: str | None = Field(description="null: all housing types")
    rows: list[AllocationRow]
    suppression: SuppressionInfo = SuppressionInfo()


class MunicipalShare(BaseModel):
    municipality_code: str | None
    municipality_name: str
    relettings: Cell
    municipal_allocations: Cell
    share_percent: float | None


class MunicipalAllocationStatistics(BaseModel):
    year: int
    housing_type: str | None
    national: MunicipalShare
    municipalities: list[MunicipalShare]
    suppression: SuppressionInfo = SuppressionInfo()


class MunicipalStockShare(BaseModel):
    municipality_code: str | None
    municipality_name: str
    dwellings_with_lease: Cell = Field(description="dwellings with a lease in force on the date")
    municipal_allocations: Cell = Field(
        description="of those, dwellings whose lease in force was let by municipal allocation"
    )
    share_percent: float | None = Field(description="municipal_allocations / dwellings, 1 decimal")


class MunicipalAllocationStockStatistics(BaseModel):
    date: dt.date
    housing_type: str | None = Field(description="null: all housing types")
    national: MunicipalStockShare
    municipalities: list[MunicipalStockShare]
    suppression: SuppressionInfo = SuppressionInfo()


# --- re-letting definitions shared by several products ------------------------------------------

RELETTING_DEFINITION: Final = (
    "A re-letting in a year is an accepted lease whose start date lies in the year and that is "
    "not the dwelling's first accepted lease (first lettings of new buildings are excluded)."
)
STOCK_DEFINITION: Final = (
    "The stock on a date is the dwellings with an accepted lease in force that day (start date "
    "on or before it, end date open or on or after it; of two, the later start); a dwelling is "
    "municipally allocated when that lease's allocation type is `municipal_allocation`. Drafts "
    "and held leases never count; a dwelling whose lease in force is the vacancy lease "
    "(tomgangsledig) counts in the stock, not as municipally allocated."
)


def _area_name(municipality_code: str | None) -> str:
    if municipality_code is None:
        return "Hele landet"
    return MUNICIPALITIES[municipality_code]


def _ensure_municipality(code: str | None) -> None:
    if code is not None and code not in MUNICIPALITIES:
        raise NotFoundError(f"Municipality '{code}' is not a Danish municipality code.")


def _percent(part: int, whole: int) -> float:
    share = Decimal(part) * 100 / Decimal(whole)
    return float(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _shares_summing_to_100(counts: Sequence[int]) -> list[float]:
    """Percentages with one decimal that add up to exactly 100.0 (largest remainder)."""
    whole = sum(counts)
    tenths = [Decimal(c) * 1000 / Decimal(whole) for c in counts]
    floors = [int(t) for t in tenths]
    missing = 1000 - sum(floors)
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(tenths[i] - floors[i]), i))
    for i in by_remainder[:missing]:
        floors[i] += 1
    return [f / 10 for f in floors]


async def dwelling_statistics(
    session: AsyncSession, *, on: date, municipality_code: str | None
) -> DwellingStatistics:
    _ensure_municipality(municipality_code)
    rows = await q.dwelling_cube(session, on)
    municipalities = [municipality_code] if municipality_code else []
    cube = Cube(rows, [municipalities, HOUSING_TYPES, BANDS])
    m = municipality_code or TOTAL
    table = []
    for h in (*HOUSING_TYPES, TOTAL):
        table.append(
            HousingTypeRow(
                housing_type="all" if h == TOTAL else h,
                label="I alt" if h == TOTAL else HOUSING_TYPE_LABELS.get(h, h),
                by_rent_band={b: cube.cell(m, h, b) for b in BANDS},
                total=cube.cell(m, h, TOTAL),
            )
        )
    return DwellingStatistics(
        date=on,
        municipality_code=municipality_code,
        municipality_name=_area_name(municipality_code),
        rent_bands=[
            RentBand(code=c, label=label, min_monthly_rent=lo, max_monthly_rent=hi)
            for c, label, lo, hi in RENT_BANDS
        ],
        rows=table,
    )


async def _reletting_cube(session: AsyncSession, year: int, extra: Sequence[str]) -> Cube:
    rows = await q.reletting_cube(session, year)
    return Cube(rows, [list(extra), HOUSING_TYPES, ALLOCATION_TYPES])


async def reletting_statistics(
    session: AsyncSession, *, year: int, municipality_code: str | None, housing_type: str | None
) -> RelettingStatistics:
    _ensure_municipality(municipality_code)
    cube = await _reletting_cube(session, year, [municipality_code] if municipality_code else [])
    m = municipality_code or TOTAL
    h = housing_type or TOTAL
    total = cube.cell(m, h, TOTAL)
    cells = [cube.cell(m, h, a) for a in ALLOCATION_TYPES]
    shares: list[float | None]
    if total.value is None or total.value == 0:
        shares = [None] * len(cells)
    elif all(c.value is not None for c in cells):
        shares = list(_shares_summing_to_100([c.value or 0 for c in cells]))
    else:
        shares = [None if c.value is None else _percent(c.value, total.value) for c in cells]
    rows = [
        AllocationRow(
            allocation_type=a, label=ALLOCATION_LABELS.get(a, a), count=c, share_percent=s
        )
        for a, c, s in zip(ALLOCATION_TYPES, cells, shares, strict=True)
    ]
    rows.append(
        AllocationRow(
            allocation_type="sum",
            label="Sum",
            count=total,
            share_percent=100.0 if total.value else None,
        )
    )
    return RelettingStatistics(
        year=year,
        municipality_code=municipality_code,
        municipality_name=_area_name(municipality_code),
        housing_type=housing_type,
        rows=rows,
    )


def _municipal_share(cube: Cube, m: str, h: str) -> MunicipalShare:
    total = cube.cell(m, h, TOTAL)
    municipal = cube.cell(m, h, AllocationType.MUNICIPAL_ALLOCATION.value)
    share = None
    if total.value and municipal.value is not None:
        share = _percent(municipal.value, total.value)
    code = None if m == TOTAL else m
    return MunicipalShare(
        municipality_code=code,
        municipality_name=MUNICIPALITIES.get(code, code) if code else _area_name(None),
        relettings=total,
        municipal_allocations=municipal,
        share_percent=share,
    )


async def municipal_allocation_statistics(
    session: AsyncSession, *, year: int, housing_type: str | None
) -> MunicipalAllocationStatistics:
    """Figure 13.b of seed 003: municipal allocations' share of the re-lettings, per
    municipality with re-lettings in the year."""
    cube = await _reletting_cube(session, year, [])
    h = housing_type or TOTAL
    return MunicipalAllocationStatistics(
        year=year,
        housing_type=housing_type,
        national=_municipal_share(cube, TOTAL, h),
        municipalities=[_municipal_share(cube, m, h) for m in sorted(cube.domains[0])],
    )


def _municipal_stock_share(cube: Cube, m: str, h: str) -> MunicipalStockShare:
    total = cube.cell(m, h, TOTAL)
    municipal = cube.cell(m, h, q.MUNICIPAL)
    share = None
    if total.value and municipal.value is not None:
        share = _percent(municipal.value, total.value)
    code = None if m == TOTAL else m
    return MunicipalStockShare(
        municipality_code=code,
        municipality_name=MUNICIPALITIES.get(code, code) if code else _area_name(None),
        dwellings_with_lease=total,
        municipal_allocations=municipal,
        share_percent=share,
    )


async def municipal_allocation_stock_statistics(
    session: AsyncSession, *, on: date, housing_type: str | None
) -> MunicipalAllocationStockStatistics:
    """Figure 13.a of seed 003: the share of the stock on ``on`` whose lease in force was let by
    municipal allocation, per municipality with a dwelling let that day, and nationally. The
    suppression pattern is that of the national municipality × housing type × {municipal,
    other} cube, so no housing type's or municipality's cell can be backed out of another's."""
    rows = await q.stock_allocation_cube(session, on)
    cube = Cube(rows, [[], HOUSING_TYPES, (q.MUNICIPAL, q.OTHER)])
    h = housing_type or TOTAL
    return MunicipalAllocationStockStatistics(
        date=on,
        housing_type=housing_type,
        national=_municipal_stock_share(cube, TOTAL, h),
        municipalities=[_municipal_stock_share(cube, m, h) for m in sorted(cube.domains[0])],
    )


# --- municipal data sheet (kommunalt dataark) ---------------------------------------------------


class SheetUnit(BaseModel):
    """One line of the data sheet: the municipality, an organisation or a department."""

    level: Literal["municipality", "organisation", "department"]
    organisation_id: str | None = None
    organisation_name: str | None = None
    department_id: str | None = None
    department_name: str | None = None
    housing_type: str | None = None
    dwellings: dict[str, Cell] = Field(description="by housing type, and 'total'")
    average_monthly_rent: DKK | None = Field(
        description="mean rent of the dwellings with a rent in force on the date"
    )
    monthly_rent_per_m2: DKK | None = Field(
        description="Σ rent / Σ area of the dwellings with a rent in force on the date"
    )
    average_area_m2: Decimal | None
    averages_suppressed: bool
    move_outs: Cell = Field(description="accepted leases ending in the year")
    relettings: dict[str, Cell] = Field(description="by allocation type, and 'total'")


class DataSheet(BaseModel):
    municipality_code: str
    municipality_name: str
    date: dt.date = Field(description="stock, rents and sizes as of this date")
    year: int = Field(description="move-outs and re-lettings in this year")
    summary: SheetUnit
    organisations: list[SheetUnit]
    departments: list[SheetUnit]
    definitions: dict[str, str]
    suppression: SuppressionInfo = SuppressionInfo()


_SUMS = ("dwellings", "area_sum", "let_dwellings", "rent_sum", "let_area_sum", "move_outs")
_TWO = Decimal("0.01")


def _round2(value: Decimal) -> Decimal:
    return value.quantize(_TWO, rounding=ROUND_HALF_UP)


class _Unit:
    def __init__(self, key: tuple[str, str], **labels: str | None) -> None:
        self.key = key
        self.labels = labels
        self.sums: dict[str, Decimal] = dict.fromkeys(_SUMS, Decimal(0))
        self.by_type: dict[str, int] = dict.fromkeys(HOUSING_TYPES, 0)
        self.relet: dict[str, int] = dict.fromkeys(ALLOCATION_TYPES, 0)

    def add(self, other: _Unit) -> None:
        for k in _SUMS:
            self.sums[k] += other.sums[k]
        for t, n in other.by_type.items():
            self.by_type[t] = self.by_type.get(t, 0) + n
        for a, n in other.relet.items():
            self.relet[a] = self.relet.get(a, 0) + n

    def counts(self) -> dict[str, int]:
        out = {f"type:{t}": n for t, n in self.by_type.items()}
        out["type:total"] = int(self.sums["dwellings"])
        out["move_outs"] = int(self.sums["move_outs"])
        out.update({f"relet:{a}": n for a, n in self.relet.items()})
        out["relet:total"] = sum(self.relet.values())
        return out


async def data_sheet(
    session: AsyncSession, municipality_code: str, *, on: date, year: int
) -> DataSheet:
    _ensure_municipality(municipality_code)
    department_rows = await q.data_sheet_departments(session, municipality_code, on=on, year=year)
    reletting_rows = await q.data_sheet_relettings(session, municipality_code, year=year)

    municipality = _Unit(("municipality", municipality_code))
    organisations: dict[str, _Unit] = {}
    departments: dict[str, _Unit] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for row in department_rows:
        unit = _Unit(
            ("department", row.department_id),
            organisation_id=row.organisation_id,
            organisation_name=row.organisation_name,
            department_id=row.department_id,
            department_name=row.department_name,
            housing_type=row.housing_type,
        )
        for k in _SUMS:
            unit.sums[k] = Decimal(getattr(row, k))
        unit.by_type[row.housing_type] = int(row.dwellings)
        departments[row.department_id] = unit
        members[row.organisation_id].append(row.department_id)
        if row.organisation_id not in organisations:
            organisations[row.organisation_id] = _Unit(
                ("organisation", row.organisation_id),
                organisation_id=row.organisation_id,
                organisation_name=row.organisation_name,
            )
    for row in reletting_rows:
        relet = departments[row.department_id].relet
        relet[row.allocation_type] = relet.get(row.allocation_type, 0) + int(row.n)
    for organisation_id, department_ids in members.items():
        for department_id in department_ids:
            organisations[organisation_id].add(departments[department_id])
    for organisation in organisations.values():
        municipality.add(organisation)

    # Suppression over (unit, measure) with the hierarchy and each unit's own totals.
    values: dict[tuple[tuple[str, str], str], int] = {}
    all_units = [municipality, *organisations.values(), *departments.values()]
    for unit in all_units:
        for measure, n in unit.counts().items():
            values[(unit.key, measure)] = n
    measures = list(municipality.counts())
    for unit in all_units:
        for measure in measures:
            values.setdefault((unit.key, measure), 0)
    relations: list[Relation[tuple[tuple[str, str], str]]] = []
    for unit in all_units:
        types = [(unit.key, f"type:{t}") for t in unit.by_type]
        relations.append(((unit.key, "type:total"), types))
        allocations = [(unit.key, f"relet:{a}") for a in unit.relet]
        relations.append(((unit.key, "relet:total"), allocations))
    for measure in measures:
        relations.append(
            (
                (municipality.key, measure),
                [(o.key, measure) for o in organisations.values()],
            )
        )
        for organisation_id, department_ids in members.items():
            relations.append(
                (
                    (organisations[organisation_id].key, measure),
                    [(departments[d].key, measure) for d in department_ids],
                )
            )
    hidden = suppress(values, relations)

    def cell(unit: _Unit, measure: str) -> Cell:
        key = (unit.key, measure)
        if key in hidden:
            return Cell(value=None, suppressed=True)
        return Cell(value=values.get(key, 0), suppressed=False)

    def render(
        unit: _Unit, level: Literal["municipality", "organisation", "department"]
    ) -> SheetUnit:
        s = unit.sums
        count_hidden = (unit.key, "type:total") in hidden
        suppressed = count_hidden or 0 < s["let_dwellings"] < THRESHOLD
        rent_ok = not suppressed and s["let_dwellings"] > 0
        area_ok = not count_hidden and s["dwellings"] > 0
        return SheetUnit(
            level=level,
            organisation_id=unit.labels.get("organisation_id"),
            organisation_name=unit.labels.get("organisation_name"),
            department_id=unit.labels.get("department_id"),
            department_name=unit.labels.get("department_name"),
            housing_type=unit.labels.get("housing_type"),
            dwellings={
                **{t: cell(unit, f"type:{t}") for t in unit.by_type},
                "total": cell(unit, "type:total"),
            },
            average_monthly_rent=_round2(s["rent_sum"] / s["let_dwellings"]) if rent_ok else None,
            monthly_rent_per_m2=_round2(s["rent_sum"] / s["let_area_sum"])
            if rent_ok and s["let_area_sum"] > 0
            else None,
            average_area_m2=_round2(s["area_sum"] / s["dwellings"]) if area_ok else None,
            averages_suppressed=suppressed,
            move_outs=cell(unit, "move_outs"),
            relettings={
                **{a: cell(unit, f"relet:{a}") for a in unit.relet},
                "total": cell(unit, "relet:total"),
            },
        )

    return DataSheet(
        municipality_code=municipality_code,
        municipality_name=MUNICIPALITIES[municipality_code],
        date=on,
        year=year,
        summary=render(municipality, "municipality"),
        organisations=[render(o, "organisation") for o in organisations.values()],
        departments=[render(d, "department") for d in departments.values()],
        definitions={
            "re-letting": RELETTING_DEFINITION,
            "move-out": "An accepted lease whose end date lies in the year.",
            "rent": "Sum of the rent-forming expenses in force on the date, of the accepted "
            "lease in force on the date.",
        },
    )


def data_sheet_xlsx(sheet: DataSheet) -> bytes:
    """The data sheet as an Excel workbook: Kommune, Boligorganisationer, Afdelinger."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    title = workbook.add_format({"bold": True, "font_size": 14})
    dkk = workbook.add_format({"num_format": '#,##0.00 "kr."'})
    m2 = workbook.add_format({"num_format": '#,##0.00 "m²"'})
    count = workbook.add_format({"num_format": "#,##0"})
    hidden = workbook.add_format({"align": "right", "italic": True})

    columns: list[tuple[str, str, Any]] = [
        *((f"dwellings:{t}", f"Boliger, {HOUSING_TYPE_LABELS[t].lower()}", count) for t in HOUSING_TYPES),
        ("dwellings:total", "Boliger i alt", count),
        ("average_monthly_rent", "Gns. husleje pr. md.", dkk),
        ("monthly_rent_per_m2", "Husleje pr. m² pr. md.", dkk),
        ("average_area_m2", "Gns. boligareal", m2),
        ("move_outs", f"Fraflytninger {sheet.year}", count),
        *((f"relettings:{a}", f"Genudlejet {sheet.year}: {ALLOCATION_LABELS[a]}", count) for a in ALLOCATION_TYPES),
        ("relettings:total", f"Genudlejninger {sheet.year} i alt", count),
    ]  # fmt: skip

    def value_of(unit: SheetUnit, column: str) -> tuple[Any, bool]:
        if ":" in column:
            group, item = column.split(":", 1)
            c: Cell = getattr(unit, group).get(item, Cell(value=0, suppressed=False))
            return c.value, c.suppressed
        v = getattr(unit, column)
        if isinstance(v, Cell):
            return v.value, v.suppressed
        return (None if v is None else float(v)), v is None and unit.averages_suppressed

    def write_table(
        name: str, lead: list[tuple[str, Any]], units: Sequence[SheetUnit], intro: str
    ) -> None:
        ws = workbook.add_worksheet(name)
        ws.write(0, 0, intro, title)
        ws.write(1, 0, f"Bestand og husleje pr. {sheet.date.isoformat()}; x = diskretioneret")
        header_row = 3
        headers = [h for h, _ in lead] + [label for _, label, _ in columns]
        for col, header in enumerate(headers):
            ws.write(header_row, col, header, bold)
            ws.set_column(col, col, 14 if col >= len(lead) else 28)
        for r, unit in enumerate(units, start=header_row + 1):
            for col, (_, attr) in enumerate(lead):
                ws.write(r, col, attr(unit))
            for i, (column, _, fmt) in enumerate(columns, start=len(lead)):
                v, is_hidden = value_of(unit, column)
                if is_hidden:
                    ws.write(r, i, "x", hidden)
                elif v is None:
                    ws.write_blank(r, i, None)
                else:
                    ws.write_number(r, i, v, fmt)
        ws.freeze_panes(header_row + 1, len(lead))
        ws.autofilter(header_row, 0, header_row + max(len(units), 1), len(headers) - 1)

    write_table(
        "Kommune",
        [("Kommune", lambda u: f"{sheet.municipality_code} {sheet.municipality_name}")],
        [sheet.summary],
        f"Kommunalt dataark: {sheet.municipality_name} ({sheet.municipality_code})",
    )
    write_table(
        "Boligorganisationer",
        [
            ("Boligorganisation", lambda u: u.organisation_id),
            ("Navn", lambda u: u.organisation_name),
        ],
        sheet.organisations,
        f"Boligorganisationer i {sheet.municipality_name}",
    )
    write_table(
        "Afdelinger",
        [
            ("Boligorganisation", lambda u: u.organisation_id),
            ("Afdeling", lambda u: u.department_id),
            ("Afdelingsnavn", lambda u: u.department_name),
            ("Boligtype", lambda u: HOUSING_TYPE_LABELS.get(u.housing_type or "", u.housing_type)),
        ],
        sheet.departments,
        f"Afdelinger i {sheet.municipality_name}",
    )
    workbook.close()
    return buffer.getvalue()


# --- vacancy listing ---------------------------------------------------------------------------


class VacantDwelling(BaseModel):
    """A dwelling about to become vacant (LejekontraktLedigIndikator), as danmarkbolig shows it.
    Never a tenant's name or an organisation-internal field."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)  # Danish on the wire

    dwelling_id: str = Field(alias="BoligUnikIdentifikator")
    street: str = Field(alias="Vejnavn")
    house_number: str = Field(alias="Husnummer")
    floor: str | None = Field(alias="Etage")
    door: str | None = Field(alias="SideDoer")
    postcode: str = Field(alias="Postnummer")
    city: str = Field(alias="Postdistrikt")
    municipality_code: str = Field(alias="KommuneKode")
    municipality_name: str = Field(alias="KommuneNavn")
    rooms: int = Field(alias="AntalVaerelser")
    area_m2: Decimal = Field(alias="BoligArealM2")
    monthly_rent: DKK | None = Field(
        alias="MaanedligHusleje", description="rent-forming expenses in force on the date"
    )
    step_free_access: bool | None = Field(alias="NiveaufriAdgangIndikator")
    elevator: bool | None = Field(alias="ElevatorIndikator")
    wheelchair_accessible: bool | None = Field(alias="KoerestolsegnetIndikator")
    housing_type: str = Field(alias="BoligtypeKode")
    department_name: str = Field(alias="AfdelingNavn")
    organisation_name: str = Field(alias="BoligorganisationNavn")
    available_from: date | None = Field(
        alias="LedigFraDato", description="the day after the current lease ends, if known"
    )


class VacancyPage(BaseModel):
    date: dt.date
    items: list[VacantDwelling]
    next_cursor: str | None = Field(description="pass as 'cursor' for the next page; null: end")


def _encode_cursor(postcode: str, dwelling_id: str) -> str:
    raw = json.dumps([postcode, dwelling_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        postcode, dwelling_id = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise RuleViolationError(
            "The cursor is not one this service issued; start again without 'cursor'."
        ) from None
    if not isinstance(postcode, str) or not isinstance(dwelling_id, str):
        raise RuleViolationError(
            "The cursor is not one this service issued; start again without 'cursor'."
        )
    return postcode, dwelling_id


async def vacancy_listing(
    session: AsyncSession, flt: q.ListingFilter, *, cursor: str | None, limit: int
) -> VacancyPage:
    after = _decode_cursor(cursor) if cursor else None
    rows = await q.vacancy_listing(session, flt, after=after, limit=limit + 1)
    items = [
        VacantDwelling(
            dwelling_id=r.dwelling_id,
            street=r.street,
            house_number=r.house_number,
            floor=r.floor,
            door=r.door,
            postcode=r.postcode,
            city=r.city,
            municipality_code=r.municipality_code,
            municipality_name=MUNICIPALITIES.get(r.municipality_code, r.municipality_code),
            rooms=r.rooms,
            area_m2=r.area_m2,
            monthly_rent=r.rent,
            step_free_access=r.step_free_access,
            elevator=r.elevator,
            wheelchair_accessible=r.wheelchair_accessible,
            housing_type=r.housing_type,
            department_name=r.department_name,
            organisation_name=r.organisation_name,
            available_from=r.end_date + timedelta(days=1) if r.end_date else None,
        )
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = _encode_cursor(last.postcode, last.dwelling_id)
    return VacancyPage(date=flt.on, items=items, next_cursor=next_cursor)


# --- monthly vacancy (tomgang) counts ----------------------------------------------------------

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

VACANCY_DEFINITION: Final = (
    "For a calendar month: 'dwellings' counts the dwellings that, on at least one day of the "
    "month, had an accepted lease flagged vacancy_loss_flag (LejekontraktTomgangsledigIndikator) "
    "in force; 'vacancy_days' adds, per dwelling, the days of the month covered by such leases "
    "(at most the month's length); 'dwelling_months' = vacancy_days / days in the month."
)


class DepartmentVacancy(BaseModel):
    organisation_id: str
    organisation_name: str
    department_id: str
    department_name: str
    municipality_code: str
    dwellings: int
    vacancy_days: int
    dwelling_months: Decimal


class OrganisationVacancy(BaseModel):
    organisation_id: str
    organisation_name: str
    dwellings: int
    vacancy_days: int
    dwelling_months: Decimal
    departments: list[DepartmentVacancy]


class MonthlyVacancy(BaseModel):
    month: str
    first_day: date
    last_day: date
    days_in_month: int
    definition: str = VACANCY_DEFINITION
    dwellings: int
    vacancy_days: int
    dwelling_months: Decimal
    organisations: list[OrganisationVacancy]


def parse_month(month: str) -> tuple[date, date]:
    match = MONTH.match(month)
    if not match:
        raise RuleViolationError(f"'month' must be YYYY-MM, e.g. 2026-10; got '{month}'.")
    year, number = int(match[1]), int(match[2])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def _months(days: int, days_in_month: int) -> Decimal:
    return (Decimal(days) / Decimal(days_in_month)).quantize(_TWO, rounding=ROUND_HALF_UP)


async def monthly_vacancy(
    session: AsyncSession, scope: RegisterScope, *, month: str, organisation_id: str | None
) -> MonthlyVacancy:
    first, last = parse_month(month)
    days_in_month = (last - first).days + 1
    organisation_ids = scope.organisation_ids
    if organisation_id is not None:
        visible = organisation_ids is None or organisation_id in organisation_ids
        if not visible or not await q.organisation_exists(session, organisation_id):
            raise NotFoundError(f"Organisation '{organisation_id}' was not found.")
        organisation_ids = frozenset({organisation_id})
    rows = await q.monthly_vacancy(
        session,
        first=first,
        last=last,
        organisation_ids=sorted(organisation_ids) if organisation_ids is not None else None,
        municipality_code=scope.municipality_code,
    )
    organisations: dict[str, OrganisationVacancy] = {}
    for r in rows:
        department = DepartmentVacancy(
            organisation_id=r.organisation_id,
            organisation_name=r.organisation_name,
            department_id=r.department_id,
            department_name=r.department_name,
            municipality_code=r.municipality_code,
            dwellings=r.dwellings,
            vacancy_days=r.vacancy_days,
            dwelling_months=_months(r.vacancy_days, days_in_month),
        )
        organisation = organisations.setdefault(
            r.organisation_id,
            OrganisationVacancy(
                organisation_id=r.organisation_id,
                organisation_name=r.organisation_name,
                dwellings=0,
                vacancy_days=0,
                dwelling_months=Decimal(0),
                departments=[],
            ),
        )
        organisation.departments.append(department)
        organisation.dwellings += department.dwellings
        organisation.vacancy_days += department.vacancy_days
    for organisation in organisations.values():
        organisation.dwelling_months = _months(organisation.vacancy_days, days_in_month)
    days = sum(o.vacancy_days for o in organisations.values())
    return MonthlyVacancy(
        month=month,
        first_day=first,
        last_day=last,
        days_in_month=days_in_month,
        dwellings=sum(o.dwellings for o in organisations.values()),
        vacancy_days=days,
        dwelling_months=_months(days, days_in_month),
        organisations=list(organisations.values()),
    )


CSV_COLUMNS: Final = (
    "month",
    "organisation_id",
    "organisation_name",
    "department_id",
    "department_name",
    "municipality_code",
    "dwellings",
    "vacancy_days",
    "dwelling_months",
)


def monthly_vacancy_csv(report: MonthlyVacancy) -> str:
    """One line per department (RFC 4180, comma-separated, UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for organisation in report.organisations:
        for d in organisation.departments:
            writer.writerow(
                (
                    report.month,
                    d.organisation_id,
                    d.organisation_name,
                    d.department_id,
                    d.department_name,
                    d.municipality_code,
                    d.dwellings,
                    d.vacancy_days,
                    d.dwelling_months,
                )
            )
    return out.getvalue()
