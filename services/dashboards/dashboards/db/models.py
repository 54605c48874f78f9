"""Rows of the dashboards service: a read model built only from the platform's events.

Each fact table keeps what the events told, guarded so that a duplicate or an older event
changes nothing (``state_at``: the ``recorded_at`` of the newest event that set the state; first
times such as ``created_at`` keep the earliest seen, which is the same whatever the order).
``model_revision`` counts changes; the pages' live updates (Server-Sent Events) follow it.

Everything is rebuilt by emptying these tables (and the consumer's inbox) and consuming the
topics again (``dashboards.services.rebuild``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import make_metadata

MONEY = Numeric(14, 2)


class Base(DeclarativeBase):
    metadata = make_metadata()


class LeaseRow(Base):
    """A lease (register.lease.v1): created, updated, terminated, rent changed."""

    __tablename__ = "leases"

    lease_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dwelling_id: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    municipality_code: Mapped[str] = mapped_column(String(3), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    allocation_type: Mapped[str | None] = mapped_column(String(40))
    monthly_rent: Mapped[Decimal | None] = mapped_column(MONEY)
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    housing_type: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    terminated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DwellingRow(Base):
    """A dwelling's vacancy flags as its newest lease event told them."""

    __tablename__ = "dwellings"

    dwelling_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lease_id: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    municipality_code: Mapped[str] = mapped_column(String(3), index=True)
    vacancy_loss: Mapped[bool] = mapped_column(Boolean)
    vacant_soon: Mapped[bool] = mapped_column(Boolean)
    state_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PackageRow(Base):
    """A governance documentation package as its events told it (sent onwards)."""

    __tablename__ = "packages"

    package_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    governance_year: Mapped[int] = mapped_column(Integer, index=True)
    home_municipality_code: Mapped[str] = mapped_column(String(3))
    location_municipality_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(3)), server_default="{}"
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    meeting_held_on: Mapped[date | None] = mapped_column(Date)
    statement_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    red_figures: Mapped[int | None] = mapped_column(Integer)
    yellow_figures: Mapped[int | None] = mapped_column(Integer)
    editing_status: Mapped[str | None] = mapped_column(String(16))  # before sending
    editing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PackageDeadlineRow(Base):
    """A home municipality's deadline for an organisation's package (governance.deadline.v1)."""

    __tablename__ = "package_deadlines"

    municipality_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    governance_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline: Mapped[date | None] = mapped_column(Date)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DepartmentColoursRow(Base):
    """A department's red and yellow key figures for a year (benchmarks.keyfigures.v1)."""

    __tablename__ = "department_colours"

    department_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64))
    municipality_code: Mapped[str] = mapped_column(String(3))
    revision: Mapped[int] = mapped_column(Integer)
    red: Mapped[int] = mapped_column(Integer)
    yellow: Mapped[int] = mapped_column(Integer)
    red_codes: Mapped[str] = mapped_column(Text)


class ModelRevisionRow(Base):
    """One row: how many times the read model changed (the live pages' event id)."""

    __tablename__ = "model_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)


class GrantCaseRow(Base):
    """A § 91a grant case as the grants service's events told it (grants.*.v1)."""

    __tablename__ = "grant_cases"

    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    organisation_ids: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    municipality_code: Mapped[str] = mapped_column(String(3), index=True)
    keys_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    year: Mapped[int | None] = mapped_column(Integer)
    requested_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    prequalified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reserved_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    reserved_year: Mapped[int | None] = mapped_column(Integer)
    rejected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    plan_approved_on: Mapped[date | None] = mapped_column(Date)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    committed_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    committed_year: Mapped[int | None] = mapped_column(Integer)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessment_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    plan_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OfferRow(Base):
    """A municipal allocation offer (allocation.offer.v1): opened, answered or lapsed."""

    __tablename__ = "offers"

    offer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    offer_source: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    municipality_code: Mapped[str] = mapped_column(String(3), index=True)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer_due: Mapped[date | None] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer_status: Mapped[str | None] = mapped_column(String(16))
    lapsed_on: Mapped[date | None] = mapped_column(Date)
    rent_owed: Mapped[Decimal | None] = mapped_column(MONEY)


class SubsidyRow(Base):
    """A rent subsidy granted on a municipality's frame (allocation.subsidy.v1)."""

    __tablename__ = "subsidies"

    subsidy_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(3), index=True)
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    frame_year: Mapped[int] = mapped_column(Integer)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubsidyFrameRow(Base):
    """A municipality's rent-subsidy frame for a year (dwellings), as the newest grant told it."""

    __tablename__ = "subsidy_frames"

    municipality_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    dwellings: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TribunalCaseRow(Base):
    """A rent tribunal case (legal-cases.case.v1): filed, notified, suspended or resumed, its
    deadlines moved, decided or rejected."""

    __tablename__ = "tribunal_cases"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tribunal_code: Mapped[str] = mapped_column(String(3), index=True)
    filing_municipality_code: Mapped[str | None] = mapped_column(String(3))
    category: Mapped[str] = mapped_column(String(64))
    filed_on: Mapped[date | None] = mapped_column(Date)
    notify_due: Mapped[date | None] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)
    reply_due: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    rejected_on: Mapped[date | None] = mapped_column(Date)
    # legal_cases.case.deadlines_moved: suspended as the newest suspension or resumption told it
    suspended: Mapped[bool | None] = mapped_column(Boolean)
    suspension_changes: Mapped[int | None] = mapped_column(Integer)


class TribunalQuestionRow(Base):
    """A tribunal case's question deadline (§ 83(4)): the latest due date told, closed once
    answered or lapsed (the earliest closing told)."""

    __tablename__ = "tribunal_questions"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    asked_on: Mapped[date] = mapped_column(Date)
    answer_due: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
