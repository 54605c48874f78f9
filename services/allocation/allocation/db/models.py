"""Rows of the allocation service. Every table hangs off this service's own metadata.

* ``organisations`` / ``departments`` — the register's master data (read model, events only);
* ``dwellings`` / ``rents`` — a dwelling's facts from its vacancy events that opened no vacancy,
  and its rent history (as of a day), fed by ``register.dwelling.vacancy_changed`` and the lease
  events;
* ``vacancies`` — each vacancy seen (one per lease that became vacant), the dwelling's facts in
  the event that opened it, and the agreement's decision on it;
* ``current_dwellings`` (a view) — each dwelling as the register last described it, the newest
  of its ``dwellings`` row and its vacancies;
* ``agreements`` — municipal allocation agreements with housing organisations (seed 003);
* ``offers`` — a vacancy offered to the municipality (social, or a landlord's notice), its answer
  and what the municipality owes;
* ``case_log`` — who did what when, per agreement / offer / subsidy / private agreement;
* ``subsidy_rates`` / ``frame_applications`` / ``frames`` / ``subsidies`` — the rent subsidy
  (huslejetilskud);
* ``properties`` / ``private_agreements`` / ``apartment_rights`` / ``notices`` — chapter 7;
* ``invitation_rounds`` / ``round_offers`` — § 52 invitations and landlords' binding offers;
* ``vacancy_reports`` — § 5 reports of dwellings vacant for more than 6 weeks;
* ``restoration_claims`` — claims under the municipality's restoration guarantee.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
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


class DwellingRow(Base):
    """A dwelling's facts from its newest vacancy event that opened no vacancy (an event that
    opens one stores them on its :class:`VacancyRow`); stored only if newer than every fact
    held for the dwelling. Read the dwelling through :data:`CURRENT_DWELLINGS`."""

    __tablename__ = "dwellings"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    department_id: Mapped[str] = mapped_column(Text, nullable=False)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    housing_type: Mapped[str] = mapped_column(Text, nullable=False)
    lease_id: Mapped[str | None] = mapped_column(Text)
    vacant: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    monthly_rent: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    vacancy_recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = _now()


class RentRow(Base):
    """The dwelling's monthly rent from a day on (history, never overwritten by older facts)."""

    __tablename__ = "rents"

    dwelling_id: Mapped[str] = mapped_column(Text, primary_key=True)
    from_day: Mapped[date] = mapped_column(Date, primary_key=True)
    monthly_rent: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class LetRow(Base):
    """A new lease's first day on a dwelling (the register's ``lease.created``), kept so that an
    offer accepted after the lease was reported ends on it all the same."""

    __tablename__ = "lets"

    dwelling_id: Mapped[str] = mapped_column(Text, primary_key=True)
    lease_id: Mapped[str] = mapped_column(Text, primary_key=True)
    let_on: Mapped[date] = mapped_column(Date, nullable=False)
    allocation_type: Mapped[str] = mapped_column(Text, nullable=False)


class VacancyRow(Base):
    __tablename__ = "vacancies"
    __table_args__ = (UniqueConstraint("dwelling_id", "lease_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dwelling_id: Mapped[str] = mapped_column(Text, nullable=False)
    lease_id: Mapped[str] = mapped_column(Text, nullable=False)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    housing_type: Mapped[str] = mapped_column(Text, nullable=False)
    # the dwelling's facts in the event that opened the vacancy (null before migration 0006,
    # when ``dwellings`` held them)
    department_id: Mapped[str | None] = mapped_column(Text)
    monthly_rent: Mapped[Decimal | None] = mapped_column(MONEY)
    vacant_from: Mapped[date] = mapped_column(Date, nullable=False)
    agreement_id: Mapped[str | None] = mapped_column(Text)
    number: Mapped[int | None] = mapped_column(Integer)
    municipal: Mapped[bool] = mapped_column(Boolean, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


CURRENT_DWELLINGS = Table(
    "current_dwellings",
    MetaData(),  # a view (migration 0006), not one of the tables migrations compare
    Column("id", Text, primary_key=True),
    Column("department_id", Text),
    Column("organisation_id", Text),
    Column("municipality_code", Text),
    Column("housing_type", Text),
    Column("lease_id", Text),
    Column("vacant", Boolean),
    Column("monthly_rent", MONEY),
    Column("recorded_at", DateTime(timezone=True)),
)
"""Each dwelling as the register last described it: the newest of its ``dwellings`` row and
its vacancies (of equal times the ``dwellings`` row, then the vacancy stored first)."""


class AgreementRow(Base):
    __tablename__ = "agreements"
    __table_args__ = (
        Index("ix_agreements_scope", "municipality_code", "organisation_id"),
        # room for the batches' HOT updates of ``counted`` (migration 0004)
        {"postgresql_with": {"fillfactor": 20}},
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    housing_type: Mapped[str] = mapped_column(Text, nullable=False)
    share: Mapped[str | None] = mapped_column(Text)
    dwelling_ids: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date)
    organisation_consent: Mapped[bool] = mapped_column(Boolean, nullable=False)
    counted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _now()


class OfferRow(Base):
    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_municipality", "municipality_code", "opened_at", "id"),
        Index("ix_offers_open_due", "status", "answer_due"),
        # does the dwelling have a social offer: its vacancy events' rents kept (migration 0005)
        Index("ix_offers_dwelling", "dwelling_id"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    agreement_id: Mapped[str] = mapped_column(Text, nullable=False)
    vacancy_id: Mapped[int | None] = mapped_column(BigInteger)
    dwelling_id: Mapped[str] = mapped_column(Text, nullable=False)  # or the apartment
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)  # or the landlord
    property_id: Mapped[str | None] = mapped_column(Text)
    # § 51(4): the apartment whose repeat right this equivalent apartment stands in for
    substitutes_for: Mapped[str | None] = mapped_column(Text)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    is_repeat: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    answer_due: Mapped[date] = mapped_column(Date, nullable=False)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    available_from: Mapped[date] = mapped_column(Date, nullable=False)
    notice_to_quit_effective: Mapped[date | None] = mapped_column(Date)
    monthly_rent: Mapped[Decimal | None] = mapped_column(MONEY)
    case_reference: Mapped[str | None] = mapped_column(Text)
    answered_on: Mapped[date | None] = mapped_column(Date)
    settled_on: Mapped[date | None] = mapped_column(Date)  # answered or lapsed
    answered_by: Mapped[str | None] = mapped_column(Text)
    let_on: Mapped[date | None] = mapped_column(Date)
    rent_until: Mapped[date | None] = mapped_column(Date)
    rent_owed: Mapped[Decimal | None] = mapped_column(MONEY)
    compensation_owed: Mapped[Decimal | None] = mapped_column(MONEY)
    opened_at: Mapped[datetime] = _now()
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class CaseLogRow(Base):
    __tablename__ = "case_log"
    __table_args__ = (Index("ix_case_log_case", "case_kind", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_kind: Mapped[str] = mapped_column(Text, nullable=False)
    case_id: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    actor: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[datetime] = _now()


class SubsidyRateRow(Base):
    __tablename__ = "subsidy_rates"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    monthly_rate: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    set_by: Mapped[str] = mapped_column(Text, nullable=False)
    set_at: Mapped[datetime] = _now()


class FrameRow(Base):
    __tablename__ = "frames"

    municipality_code: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    dwellings: Mapped[int] = mapped_column(Integer, nullable=False)
    granted_by: Mapped[str] = mapped_column(Text, nullable=False)
    granted_at: Mapped[datetime] = _now()


class FrameApplicationRow(Base):
    """A municipality's application for a frame in the year's round (the fund grants it)."""

    __tablename__ = "frame_applications"

    municipality_code: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    dwellings: Mapped[int] = mapped_column(Integer, nullable=False)
    applied_by: Mapped[str] = mapped_column(Text, nullable=False)
    applied_at: Mapped[datetime] = _now()


class SubsidyRow(Base):
    __tablename__ = "subsidies"
    __table_args__ = (
        UniqueConstraint("dwelling_id", "move_in"),
        Index("ix_subsidies_frame", "municipality_code", "frame_year"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    frame_year: Mapped[int] = mapped_column(Integer, nullable=False)
    dwelling_id: Mapped[str] = mapped_column(Text, nullable=False)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False)
    offer_id: Mapped[str | None] = mapped_column(Text)
    case_reference: Mapped[str] = mapped_column(Text, nullable=False)
    monthly_rent: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    move_in: Mapped[date] = mapped_column(Date, nullable=False)
    move_out: Mapped[date | None] = mapped_column(Date)
    granted_by: Mapped[str] = mapped_column(Text, nullable=False)
    granted_at: Mapped[datetime] = _now()


class PropertyRow(Base):
    __tablename__ = "properties"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    landlord_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    cadastral_id: Mapped[str] = mapped_column(Text, nullable=False)
    apartments: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _now()


class PrivateAgreementRow(Base):
    __tablename__ = "private_agreements"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    # § 53(1): no new agreement on a property that has had one.
    property_id: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    landlord_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    apartments_in_property: Mapped[int] = mapped_column(Integer, nullable=False)
    frequency: Mapped[str | None] = mapped_column(Text)
    specific_apartments: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    price_per_right: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    one_off: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    signed_on: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date] = mapped_column(Date, nullable=False)
    refund_promised_on: Mapped[date | None] = mapped_column(Date)
    registered_on: Mapped[date | None] = mapped_column(Date)
    registration_document: Mapped[str | None] = mapped_column(Text)
    vacancies_counted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    uses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _now()
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class ApartmentRightRow(Base):
    """§ 51(4): an apartment whose right was used repeats until the 6-year period ends or the
    first unused repeat."""

    __tablename__ = "apartment_rights"

    agreement_id: Mapped[str] = mapped_column(Text, primary_key=True)
    apartment_id: Mapped[str] = mapped_column(Text, primary_key=True)
    repeats_until: Mapped[date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(Date)


class NoticeRow(Base):
    """A landlord's vacancy notice; ``offer_id`` when it was the municipality's."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    landlord_id: Mapped[str] = mapped_column(Text, nullable=False)
    apartment_id: Mapped[str] = mapped_column(Text, nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    # the vacancy's period as the landlord reported it (migration 0008; null on older notices
    # that opened no offer): a second notice of it is refused
    available_from: Mapped[date | None] = mapped_column(Date)
    notice_to_quit_effective: Mapped[date | None] = mapped_column(Date)
    number: Mapped[int | None] = mapped_column(Integer)
    municipal: Mapped[bool] = mapped_column(Boolean, nullable=False)
    offer_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


class InvitationRoundRow(Base):
    __tablename__ = "invitation_rounds"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    basis: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _now()


class RoundOfferRow(Base):
    __tablename__ = "round_offers"
    __table_args__ = (UniqueConstraint("round_id", "property_id"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    round_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    landlord_id: Mapped[str] = mapped_column(Text, nullable=False)
    property_id: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    frequency: Mapped[str | None] = mapped_column(Text)
    specific_apartments: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    price_per_right: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    decision: Mapped[str] = mapped_column(Text, nullable=False, default="pending")
    submitted_by: Mapped[str] = mapped_column(Text, nullable=False)
    submitted_at: Mapped[datetime] = _now()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VacancyReportRow(Base):
    __tablename__ = "vacancy_reports"
    __table_args__ = (Index("ix_vacancy_reports_municipality", "municipality_code", "id"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    landlord_id: Mapped[str] = mapped_column(Text, nullable=False)
    dwelling_ref: Mapped[str] = mapped_column(Text, nullable=False)
    vacant_since: Mapped[date] = mapped_column(Date, nullable=False)
    reported_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    case_reference: Mapped[str | None] = mapped_column(Text)
    extended_until: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # A social dwelling's report is derived from the register's vacancy (landlord_id is then the
    # housing organisation, dwelling_ref the register's dwelling id); null for a landlord's report.
    vacancy_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)


class RestorationClaimRow(Base):
    """The municipality guarantees the allocated tenant's duty to restore the dwelling on
    moving out (seed 003; § 56(2)): the organisation or landlord claims under the guarantee."""

    __tablename__ = "restoration_claims"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    offer_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    claimant_id: Mapped[str] = mapped_column(Text, nullable=False)
    moved_out_on: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)  # claimed | paid | refused
    decision_reason: Mapped[str | None] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(Text, nullable=False)
    filed_at: Mapped[datetime] = _now()
