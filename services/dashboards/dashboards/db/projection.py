"""Writing the read model: one guarded statement per kind of fact.

Each statement is idempotent and commutative: state columns take the values of the newest
event (``state_at``, the event's ``recorded_at``), and an older event only fills what is still
unknown; first times (``created_at``, ``terminated_at``, ``statement_at``) keep the earliest,
last times (``sent_at``, ``returned_at``) the latest. So duplicates and any order of arrival
leave the same rows.

A batch's rows of one kind go in one fixed statement over a JSON array on the session's
psycopg connection (``common.db.projection.insert_rows_sql``: the rows' fields are named like
the table's columns), every kind's statements sent together in one pipeline. A key repeated
within a kind's rows is written in a further round (``distinct_key_rounds``: one statement may
change a row only once), so each key's rows are written in the batch's order, as one statement
per row wrote them (which matters where times are equal: the one held is kept).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import psycopg
from sqlalchemy.ext.asyncio import AsyncSession

from common.db.engine import driver_connection, pipeline
from common.db.projection import distinct_key_rounds, insert_rows_sql, rows_json


@dataclass(frozen=True, slots=True)
class Statement:
    """One kind of fact's statement (``%(rows)s``) and the key its ``ON CONFLICT`` names."""

    sql: str
    key: tuple[str, ...]


def _upsert(
    table: str,
    key: tuple[str, ...],
    columns: Sequence[str],
    conflict: str,
    select: Sequence[str] | None = None,
) -> Statement:
    """``INSERT INTO table AS held (key, columns) SELECT … ON CONFLICT (key) <conflict>``."""
    names = [*key, *columns]
    select = None if select is None else [*key, *select]
    insert = insert_rows_sql(table, names, select=select)
    return Statement(f"{insert}\nON CONFLICT ({', '.join(key)}) {conflict}", key)


_NEWER: Final = "held.state_at < EXCLUDED.state_at"


def _fill(column: str) -> str:
    """Newest wins; an older event fills only what is unknown."""
    return (
        f"{column} = CASE WHEN {_NEWER} THEN COALESCE(EXCLUDED.{column}, held.{column}) "
        f"ELSE COALESCE(held.{column}, EXCLUDED.{column}) END"
    )


_LEASE_KEYS: Final = ("dwelling_id", "department_id", "organisation_id", "municipality_code")
_LEASE_STATE: Final = (
    *_LEASE_KEYS,
    "start_date",
    "allocation_type",
    "area_m2",
    "housing_type",
)

# a lease created or updated: its state as of ``state_at``, its rent as of the same time
_LEASE_FACT: Final = (
    *_LEASE_STATE,
    "end_date",
    "monthly_rent",
    "created_at",
    "state_at",
)
_LEASE_FULL = _upsert(
    "leases",
    ("lease_id",),
    (*_LEASE_FACT, "rent_at"),
    f"""DO UPDATE SET
        {", ".join(_fill(c) for c in _LEASE_STATE)},
        end_date = CASE WHEN {_NEWER} THEN EXCLUDED.end_date ELSE held.end_date END,
        monthly_rent = CASE WHEN held.rent_at IS NULL OR held.rent_at < EXCLUDED.rent_at
            THEN EXCLUDED.monthly_rent ELSE held.monthly_rent END,
        rent_at = GREATEST(held.rent_at, EXCLUDED.rent_at),
        created_at = LEAST(held.created_at, EXCLUDED.created_at),
        state_at = GREATEST(held.state_at, EXCLUDED.state_at)""",
    select=(*_LEASE_FACT, "state_at"),
)

# a termination: the state as of ``state_at``, terminated then
_LEASE_TERMINATED = _upsert(
    "leases",
    ("lease_id",),
    (*_LEASE_KEYS, "start_date", "end_date", "allocation_type", "terminated_at", "state_at"),
    f"""DO UPDATE SET
        {", ".join(_fill(c) for c in _LEASE_STATE[:6])},
        end_date = CASE WHEN {_NEWER} THEN EXCLUDED.end_date ELSE held.end_date END,
        terminated_at = LEAST(held.terminated_at, EXCLUDED.terminated_at),
        state_at = GREATEST(held.state_at, EXCLUDED.state_at)""",
    select=(*_LEASE_KEYS, "start_date", "end_date", "allocation_type", "state_at", "state_at"),
)

# A rent change known before the lease itself: the lease's state stays unknown ('-infinity'),
# so whichever lease event comes fills it.
_LEASE_RENT = _upsert(
    "leases",
    ("lease_id",),
    (*_LEASE_KEYS, "monthly_rent", "area_m2", "state_at", "rent_at"),
    """DO UPDATE SET
        monthly_rent = CASE WHEN held.rent_at IS NULL OR held.rent_at < EXCLUDED.rent_at
            THEN EXCLUDED.monthly_rent ELSE held.monthly_rent END,
        area_m2 = CASE WHEN held.rent_at IS NULL OR held.rent_at < EXCLUDED.rent_at
            THEN EXCLUDED.area_m2 ELSE held.area_m2 END,
        rent_at = GREATEST(held.rent_at, EXCLUDED.rent_at)""",
    select=(*_LEASE_KEYS, "monthly_rent", "area_m2", "timestamptz '-infinity'", "rent_at"),
)

_PACKAGE_KEYS: Final = ("organisation_id", "governance_year", "home_municipality_code")

_PACKAGE_SENT = _upsert(
    "packages",
    ("package_id",),
    (*_PACKAGE_KEYS, "location_municipality_codes", "sent_at", "red_figures", "yellow_figures"),
    """DO UPDATE SET
        location_municipality_codes = CASE WHEN held.sent_at IS NULL
            OR held.sent_at < EXCLUDED.sent_at THEN EXCLUDED.location_municipality_codes
            ELSE held.location_municipality_codes END,
        red_figures = CASE WHEN held.sent_at IS NULL OR held.sent_at < EXCLUDED.sent_at
            THEN EXCLUDED.red_figures ELSE held.red_figures END,
        yellow_figures = CASE WHEN held.sent_at IS NULL OR held.sent_at < EXCLUDED.sent_at
            THEN EXCLUDED.yellow_figures ELSE held.yellow_figures END,
        sent_at = GREATEST(held.sent_at, EXCLUDED.sent_at)""",
)


def _package_fact(column: str, combine: str) -> Statement:
    return _upsert(
        "packages",
        ("package_id",),
        (*_PACKAGE_KEYS, column),
        f"DO UPDATE SET {column} = {combine}(held.{column}, EXCLUDED.{column})",
    )


_PACKAGE_EDITING = _upsert(
    "packages",
    ("package_id",),
    (*_PACKAGE_KEYS, "editing_status", "editing_at"),
    """DO UPDATE SET
        editing_status = CASE WHEN held.editing_at IS NULL OR held.editing_at < EXCLUDED.editing_at
            OR (held.editing_at = EXCLUDED.editing_at
                AND held.editing_status < EXCLUDED.editing_status)
            THEN EXCLUDED.editing_status ELSE held.editing_status END,
        editing_at = GREATEST(held.editing_at, EXCLUDED.editing_at)""",
)
_PACKAGE_DEADLINE = _upsert(
    "package_deadlines",
    ("municipality_code", "organisation_id", "governance_year"),
    ("deadline", "set_at"),
    """DO UPDATE SET
        deadline = EXCLUDED.deadline, set_at = EXCLUDED.set_at
    WHERE held.set_at < EXCLUDED.set_at
        OR (held.set_at = EXCLUDED.set_at
            AND held.deadline IS DISTINCT FROM EXCLUDED.deadline
            AND (held.deadline IS NULL OR held.deadline < EXCLUDED.deadline))""",
)

_PACKAGE_RETURNED = _package_fact("returned_at", "GREATEST")
_PACKAGE_MEETING = _package_fact("meeting_held_on", "GREATEST")
_PACKAGE_STATEMENT = _package_fact("statement_at", "LEAST")

REVISION_CHANNEL: Final = "dashboards_revision"
_BUMP: Final = (
    "INSERT INTO model_revision AS held (id, revision) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET revision = held.revision + 1"
)
_NOTIFY: Final = f"SELECT pg_notify('{REVISION_CHANNEL}', '')"


_DWELLING = _upsert(
    "dwellings",
    ("dwelling_id",),
    ("lease_id", *_LEASE_KEYS[1:], "vacancy_loss", "vacant_soon", "state_at"),
    """DO UPDATE SET
        lease_id = EXCLUDED.lease_id, department_id = EXCLUDED.department_id,
        organisation_id = EXCLUDED.organisation_id,
        municipality_code = EXCLUDED.municipality_code,
        vacancy_loss = EXCLUDED.vacancy_loss, vacant_soon = EXCLUDED.vacant_soon,
        state_at = EXCLUDED.state_at
    WHERE held.state_at < EXCLUDED.state_at""",
)

_DEPARTMENT_COLOURS = _upsert(
    "department_colours",
    ("department_id", "year"),
    ("organisation_id", "municipality_code", "revision", "red", "yellow", "red_codes"),
    """DO UPDATE SET
        organisation_id = EXCLUDED.organisation_id,
        municipality_code = EXCLUDED.municipality_code, revision = EXCLUDED.revision,
        red = EXCLUDED.red, yellow = EXCLUDED.yellow, red_codes = EXCLUDED.red_codes
    WHERE held.revision < EXCLUDED.revision""",
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


def _grant_fact(columns: Sequence[str], updates: Sequence[str]) -> Statement:
    keys = ("organisation_id", "organisation_ids", "municipality_code")
    return _upsert(
        "grant_cases",
        ("application_id",),
        (*keys, "keys_at", *columns),
        f"""DO UPDATE SET
            {", ".join(_newest(k, "keys_at") for k in keys)},
            keys_at = GREATEST(held.keys_at, EXCLUDED.keys_at),
            year = GREATEST(held.year, EXCLUDED.year)
            {"".join(f", {u}" for u in updates)}""",
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


def _offer_fact(columns: Sequence[str], updates: Sequence[str]) -> Statement:
    return _upsert(
        "offers",
        ("offer_id",),
        ("offer_source", "organisation_id", "municipality_code", "answer_due", *columns),
        f"""DO UPDATE SET
            answer_due = GREATEST(held.answer_due, EXCLUDED.answer_due)
            {"".join(f", {u}" for u in updates)}""",
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

_SUBSIDY = _upsert(
    "subsidies",
    ("subsidy_id",),
    ("municipality_code", "organisation_id", "frame_year", "granted_at"),
    "DO NOTHING",
)
_SUBSIDY_FRAME = _upsert(
    "subsidy_frames",
    ("municipality_code", "year"),
    ("dwellings", "as_of"),
    """DO UPDATE SET
        dwellings = EXCLUDED.dwellings, as_of = EXCLUDED.as_of
    WHERE held.as_of < EXCLUDED.as_of
        OR (held.as_of = EXCLUDED.as_of AND held.dwellings < EXCLUDED.dwellings)""",
)

# --- legal-cases: a tribunal case's deadlines and decision --------------------------------------

_CASE_KEYS: Final = ("tribunal_code", "filing_municipality_code", "category")
_FILING_MUNICIPALITY: Final = """filing_municipality_code = GREATEST(
            held.filing_municipality_code, EXCLUDED.filing_municipality_code)"""


def _tribunal_fact(columns: Sequence[str], combine: str) -> Statement:
    return _upsert(
        "tribunal_cases",
        ("case_id",),
        (*_CASE_KEYS, *columns),
        f"""DO UPDATE SET
            {_FILING_MUNICIPALITY}
            {"".join(f", {c} = {combine}(held.{c}, EXCLUDED.{c})" for c in columns)}""",
    )


_CASE_FILED = _upsert(
    "tribunal_cases",
    ("case_id",),
    (*_CASE_KEYS, "filed_on", "notify_due"),
    f"""DO UPDATE SET
        {_FILING_MUNICIPALITY},
        filed_on = LEAST(held.filed_on, EXCLUDED.filed_on),
        notify_due = GREATEST(held.notify_due, EXCLUDED.notify_due)""",
)
_CASE_NOTIFIED = _tribunal_fact(("notified_on", "reply_due"), "GREATEST")
_CASE_DECIDED = _tribunal_fact(("decided_on",), "GREATEST")
_CASE_REJECTED = _tribunal_fact(("rejected_on",), "LEAST")
# a suspension or resumption: suspended as the newest change told it; the deadlines only move
# later (a resumption adds the working days suspended, an extension is later), and a stopped
# deadline (NULL) leaves the date known
_CASE_MOVED = _upsert(
    "tribunal_cases",
    ("case_id",),
    (*_CASE_KEYS, "notify_due", "reply_due", "suspended", "suspension_changes"),
    f"""DO UPDATE SET
        {_FILING_MUNICIPALITY},
        notify_due = GREATEST(held.notify_due, EXCLUDED.notify_due),
        reply_due = GREATEST(held.reply_due, EXCLUDED.reply_due),
        suspended = CASE WHEN held.suspension_changes IS NULL
            OR held.suspension_changes < EXCLUDED.suspension_changes
            THEN EXCLUDED.suspended ELSE held.suspended END,
        suspension_changes = GREATEST(held.suspension_changes, EXCLUDED.suspension_changes)""",
)
# a question's deadline only moves later (an extension); closed: the earliest closing told
_CASE_QUESTION = _upsert(
    "tribunal_questions",
    ("case_id", "question_id"),
    ("asked_on", "answer_due", "closed_on"),
    """DO UPDATE SET
        asked_on = LEAST(held.asked_on, EXCLUDED.asked_on),
        answer_due = GREATEST(held.answer_due, EXCLUDED.answer_due),
        closed_on = LEAST(held.closed_on, EXCLUDED.closed_on)""",
)

Rows = Sequence[dict[str, Any]]

# Each statement is commutative (newest wins, earliest/latest times) but for equal times, where
# the row held is kept: a batch's rows are written per statement, in rounds of distinct keys.
STATEMENTS: Final[Mapping[str, Statement]] = {
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
"""Each kind of fact's statement; a fact's fields are named like its table's columns."""


async def write_facts(session: AsyncSession, facts: Mapping[str, Rows]) -> None:
    """Write each kind's rows (``facts``: a key of :data:`STATEMENTS` → its rows, in the
    batch's order), then tell the live pages: every statement sent together on the session's
    psycopg connection (one round trip, in the session's transaction)."""
    async with pipeline(session) as driver:
        for kind, rows in facts.items():
            statement = STATEMENTS[kind]
            for distinct in distinct_key_rounds(rows, statement.key):
                await driver.execute(statement.sql, {"rows": rows_json(distinct)})
        await _bump(driver)


async def bump_revision(session: AsyncSession) -> None:  # also used by rebuilds
    """Tell the live pages that the figures changed (read by ``db.reading.revision``); the
    notification reaches the web processes when the transaction commits."""
    await _bump(await driver_connection(session))


async def _bump(driver: psycopg.AsyncConnection[Any]) -> None:
    await driver.execute(_BUMP)
    await driver.execute(_NOTIFY)
