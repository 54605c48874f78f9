"""Read-side use cases: a dwelling as of a date (now or as the register knew it then), its
history, the benefit authority's municipality feed and the submitter's department reports.

Rules (DESIGN.md):

* the **lease in force** on a date is the ``accepted`` lease whose ``[start_date, end_date]``
  contains the date (both ends inclusive, an open end runs on); when two accepted leases touch
  the same day (one ends, the next starts on it) the one that starts latest wins;
* the **rent** that day is the sum of that lease's rent-forming expense lines
  (``codes.RENT_FORMING``) whose ``[valid_from, valid_to]`` contains the date — utilities are
  listed but not summed; no lease in force → no rent (``null``);
* ``known_at`` answers from ``record_versions``: the latest version of each record recorded at
  or before that moment, so a later correction never changes an earlier answer.

All queries are in :mod:`register.db.queries_history`.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from common.access import Scope
from common.calendar import DANISH_TIME, danish_date
from common.errors import NotFoundError
from common.exports import csv_writer, write_row
from common.money import to_dkk
from register.db import queries_history as q
from register.db.queries_history import (
    DepartmentInfo,
    DwellingRecord,
    ExpenseRecord,
    LeaseRecord,
    Placement,
)
from register.domain.access import sees_tenant_names
from register.domain.codes import RENT_FORMING


def today() -> date:
    """Today in Denmark (the default reporting date)."""
    return danish_date()


# --- wire names (the LBF webservice's Danish field names) --------------------------------------

DWELLING_WIRE: Final[dict[str, str]] = {
    "id": "BoligUnikIdentifikator",
    "department_id": "AfdelingIdentifikator",
    "building_section_id": "ByggeafsnitIdentifikator",
    "bbr_unit_id": "BBREnhedIdentifikator",
    "street": "Vejnavn",
    "house_number": "Husnummer",
    "floor": "Etage",
    "door": "Doer",
    "postcode": "Postnummer",
    "city": "Bynavn",
    "rooms": "BoligAntalRum",
    "area_m2": "BoligArealKvadratmeter",
    "step_free_access": "NiveaufriAdgangIndikator",
    "elevator": "ElevatorIndikator",
    "wheelchair_accessible": "KoerestolsegnetIndikator",
}
LEASE_WIRE: Final[dict[str, str]] = {
    "id": "LejekontraktUnikIdentifikator",
    "dwelling_id": "BoligUnikIdentifikator",
    "external_reference": "EksternReference",
    "start_date": "LejekontraktStartDato",
    "end_date": "LejekontraktSlutDato",
    "allocation_type": "AnvisningstypeKode",
    "vacancy_loss_flag": "LejekontraktTomgangsledigIndikator",
    "vacant_soon_flag": "LejekontraktLedigIndikator",
    "deposit": "Depositum",
    "tenant_name": "LejerNavn",
    "status": "Status",
    "warnings": "Advarsler",
}
EXPENSE_WIRE: Final[dict[str, str]] = {
    "id": "BoligudgiftIdentifikator",
    "lease_id": "LejekontraktUnikIdentifikator",
    "expense_type": "BoligudgiftTypeKode",
    "monthly_amount": "BoligudgiftBeloeb",
    "valid_from": "BoligudgiftStartDato",
    "valid_to": "BoligudgiftSlutDato",
}
_WIRE_BY_ENTITY: Final[dict[str, dict[str, str]]] = {
    "dwelling": DWELLING_WIRE,
    "lease": LEASE_WIRE,
    "housing_expense": EXPENSE_WIRE,
}
TENANT_NAME_FIELDS: Final = frozenset({"tenant_name", LEASE_WIRE["tenant_name"]})


# --- as of a date ------------------------------------------------------------------------------


def lease_in_force(leases: Iterable[LeaseRecord], on: date) -> LeaseRecord | None:
    candidates = [x for x in leases if x.status == q.ACCEPTED and x.in_force_on(on)]
    return max(candidates, key=lambda x: (x.start_date, x.id), default=None)


def is_rent_forming(expense_type: str) -> bool:
    return expense_type in {t.value for t in RENT_FORMING}


def rent_of(lines: Iterable[ExpenseRecord]) -> Decimal:
    return to_dkk(sum((e.monthly_amount for e in lines if is_rent_forming(e.expense_type)), 0))


@dataclass(frozen=True, slots=True)
class DwellingAsOf:
    placement: Placement
    on: date
    known_at: datetime | None
    dwelling: DwellingRecord
    lease: LeaseRecord | None
    lines: list[ExpenseRecord]
    rent: Decimal | None
    shows_tenant_names: bool


async def _visible_placement(session: AsyncSession, scope: Scope, dwelling_id: str) -> Placement:
    placement = await q.find_placement(session, dwelling_id)
    what = f"Dwelling '{dwelling_id}'"
    if placement is None:
        raise NotFoundError(f"{what} was not found.")
    scope.ensure_visible(placement.organisation_id, placement.municipality_code, what)
    return placement


async def dwelling_as_of(
    session: AsyncSession,
    scope: Scope,
    dwelling_id: str,
    on: date,
    known_at: datetime | None = None,
) -> DwellingAsOf:
    placement = await _visible_placement(session, scope, dwelling_id)
    if known_at is None:
        dwelling = await q.current_dwelling(session, dwelling_id)
        leases = await q.current_leases(session, dwelling_id)
    else:
        dwelling = await q.known_dwelling(session, dwelling_id, known_at)
        leases = await q.known_leases(session, dwelling_id, known_at) if dwelling else []
    if dwelling is None:
        raise NotFoundError(
            f"Dwelling '{dwelling_id}' was not known to the register at {known_at.isoformat()}."
            if known_at
            else f"Dwelling '{dwelling_id}' was not found."
        )
    lease = lease_in_force(leases, on)
    lines: list[ExpenseRecord] = []
    if lease is not None:
        expenses = (
            await q.current_expenses(session, [lease.id])
            if known_at is None
            else await q.known_expenses(session, [lease.id], known_at)
        )
        lines = sorted(
            (e for e in expenses if e.valid_on(on)),
            key=lambda e: (not is_rent_forming(e.expense_type), e.expense_type, e.id),
        )
    return DwellingAsOf(
        placement=placement,
        on=on,
        known_at=known_at,
        dwelling=dwelling,
        lease=lease,
        lines=lines,
        rent=None if lease is None else rent_of(lines),
        shows_tenant_names=sees_tenant_names(scope.role),
    )


# --- history -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryPage:
    placement: Placement
    items: list[q.VersionRecord]
    total: int
    limit: int
    offset: int
    shows_tenant_names: bool


def wire_data(entity_type: str, data: Mapping[str, Any], *, tenant_names: bool) -> dict[str, Any]:
    """A version's column data under the wire names; tenant names removed unless visible."""
    names = _WIRE_BY_ENTITY.get(entity_type, {})
    return {
        names.get(key, key): value
        for key, value in data.items()
        if tenant_names or key not in TENANT_NAME_FIELDS
    }


async def dwelling_history(
    session: AsyncSession, scope: Scope, dwelling_id: str, *, limit: int, offset: int
) -> HistoryPage:
    placement = await _visible_placement(session, scope, dwelling_id)
    items, total = await q.dwelling_history(
        session,
        dwelling_id,
        limit=limit,
        offset=offset,
        accepted_only=scope.organisation_ids is None,  # as the lease lists
        organisation_ids=None if scope.organisation_ids is None else sorted(scope.organisation_ids),
    )
    return HistoryPage(
        placement=placement,
        items=items,
        total=total,
        limit=limit,
        offset=offset,
        shows_tenant_names=sees_tenant_names(scope.role),
    )


# --- the benefit authority's feed --------------------------------------------------------------


class FeedFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"


FEED_MEDIA_TYPES: Final[dict[FeedFormat, str]] = {
    FeedFormat.NDJSON: "application/x-ndjson",
    FeedFormat.CSV: "text/csv; charset=utf-8",
}
FEED_BATCH_SIZE: Final = 1000

# (wire name, column of queries_history.municipality_feed_statement)
FEED_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("Dato", ""),
    ("BoligUnikIdentifikator", "dwelling_id"),
    ("BoligorganisationIdentifikator", "organisation_id"),
    ("AfdelingIdentifikator", "department_id"),
    ("KommuneKode", "municipality_code"),
    ("ByggeafsnitIdentifikator", "building_section_id"),
    ("BBREnhedIdentifikator", "bbr_unit_id"),
    ("Vejnavn", "street"),
    ("Husnummer", "house_number"),
    ("Etage", "floor"),
    ("Doer", "door"),
    ("Postnummer", "postcode"),
    ("Bynavn", "city"),
    ("BoligAntalRum", "rooms"),
    ("BoligArealKvadratmeter", "area_m2"),
    ("LejekontraktUnikIdentifikator", "lease_id"),
    ("LejekontraktStartDato", "start_date"),
    ("LejekontraktSlutDato", "end_date"),
    ("AnvisningstypeKode", "allocation_type"),
    ("LejekontraktTomgangsledigIndikator", "vacancy_loss_flag"),
    ("LejekontraktLedigIndikator", "vacant_soon_flag"),
    ("Husleje", "rent"),
)
FEED_HEADER: Final = tuple(name for name, _ in FEED_COLUMNS)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(to_dkk(value), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv_value(value: Any) -> Any:
    """A feed value for the CSV writer: amounts stay numbers (kroner and øre), text is
    neutralised by the writer, ``None`` is an empty field."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return to_dkk(value)
    return value


def feed_record(row: Any, on: date) -> dict[str, Any]:
    return {
        name: (on.isoformat() if not column else _json_value(getattr(row, column)))
        for name, column in FEED_COLUMNS
    }


async def municipality_feed(
    engine: AsyncEngine,
    municipality_code: str,
    on: date,
    fmt: FeedFormat,
    *,
    batch_size: int = FEED_BATCH_SIZE,
) -> AsyncIterator[bytes]:
    """The feed's body, one chunk per batch of dwellings, read from a server-side cursor on a
    connection held only while the body is being sent."""
    if fmt is FeedFormat.CSV:
        buffer = io.StringIO()
        writer = csv_writer(buffer)
        writer.writerow(FEED_HEADER)
        yield buffer.getvalue().encode()
    async with engine.connect() as connection:
        async for rows in q.stream_municipality_feed(
            connection, municipality_code, on, batch_size=batch_size
        ):
            if fmt is FeedFormat.NDJSON:
                chunk = "".join(
                    json.dumps(feed_record(r, on), ensure_ascii=False, separators=(",", ":")) + "\n"
                    for r in rows
                )
            else:
                buffer = io.StringIO()
                writer = csv_writer(buffer)
                for r in rows:
                    writer.writerow(
                        [
                            on if not column else _csv_value(getattr(r, column))
                            for _, column in FEED_COLUMNS
                        ]
                    )
                chunk = buffer.getvalue()
            yield chunk.encode()


# --- the submitter's reports -------------------------------------------------------------------

# Optional fields the report lists when they are missing (wire names).
OPTIONAL_DWELLING_FIELDS: Final[tuple[str, ...]] = (
    "bbr_unit_id",
    "step_free_access",
    "elevator",
    "wheelchair_accessible",
)
OPTIONAL_LEASE_FIELDS: Final[tuple[str, ...]] = ("deposit", "external_reference")
OPTIONAL_FIELD_NAMES: Final[tuple[str, ...]] = tuple(
    [DWELLING_WIRE[f] for f in OPTIONAL_DWELLING_FIELDS]
    + [LEASE_WIRE[f] for f in OPTIONAL_LEASE_FIELDS]
)


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class MissingFields:
    record_type: str  # dwelling | lease
    dwelling_id: str
    lease_id: str | None
    fields: list[str]  # wire names


@dataclass(frozen=True, slots=True)
class DepartmentReport:
    department: DepartmentInfo
    on: date
    last_submission_at: datetime | None
    dwelling_count: int
    without_lease: list[DwellingRecord]
    missing: list[MissingFields]
    missing_counts: dict[str, int]
    held: list[LeaseRecord]
    drafts: list[LeaseRecord]


def _missing(record: Any, names: Sequence[str], wire: Mapping[str, str]) -> list[str]:
    return [wire[name] for name in names if getattr(record, name) in (None, "")]


def build_department_report(
    department: DepartmentInfo,
    on: date,
    dwellings: Sequence[q.ReportDwelling],
    leases: Sequence[LeaseRecord],
    last_submission_at: datetime | None,
) -> DepartmentReport:
    missing: list[MissingFields] = []
    counts = dict.fromkeys(OPTIONAL_FIELD_NAMES, 0)
    for item in dwellings:
        fields = _missing(item.dwelling, OPTIONAL_DWELLING_FIELDS, DWELLING_WIRE)
        if fields:
            missing.append(MissingFields("dwelling", item.dwelling.id, None, fields))
    for lease in leases:
        if lease.status == q.DRAFT or (lease.end_date is not None and lease.end_date < on):
            continue
        fields = _missing(lease, OPTIONAL_LEASE_FIELDS, LEASE_WIRE)
        if fields:
            missing.append(MissingFields("lease", lease.dwelling_id, lease.id, fields))
    for entry in missing:
        for name in entry.fields:
            counts[name] += 1
    return DepartmentReport(
        department=department,
        on=on,
        last_submission_at=last_submission_at,
        dwelling_count=len(dwellings),
        without_lease=[d.dwelling for d in dwellings if not d.has_lease_in_force],
        missing=missing,
        missing_counts=counts,
        held=[x for x in leases if x.status == q.HELD],
        drafts=[x for x in leases if x.status == q.DRAFT],
    )


async def _reports(
    session: AsyncSession, departments: Sequence[DepartmentInfo], on: date
) -> list[DepartmentReport]:
    ids = [d.id for d in departments]
    dwellings = await q.report_dwellings(session, ids, on)
    leases = await q.report_leases(session, ids, on)
    last = await q.last_submissions(session, {d.organisation_id for d in departments})
    dwelling_department = {d.dwelling.id: d.dwelling.department_id for d in dwellings}
    reports = []
    for department in departments:
        reports.append(
            build_department_report(
                department,
                on,
                [d for d in dwellings if d.dwelling.department_id == department.id],
                [x for x in leases if dwelling_department.get(x.dwelling_id) == department.id],
                last.get(department.organisation_id),
            )
        )
    return reports


async def department_report(
    session: AsyncSession, scope: Scope, department_id: str, on: date
) -> DepartmentReport:
    department = await q.department(session, department_id)
    what = f"Department '{department_id}'"
    if department is None:
        raise NotFoundError(f"{what} was not found.")
    scope.ensure_visible(department.organisation_id, department.municipality_code, what)
    return (await _reports(session, [department], on))[0]


async def organisation_reports(
    session: AsyncSession, scope: Scope, organisation_id: str, on: date
) -> list[DepartmentReport]:
    what = f"Organisation '{organisation_id}'"
    if scope.organisation_ids is not None and organisation_id not in scope.organisation_ids:
        raise NotFoundError(f"{what} was not found.")
    if not await q.organisation_exists(session, organisation_id):
        raise NotFoundError(f"{what} was not found.")
    departments = await q.departments_of_organisation(
        session,
        organisation_id,
        municipality_code=scope.municipality_code,
    )
    return await _reports(session, departments, on)


# --- report exports ----------------------------------------------------------------------------

_FIELD_TITLES: Final[dict[str, str]] = {
    "BBREnhedIdentifikator": "BBR-enhed",
    "NiveaufriAdgangIndikator": "Niveaufri adgang",
    "ElevatorIndikator": "Elevator",
    "KoerestolsegnetIndikator": "Kørestolsegnet",
    "Depositum": "Depositum",
    "EksternReference": "Ekstern reference",
}
_RECORD_TYPE_TITLES: Final = {"dwelling": "Bolig", "lease": "Lejekontrakt"}


def _address(d: DwellingRecord) -> str:
    parts = [f"{d.street or ''} {d.house_number or ''}".strip()]
    if d.floor or d.door:
        parts.append(" ".join(p for p in (d.floor, d.door) if p))
    return ", ".join(p for p in parts if p)


def _local(ts: datetime | None) -> str:
    return "" if ts is None else ts.astimezone(DANISH_TIME).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    headers: tuple[str, ...]
    widths: tuple[int, ...]
    rows: list[tuple[Any, ...]]


def report_sheets(reports: Sequence[DepartmentReport]) -> list[Sheet]:
    """The report as tables with Danish titles — one per section — for XLSX and CSV."""
    overview = Sheet(
        "Oversigt",
        (
            "Afdeling",
            "Afdelingsnavn",
            "Boligorganisation",
            "Kommunekode",
            "Opgørelsesdato",
            "Antal boliger",
            "Boliger uden lejekontrakt",
            *(f"Mangler: {_FIELD_TITLES[n]}" for n in OPTIONAL_FIELD_NAMES),
            "Tilbageholdte lejekontrakter",
            "Ubekræftede advarsler",
            "Kladder",
            "Seneste indberetning",
        ),
        (
            *(12, 28, 18, 12, 15, 13, 24),
            *(len(_FIELD_TITLES[n]) + 10 for n in OPTIONAL_FIELD_NAMES),
            *(28, 22, 9, 21),
        ),
        [],
    )
    without = Sheet(
        "Uden lejekontrakt",
        ("Afdeling", "Bolig", "Adresse", "Postnummer", "By"),
        (12, 18, 36, 11, 20),
        [],
    )
    missing = Sheet(
        "Manglende felter",
        ("Afdeling", "Posttype", "Bolig", "Lejekontrakt", "Manglende felter", "Antal"),
        (12, 13, 18, 18, 60, 7),
        [],
    )
    warnings = Sheet(
        "Ubekræftede advarsler",
        ("Afdeling", "Bolig", "Lejekontrakt", "Felt", "Kode", "Beskrivelse"),
        (12, 18, 18, 28, 24, 70),
        [],
    )
    drafts = Sheet(
        "Kladder",
        ("Afdeling", "Bolig", "Lejekontrakt", "Startdato", "Slutdato"),
        (12, 18, 18, 12, 12),
        [],
    )
    for r in reports:
        dep = r.department
        overview.rows.append(
            (
                dep.id,
                dep.name,
                dep.organisation_id,
                dep.municipality_code,
                r.on.isoformat(),
                r.dwelling_count,
                len(r.without_lease),
                *(r.missing_counts[n] for n in OPTIONAL_FIELD_NAMES),
                len(r.held),
                sum(len(x.warnings) for x in r.held),
                len(r.drafts),
                _local(r.last_submission_at),
            )
        )
        for d in r.without_lease:
            without.rows.append((dep.id, d.id, _address(d), d.postcode or "", d.city or ""))
        for m in r.missing:
            missing.rows.append(
                (
                    dep.id,
                    _RECORD_TYPE_TITLES[m.record_type],
                    m.dwelling_id,
                    m.lease_id or "",
                    ", ".join(_FIELD_TITLES[n] for n in m.fields),
                    len(m.fields),
                )
            )
        for lease in r.held:
            for w in lease.warnings or [{}]:
                warnings.rows.append(
                    (
                        dep.id,
                        lease.dwelling_id,
                        lease.id,
                        str(w.get("pointer", "")),
                        str(w.get("code", "")),
                        str(w.get("detail", "")),
                    )
                )
        for lease in r.drafts:
            drafts.rows.append(
                (
                    dep.id,
                    lease.dwelling_id,
                    lease.id,
                    lease.start_date.isoformat() if lease.start_date else "",
                    lease.end_date.isoformat() if lease.end_date else "",
                )
            )
    return [overview, without, missing, warnings, drafts]


def report_csv(reports: Sequence[DepartmentReport]) -> bytes:
    """One CSV table: ``Afsnit`` names the section (the XLSX sheet), the other columns are that
    section's columns in order (``Kolonne1``…). Comma-separated, UTF-8, ``.`` decimals."""
    sheets = report_sheets(reports)
    width = max(len(s.headers) for s in sheets)
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["Afsnit", *(f"Kolonne{i + 1}" for i in range(width))])
    for sheet in sheets:
        writer.writerow([f"{sheet.name} (overskrift)", *sheet.headers])
        for row in sheet.rows:
            writer.writerow([sheet.name, *("" if v is None else v for v in row)])
    return buffer.getvalue().encode()


def report_xlsx(reports: Sequence[DepartmentReport]) -> bytes:
    """One sheet per section: bold, frozen header row, column widths, Danish titles."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})
    for sheet in report_sheets(reports):
        worksheet = workbook.add_worksheet(sheet.name)
        write_row(worksheet, 0, 0, sheet.headers, bold)
        worksheet.freeze_panes(1, 0)
        for column, width in enumerate(sheet.widths):
            worksheet.set_column(column, column, max(width, len(sheet.headers[column]) + 2))
        for index, row in enumerate(sheet.rows, start=1):
            write_row(worksheet, index, 0, row)
        if sheet.rows:
            worksheet.autofilter(0, 0, len(sheet.rows), len(sheet.headers) - 1)
    workbook.close()
    return output.getvalue()
