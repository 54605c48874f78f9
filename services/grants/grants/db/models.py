"""Rows of the grants service. Every table hangs off this service's own metadata.

* ``organisations`` / ``departments`` — the read model of the register's master data, fed only by
  ``register.*`` events (never by HTTP to the register);
* ``department_figures`` — the rent model's figures from ``benchmarks.keyfigures.updated``;
* ``applications`` — one § 91a case from prequalification application to commitment, with its
  budget (JSONB lines), the fund's decisions and the payment stop;
* ``department_forms`` — one application form per department, prefilled + the applicant's answers;
* ``attachments`` — uploaded files (bytes in the database, type decided by their magic bytes);
* ``declarations`` — each participating housing organisation's declaration;
* ``recommendations`` — the location municipality's recommendation;
* ``frames`` / ``frame_entries`` — the yearly 380 mDKK frame and what is reserved and committed
  against it (the frame row is the lock that serialises reservations and commitments);
* ``statements`` — the yearly regulation-account statements with their deadlines;
* ``payments`` — what was paid and when;
* ``case_history`` — who did what when on each case.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
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
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import make_metadata
from common.db.projection import DepartmentReadModel, OrganisationReadModel

MONEY = Numeric(14, 2)


class Base(DeclarativeBase):
    metadata = make_metadata()


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class OrganisationRow(OrganisationReadModel, Base):
    __tablename__ = "organisations"


class DepartmentRow(DepartmentReadModel, Base):
    __tablename__ = "departments"

    region: Mapped[str] = mapped_column(Text, nullable=False)


class DepartmentFiguresRow(Base):
    """The benchmark calculator's figures the grants service uses, per department and year:
    the department's rent per m², its comparable group's average (the benchmark), the average
    dwelling size (the rent model), and the vacancy and move-out percentages (prefilling the
    application forms). Fed by ``benchmarks.keyfigures.updated`` (newest revision wins)."""

    __tablename__ = "department_figures"

    department_id: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    rent_per_m2: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    comparable_rent_per_m2: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    average_dwelling_size: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    vacancy_share: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))  # %
    move_out_rate: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))  # %
    # The rent model's comparison narrowed to a similar resident composition, as the calculator
    # sent it (the event's ``resident_composition``, JSON; null from older events; 0010).
    resident_composition: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ApplicationRow(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_created_id", "created_at", "id"),
        Index("ix_applications_status_created_id", "status", "created_at", "id"),
        Index("ix_applications_organisation_ids", "organisation_ids", postgresql_using="gin"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    lead_organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    organisation_ids: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    department_ids: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    budget: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    rent_support: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    requested_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    reserved_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    advance_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    committed_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    period_start_year: Mapped[int | None] = mapped_column(Integer)
    period_end_year: Mapped[int | None] = mapped_column(Integer)
    conditions: Mapped[str | None] = mapped_column(Text)
    plan_approved_on: Mapped[date | None] = mapped_column(Date)
    plan_approval_reference: Mapped[str | None] = mapped_column(Text)
    review_held_on: Mapped[date | None] = mapped_column(Date)  # the one-year review
    review_notes: Mapped[str | None] = mapped_column(Text)
    # An operating-support case (kind operating_support): the rent-support case whose
    # departments were transferred to the national disposition fund, and the decision's reason.
    origin_application_id: Mapped[str | None] = mapped_column(
        Text, ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    decision_reason: Mapped[str | None] = mapped_column(Text)
    payments_stopped: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessment_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    plan_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DepartmentFormRow(Base):
    __tablename__ = "department_forms"

    application_id: Mapped[str] = mapped_column(
        Text, ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[str] = mapped_column(Text, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    prefilled: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    updated_at: Mapped[datetime] = _now()


class AttachmentRow(Base):
    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    application_id: Mapped[str] = mapped_column(
        Text, ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    organisation_id: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    pages: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int | None] = mapped_column(Integer)  # a yearly status's calendar year
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(Text, nullable=False)
    uploaded_at: Mapped[datetime] = _now()


class DeclarationRow(Base):
    __tablename__ = "declarations"

    application_id: Mapped[str] = mapped_column(
        Text, ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[str] = mapped_column(Text, primary_key=True)
    declared_by: Mapped[str] = mapped_column(Text, nullable=False)
    declared_at: Mapped[datetime] = _now()


class RecommendationRow(Base):
    __tablename__ = "recommendations"

    application_id: Mapped[str] = mapped_column(
        Text, ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    # "system": recommended by the municipality in the system; "document": a signed
    # recommendation uploaded by the applicant (attachment_id).
    source: Mapped[str] = mapped_column(Text, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_at: Mapped[datetime] = _now()


class FrameRow(Base):
    __tablename__ = "frames"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)


class FrameEntryRow(Base):
    __tablename__ = "frame_entries"
    __table_args__ = (Index("ix_frame_entries_year_kind", "year", "kind"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, ForeignKey("frames.year"), nullable=False)
    application_id: Mapped[str] = mapped_column(
        Text, ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(Text, nullable=False)  # reservation | commitment
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()


class StatementRow(Base):
    __tablename__ = "statements"

    application_id: Mapped[str] = mapped_column(
        Text, ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    received_on: Mapped[date | None] = mapped_column(Date)
    received_by: Mapped[str | None] = mapped_column(Text)
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The regulation account as reported (amounts as strings, expenses per budget group).
    account: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The year's other yearly report: the status on goals, indicators and activities (an
    # uploaded reporting form, attachment kind yearly_status), due on the same day (migration
    # 0009): when it was first received, the newest upload, and when it was reported overdue.
    status_received_on: Mapped[date | None] = mapped_column(Date)
    status_attachment_id: Mapped[str | None] = mapped_column(Text)
    status_overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PaymentRow(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        Text, ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(Text, nullable=False)  # advance | instalment
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_at: Mapped[datetime] = _now()


class HistoryRow(Base):
    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        Text, ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = _now()
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class MinimumNeedRow(Base):
    """The rent model's minimum support need (minimumsstøttebehov) per year, as the fund set it
    (seed 001: "fastsættes endvidere regler om minimumsstøttebehov" — the fund sets the rule,
    the guideline publishes no amount). Append-only: each change is a new revision with who set
    it, when and the fund's reference, so the table is its own audit trail; the highest
    revision of a year is the rate in force."""

    __tablename__ = "minimum_support_needs"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    amount_per_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2), nullable=False)
    reference: Mapped[str] = mapped_column(Text, nullable=False)
    set_by: Mapped[str] = mapped_column(Text, nullable=False)
    set_at: Mapped[datetime] = _now()
