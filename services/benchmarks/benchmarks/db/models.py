"""Rows of the benchmarks service: a read model built only from other services' events.

* facts, as the events told them (each guarded so that a duplicate or an older event changes
  nothing): ``departments``, ``leases``, ``rent_points``, ``vacancy_flags``, ``accounts``;
* derived: ``department_figures`` (one row per department and year, every figure a column);
* bookkeeping: ``dirty_departments`` (what to recompute and publish) and ``published_figures``
  (the revision and digest of what was last published per department and year).

Everything can be rebuilt by emptying these tables (and the inbox) and consuming the topics
from the beginning.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import make_metadata

FIGURE = Numeric(14, 4)
CELL_SUM = Numeric(24, 4)
MONEY = Numeric(14, 2)


class Base(DeclarativeBase):
    metadata = make_metadata()


class DepartmentRow(Base):
    """A department's master data (DepartmentUpsertedV1), the highest version seen."""

    __tablename__ = "departments"

    department_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64))
    municipality_code: Mapped[str] = mapped_column(String(3))
    region: Mapped[str] = mapped_column(String(16))
    housing_type: Mapped[str] = mapped_column(String(16))
    building_type: Mapped[str] = mapped_column(String(16))
    construction_year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LeaseRow(Base):
    """A lease's latest state. ``state_recorded_at`` guards the facts of LeaseCreatedV1 /
    LeaseUpdatedV1, ``end_recorded_at`` the end date (also moved by LeaseTerminatedV1)."""

    __tablename__ = "leases"
    __table_args__ = (
        Index("ix_leases_department_id", "department_id"),
        Index("ix_leases_dwelling_id", "dwelling_id"),
    )

    lease_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dwelling_id: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[str] = mapped_column(String(64))
    municipality_code: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    allocation_type: Mapped[str] = mapped_column(String(32))
    # Unknown (NULL) while only a LeaseTerminatedV1 has arrived: not counted until the lease is.
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    housing_type: Mapped[str | None] = mapped_column(String(16))
    state_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RentPointRow(Base):
    """The monthly rent of a lease from a day on; per day the latest recorded wins."""

    __tablename__ = "rent_points"

    lease_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, primary_key=True)
    monthly_rent: Mapped[Decimal] = mapped_column(MONEY)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VacancyFlagRow(Base):
    """The tomgang flag of a lease as the register recorded it at a moment (a history)."""

    __tablename__ = "vacancy_flags"

    lease_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    vacancy_loss_flag: Mapped[bool] = mapped_column(Boolean)


class AccountsRow(Base):
    """A department's accounts for a year (AccountsReportedV1), the highest revision seen."""

    __tablename__ = "accounts"
    __table_args__ = (Index("ix_accounts_accounts_year", "accounts_year"),)

    department_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    accounts_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64))
    municipality_code: Mapped[str] = mapped_column(String(3))
    package_id: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    dwellings: Mapped[int] = mapped_column(Integer)
    total_area_m2: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    administration_cost: Mapped[Decimal] = mapped_column(MONEY)
    maintenance_cost: Mapped[Decimal] = mapped_column(MONEY)
    vacancy_rent_loss: Mapped[Decimal] = mapped_column(MONEY)
    operating_cost: Mapped[Decimal] = mapped_column(MONEY)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DepartmentFiguresRow(Base):
    """A department's key figures of a year, with its comparison criteria of that year."""

    __tablename__ = "department_figures"
    __table_args__ = (
        Index(
            "ix_department_figures_group",
            "year",
            "housing_type",
            "region",
            "building_type",
            "period_band",
            "size_band",
        ),
        Index("ix_department_figures_municipality", "municipality_code", "year"),
        Index("ix_department_figures_organisation", "organisation_id", "year"),
    )

    department_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64))
    municipality_code: Mapped[str] = mapped_column(String(3))
    housing_type: Mapped[str | None] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(16))
    building_type: Mapped[str | None] = mapped_column(String(16))
    period_band: Mapped[str | None] = mapped_column(String(16))
    size_band: Mapped[str | None] = mapped_column(String(16))
    dwellings: Mapped[int] = mapped_column(Integer)
    rent_per_m2: Mapped[Decimal | None] = mapped_column(FIGURE)
    vacancy_share: Mapped[Decimal | None] = mapped_column(FIGURE)
    move_out_rate: Mapped[Decimal | None] = mapped_column(FIGURE)
    municipal_allocation_share: Mapped[Decimal | None] = mapped_column(FIGURE)
    average_dwelling_size: Mapped[Decimal | None] = mapped_column(FIGURE)
    administration_cost_per_dwelling: Mapped[Decimal | None] = mapped_column(FIGURE)
    maintenance_per_m2: Mapped[Decimal | None] = mapped_column(FIGURE)
    vacancy_loss_per_dwelling: Mapped[Decimal | None] = mapped_column(FIGURE)
    operating_cost_per_m2: Mapped[Decimal | None] = mapped_column(FIGURE)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BenchmarkCellRow(Base):
    """Per year, comparison criteria and municipality: how many departments have a value of
    each figure (``n_<code>``) and the sum of those values (``s_<code>``). Kept in step with
    ``department_figures`` by the recompute job (old rows subtracted, new ones added, exact
    numeric sums), so a benchmark at any widening level is ``Σ s / Σ n`` over a few cells
    instead of an average over every department of the year. Unknown criteria are ``''``."""

    __tablename__ = "benchmark_cells"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    housing_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    building_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    period_band: Mapped[str] = mapped_column(String(16), primary_key=True)
    size_band: Mapped[str] = mapped_column(String(16), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    n_administration_cost_per_dwelling: Mapped[int] = mapped_column(Integer)
    s_administration_cost_per_dwelling: Mapped[Decimal] = mapped_column(CELL_SUM)
    n_average_dwelling_size: Mapped[int] = mapped_column(Integer)
    s_average_dwelling_size: Mapped[Decimal] = mapped_column(CELL_SUM)
    n_maintenance_per_m2: Mapped[int] = mapped_column(Integer)
    s_maintenance_per_m2: Mapped[Decimal] = mapped_column(CELL_SUM)
    n_move_out_rate: Mapped[int] = mapped_column(Integer)
    s_move_out_rate: Mapped[Decimal] = mapped_column(CELL_SUM)
    n_municipal_allocation_share: Mapped[int] = mapped_column(Integer)
    s_municipal_allocation_share: Mapped[Decimal] = mapped_column(CELL_SUM)
    n_operating_cost_per_m2: Mapped[int] = mapped_column(Integer)
    s_operating_cost_per_m2: Mapped[Decimal] = mapped_column(CELL_SUM)
    n_rent_per_m2: Mapped[int] = mapped_column(Integer)
    s_rent_per_m2: Mapped[Decimal] = mapped_column(CELL_SUM)
    n_vacancy_loss_per_dwelling: Mapped[int] = mapped_column(Integer)
    s_vacancy_loss_per_dwelling: Mapped[Decimal] = mapped_column(CELL_SUM)
    n_vacancy_share: Mapped[int] = mapped_column(Integer)
    s_vacancy_share: Mapped[Decimal] = mapped_column(CELL_SUM)


class DirtyDepartmentRow(Base):
    """A department touched by an event: to recompute, and to publish once quiet."""

    __tablename__ = "dirty_departments"

    department_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    recompute: Mapped[bool] = mapped_column(Boolean)
    publish: Mapped[bool] = mapped_column(Boolean)
    # +1 per event: a job clears its flags only if no event came in meanwhile.
    generation: Mapped[int] = mapped_column(BigInteger)
    last_event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PublishedFiguresRow(Base):
    """What was last published for a department and year (KeyFiguresUpdatedV1)."""

    __tablename__ = "published_figures"

    department_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
