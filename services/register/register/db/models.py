"""Rows of the register service.

The current state of every record lives in its own table (fast queries as of a date, using the
records' own validity dates); ``record_versions`` keeps every accepted state of every record
with when it was recorded and by whom, so nothing is overwritten and corrections can be read
back "as the register knew it" at any moment.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import make_metadata


class Base(DeclarativeBase):
    metadata = make_metadata()


class Timestamps:
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class OrganisationRow(Timestamps, Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # BoligorganisationIdentifikator
    cvr: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    home_municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    administered_by: Mapped[str | None] = mapped_column(Text)  # administration organisation


class DepartmentRow(Timestamps, Base):
    __tablename__ = "departments"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # AfdelingIdentifikator
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(Text, nullable=False)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    housing_type: Mapped[str] = mapped_column(Text, nullable=False)
    construction_year: Mapped[int] = mapped_column(Integer, nullable=False)
    building_type: Mapped[str] = mapped_column(Text, nullable=False)
    region: Mapped[str] = mapped_column(Text, nullable=False)  # derived from the municipality


class BuildingSectionRow(Timestamps, Base):
    __tablename__ = "building_sections"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # ByggeafsnitIdentifikator
    department_id: Mapped[str] = mapped_column(
        ForeignKey("departments.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(Text, nullable=False)
    construction_year: Mapped[int | None] = mapped_column(Integer)


class DwellingRow(Timestamps, Base):
    __tablename__ = "dwellings"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # BoligUnikIdentifikator
    department_id: Mapped[str] = mapped_column(
        ForeignKey("departments.id"), nullable=False, index=True
    )
    building_section_id: Mapped[str | None] = mapped_column(ForeignKey("building_sections.id"))
    bbr_unit_id: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str] = mapped_column(Text, nullable=False)
    house_number: Mapped[str] = mapped_column(Text, nullable=False)
    floor: Mapped[str | None] = mapped_column(Text)
    door: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str] = mapped_column(Text, nullable=False)
    city: Mapped[str] = mapped_column(Text, nullable=False)
    rooms: Mapped[int] = mapped_column(Integer, nullable=False)
    area_m2: Mapped[Decimal] = mapped_column(Numeric(7, 2), nullable=False)
    step_free_access: Mapped[bool | None] = mapped_column(Boolean)
    elevator: Mapped[bool | None] = mapped_column(Boolean)
    wheelchair_accessible: Mapped[bool | None] = mapped_column(Boolean)


class LeaseRow(Timestamps, Base):
    __tablename__ = "leases"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # LejekontraktUnikIdentifikator
    dwelling_id: Mapped[str] = mapped_column(ForeignKey("dwellings.id"), nullable=False, index=True)
    external_reference: Mapped[str | None] = mapped_column(Text)  # EksternReference
    # ix_leases_start_date: re-lettings in a year (statistics, data sheets)
    start_date: Mapped[date | None] = mapped_column(Date, index=True)
    end_date: Mapped[date | None] = mapped_column(Date)
    allocation_type: Mapped[str | None] = mapped_column(Text)
    vacancy_loss_flag: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    vacant_soon_flag: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deposit: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    tenant_name: Mapped[str | None] = mapped_column(Text)  # personal data: never in events
    # accepted | draft (KladdeIndikator) | held (plausibility warnings awaiting confirmation)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, default=list)

    __table_args__ = (
        CheckConstraint("NOT (vacancy_loss_flag AND vacant_soon_flag)", name="one_vacancy_flag"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period"),
        # A draft (KladdeIndikator) may lack them; a lease of the register never does.
        CheckConstraint(
            "status = 'draft' OR (start_date IS NOT NULL AND allocation_type IS NOT NULL)",
            name="complete_unless_draft",
        ),
        Index("ix_leases_dwelling_period", "dwelling_id", "start_date"),
        # The vacancy listing (about to become vacant) and the monthly vacancy (tomgang) counts
        # read only the few flagged accepted leases.
        Index(
            "ix_leases_vacant_soon",
            "dwelling_id",
            postgresql_where=text("vacant_soon_flag AND status = 'accepted'"),
        ),
        Index(
            "ix_leases_vacancy_loss",
            "dwelling_id",
            postgresql_where=text("vacancy_loss_flag AND status = 'accepted'"),
        ),
    )


class HousingExpenseRow(Timestamps, Base):
    __tablename__ = "housing_expenses"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    lease_id: Mapped[str] = mapped_column(ForeignKey("leases.id"), nullable=False, index=True)
    expense_type: Mapped[str] = mapped_column(Text, nullable=False)
    monthly_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("monthly_amount >= 0", name="amount"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),
        # One expense of a type starting on a given day per lease: the ERP's natural key.
        Index(
            "ix_housing_expenses_natural_key",
            "lease_id",
            "expense_type",
            "valid_from",
            unique=True,
        ),
    )


PARENT_ID = "COALESCE(data ->> 'lease_id', data ->> 'dwelling_id')"
"""The record a version belongs under in the history: an expense's lease, a lease's dwelling
(no versioned record has both keys; the others have neither)."""


class RecordVersionRow(Base):
    """Every accepted state of every record, append-only: the register's memory. Keyed by the
    record and its version; ``id`` (no index of its own) only orders versions recorded in one
    transaction."""

    __tablename__ = "record_versions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), nullable=False)
    entity_type: Mapped[str] = mapped_column(Text, primary_key=True)
    entity_id: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)
    submission_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))

    __table_args__ = (
        # History and "as known at" queries: the versions of a dwelling's leases and of a lease's
        # expenses (``queries_history``), by the record each belongs under (``PARENT_ID``) — one
        # index for both: every index is written for every version of every record. Not partial
        # on entity_type: the planner keeps no statistics for the expression of a partial index,
        # misjudges how many versions match and scans every expense version (measured: 120 ms
        # instead of 0.1 ms at 100,000 dwellings).
        Index("ix_record_versions_parent", "entity_type", text(f"({PARENT_ID})")),
    )


class SubmissionRow(Base):
    """One webservice call that changed or validated records, with its outcome counts."""

    __tablename__ = "submissions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)  # single | bulk | validate
    submitted_by: Mapped[str] = mapped_column(Text, nullable=False)
    organisation_ids: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    accepted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    held: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class HeldDwellingRow(Base):
    """A dwelling held back by its plausibility warnings until its submitter confirms them:
    the record as submitted, outside the register's tables (not counted, not in the history,
    not a parent of leases) until confirmed; a later submission of the dwelling replaces it."""

    __tablename__ = "held_dwellings"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # BoligUnikIdentifikator
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    record: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, comment="the dwelling's fields as submitted (domain names)"
    )
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    mode: Mapped[str] = mapped_column(Text, nullable=False, comment="create | update | upsert")
    expected_version: Mapped[int | None] = mapped_column(Integer)
    held_by: Mapped[str] = mapped_column(Text, nullable=False)
    held_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class MunicipalAllocationRow(Base):
    """A social offer the municipality accepted (``allocation.offer.answered``): the first lease
    of the dwelling starting on or after ``available_from`` is the municipality's allocation
    (seed 003), whatever allocation type the ERP system reported. ``lease_id`` is the lease it
    was applied to, null while that lease is not yet reported."""

    __tablename__ = "municipal_allocations"

    offer_id: Mapped[str] = mapped_column(Text, primary_key=True)
    dwelling_id: Mapped[str] = mapped_column(Text, nullable=False)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    available_from: Mapped[date] = mapped_column(Date, nullable=False)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    lease_id: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_municipal_allocations_pending",
            "dwelling_id",
            postgresql_where=text("lease_id IS NULL"),
        ),
        # The allocation applied to a lease, looked up when a write would change its type.
        Index(
            "ix_municipal_allocations_lease",
            "lease_id",
            postgresql_where=text("lease_id IS NOT NULL"),
        ),
    )


# --- statistics cube (issue 17, goal 4) ---------------------------------------------------------
# Per department, the figures the public statistics and the municipal data sheets add up: the
# stock on a date and the move-outs and re-lettings of a year, each row stamped with the
# PostgreSQL snapshot it was computed in. Triggers on dwellings, leases and housing_expenses
# (migration 0008) log every change with its department and transaction id in
# ``stat_changes`` (and changes to departments and organisations, whose names the data sheet
# shows); a row is used only while no change of its department is missing from its
# snapshot (``register.db.statistics_cube``), otherwise that department is computed again.


class StatChangeRow(Base):
    """A transaction changed a department's dwellings, their leases or their expenses."""

    __tablename__ = "stat_changes"

    department_id: Mapped[str] = mapped_column(Text, primary_key=True)
    xid: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="pg_current_xact_id() of the changing transaction"
    )
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class StatStockRow(Base):
    """A department's stock on a date, as of ``snapshot``."""

    __tablename__ = "stat_stock"

    on: Mapped[date] = mapped_column(Date, primary_key=True)
    department_id: Mapped[str] = mapped_column(Text, primary_key=True)
    snapshot: Mapped[str] = mapped_column(Text, nullable=False, comment="pg_current_snapshot()")
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    dwellings: Mapped[int] = mapped_column(Integer, nullable=False)
    area_sum: Mapped[Decimal] = mapped_column(Numeric, nullable=False)
    let_dwellings: Mapped[int] = mapped_column(Integer, nullable=False)
    rent_sum: Mapped[Decimal] = mapped_column(Numeric, nullable=False)
    let_area_sum: Mapped[Decimal] = mapped_column(Numeric, nullable=False)
    band_under_3500: Mapped[int] = mapped_column(Integer, nullable=False)
    band_3500_4499: Mapped[int] = mapped_column(Integer, nullable=False)
    band_4500_6500: Mapped[int] = mapped_column(Integer, nullable=False)
    band_over_6500: Mapped[int] = mapped_column(Integer, nullable=False)
    band_no_rent: Mapped[int] = mapped_column(Integer, nullable=False)
    in_force: Mapped[int] = mapped_column(Integer, nullable=False)
    municipal: Mapped[int] = mapped_column(Integer, nullable=False)


class StatYearRow(Base):
    """A department's move-outs and re-lettings (by allocation type) in a year."""

    __tablename__ = "stat_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[str] = mapped_column(Text, primary_key=True)
    snapshot: Mapped[str] = mapped_column(Text, nullable=False, comment="pg_current_snapshot()")
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    move_outs: Mapped[int] = mapped_column(Integer, nullable=False)
    relettings: Mapped[dict[str, int]] = mapped_column(
        JSONB, nullable=False, comment="allocation type → count (only counts > 0)"
    )


class StatAnswerRow(Base):
    """A rendered answer (a municipal data sheet as JSON or XLSX), as of ``snapshot``: served
    while none of ``department_ids`` changed since and the municipality has the same ones."""

    __tablename__ = "stat_answers"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    snapshot: Mapped[str] = mapped_column(Text, nullable=False, comment="pg_current_snapshot()")
    department_ids: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, comment="the departments the answer sums"
    )
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
