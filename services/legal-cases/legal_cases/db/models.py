"""Rows of the legal-cases service. Every table hangs off this service's own metadata.

* ``cases`` — one rent tribunal case: tribunal (municipality code), category, status, the
  filing facts, the owner (tracked across tribunals), the reply state and the version;
* ``case_parties`` — complainant and counterpart (kind, token subject, name: personal data that
  never leaves the service in events);
* ``case_documents`` — the documentation, bytes stored, type decided by magic bytes;
* ``case_deadlines`` — every deadline of the case, open or closed, with its base and effective
  due date (``due_on`` is NULL while the case is suspended);
* ``case_suspensions`` — when the case's clock stopped and restarted;
* ``case_questions`` / ``case_hearings`` — questions (§ 83(4)), inspections and meetings (§ 85);
* ``decisions`` — the decision with reasons, appeal guidance, the bench and (if split) votes;
* ``appeals`` — an appeal to the housing court or the appeal board;
* ``fees`` — fees owed and paid (filing, landlord's § 82(2), appeal board § 89(4));
* ``noncompliance_reports`` / ``owner_convictions`` / ``noncompliance_thresholds`` — § 22;
* ``case_audit`` — who did what, when, on each case.
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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import make_metadata


class Base(DeclarativeBase):
    metadata = make_metadata()


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_tribunal_status", "tribunal_code", "status", "id"),
        Index("ix_cases_filing_municipality", "filing_municipality_code", "id"),
        Index("ix_cases_owner", "owner_id"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    tribunal_code: Mapped[str] = mapped_column(Text, nullable=False)
    category: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    suspended_from: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    owner_id: Mapped[str] = mapped_column(Text, nullable=False)
    apartments: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    filed_on: Mapped[date] = mapped_column(Date, nullable=False)
    filed_by: Mapped[str] = mapped_column(Text, nullable=False)  # token subject
    filed_by_role: Mapped[str] = mapped_column(Text, nullable=False)
    filing_municipality_code: Mapped[str | None] = mapped_column(Text)  # § 87 filings
    on_behalf_of_tenant: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notified_on: Mapped[date | None] = mapped_column(Date)
    reply_state: Mapped[str | None] = mapped_column(Text)  # received | lapsed
    reply_on: Mapped[date | None] = mapped_column(Date)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)  # rejected, decided
    final_on: Mapped[date | None] = mapped_column(Date)
    mediation_encouraged_on: Mapped[date | None] = mapped_column(Date)  # § 86(1)
    mediation_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class PartyRow(Base):
    __tablename__ = "case_parties"
    __table_args__ = (Index("ix_case_parties_subject", "subject", "case_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    side: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    subject: Mapped[str | None] = mapped_column(Text)  # the party's token subject, if known
    name: Mapped[str | None] = mapped_column(Text)  # personal data: stays in this service
    organisation_id: Mapped[str | None] = mapped_column(Text)  # a landlord's id, if any
    # personal data: a person's contact e-mail; read only by this service's own letters
    contact_email: Mapped[str | None] = mapped_column(Text)


class DocumentRow(Base):
    __tablename__ = "case_documents"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(Text, nullable=False)
    uploaded_at: Mapped[datetime] = _now()


class DeadlineRow(Base):
    __tablename__ = "case_deadlines"
    __table_args__ = (
        # the work list: a tribunal's open deadlines by effective due date
        Index(
            "ix_case_deadlines_open",
            "tribunal_code",
            "due_on",
            "id",
            postgresql_where="closed_on IS NULL",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    tribunal_code: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    ref: Mapped[str | None] = mapped_column(Text)  # the question or hearing it belongs to
    opened_on: Mapped[date] = mapped_column(Date, nullable=False)
    base_due: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)  # effective; NULL while suspended
    extension_reason: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)  # met | lapsed | superseded | cancelled
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the party was reminded (once)


class SuspensionRow(Base):
    __tablename__ = "case_suspensions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    start_on: Mapped[date] = mapped_column(Date, nullable=False)
    end_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, nullable=False)


class QuestionRow(Base):
    __tablename__ = "case_questions"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    addressee: Mapped[str] = mapped_column(Text, nullable=False)  # complainant|counterpart|other
    text: Mapped[str] = mapped_column(Text, nullable=False)
    asked_on: Mapped[date] = mapped_column(Date, nullable=False)
    answered_on: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)


class HearingRow(Base):
    __tablename__ = "case_hearings"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)  # inspection | meeting
    notice_on: Mapped[date] = mapped_column(Date, nullable=False)
    scheduled_on: Mapped[date] = mapped_column(Date, nullable=False)
    held_on: Mapped[date | None] = mapped_column(Date)


class DecisionRow(Base):
    __tablename__ = "decisions"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    outcome: Mapped[str] = mapped_column(Text, nullable=False)
    unanimous: Mapped[bool] = mapped_column(Boolean, nullable=False)
    chair_decided_tie: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reasons: Mapped[str] = mapped_column(Text, nullable=False)
    dissent_reasons: Mapped[str | None] = mapped_column(Text)
    appeal_guidance: Mapped[str] = mapped_column(Text, nullable=False)
    silence_read_in_favour: Mapped[bool] = mapped_column(Boolean, nullable=False)
    appeal_body: Mapped[str] = mapped_column(Text, nullable=False)
    appeal_due: Mapped[date] = mapped_column(Date, nullable=False)
    bench: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)  # seats (+votes)
    # §§ 83(3), 84, 86(5)-(9): sanction, conditions, sublet, improvement, GI, service required
    content: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    decided_by: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_at: Mapped[datetime] = _now()


class AppealRow(Base):
    __tablename__ = "appeals"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    lodged_on: Mapped[date] = mapped_column(Date, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    appellant_side: Mapped[str] = mapped_column(Text, nullable=False)
    late_permission: Mapped[bool] = mapped_column(Boolean, nullable=False)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)
    # the appellate body's outcome (§§ 88-89), once known: upheld | changed | set_aside
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_decided_on: Mapped[date | None] = mapped_column(Date)
    outcome_summary: Mapped[str | None] = mapped_column(Text)
    outcome_recorded_by: Mapped[str | None] = mapped_column(Text)


class FeeRow(Base):
    __tablename__ = "fees"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    payer_side: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    owed_on: Mapped[date] = mapped_column(Date, nullable=False)
    paid_on: Mapped[date | None] = mapped_column(Date)
    # § 100: the June of the 12-month index figure the amount rests on; provisional when that
    # figure was carried forward because the prescribed one was not known (FeeTable)
    index_year: Mapped[int | None] = mapped_column(Integer)
    provisional: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default="false"
    )
    # § 82(2): the landlord's fee is no longer owed once the appeal changed or set aside the
    # decision (the appellate decision's date; reason appeal_changed | appeal_set_aside)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)


class NonComplianceReportRow(Base):
    __tablename__ = "noncompliance_reports"
    __table_args__ = (Index("ix_noncompliance_reports_owner", "owner_id", "decided_on"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, unique=True)
    owner_id: Mapped[str] = mapped_column(Text, nullable=False)
    tribunal_code: Mapped[str] = mapped_column(Text, nullable=False)
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    reported_on: Mapped[date] = mapped_column(Date, nullable=False)
    reported_by: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[str] = mapped_column(Text, nullable=False)
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConvictionRow(Base):
    """A § 16 (Rent Act) conviction of an owner, recorded by a tribunal (§ 21(2) no. 6)."""

    __tablename__ = "owner_convictions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    owner_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    convicted_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)
    tribunal_code: Mapped[str] = mapped_column(Text, nullable=False)


class ThresholdRow(Base):
    __tablename__ = "noncompliance_thresholds"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    owner_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("noncompliance_reports.id"), nullable=False, unique=True
    )
    rule: Mapped[str] = mapped_column(Text, nullable=False)
    reached_on: Mapped[date] = mapped_column(Date, nullable=False)
    case_ids: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    tribunal_codes: Mapped[list[str]] = mapped_column(JSONB, nullable=False)


class AuditRow(Base):
    __tablename__ = "case_audit"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False)
    at: Mapped[datetime] = _now()
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    actor_role: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)

    __table_args__ = (Index("ix_case_audit_case", "case_id", "id"),)


class ForcedAdministrationRow(Base):
    """The tribunal's decision on forced administration (§§ 27-31), summary level."""

    __tablename__ = "forced_administrations"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    requested_by: Mapped[str] = mapped_column(Text, nullable=False)
    ordered_works_due: Mapped[date] = mapped_column(Date, nullable=False)
    gi_works_on: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    gi_declined_on: Mapped[date | None] = mapped_column(Date)
    administrator: Mapped[str] = mapped_column(Text, nullable=False)
    works_deadline: Mapped[date] = mapped_column(Date, nullable=False)
    decided_by: Mapped[str] = mapped_column(Text, nullable=False)
    administrator_fee: Mapped[str | None] = mapped_column(Text)  # § 30: as the minister set it
    ended_on: Mapped[date | None] = mapped_column(Date)  # § 41
    end_reason: Mapped[str | None] = mapped_column(Text)  # works_done | out_of_scope


class NonComplianceNoticeRow(Base):
    """A party tells the tribunal that a final decision is not complied with; the tribunal
    then decides whether to report it (§ 22)."""

    __tablename__ = "noncompliance_notices"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    side: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[str] = mapped_column(Text, nullable=False)
    noticed_on: Mapped[date] = mapped_column(Date, nullable=False)
    noticed_by: Mapped[str] = mapped_column(Text, nullable=False)


class MemberRow(Base):
    """A tribunal's appointed member (§ 79)."""

    __tablename__ = "tribunal_members"
    __table_args__ = (Index("ix_tribunal_members_tribunal", "tribunal_code", "member_ref"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tribunal_code: Mapped[str] = mapped_column(Text, nullable=False)
    member_ref: Mapped[str] = mapped_column(Text, nullable=False)
    seat: Mapped[str] = mapped_column(Text, nullable=False)
    deputy: Mapped[bool] = mapped_column(Boolean, nullable=False)
    appointed_from: Mapped[date] = mapped_column(Date, nullable=False)
    appointed_to: Mapped[date] = mapped_column(Date, nullable=False)
    law_degree: Mapped[bool] = mapped_column(Boolean, nullable=False)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)


class PersonLetterRow(Base):
    """A letter owed to a party who is a person, queued in the action's transaction and sent
    by the worker (``services/person_mail.py``). The address is not copied here: it is read
    from the party when the letter is sent."""

    __tablename__ = "person_letters"
    __table_args__ = (
        Index(
            "ix_person_letters_due", "next_attempt_at", "id", postgresql_where="status = 'pending'"
        ),
        Index("ix_person_letters_once", "case_id", "party_id", "kind", "ref", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("case_parties.id"), nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    ref: Mapped[str] = mapped_column(Text, nullable=False, default="")  # e.g. the deadline id
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    attach_decision: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    queued_on: Mapped[date] = mapped_column(Date, nullable=False)
    next_attempt_at: Mapped[datetime] = _now()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class GuidanceRow(Base):
    """§ 85(5): guidance the tribunal gave a party, or the secretariat's help with a written
    statement, in a behaviour case."""

    __tablename__ = "case_guidance"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    side: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)  # guidance | assistance
    note: Mapped[str] = mapped_column(Text, nullable=False)
    given_on: Mapped[date] = mapped_column(Date, nullable=False)
    given_by: Mapped[str] = mapped_column(Text, nullable=False)


class ForcedAdministrationStepRow(Base):
    """A step of a forced administration after the decision (§§ 29-41), with its date."""

    __tablename__ = "forced_administration_steps"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    step: Mapped[str] = mapped_column(Text, nullable=False)
    on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)


class SubletNoticeRow(Base):
    """§ 86(7)-(8): the subtenant's notice that the sublessor did not comply, and what the
    tribunal did about it."""

    __tablename__ = "sublet_notices"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    noticed_on: Mapped[date] = mapped_column(Date, nullable=False)
    noticed_by: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[str] = mapped_column(Text, nullable=False)
    requested_on: Mapped[date | None] = mapped_column(Date)
    documented_on: Mapped[date | None] = mapped_column(Date)
    landlord_told_on: Mapped[date | None] = mapped_column(Date)


class DecisionServiceRow(Base):
    """§ 86(5): the service (forkyndelse) of the decision on one party — once per side."""

    __tablename__ = "decision_services"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    side: Mapped[str] = mapped_column(Text, primary_key=True)
    served_on: Mapped[date] = mapped_column(Date, nullable=False)
    served_by: Mapped[str] = mapped_column(Text, nullable=False)
    method: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by: Mapped[str] = mapped_column(Text, nullable=False)
