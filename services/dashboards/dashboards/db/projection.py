"""Writing the read model: one guarded statement per kind of fact.

Each statement is idempotent and commutative: state columns take the values of the newest
event (``state_at``, the event's ``recorded_at``), and an older event only fills what is still
unknown; first times (``created_at``, ``terminated_at``, ``statement_at``) keep the earliest,
last times (``sent_at``, ``returned_at``) the latest. So duplicates and any order of arrival
leave the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_NEWER: Final = "held.state_at < EXCLUDED.state_at"


def _fill(column: str) -> str:
    """Newest wins; an older event fills only what is unknown."""
    return (
        f"{column} = CASE WHEN {_NEWER} THEN COALESCE(EXCLUDED.{column}, held.{column}) "
        f"ELSE COALESCE(held.{column}, EXCLUDED.{column}) END"
    )


_LEASE_STATE: Final = (
    "dwelling_id",
    "department_id",
    "organisation_id",
    "municipality_code",
    "start_date",
    "allocation_type",
    "area_m2",
    "housing_type",
)

_LEASE_FULL = text(
    f"""
    INSERT INTO leases AS held (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, start_date, end_date, allocation_type, monthly_rent, area_m2,
        housing_type, created_at, terminated_at, state_at, rent_at)
    VALUES (:lease_id, :dwelling_id, :department_id, :organisation_id, :municipality_code,
        :start_date, :end_date, :allocation_type, :monthly_rent, :area_m2, :housing_type,
        :created_at, NULL, :recorded_at, :recorded_at)
    ON CONFLICT (lease_id) DO UPDATE SET
        {", ".join(_fill(c) for c in _LEASE_STATE)},
        end_date = CASE WHEN {_NEWER} THEN EXCLUDED.end_date ELSE held.end_date END,
        monthly_rent = CASE WHEN held.rent_at IS NULL OR held.rent_at < EXCLUDED.rent_at
            THEN EXCLUDED.monthly_rent ELSE held.monthly_rent END,
        rent_at = GREATEST(held.rent_at, EXCLUDED.rent_at),
        created_at = LEAST(held.created_at, EXCLUDED.created_at),
        state_at = GREATEST(held.state_at, EXCLUDED.state_at)
    """  # noqa: S608 - column names are this module's constants
)

_LEASE_TERMINATED = text(
    f"""
    INSERT INTO leases AS held (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, start_date, end_date, allocation_type, terminated_at, state_at)
    VALUES (:lease_id, :dwelling_id, :department_id, :organisation_id, :municipality_code,
        :start_date, :end_date, :allocation_type, :recorded_at, :recorded_at)
    ON CONFLICT (lease_id) DO UPDATE SET
        {", ".join(_fill(c) for c in _LEASE_STATE[:6])},
        end_date = CASE WHEN {_NEWER} THEN EXCLUDED.end_date ELSE held.end_date END,
        terminated_at = LEAST(held.terminated_at, EXCLUDED.terminated_at),
        state_at = GREATEST(held.state_at, EXCLUDED.state_at)
    """  # noqa: S608 - column names are this module's constants
)

# A rent change known before the lease itself: the lease's state stays unknown ('-infinity'),
# so whichever lease event comes fills it.
_LEASE_RENT = text(
    """
    INSERT INTO leases AS held (lease_id, dwelling_id, department_id, organisation_id,
        municipality_code, monthly_rent, area_m2, state_at, rent_at)
    VALUES (:lease_id, :dwelling_id, :department_id, :organisation_id, :municipality_code,
        :monthly_rent, :area_m2, '-infinity', :recorded_at)
    ON CONFLICT (lease_id) DO UPDATE SET
        monthly_rent = CASE WHEN held.rent_at IS NULL OR held.rent_at < EXCLUDED.rent_at
            THEN EXCLUDED.monthly_rent ELSE held.monthly_rent END,
        area_m2 = CASE WHEN held.rent_at IS NULL OR held.rent_at < EXCLUDED.rent_at
            THEN EXCLUDED.area_m2 ELSE held.area_m2 END,
        rent_at = GREATEST(held.rent_at, EXCLUDED.rent_at)
    """
)

_PACKAGE_SENT = text(
    """
    INSERT INTO packages AS held (package_id, organisation_id, governance_year,
        home_municipality_code, location_municipality_codes, sent_at, red_figures,
        yellow_figures)
    VALUES (:package_id, :organisation_id, :governance_year, :home_municipality_code,
        CAST(:locations AS varchar(3)[]), :at, :red, :yellow)
    ON CONFLICT (package_id) DO UPDATE SET
        location_municipality_codes = CASE WHEN held.sent_at IS NULL
            OR held.sent_at < EXCLUDED.sent_at THEN EXCLUDED.location_municipality_codes
            ELSE held.location_municipality_codes END,
        red_figures = CASE WHEN held.sent_at IS NULL OR held.sent_at < EXCLUDED.sent_at
            THEN EXCLUDED.red_figures ELSE held.red_figures END,
        yellow_figures = CASE WHEN held.sent_at IS NULL OR held.sent_at < EXCLUDED.sent_at
            THEN EXCLUDED.yellow_figures ELSE held.yellow_figures END,
        sent_at = GREATEST(held.sent_at, EXCLUDED.sent_at)
    """
)


def _package_fact(column: str, combine: str, cast: str) -> Any:
    return text(
        f"""
        INSERT INTO packages AS held (package_id, organisation_id, governance_year,
            home_municipality_code, {column})
        VALUES (:package_id, :organisation_id, :governance_year, :home_municipality_code,
            CAST(:at AS {cast}))
        ON CONFLICT (package_id) DO UPDATE SET
            {column} = {combine}(held.{column}, EXCLUDED.{column})
        """  # noqa: S608 - column names are this module's constants
    )


_PACKAGE_EDITING = text(
    """
    INSERT INTO packages AS held (package_id, organisation_id, governance_year,
        home_municipality_code, editing_status, editing_at)
    VALUES (:package_id, :organisation_id, :governance_year, :home_municipality_code,
        :status, :at)
    ON CONFLICT (package_id) DO UPDATE SET
        editing_status = CASE WHEN held.editing_at IS NULL OR held.editing_at < EXCLUDED.editing_at
            OR (held.editing_at = EXCLUDED.editing_at
                AND held.editing_status < EXCLUDED.editing_status)
            THEN EXCLUDED.editing_status ELSE held.editing_status END,
        editing_at = GREATEST(held.editing_at, EXCLUDED.editing_at)
    """
)
_PACKAGE_DEADLINE = text(
    """
    INSERT INTO package_deadlines AS held (municipality_code, organisation_id, governance_year,
        deadline, set_at)
    VALUES (:municipality_code, :organisation_id, :governance_year, :deadline, :set_at)
    ON CONFLICT (municipality_code, organisation_id, governance_year) DO UPDATE SET
        deadline = EXCLUDED.deadline, set_at = EXCLUDED.set_at
    WHERE held.set_at < EXCLUDED.set_at
        OR (held.set_at = EXCLUDED.set_at
            AND held.deadline IS DISTINCT FROM EXCLUDED.deadline
            AND (held.deadline IS NULL OR held.deadline < EXCLUDED.deadline))
    """
)

_PACKAGE_RETURNED = _package_fact("returned_at", "GREATEST", "timestamptz")
_PACKAGE_MEETING = _package_fact("meeting_held_on", "GREATEST", "date")
_PACKAGE_STATEMENT = _package_fact("statement_at", "LEAST", "timestamptz")

REVISION_CHANNEL: Final = "dashboards_revision"
_BUMP = text(
    "INSERT INTO model_revision AS held (id, revision) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET revision = held.revision + 1"
)
_NOTIFY = text(f"SELECT pg_notify('{REVISION_CHANNEL}', '')")


_DWELLING = text(
    """
    INSERT INTO dwellings AS held (dwelling_id, lease_id, department_id, organisation_id,
        municipality_code, vacancy_loss, vacant_soon, state_at)
    VALUES (:dwelling_id, :lease_id, :department_id, :organisation_id, :municipality_code,
        :vacancy_loss, :vacant_soon, :state_at)
    ON CONFLICT (dwelling_id) DO UPDATE SET
        lease_id = EXCLUDED.lease_id, department_id = EXCLUDED.department_id,
        organisation_id = EXCLUDED.organisation_id,
        municipality_code = EXCLUDED.municipality_code,
        vacancy_loss = EXCLUDED.vacancy_loss, vacant_soon = EXCLUDED.vacant_soon,
        state_at = EXCLUDED.state_at
    WHERE held.state_at < EXCLUDED.state_at
    """
)

_DEPARTMENT_COLOURS = text(
    """
    INSERT INTO department_colours AS held (department_id, year, organisation_id,
        municipality_code, revision, red, yellow, red_codes)
    VALUES (:department_id, :year, :organisation_id, :municipality_code, :revision, :red,
        :yellow, :red_codes)
    ON CONFLICT (department_id, year) DO UPDATE SET
        organisation_id = EXCLUDED.organisation_id,
        municipality_code = EXCLUDED.municipality_code, revision = EXCLUDED.revision,
        red = EXCLUDED.red, yellow = EXCLUDED.yellow, red_codes = EXCLUDED.red_codes
    WHERE held.revision < EXCLUDED.revision
    """
)


# --- grants: a case's facts; the keys (organisations, municipality) of its newest event ------


def _newest(column: str, moment: str) -> str:
    """``column`` as the event with the latest ``moment`` told it."""
    return (
        f"{column} = CASE WHEN held.{moment} IS NULL OR held.{moment} < EXCLUDED.{moment} "
        f"THEN EXCLUDED.{column} ELSE held.{column} END"
    )


def _earliest(column: str, moment: str) -> str:
    """``column`` as the event with the earliest ``moment`` told it."""
    return (
        f"{column} = CASE WHEN held.{moment} IS NULL OR EXCLUDED.{moment} < held.{moment} "
        f"THEN EXCLUDED.{column} ELSE held.{column} END"
    )


def _grant_fact(columns: Sequence[str], updates: Sequence[str]) -> Any:
    keys = ("organisation_id", "organisation_ids", "municipality_code")
    values = ", ".join(f":{c}" for c in columns)
    return text(
        f"""
        INSERT INTO grant_cases AS held (application_id, organisation_id, organisation_ids,
            municipality_code, keys_at{"".join(f", {c}" for c in columns)})
        VALUES (:application_id, :organisation_id, CAST(:organisation_ids AS varchar(64)[]),
            :municipality_code, :keys_at{", " + values if columns else ""})
        ON CONFLICT (application_id) DO UPDATE SET
            {", ".join(_newest(k, "keys_at") for k in keys)},
            keys_at = GREATEST(held.keys_at, EXCLUDED.keys_at),
            year = GREATEST(held.year, EXCLUDED.year)
            {"".join(f", {u}" for u in updates)}
        """  # noqa: S608 - column names are this module's constants
    )


_GRANT_SUBMITTED = _grant_fact(
    ("year", "requested_amount", "submitted_at"),
    (
        _earliest("requested_amount", "submitted_at"),
        "submitted_at = LEAST(held.submitted_at, EXCLUDED.submitted_at)",
    ),
)
_GRANT_PREQUALIFIED = _grant_fact(
    ("year", "prequalified_at", "reserved_amount", "reserved_year"),
    (
        _newest("reserved_amount", "prequalified_at"),
        _newest("reserved_year", "prequalified_at"),
        "prequalified_at = GREATEST(held.prequalified_at, EXCLUDED.prequalified_at)",
    ),
)
_GRANT_REJECTED = _grant_fact(
    ("rejected_at",), ("rejected_at = GREATEST(held.rejected_at, EXCLUDED.rejected_at)",)
)
_GRANT_PLAN_APPROVED = _grant_fact(
    ("plan_approved_on",),
    ("plan_approved_on = GREATEST(held.plan_approved_on, EXCLUDED.plan_approved_on)",),
)
_GRANT_COMMITTED = _grant_fact(
    ("year", "committed_at", "committed_amount", "committed_year"),
    (
        _newest("committed_amount", "committed_at"),
        _newest("committed_year", "committed_at"),
        "committed_at = GREATEST(held.committed_at, EXCLUDED.committed_at)",
    ),
)
_GRANT_ASSESSMENT = _grant_fact(
    ("year", "assessment_started_at"),
    (
        "assessment_started_at = GREATEST(held.assessment_started_at, "
        "EXCLUDED.assessment_started_at)",
    ),
)
_GRANT_PLAN_SENT = _grant_fact(
    ("year", "plan_sent_at"), ("plan_sent_at = GREATEST(held.plan_sent_at, EXCLUDED.plan_sent_at)",)
)
_GRANT_STOPPED = _grant_fact(
    ("stopped_at",), ("stopped_at = GREATEST(held.stopped_at, EXCLUDED.stopped_at)",)
)
_GRANT_RESUMED = _grant_fact(
    ("resumed_at",), ("resumed_at = GREATEST(held.resumed_at, EXCLUDED.resumed_at)",)
)

# --- allocation: offers, subsidies and the frames they use --------------------------------------


def _offer_fact(columns: Sequence[str], updates: Sequence[str]) -> Any:
    return text(
        f"""
        INSERT INTO offers AS held (offer_id, offer_source, organisation_id, municipality_code,
            answer_due{"".join(f", {c}" for c in columns)})
        VALUES (:offer_id, :offer_source, :organisation_id, :municipality_code,
            :answer_due{"".join(f", :{c}" for c in columns)})
        ON CONFLICT (offer_id) DO UPDATE SET
            answer_due = GREATEST(held.answer_due, EXCLUDED.answer_due)
            {"".join(f", {u}" for u in updates)}
        """  # noqa: S608 - column names are this module's constants
    )


_OFFER_OPENED = _offer_fact(
    ("opened_at",), ("opened_at = LEAST(held.opened_at, EXCLUDED.opened_at)",)
)
_OFFER_ANSWERED = _offer_fact(
    ("answered_at", "answer_status"),
    (
        _newest("answer_status", "answered_at"),
        "answered_at = GREATEST(held.answered_at, EXCLUDED.answered_at)",
    ),
)
_OFFER_LAPSED = _offer_fact(
    ("lapsed_on", "rent_owed"),
    (
        "lapsed_on = LEAST(held.lapsed_on, EXCLUDED.lapsed_on)",
        "rent_owed = GREATEST(held.rent_owed, EXCLUDED.rent_owed)",
    ),
)
_OFFER_DUE = _offer_fact((), ())

_SUBSIDY = text(
    """
    INSERT INTO subsidies (subsidy_id, municipality_code, organisation_id, frame_year,
        granted_at)
    VALUES (:subsidy_id, :municipality_code, :organisation_id, :frame_year, :granted_at)
    ON CONFLICT (subsidy_id) DO NOTHING
    """
)
_SUBSIDY_FRAME = text(
    """
    INSERT INTO subsidy_frames AS held (municipality_code, year, dwellings, as_of)
    VALUES (:municipality_code, :year, :dwellings, :as_of)
    ON CONFLICT (municipality_code, year) DO UPDATE SET
        dwellings = EXCLUDED.dwellings, as_of = EXCLUDED.as_of
    WHERE held.as_of < EXCLUDED.as_of
        OR (held.as_of = EXCLUDED.as_of AND held.dwellings < EXCLUDED.dwellings)
    """
)

# --- legal-cases: a tribunal case's deadlines and decision --------------------------------------


def _tribunal_fact(columns: Sequence[str], combine: str) -> Any:
    return text(
        f"""
        INSERT INTO tribunal_cases AS held (case_id, tribunal_code, filing_municipality_code,
            category{"".join(f", {c}" for c in columns)})
        VALUES (:case_id, :tribunal_code, :filing_municipality_code,
            :category{"".join(f", :{c}" for c in columns)})
        ON CONFLICT (case_id) DO UPDATE SET
            filing_municipality_code = GREATEST(held.filing_municipality_code,
                EXCLUDED.filing_municipality_code)
            {"".join(f", {c} = {combine}(held.{c}, EXCLUDED.{c})" for c in columns)}
        """  # noqa: S608 - column names are this module's constants
    )


_CASE_FILED = text(
    """
    INSERT INTO tribunal_cases AS held (case_id, tribunal_code, filing_municipality_code,
        category, filed_on, notify_due)
    VALUES (:case_id, :tribunal_code, :filing_municipality_code, :category, :filed_on,
        :notify_due)
    ON CONFLICT (case_id) DO UPDATE SET
        filing_municipality_code = GREATEST(held.filing_municipality_code,
            EXCLUDED.filing_municipality_code),
        filed_on = LEAST(held.filed_on, EXCLUDED.filed_on),
        notify_due = GREATEST(held.notify_due, EXCLUDED.notify_due)
    """
)
_CASE_NOTIFIED = _tribunal_fact(("notified_on", "reply_due"), "GREATEST")
_CASE_DECIDED = _tribunal_fact(("decided_on",), "GREATEST")
_CASE_REJECTED = _tribunal_fact(("rejected_on",), "LEAST")
# a suspension or resumption: suspended as the newest change told it; the deadlines only move
# later (a resumption adds the working days suspended, an extension is later), and a stopped
# deadline (NULL) leaves the date known
_CASE_MOVED = text(
    """
    INSERT INTO tribunal_cases AS held (case_id, tribunal_code, filing_municipality_code,
        category, notify_due, reply_due, suspended, suspension_changes)
    VALUES (:case_id, :tribunal_code, :filing_municipality_code, :category, :notify_due,
        :reply_due, :suspended, :suspension_changes)
    ON CONFLICT (case_id) DO UPDATE SET
        filing_municipality_code = GREATEST(held.filing_municipality_code,
            EXCLUDED.filing_municipality_code),
        notify_due = GREATEST(held.notify_due, EXCLUDED.notify_due),
        reply_due = GREATEST(held.reply_due, EXCLUDED.reply_due),
        suspended = CASE WHEN held.suspension_changes IS NULL
            OR held.suspension_changes < EXCLUDED.suspension_changes
            THEN EXCLUDED.suspended ELSE held.suspended END,
        suspension_changes = GREATEST(held.suspension_changes, EXCLUDED.suspension_changes)
    """
)
# a question's deadline only moves later (an extension); closed: the earliest closing told
_CASE_QUESTION = text(
    """
    INSERT INTO tribunal_questions AS held (case_id, question_id, asked_on, answer_due,
        closed_on)
    VALUES (:case_id, :question_id, :asked_on, :answer_due, :closed_on)
    ON CONFLICT (case_id, question_id) DO UPDATE SET
        asked_on = LEAST(held.asked_on, EXCLUDED.asked_on),
        answer_due = GREATEST(held.answer_due, EXCLUDED.answer_due),
        closed_on = LEAST(held.closed_on, EXCLUDED.closed_on)
    """
)

Rows = Sequence[Mapping[str, Any]]

# Every statement is commutative (newest wins, earliest/latest times), so a batch's rows are
# written per statement, many at once, in any order.
STATEMENTS: Final[Mapping[str, Any]] = {
    "lease": _LEASE_FULL,
    "termination": _LEASE_TERMINATED,
    "rent": _LEASE_RENT,
    "dwelling": _DWELLING,
    "package_sent": _PACKAGE_SENT,
    "package_returned": _PACKAGE_RETURNED,
    "meeting_held": _PACKAGE_MEETING,
    "statement_submitted": _PACKAGE_STATEMENT,
    "package_editing": _PACKAGE_EDITING,
    "package_deadline": _PACKAGE_DEADLINE,
    "department_colours": _DEPARTMENT_COLOURS,
    "grant_submitted": _GRANT_SUBMITTED,
    "grant_prequalified": _GRANT_PREQUALIFIED,
    "grant_rejected": _GRANT_REJECTED,
    "grant_plan_approved": _GRANT_PLAN_APPROVED,
    "grant_committed": _GRANT_COMMITTED,
    "grant_assessment": _GRANT_ASSESSMENT,
    "grant_plan_sent": _GRANT_PLAN_SENT,
    "grant_stopped": _GRANT_STOPPED,
    "grant_resumed": _GRANT_RESUMED,
    "offer_opened": _OFFER_OPENED,
    "offer_answered": _OFFER_ANSWERED,
    "offer_lapsed": _OFFER_LAPSED,
    "offer_due": _OFFER_DUE,
    "subsidy": _SUBSIDY,
    "subsidy_frame": _SUBSIDY_FRAME,
    "case_filed": _CASE_FILED,
    "case_notified": _CASE_NOTIFIED,
    "case_decided": _CASE_DECIDED,
    "case_question": _CASE_QUESTION,
    "case_rejected": _CASE_REJECTED,
    "case_moved": _CASE_MOVED,
}


async def write_facts(session: AsyncSession, kind: str, rows: Rows) -> None:
    """Write ``rows`` of one kind of fact (a key of :data:`STATEMENTS`)."""
    if rows:
        await session.execute(STATEMENTS[kind], [dict(row) for row in rows])


async def bump_revision(session: AsyncSession) -> None:  # also used by rebuilds
    """Tell the live pages that the figures changed (read by ``db.reading.revision``); the
    notification reaches the web processes when the transaction commits."""
    await session.execute(_BUMP)
    await session.execute(_NOTIFY)
