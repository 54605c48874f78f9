"""Read-side queries of the register: records as of a date, as known at a moment, their history,
the municipality feed and the submitter's report rows.

Every query of the read side lives here; the use cases in ``register.services.reading`` only
combine what these functions return.

Two sources answer "as of a date":

* the **current records** (``dwellings``, ``leases``, ``housing_expenses``) — the register as it
  knows things now;
* the **history** (``record_versions``) — "the register as it knew it at T" is the latest version
  of each record with ``recorded_at <= T``. A version's ``data`` holds the record's columns with
  English column names (dates ISO, amounts as strings). A version whose ``data`` carries
  ``"deleted": true`` is a tombstone: the record no longer existed from that moment.

The history queries select a dwelling's lease versions and a lease's expense versions by the
record they belong under (``PARENT_ID``: ``data->>'dwelling_id'`` of a lease,
``data->>'lease_id'`` of an expense); the expression index ``ix_record_versions_parent``
(migration 0009) serves them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Text,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from register.db.models import (
    PARENT_ID,
    DepartmentRow,
    DwellingRow,
    HousingExpenseRow,
    LeaseRow,
    OrganisationRow,
    RecordVersionRow,
    SubmissionRow,
)
from register.domain.codes import RENT_FORMING

ACCEPTED = "accepted"
HELD = "held"
DRAFT = "draft"

_RENT_FORMING_TYPES = sorted(t.value for t in RENT_FORMING)
# As the index has it (``ix_record_versions_parent``), so that PostgreSQL uses the index.
_PARENT = literal_column(PARENT_ID, Text)


def versions_under(entity_type: str, parent_ids: Iterable[str]) -> ColumnElement[bool]:
    """The versions of ``entity_type`` records that belong under one of ``parent_ids``: a
    dwelling's leases, a lease's expenses."""
    return and_(RecordVersionRow.entity_type == entity_type, _PARENT.in_(list(parent_ids)))


# --- value parsing (current rows and version JSON alike) ---------------------------------------


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _as_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.lower() in ("true", "1", "t", "yes")
    return bool(value)


def _as_str(value: Any) -> str | None:
    return None if value is None else str(value)


# --- read models -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a dwelling sits: what access decisions need."""

    dwelling_id: str
    department_id: str
    organisation_id: str
    municipality_code: str


@dataclass(frozen=True, slots=True)
class DwellingRecord:
    id: str
    department_id: str
    building_section_id: str | None
    bbr_unit_id: str | None
    street: str | None
    house_number: str | None
    floor: str | None
    door: str | None
    postcode: str | None
    city: str | None
    rooms: int | None
    area_m2: Decimal | None
    step_free_access: bool | None
    elevator: bool | None
    wheelchair_accessible: bool | None

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> Self:
        rooms = m.get("rooms")
        return cls(
            id=str(m["id"]),
            department_id=str(m.get("department_id")),
            building_section_id=_as_str(m.get("building_section_id")),
            bbr_unit_id=_as_str(m.get("bbr_unit_id")),
            street=_as_str(m.get("street")),
            house_number=_as_str(m.get("house_number")),
            floor=_as_str(m.get("floor")),
            door=_as_str(m.get("door")),
            postcode=_as_str(m.get("postcode")),
            city=_as_str(m.get("city")),
            rooms=None if rooms is None else int(rooms),
            area_m2=_as_decimal(m.get("area_m2")),
            step_free_access=_as_bool(m.get("step_free_access")),
            elevator=_as_bool(m.get("elevator")),
            wheelchair_accessible=_as_bool(m.get("wheelchair_accessible")),
        )


@dataclass(frozen=True, slots=True)
class LeaseRecord:
    id: str
    dwelling_id: str
    external_reference: str | None
    start_date: date | None  # None only for a draft (KladdeIndikator)
    end_date: date | None
    allocation_type: str | None
    vacancy_loss_flag: bool
    vacant_soon_flag: bool
    deposit: Decimal | None
    tenant_name: str | None
    status: str
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> Self:
        start = _as_date(m.get("start_date"))
        return cls(
            id=str(m["id"]),
            dwelling_id=str(m.get("dwelling_id")),
            external_reference=_as_str(m.get("external_reference")),
            start_date=start,
            end_date=_as_date(m.get("end_date")),
            allocation_type=_as_str(m.get("allocation_type")),
            vacancy_loss_flag=bool(_as_bool(m.get("vacancy_loss_flag"))),
            vacant_soon_flag=bool(_as_bool(m.get("vacant_soon_flag"))),
            deposit=_as_decimal(m.get("deposit")),
            tenant_name=_as_str(m.get("tenant_name")),
            status=str(m.get("status") or ACCEPTED),
            warnings=list(m.get("warnings") or []),
        )

    def in_force_on(self, on: date) -> bool:
        if self.start_date is None:  # an undated draft is in force on no day
            return False
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


@dataclass(frozen=True, slots=True)
class ExpenseRecord:
    id: str
    lease_id: str
    expense_type: str
    monthly_amount: Decimal
    valid_from: date
    valid_to: date | None

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> Self:
        valid_from = _as_date(m.get("valid_from"))
        amount = _as_decimal(m.get("monthly_amount"))
        if valid_from is None or amount is None:
            raise ValueError(f"housing expense {m.get('id')} lacks a date or an amount")
        return cls(
            id=str(m["id"]),
            lease_id=str(m.get("lease_id")),
            expense_type=str(m.get("expense_type")),
            monthly_amount=amount,
            valid_from=valid_from,
            valid_to=_as_date(m.get("valid_to")),
        )

    def valid_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


@dataclass(frozen=True, slots=True)
class VersionRecord:
    id: int
    entity_type: str
    entity_id: str
    version: int
    organisation_id: str
    data: dict[str, Any]
    recorded_at: datetime
    recorded_by: str
    submission_id: uuid.UUID | None


def _is_tombstone(data: Mapping[str, Any]) -> bool:
    return data.get("deleted") is True


def _version(row: RecordVersionRow) -> VersionRecord:
    return VersionRecord(
        id=row.id,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        version=row.version,
        organisation_id=row.organisation_id,
        data=dict(row.data),
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
        submission_id=row.submission_id,
    )


# --- placement ---------------------------------------------------------------------------------


async def find_placement(session: AsyncSession, dwelling_id: str) -> Placement | None:
    """The dwelling's department, organisation and municipality from the current records; a
    dwelling only the history knows is placed by its latest version's department."""
    stmt = (
        select(
            DwellingRow.department_id,
            DepartmentRow.organisation_id,
            DepartmentRow.municipality_code,
        )
        .join(DepartmentRow, DepartmentRow.id == DwellingRow.department_id)
        .where(DwellingRow.id == dwelling_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        department_id = await session.scalar(
            select(RecordVersionRow.data["department_id"].astext)
            .where(
                RecordVersionRow.entity_type == "dwelling",
                RecordVersionRow.entity_id == dwelling_id,
            )
            .order_by(RecordVersionRow.version.desc())
            .limit(1)
        )
        if department_id is None:
            return None
        department = (
            await session.execute(
                select(DepartmentRow.organisation_id, DepartmentRow.municipality_code).where(
                    DepartmentRow.id == department_id
                )
            )
        ).one_or_none()
        if department is None:
            return None
        return Placement(dwelling_id, department_id, *department)
    return Placement(dwelling_id, row.department_id, row.organisation_id, row.municipality_code)


# --- the current records -----------------------------------------------------------------------


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


async def current_dwelling(session: AsyncSession, dwelling_id: str) -> DwellingRecord | None:
    row = await session.get(DwellingRow, dwelling_id)
    return None if row is None else DwellingRecord.from_mapping(_columns(row))


async def current_leases(session: AsyncSession, dwelling_id: str) -> list[LeaseRecord]:
    rows = await session.scalars(
        select(LeaseRow).where(LeaseRow.dwelling_id == dwelling_id).order_by(LeaseRow.id)
    )
    return [LeaseRecord.from_mapping(_columns(r)) for r in rows]


async def current_expenses(session: AsyncSession, lease_ids: Sequence[str]) -> list[ExpenseRecord]:
    if not lease_ids:
        return []
    rows = await session.scalars(
        select(HousingExpenseRow)
        .where(HousingExpenseRow.lease_id.in_(list(lease_ids)))
        .order_by(HousingExpenseRow.id)
    )
    return [ExpenseRecord.from_mapping(_columns(r)) for r in rows]


# --- the register as it knew it at a moment ----------------------------------------------------


async def _latest_versions(
    session: AsyncSession,
    entity_type: str,
    candidates: Any,
    known_at: datetime,
) -> list[dict[str, Any]]:
    """The data of the latest version (``recorded_at <= known_at``) of each ``entity_type``
    record whose id is in ``candidates``, tombstones left out."""
    stmt = (
        select(RecordVersionRow.entity_id, RecordVersionRow.data)
        .where(
            RecordVersionRow.entity_type == entity_type,
            RecordVersionRow.entity_id.in_(candidates),
            RecordVersionRow.recorded_at <= known_at,
        )
        .order_by(
            RecordVersionRow.entity_id,
            RecordVersionRow.recorded_at.desc(),
            RecordVersionRow.version.desc(),
        )
        .ext(distinct_on(RecordVersionRow.entity_id))
    )
    rows = (await session.execute(stmt)).all()
    latest = []
    for row in rows:
        data = dict(row.data)
        if _is_tombstone(data):
            continue
        data.setdefault("id", row.entity_id)
        latest.append(data)
    return latest


async def known_dwelling(
    session: AsyncSession, dwelling_id: str, known_at: datetime
) -> DwellingRecord | None:
    found = await _latest_versions(session, "dwelling", [dwelling_id], known_at)
    return DwellingRecord.from_mapping(found[0]) if found else None


async def known_leases(
    session: AsyncSession, dwelling_id: str, known_at: datetime
) -> list[LeaseRecord]:
    """Every lease that, as known at ``known_at``, belonged to the dwelling."""
    ever_here = select(RecordVersionRow.entity_id).where(
        versions_under("lease", [dwelling_id]), RecordVersionRow.recorded_at <= known_at
    )
    found = await _latest_versions(session, "lease", ever_here, known_at)
    leases = [LeaseRecord.from_mapping(d) for d in found]
    return sorted((x for x in leases if x.dwelling_id == dwelling_id), key=lambda x: x.id)


async def known_expenses(
    session: AsyncSession, lease_ids: Sequence[str], known_at: datetime
) -> list[ExpenseRecord]:
    if not lease_ids:
        return []
    ever_there = select(RecordVersionRow.entity_id).where(
        versions_under("housing_expense", lease_ids), RecordVersionRow.recorded_at <= known_at
    )
    found = await _latest_versions(session, "housing_expense", ever_there, known_at)
    expenses = [ExpenseRecord.from_mapping(d) for d in found]
    wanted = set(lease_ids)
    return sorted((e for e in expenses if e.lease_id in wanted), key=lambda e: e.id)


# --- history -----------------------------------------------------------------------------------


def _status_of(version: Any) -> ColumnElement[str]:
    """A lease version's status; versions from before the status was recorded were accepted
    (as ``LeaseRecord`` reads them)."""
    return func.coalesce(version.data["status"].astext, ACCEPTED)


async def dwelling_history(
    session: AsyncSession,
    dwelling_id: str,
    *,
    limit: int,
    offset: int,
    accepted_only: bool = False,
    organisation_ids: Sequence[str] | None = None,
) -> tuple[list[VersionRecord], int]:
    """Every recorded version of the dwelling, of every lease that ever belonged to it and of
    those leases' expenses; newest first. Returns one page and the total count.
    ``accepted_only`` (a reader who is not the submitter, as the lease lists): only the lease
    versions whose status was accepted, and the expense versions recorded while their lease's
    latest version was — drafts and held states are the submitter's business.
    ``organisation_ids`` (an organisation-scoped reader): only the versions recorded for those
    organisations (a lease moved to another organisation's dwelling keeps its past apart)."""
    # The ids are fetched first (each through its expression index) so that the final query
    # is three indexed lookups on (entity_type, entity_id); sub-selects OR-ed together would
    # make PostgreSQL scan the whole history table.
    lease_ids = list(
        await session.scalars(
            select(RecordVersionRow.entity_id)
            .where(versions_under("lease", [dwelling_id]))
            .distinct()
        )
    )
    expense_ids = (
        list(
            await session.scalars(
                select(RecordVersionRow.entity_id)
                .where(versions_under("housing_expense", lease_ids))
                .distinct()
            )
        )
        if lease_ids
        else []
    )
    lease_versions = and_(
        RecordVersionRow.entity_type == "lease", RecordVersionRow.entity_id.in_(lease_ids)
    )
    expense_versions = and_(
        RecordVersionRow.entity_type == "housing_expense",
        RecordVersionRow.entity_id.in_(expense_ids),
    )
    if accepted_only:
        lease_versions = and_(lease_versions, _status_of(RecordVersionRow) == ACCEPTED)
        lease_then = aliased(RecordVersionRow)
        status_then = (
            select(_status_of(lease_then))
            .where(
                lease_then.entity_type == "lease",
                lease_then.entity_id == RecordVersionRow.data["lease_id"].astext,
                lease_then.recorded_at <= RecordVersionRow.recorded_at,
            )
            .order_by(lease_then.recorded_at.desc(), lease_then.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        expense_versions = and_(expense_versions, status_then == ACCEPTED)
    belongs = or_(
        and_(RecordVersionRow.entity_type == "dwelling", RecordVersionRow.entity_id == dwelling_id),
        lease_versions,
        expense_versions,
    )
    if organisation_ids is not None:
        belongs = and_(belongs, RecordVersionRow.organisation_id.in_(list(organisation_ids)))
    total = await session.scalar(select(func.count()).select_from(RecordVersionRow).where(belongs))
    rows = await session.scalars(
        select(RecordVersionRow)
        .where(belongs)
        .order_by(RecordVersionRow.recorded_at.desc(), RecordVersionRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_version(r) for r in rows], int(total or 0)


# --- the municipality feed ---------------------------------------------------------------------


def lease_in_force_subquery(on: date) -> Any:
    """LATERAL: the accepted lease of ``dwellings`` in force on ``on`` (the latest start wins
    when two touch the same day)."""
    return (
        select(
            LeaseRow.id.label("lease_id"),
            LeaseRow.start_date,
            LeaseRow.end_date,
            LeaseRow.allocation_type,
            LeaseRow.vacancy_loss_flag,
            LeaseRow.vacant_soon_flag,
        )
        .where(
            LeaseRow.dwelling_id == DwellingRow.id,
            LeaseRow.status == ACCEPTED,
            LeaseRow.start_date <= on,
            or_(LeaseRow.end_date.is_(None), LeaseRow.end_date >= on),
        )
        .order_by(LeaseRow.start_date.desc(), LeaseRow.id.desc())
        .limit(1)
        .lateral("lease")
    )


def municipality_feed_statement(municipality_code: str, on: date) -> Select[*tuple[Any, ...]]:
    """One row per dwelling of the municipality: the dwelling, its accepted lease in force on
    ``on`` (or NULLs) and the rent that day (sum of rent-forming expenses valid that day)."""
    lease = lease_in_force_subquery(on)
    rent = (
        select(func.sum(HousingExpenseRow.monthly_amount))
        .where(
            HousingExpenseRow.lease_id == lease.c.lease_id,
            HousingExpenseRow.expense_type.in_(_RENT_FORMING_TYPES),
            HousingExpenseRow.valid_from <= on,
            or_(HousingExpenseRow.valid_to.is_(None), HousingExpenseRow.valid_to >= on),
        )
        .scalar_subquery()
    )
    return (
        select(
            DwellingRow.id.label("dwelling_id"),
            DepartmentRow.organisation_id,
            DwellingRow.department_id,
            DepartmentRow.municipality_code,
            DwellingRow.building_section_id,
            DwellingRow.bbr_unit_id,
            DwellingRow.street,
            DwellingRow.house_number,
            DwellingRow.floor,
            DwellingRow.door,
            DwellingRow.postcode,
            DwellingRow.city,
            DwellingRow.rooms,
            DwellingRow.area_m2,
            lease.c.lease_id,
            lease.c.start_date,
            lease.c.end_date,
            lease.c.allocation_type,
            lease.c.vacancy_loss_flag,
            lease.c.vacant_soon_flag,
            case(
                (lease.c.lease_id.is_(None), literal(None)),
                else_=func.coalesce(rent, literal(Decimal("0.00"))),
            ).label("rent"),
        )
        .join(DepartmentRow, DepartmentRow.id == DwellingRow.department_id)
        .outerjoin(lease, true())
        .where(DepartmentRow.municipality_code == municipality_code)
        .order_by(DwellingRow.id)
    )


async def stream_municipality_feed(
    connection: AsyncConnection, municipality_code: str, on: date, *, batch_size: int
) -> AsyncIterator[Sequence[Row[Any]]]:
    """The feed in batches from a server-side cursor: never the whole municipality in memory."""
    statement = municipality_feed_statement(municipality_code, on).execution_options(
        yield_per=batch_size
    )
    result = await connection.stream(statement)
    try:
        async for partition in result.partitions(batch_size):
            yield partition
    finally:
        await result.close()


# --- the submitter's report --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DepartmentInfo:
    id: str
    name: str
    organisation_id: str
    municipality_code: str


@dataclass(frozen=True, slots=True)
class ReportDwelling:
    dwelling: DwellingRecord
    has_lease_in_force: bool


async def department(session: AsyncSession, department_id: str) -> DepartmentInfo | None:
    row = (
        await session.execute(
            select(
                DepartmentRow.id,
                DepartmentRow.name,
                DepartmentRow.organisation_id,
                DepartmentRow.municipality_code,
            ).where(DepartmentRow.id == department_id)
        )
    ).one_or_none()
    return None if row is None else DepartmentInfo(*row)


async def organisation_exists(session: AsyncSession, organisation_id: str) -> bool:
    found = await session.scalar(
        select(OrganisationRow.id).where(OrganisationRow.id == organisation_id)
    )
    return found is not None


async def departments_of_organisation(
    session: AsyncSession, organisation_id: str, *, municipality_code: str | None = None
) -> list[DepartmentInfo]:
    """The organisation's departments (only those in ``municipality_code`` when given)."""
    stmt = (
        select(
            DepartmentRow.id,
            DepartmentRow.name,
            DepartmentRow.organisation_id,
            DepartmentRow.municipality_code,
        )
        .where(DepartmentRow.organisation_id == organisation_id)
        .order_by(DepartmentRow.id)
    )
    if municipality_code is not None:
        stmt = stmt.where(DepartmentRow.municipality_code == municipality_code)
    return [DepartmentInfo(*row) for row in (await session.execute(stmt)).all()]


async def report_dwellings(
    session: AsyncSession, department_ids: Sequence[str], on: date
) -> list[ReportDwelling]:
    """The departments' dwellings, each with whether an accepted lease is in force on ``on``."""
    if not department_ids:
        return []
    in_force = (
        select(LeaseRow.id)
        .where(
            LeaseRow.dwelling_id == DwellingRow.id,
            LeaseRow.status == ACCEPTED,
            LeaseRow.start_date <= on,
            or_(LeaseRow.end_date.is_(None), LeaseRow.end_date >= on),
        )
        .exists()
    )
    rows = (
        await session.execute(
            select(DwellingRow, in_force.label("has_lease"))
            .where(DwellingRow.department_id.in_(list(department_ids)))
            .order_by(DwellingRow.department_id, DwellingRow.id)
        )
    ).all()
    return [
        ReportDwelling(DwellingRecord.from_mapping(_columns(r[0])), bool(r.has_lease)) for r in rows
    ]


async def report_leases(
    session: AsyncSession, department_ids: Sequence[str], on: date
) -> list[LeaseRecord]:
    """Leases of the departments that have not ended before ``on`` (any status), plus every
    draft and held lease whatever its dates."""
    if not department_ids:
        return []
    rows = await session.scalars(
        select(LeaseRow)
        .join(DwellingRow, DwellingRow.id == LeaseRow.dwelling_id)
        .where(
            DwellingRow.department_id.in_(list(department_ids)),
            or_(
                LeaseRow.end_date.is_(None),
                LeaseRow.end_date >= on,
                LeaseRow.status.in_([HELD, DRAFT]),
            ),
        )
        .order_by(LeaseRow.dwelling_id, LeaseRow.start_date, LeaseRow.id)
    )
    return [LeaseRecord.from_mapping(_columns(r)) for r in rows]


async def last_submissions(
    session: AsyncSession, organisation_ids: Iterable[str]
) -> dict[str, datetime]:
    """The latest submission (single or bulk; a validate-only call reports nothing) naming each
    organisation."""
    result: dict[str, datetime] = {}
    for organisation_id in sorted(set(organisation_ids)):
        latest = await session.scalar(
            select(func.max(SubmissionRow.submitted_at)).where(
                SubmissionRow.kind.in_(["single", "bulk"]),
                SubmissionRow.organisation_ids.contains([organisation_id]),
            )
        )
        if latest is not None:
            result[organisation_id] = latest
    return result
