"""Vacancy listing and counts, public statistics and municipal data sheets (read side).

The database does the counting (``register.db.queries_statistics``); these use cases turn the
aggregated cells into the published products: cubes with their suppressed cells
(``register.domain.suppression``), shares, averages and keyset pages. They return plain
dataclasses; the wire models are in ``register.api.statistics_schemas`` and the XLSX and CSV
files are written by ``register.services.statistics_exports``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.errors import NotFoundError, RuleViolationError
from common.municipalities import MUNICIPALITIES
from common.paging import decode_cursor, page_of
from register.db import queries_statistics as q
from register.db import statistics_cube as cube_db
from register.domain.codes import AllocationType, HousingType
from register.domain.suppression import THRESHOLD, TOTAL, Cell, Cube, Relation, suppress

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
BAND_LABELS: Final = {b[0]: b[1] for b in RENT_BANDS}

# --- products ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RentBand:
    code: str
    label: str
    min_monthly_rent: Decimal | None
    max_monthly_rent: Decimal | None


@dataclass(frozen=True, slots=True)
class HousingTypeRow:
    housing_type: str  # family | youth | elderly, or 'all' for the sum row
    label: str
    by_rent_band: dict[str, Cell]
    total: Cell


@dataclass(frozen=True, slots=True)
class DwellingStatistics:
    date: dt.date
    municipality_code: str | None  # None: the whole country
    municipality_name: str
    rent_bands: list[RentBand]
    rows: list[HousingTypeRow]


@dataclass(frozen=True, slots=True)
class AllocationRow:
    allocation_type: str  # an AllocationType code, or 'sum' for the sum row
    label: str
    count: Cell
    share_percent: float | None  # share of all re-lettings, 1 decimal


@dataclass(frozen=True, slots=True)
class RelettingStatistics:
    year: int
    municipality_code: str | None
    municipality_name: str
    housing_type: str | None  # None: all housing types
    rows: list[AllocationRow]


@dataclass(frozen=True, slots=True)
class MunicipalShare:
    municipality_code: str | None
    municipality_name: str
    relettings: Cell
    municipal_allocations: Cell
    share_percent: float | None


@dataclass(frozen=True, slots=True)
class MunicipalAllocationStatistics:
    year: int
    housing_type: str | None
    national: MunicipalShare
    municipalities: list[MunicipalShare]


@dataclass(frozen=True, slots=True)
class MunicipalStockShare:
    municipality_code: str | None
    municipality_name: str
    dwellings_with_lease: Cell
    municipal_allocations: Cell
    share_percent: float | None


@dataclass(frozen=True, slots=True)
class MunicipalAllocationStockStatistics:
    date: dt.date
    housing_type: str | None
    national: MunicipalStockShare
    municipalities: list[MunicipalStockShare]


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


# --- the kept cube (``register.db.statistics_cube``), the reference queries as the fallback -------

# Sums tried before falling back to the reference query: a sum finds departments without a valid
# kept row only when a write commits between computing them and summing (or on the first request
# for a date or year), so a second try nearly always succeeds.
_ATTEMPTS = 3


def use_cube(enabled: bool) -> None:
    """Process-wide (``RegisterSettings.statistics_cube``): answer from the kept cube, or —
    disabled — from the reference queries every time (no attempt at the cube)."""
    global _ATTEMPTS
    _ATTEMPTS = 3 if enabled else 0


async def _stock_cube(
    session: AsyncSession,
    on: date,
    read: Callable[[AsyncSession, date], Awaitable[cube_db.CubeRows]],
) -> Sequence[Any] | None:
    for _ in range(_ATTEMPTS):
        result = await read(session, on)
        if result.missing == 0:
            return result.rows
        await cube_db.compute_stock(session, on, await cube_db.stale_stock(session, on, None))
    return None


async def _dwelling_rows(session: AsyncSession, on: date) -> Sequence[Any]:
    """The rows of ``q.dwelling_cube`` (the reference), from the kept cube."""
    rows = await _stock_cube(session, on, cube_db.dwelling_cube)
    return rows if rows is not None else await q.dwelling_cube(session, on)


async def _stock_allocation_rows(session: AsyncSession, on: date) -> Sequence[Any]:
    """The rows of ``q.stock_allocation_cube`` (the reference), from the kept cube."""
    rows = await _stock_cube(session, on, cube_db.stock_allocation_cube)
    return rows if rows is not None else await q.stock_allocation_cube(session, on)


async def _reletting_rows(session: AsyncSession, year: int) -> Sequence[Any]:
    """The rows of ``q.reletting_cube`` (the reference), from the kept cube."""
    for _ in range(_ATTEMPTS):
        result = await cube_db.reletting_cube(session, year)
        if result.missing == 0:
            return result.rows
        await cube_db.compute_year(session, year, await cube_db.stale_year(session, year, None))
    return await q.reletting_cube(session, year)


@dataclass(frozen=True, slots=True)
class _Relet:
    department_id: str
    allocation_type: str
    n: int


async def _data_sheet_rows(
    session: AsyncSession, municipality_code: str, *, on: date, year: int
) -> tuple[Sequence[Any], Sequence[Any], cube_db.Basis | None]:
    """The rows of ``q.data_sheet_departments`` and ``q.data_sheet_relettings`` (the
    reference), from the kept cube, and what they were computed from (None: the reference
    queries answered)."""
    for _ in range(_ATTEMPTS):
        result = await cube_db.data_sheet(session, municipality_code, on=on, year=year)
        if result.missing == 0:
            relettings = [
                _Relet(r.department_id, a, int(n))
                for r in result.rows
                for a, n in r.relettings.items()
            ]
            return result.rows, relettings, result.basis
        stale = await cube_db.stale_stock(session, on, municipality_code)
        if stale:
            await cube_db.compute_stock(session, on, stale)
        stale = await cube_db.stale_year(session, year, municipality_code)
        if stale:
            await cube_db.compute_year(session, year, stale)
    return (
        await q.data_sheet_departments(session, municipality_code, on=on, year=year),
        await q.data_sheet_relettings(session, municipality_code, year=year),
        None,
    )


async def kept_answer(session: AsyncSession, key: str, municipality_code: str) -> bytes | None:
    """A rendered answer about ``municipality_code`` kept under ``key``, if it still holds
    (``register.db.statistics_cube.kept_answer``); never when the cube is not used."""
    if _ATTEMPTS == 0:
        return None
    return await cube_db.kept_answer(session, key, municipality_code)


async def keep_answer(session: AsyncSession, key: str, sheet: DataSheet, body: bytes) -> None:
    """Keep ``body``, rendered from ``sheet``, under ``key`` — unless the sheet came from the
    reference queries (no snapshot to check it against later)."""
    if sheet.basis is not None:
        await cube_db.keep_answer(session, key, sheet.basis, body)


# What the prune round keeps: the dates, years and rendered answers computed last.
KEEP_DATES: Final = 40
KEEP_YEARS: Final = 10
KEEP_ANSWERS: Final = 400
PRUNE_EVERY: Final = timedelta(minutes=15)


async def prune_round(database: Database) -> int:
    """The job: drop kept figures beyond ``KEEP_*`` and the change log every kept row has seen
    (``register.db.statistics_cube.prune``); returns the change-log rows dropped."""
    async with UnitOfWork(database) as uow:
        dropped = await cube_db.prune(
            uow.session, keep_dates=KEEP_DATES, keep_years=KEEP_YEARS, keep_answers=KEEP_ANSWERS
        )
        await uow.commit()
    return dropped or 0


async def dwelling_statistics(
    session: AsyncSession, *, on: date, municipality_code: str | None
) -> DwellingStatistics:
    _ensure_municipality(municipality_code)
    rows = await _dwelling_rows(session, on)
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
    rows = await _reletting_rows(session, year)
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
    rows = await _stock_allocation_rows(session, on)
    cube = Cube(rows, [[], HOUSING_TYPES, (q.MUNICIPAL, q.OTHER)])
    h = housing_type or TOTAL
    return MunicipalAllocationStockStatistics(
        date=on,
        housing_type=housing_type,
        national=_municipal_stock_share(cube, TOTAL, h),
        municipalities=[_municipal_stock_share(cube, m, h) for m in sorted(cube.domains[0])],
    )


# --- rent bands: re-lettings per band (seed 003 p. 20), shares per municipality (Fig. 5) -----


def _rent_bands() -> list[RentBand]:
    return [
        RentBand(code=c, label=label, min_monthly_rent=lo, max_monthly_rent=hi)
        for c, label, lo, hi in RENT_BANDS
    ]


def _share(part: Cell, whole: Cell) -> float | None:
    """``part / whole`` in percent (1 decimal); null when either rests on a suppressed count
    or there is no whole."""
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return _percent(part.value, whole.value)


@dataclass(frozen=True, slots=True)
class RelettingBandRow:
    rent_band: str  # a band code, or 'all' for the sum row
    label: str
    dwellings: Cell  # the stock in the band on the band date
    relettings: Cell  # re-lettings in the year of dwellings in the band
    relet_percent: float | None  # relettings / dwellings
    municipal_allocations: Cell  # of the re-lettings, by municipal allocation
    municipal_percent: float | None  # municipal_allocations / relettings


@dataclass(frozen=True, slots=True)
class RelettingsByRentBand:
    year: int
    date: dt.date  # the band date
    municipality_code: str | None
    municipality_name: str
    housing_type: str | None
    rent_bands: list[RentBand]
    rows: list[RelettingBandRow]


RENT_BAND_RELETTING_DEFINITION: Final = (
    "Per rent band of the dwelling on `date` (default: 1 January after `year`, the stock date "
    "seed 003 counts the bands on): the dwellings in the band, their re-lettings in `year` "
    "and the share re-let (re-lettings / dwellings; a dwelling re-let twice counts twice), and "
    "of the re-lettings those by municipal allocation and their share — seed 003's \"of the "
    "31,300 family dwellings under 3,500 kr./md., about 5,400 were re-let during 2022 (17 %); "
    'of the 5,400, about 600 by municipal allocation (11 %)". '
)


async def relettings_by_rent_band(
    session: AsyncSession,
    *,
    year: int,
    on: date | None,
    municipality_code: str | None,
    housing_type: str | None,
) -> RelettingsByRentBand:
    """Seed 003 p. 20: re-lettings in ``year`` per rent band of the dwelling on ``on``. The
    dwelling counts carry the suppression pattern of ``/statistics/dwellings`` on that date (the
    same national cube), the re-letting counts that of the national municipality × housing
    type × band × {municipal, other} cube."""
    _ensure_municipality(municipality_code)
    band_date = on or date(year + 1, 1, 1)
    extra = [municipality_code] if municipality_code else []
    stock = Cube(await _dwelling_rows(session, band_date), [extra, HOUSING_TYPES, BANDS])
    relet = Cube(
        await q.reletting_band_cube(session, year, band_date),
        [extra, HOUSING_TYPES, BANDS, (q.MUNICIPAL, q.OTHER)],
    )
    m, h = municipality_code or TOTAL, housing_type or TOTAL
    rows = []
    for b in (*BANDS, TOTAL):
        dwellings = stock.cell(m, h, b)
        relettings = relet.cell(m, h, b, TOTAL)
        municipal = relet.cell(m, h, b, q.MUNICIPAL)
        rows.append(
            RelettingBandRow(
                rent_band="all" if b == TOTAL else b,
                label="I alt" if b == TOTAL else BAND_LABELS[b],
                dwellings=dwellings,
                relettings=relettings,
                relet_percent=_share(relettings, dwellings),
                municipal_allocations=municipal,
                municipal_percent=_share(municipal, relettings),
            )
        )
    return RelettingsByRentBand(
        year=year,
        date=band_date,
        municipality_code=municipality_code,
        municipality_name=_area_name(municipality_code),
        housing_type=housing_type,
        rent_bands=_rent_bands(),
        rows=rows,
    )


@dataclass(frozen=True, slots=True)
class BandShare:
    dwellings: Cell
    share_percent: float | None  # of the area's dwellings of the housing type


@dataclass(frozen=True, slots=True)
class MunicipalRentBands:
    municipality_code: str | None  # None: the whole country
    municipality_name: str
    dwellings: Cell
    by_rent_band: dict[str, BandShare]


@dataclass(frozen=True, slots=True)
class RentBandShares:
    date: dt.date
    housing_type: str | None
    rent_bands: list[RentBand]
    national: MunicipalRentBands
    municipalities: list[MunicipalRentBands]


def _municipal_rent_bands(cube: Cube, m: str, h: str) -> MunicipalRentBands:
    total = cube.cell(m, h, TOTAL)
    code = None if m == TOTAL else m
    return MunicipalRentBands(
        municipality_code=code,
        municipality_name=MUNICIPALITIES.get(code, code) if code else _area_name(None),
        dwellings=total,
        by_rent_band={
            b: BandShare(
                dwellings=cube.cell(m, h, b), share_percent=_share(cube.cell(m, h, b), total)
            )
            for b in BANDS
        },
    )


async def rent_band_shares(
    session: AsyncSession, *, on: date, housing_type: str | None
) -> RentBandShares:
    """Seed 003, Figure 5: per municipality (every one with dwellings) and nationally, the share
    of its dwellings (of ``housing_type``) in each rent band on ``on`` — one call for the map.
    The counts are those of ``/statistics/dwellings`` (the same national cube and suppression)."""
    cube = Cube(await _dwelling_rows(session, on), [[], HOUSING_TYPES, BANDS])
    h = housing_type or TOTAL
    return RentBandShares(
        date=on,
        housing_type=housing_type,
        rent_bands=_rent_bands(),
        national=_municipal_rent_bands(cube, TOTAL, h),
        municipalities=[_municipal_rent_bands(cube, m, h) for m in sorted(cube.domains[0])],
    )


# --- municipal data sheet (kommunalt dataark) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetUnit:
    """One line of the data sheet: the municipality, an organisation or a department."""

    level: Literal["municipality", "organisation", "department"]
    organisation_id: str | None
    organisation_name: str | None
    department_id: str | None
    department_name: str | None
    housing_type: str | None
    dwellings: dict[str, Cell]  # by housing type, and 'total'
    average_monthly_rent: Decimal | None
    monthly_rent_per_m2: Decimal | None
    average_area_m2: Decimal | None
    averages_suppressed: bool
    move_outs: Cell
    relettings: dict[str, Cell]  # by allocation type, and 'total'


@dataclass(frozen=True, slots=True)
class DataSheet:
    municipality_code: str
    municipality_name: str
    date: dt.date
    year: int
    summary: SheetUnit
    organisations: list[SheetUnit]
    departments: list[SheetUnit]
    definitions: dict[str, str]
    basis: cube_db.Basis | None = None  # what it was computed from; None: the reference queries


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
    department_rows, reletting_rows, basis = await _data_sheet_rows(
        session, municipality_code, on=on, year=year
    )

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
        basis=basis,
    )


# --- vacancy listing ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VacantDwelling:
    """A dwelling about to become vacant (LejekontraktLedigIndikator), as danmarkbolig shows it.
    Never a tenant's name or an organisation-internal field."""

    dwelling_id: str
    street: str
    house_number: str
    floor: str | None
    door: str | None
    postcode: str
    city: str
    municipality_code: str
    municipality_name: str
    rooms: int
    area_m2: Decimal
    monthly_rent: Decimal | None  # rent-forming expenses in force on the date
    step_free_access: bool | None
    elevator: bool | None
    wheelchair_accessible: bool | None
    housing_type: str
    department_name: str
    organisation_name: str
    available_from: date | None  # the day after the current lease ends, if known


@dataclass(frozen=True, slots=True)
class VacancyPage:
    date: dt.date
    items: list[VacantDwelling]
    next_cursor: str | None


async def vacancy_listing(
    session: AsyncSession, flt: q.ListingFilter, *, cursor: str | None, limit: int
) -> VacancyPage:
    after = decode_cursor(cursor or None, str, str)
    rows = await q.vacancy_listing(
        session, flt, after=(after[0], after[1]) if after else None, limit=limit + 1
    )
    page = page_of(rows, limit, key=lambda r: (r.postcode, r.dwelling_id))
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
        for r in page.rows
    ]
    return VacancyPage(date=flt.on, items=items, next_cursor=page.next_cursor)


# --- monthly vacancy (tomgang) counts ----------------------------------------------------------

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

VACANCY_DEFINITION: Final = (
    "For a calendar month: 'dwellings' counts the dwellings that, on at least one day of the "
    "month, had an accepted lease flagged vacancy_loss_flag (LejekontraktTomgangsledigIndikator) "
    "in force; 'vacancy_days' adds, per dwelling, the days of the month covered by such leases "
    "(at most the month's length); 'dwelling_months' = vacancy_days / days in the month."
)


@dataclass(frozen=True, slots=True)
class DepartmentVacancy:
    organisation_id: str
    organisation_name: str
    department_id: str
    department_name: str
    municipality_code: str
    dwellings: int
    vacancy_days: int
    dwelling_months: Decimal


@dataclass(slots=True)
class OrganisationVacancy:
    organisation_id: str
    organisation_name: str
    dwellings: int = 0
    vacancy_days: int = 0
    dwelling_months: Decimal = Decimal(0)
    departments: list[DepartmentVacancy] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MonthlyVacancy:
    month: str
    first_day: date
    last_day: date
    days_in_month: int
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
    session: AsyncSession, scope: Scope, *, month: str, organisation_id: str | None
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
            OrganisationVacancy(r.organisation_id, r.organisation_name),
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
