"""The other services' main lists for ``bench.register_read`` (issue 17, goal 5).

``register_read`` measures every list the same way — the service's route against a raw-SQL route
of its bare baseline app, the first page and the page 10,000 rows deep, both sides' bodies checked
equal first. This module holds what differs per list: how the service's database is filled (one
``INSERT … SELECT`` from ``generate_series``, not timed), and the baseline's statement and JSON.

* governance ``GET /governance/v1/packages`` — 12,000 packages (1,500 organisations × 8 years),
  by id; the fund's token (it sees every package);
* notifications ``GET /notifications/v1/deliveries`` — 12,000 deliveries, newest first
  (``created_at``, ``id``), two created in each second; the fund's token (every delivery, every
  address).

The baseline's cursor is its own plain text (the last row's key), as the register baseline's is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import TextClause, text

from common.db.engine import libpq_dsn
from governance.domain.rules import PackageStatus

ROWS = 12_000


def _utc(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class ListCase:
    """One service's list, as both sides serve it."""

    name: str  # the request kinds are "<name> first page" and "<name> deep page"
    service: str  # the package: migrations, ``<service>.main:create_app``, URL prefix
    path: str  # the service's list route
    fill: str  # SQL filling the service's database with ROWS rows (psycopg, no parameters)
    first: TextClause  # the baseline's first page (:n rows)
    after: TextClause  # the baseline's page after its cursor (:n rows, the cursor's parts)
    item: Callable[[Any], dict[str, Any]]  # a row → the list item's JSON
    cursor: Callable[[Any], str]  # the last row of a page → the baseline's cursor
    after_params: Callable[[str], Mapping[str, Any]]  # the baseline's cursor → parameters

    @property
    def env_prefix(self) -> str:
        return f"{self.service.upper()}_"

    @property
    def baseline_path(self) -> str:
        return f"/baseline/{self.name}"

    @property
    def baseline_env(self) -> str:
        return f"BENCH_BASELINE_{self.service.upper()}_DATABASE_URL"

    def fill_database(self, url: str) -> int:
        with psycopg.connect(libpq_dsn(url)) as connection:
            connection.execute(self.fill.encode())
            table = sql.Identifier(self.name)
            row = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
            connection.execute(sql.SQL("ANALYZE {}").format(table))
        return int(row[0]) if row else 0


# --- governance: packages -----------------------------------------------------------------------

_STATUSES = [status.value for status in PackageStatus]
_PACKAGE_COLUMNS = (
    "id, organisation_id, year, status, version, home_municipality_code, sent_at, updated_at"
)
_PACKAGES_FILL = f"""
INSERT INTO packages (id, organisation_id, year, status, version, home_municipality_code,
                      created_at, updated_at, sent_at)
SELECT 'pkg-' || y || '-org-' || lpad(o::text, 4, '0'), 'org-' || lpad(o::text, 4, '0'), y,
       (ARRAY{_STATUSES!r})[1 + (o + y) % {len(_STATUSES)}],
       1 + o % 3, lpad((101 + o % 98)::text, 3, '0'),
       timestamptz '2026-01-05 08:00:00+00' + (o || ' minutes')::interval,
       timestamptz '2026-03-05 08:00:00+00' + (o * 7 || ' seconds')::interval,
       CASE WHEN (o + y) % {len(_STATUSES)} >= 3
            THEN timestamptz '2026-04-01 12:00:00+00' + (o || ' seconds')::interval END
FROM generate_series(1, {ROWS // 8}) AS o, generate_series(2019, 2026) AS y
"""


def _package_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "organisation_id": row.organisation_id,
        "year": row.year,
        "status": row.status,
        "status_label": PackageStatus(row.status).label,
        "version": row.version,
        "home_municipality_code": row.home_municipality_code,
        "sent_at": _utc(row.sent_at),
        "updated_at": _utc(row.updated_at),
    }


PACKAGES = ListCase(
    name="packages",
    service="governance",
    path="/governance/v1/packages",
    fill=_PACKAGES_FILL,
    first=text(f"SELECT {_PACKAGE_COLUMNS} FROM packages ORDER BY id LIMIT :n"),
    after=text(f"SELECT {_PACKAGE_COLUMNS} FROM packages WHERE id > :after ORDER BY id LIMIT :n"),
    item=_package_item,
    cursor=lambda row: str(row.id),
    after_params=lambda cursor: {"after": cursor},
)


# --- notifications: deliveries ------------------------------------------------------------------

_DELIVERY_COLUMNS = (
    "id, event_id, event_type, event_subject, organisation_id, recipient_kind, recipient_ref, "
    "address, required, status, subject, attempts, next_attempt_at, last_error, smtp_response, "
    "message_id, created_at, sent_at, failed_at, resend_requested_by, resend_requested_at"
)
_OPEN = ("pending", "sending")
_DELIVERIES_FILL = f"""
INSERT INTO deliveries (id, event_id, event_type, event_subject, organisation_id, recipient_kind,
                        recipient_ref, address, required, template, subject, body_text,
                        body_html, message_id, status, attempts, next_attempt_at, last_error,
                        created_at, updated_at, sent_at)
SELECT md5('d' || g)::uuid, md5('e' || g / 2)::uuid, 'governance.package.sent', 'pkg-' || g / 2,
       'org-' || lpad((g % 1500)::text, 4, '0'),
       CASE WHEN g % 2 = 0 THEN 'municipality' ELSE 'organisation' END,
       CASE WHEN g % 2 = 0 THEN lpad((101 + g % 98)::text, 3, '0')
            ELSE 'org-' || lpad((g % 1500)::text, 4, '0') END,
       'postkasse' || g || '@example.dk', g % 5 = 0, 'package_sent',
       'Styringsdialog: pakke ' || g / 2 || ' er fremsendt', 'body', '<p>body</p>',
       CASE WHEN g % 10 < 8 THEN '<' || g || '@housing.example>' END,
       CASE WHEN g % 10 < 8 THEN 'sent' WHEN g % 10 = 8 THEN 'failed' ELSE 'pending' END,
       1 + g % 3, timestamptz '2026-06-01 00:00:00+00' + (g || ' seconds')::interval,
       CASE WHEN g % 10 = 8 THEN '550 mailbox unavailable' END,
       timestamptz '2026-01-01 00:00:00+00' + (g / 2 || ' seconds')::interval,
       timestamptz '2026-01-01 00:00:00+00' + (g / 2 || ' seconds')::interval,
       CASE WHEN g % 10 < 8
            THEN timestamptz '2026-01-01 00:00:05+00' + (g / 2 || ' seconds')::interval END
FROM generate_series(1, {ROWS}) AS g
"""


def _delivery_item(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "event_id": str(row.event_id),
        "event_type": row.event_type,
        "event_subject": row.event_subject,
        "organisation_id": row.organisation_id,
        "recipient_kind": row.recipient_kind,
        "recipient_ref": row.recipient_ref,
        "address": row.address,  # the fund sees every address
        "required": row.required,
        "status": row.status,
        "subject": row.subject,
        "attempts": row.attempts,
        "next_attempt_at": _utc(row.next_attempt_at) if row.status in _OPEN else None,
        "last_error": row.last_error,
        "smtp_response": row.smtp_response,
        "message_id": row.message_id,
        "created_at": _utc(row.created_at),
        "sent_at": _utc(row.sent_at),
        "failed_at": _utc(row.failed_at),
        "resend_requested_by": row.resend_requested_by,
        "resend_requested_at": _utc(row.resend_requested_at),
    }


def _delivery_cursor(row: Any) -> str:
    micros = int(row.created_at.timestamp()) * 1_000_000 + row.created_at.microsecond
    return f"{micros}_{row.id}"


def _delivery_after(cursor: str) -> dict[str, Any]:
    micros, _, delivery_id = cursor.partition("_")
    seconds, rest = divmod(int(micros), 1_000_000)
    created_at = datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest)
    return {"created_at": created_at, "id": uuid.UUID(delivery_id)}


DELIVERIES = ListCase(
    name="deliveries",
    service="notifications",
    path="/notifications/v1/deliveries",
    fill=_DELIVERIES_FILL,
    first=text(
        f"SELECT {_DELIVERY_COLUMNS} FROM deliveries ORDER BY created_at DESC, id DESC LIMIT :n"
    ),
    after=text(
        f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE (created_at, id) < (:created_at, :id) "
        "ORDER BY created_at DESC, id DESC LIMIT :n"
    ),
    item=_delivery_item,
    cursor=_delivery_cursor,
    after_params=_delivery_after,
)

CASES = (PACKAGES, DELIVERIES)
