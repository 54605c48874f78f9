"""Rows of the governance service. Every table hangs off this service's own metadata.

* ``organisations`` / ``departments`` — the local read model of the register's master data,
  fed only by its events, plus the fund's exemption flag (set here, in governance);
* ``questions`` — the versioned question catalogue, one set per governance year;
* ``packages`` → ``forms`` → ``answers`` — the documentation packages, their report and
  department forms (with the key-figure snapshot and comments) and the answers;
* ``key_figures`` — the latest figures received from the benchmark calculator;
* ``accounts`` — the accounts reported per department and year;
* ``attachments`` — PDFs (accounts material, extra files, municipalities' statements);
* ``deadlines`` — a municipality's deadline per organisation and year;
* ``package_changes`` — the change log (who changed what, when);
* ``reminder_rounds`` / ``reminders`` — which twice-yearly reminders were emitted.
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
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import make_metadata
from common.db.projection import DepartmentReadModel, OrganisationReadModel


class Base(DeclarativeBase):
    metadata = make_metadata()


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class OrganisationRow(OrganisationReadModel, Base):
    """The register's organisation (home municipality, administered by, version) — fed by
    ``register.organisation.upserted`` — plus the fund's exemption."""

    __tablename__ = "organisations"

    # Set by the fund: the organisation does not report (e.g. a self-owning institution of
    # elderly or youth housing, or a municipality's or region's elderly housing).
    exemption: Mapped[str | None] = mapped_column(Text)


class DepartmentRow(DepartmentReadModel, Base):
    """The register's department (organisation, location, housing and building type,
    construction year, version) — fed by ``register.department.upserted`` — plus the fund's
    exemption."""

    __tablename__ = "departments"

    exemption: Mapped[str | None] = mapped_column(Text)
    # When the fund last lifted the exemption: packages created before keep their content (the
    # department, left out of them as exempt, gets no form there).
    exemption_lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QuestionRow(Base):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("year", "form_kind", "code"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    form_kind: Mapped[str] = mapped_column(Text, nullable=False)
    code: Mapped[str] = mapped_column(Text, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    section: Mapped[str] = mapped_column(Text, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    options: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False)
    help_text: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(Text, nullable=False)


class PackageRow(Base):
    __tablename__ = "packages"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year"),
        Index("ix_packages_home_municipality_code_year", "home_municipality_code", "year"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    home_municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    meeting_held_on: Mapped[date | None] = mapped_column(Date)
    statement_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FormRow(Base):
    __tablename__ = "forms"
    __table_args__ = (UniqueConstraint("package_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    package_id: Mapped[str] = mapped_column(
        Text, ForeignKey("packages.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    key: Mapped[str] = mapped_column(Text, nullable=False, index=True)  # "report" or a department
    municipality_code: Mapped[str | None] = mapped_column(Text)  # a department's location
    status: Mapped[str] = mapped_column(Text, nullable=False)
    answered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    required: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    required_answered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Snapshot of the key figures when prefilled (list of KeyFigure as JSON) and its source.
    figures: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB(none_as_null=True))
    figures_revision: Mapped[int | None] = mapped_column(Integer)
    # The revision of the department's reported accounts the snapshot was computed from (None:
    # computed without reported accounts). Below the reported revision, sending waits.
    figures_accounts_revision: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False, default=dict)
    updated_at: Mapped[datetime] = _now()


class AnswerRow(Base):
    __tablename__ = "answers"

    form_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True
    )
    question_code: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB, nullable=False)
    updated_at: Mapped[datetime] = _now()
    updated_by: Mapped[str] = mapped_column(Text, nullable=False)


class KeyFiguresRow(Base):
    __tablename__ = "key_figures"

    department_id: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    figures: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accounts_revision: Mapped[int | None] = mapped_column(Integer)


class AccountsRow(Base):
    __tablename__ = "accounts"

    department_id: Mapped[str] = mapped_column(Text, primary_key=True)
    accounts_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    package_id: Mapped[str] = mapped_column(
        Text, ForeignKey("packages.id", ondelete="CASCADE"), nullable=False, index=True
    )
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    dwellings: Mapped[int] = mapped_column(Integer, nullable=False)
    total_area_m2: Mapped[Decimal] = mapped_column(Numeric(9, 2), nullable=False)
    administration_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    maintenance_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    vacancy_rent_loss: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    operating_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    reported_by: Mapped[str] = mapped_column(Text, nullable=False)


class AttachmentRow(Base):
    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    package_id: Mapped[str] = mapped_column(
        Text, ForeignKey("packages.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # accounts | extra | statement | supplementary_statement
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    municipality_code: Mapped[str | None] = mapped_column(Text)  # statements: who submitted
    filename: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_at: Mapped[datetime] = _now()
    uploaded_by: Mapped[str] = mapped_column(Text, nullable=False)


class DeadlineRow(Base):
    __tablename__ = "deadlines"

    municipality_code: Mapped[str] = mapped_column(Text, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    set_at: Mapped[datetime] = _now()
    set_by: Mapped[str] = mapped_column(Text, nullable=False)


class PackageChangeRow(Base):
    __tablename__ = "package_changes"
    __table_args__ = (Index("ix_package_changes_package_id_id", "package_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    package_id: Mapped[str] = mapped_column(
        Text, ForeignKey("packages.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = _now()
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)


class ReminderRoundRow(Base):
    __tablename__ = "reminder_rounds"

    round_date: Mapped[date] = mapped_column(Date, primary_key=True)
    ran_at: Mapped[datetime] = _now()
    reminders: Mapped[int] = mapped_column(Integer, nullable=False)


class ReminderRow(Base):
    __tablename__ = "reminders"

    round_date: Mapped[date] = mapped_column(
        Date, ForeignKey("reminder_rounds.round_date", ondelete="CASCADE"), primary_key=True
    )
    municipality_code: Mapped[str] = mapped_column(Text, primary_key=True)
    reminder_id: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    items: Mapped[int] = mapped_column(Integer, nullable=False)
