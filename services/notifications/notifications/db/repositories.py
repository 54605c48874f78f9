"""Every query of the notifications service (architecture convention 4)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from common.access import Scope
from common.db.engine import driver_connection
from common.db.projection import rows_json
from notifications.db.models import (
    DeliveryRow,
    OrganisationRow,
    RecipientChangeRow,
    RecipientRow,
)
from notifications.domain.deliveries import DeliveryStatus
from notifications.domain.rules import Recipient, RecipientKind

# What a delivery carries of its event, its recipient and its message (a resent one: its
# original's).
MESSAGE_COLUMNS = (
    "event_id",
    "event_type",
    "event_subject",
    "organisation_id",
    "recipient_kind",
    "recipient_ref",
    "required",
    "template",
    "subject",
    "body_text",
    "body_html",
)
# What a new delivery sets (every other column keeps its default).
NEW_DELIVERY_COLUMNS = (
    "id",
    *MESSAGE_COLUMNS,
    "address",
    "status",
    "created_at",
    "updated_at",
    "next_attempt_at",
)
# A consumer's batch of new deliveries in one fixed statement, its rows as one jsonb array
# typed by the table's own row type, on the session's psycopg connection. (A multi-row VALUES
# of SQLAlchemy's was compiled anew for every number of rows, ~17 bind parameters a row, and
# took ~2 ms of Python per event of 2–4 deliveries, measured.)
_ADD_DELIVERIES = f"""
INSERT INTO deliveries ({", ".join(NEW_DELIVERY_COLUMNS)})
SELECT {", ".join(f"r.{column}" for column in NEW_DELIVERY_COLUMNS)}
FROM jsonb_populate_recordset(NULL::deliveries, CAST(%(rows)s AS jsonb)) WITH ORDINALITY AS r
ORDER BY r.ordinality
ON CONFLICT DO NOTHING
RETURNING id
"""  # noqa: S608 - fixed column names


def _recipients_seen_by(
    scope: Scope, kind: InstrumentedAttribute[str], ref: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """Recipients (a kind and ref column) whose entries the caller manages: a municipality's
    lies in that municipality, an organisation's belongs to that organisation (the SQL form of
    :func:`notifications.domain.visibility.manages`)."""
    return or_(
        and_(kind == RecipientKind.MUNICIPALITY, scope.filter(municipality_column=ref)),
        and_(kind == RecipientKind.ORGANISATION, scope.filter(organisation_column=ref)),
    )


def recipients_visible_to(scope: Scope) -> ColumnElement[bool]:
    """The directory entries the caller manages."""
    return _recipients_seen_by(scope, RecipientRow.kind, RecipientRow.ref)


def deliveries_visible_to(scope: Scope) -> ColumnElement[bool]:
    """The deliveries the caller reads: those addressed to a recipient it manages, and those
    that followed the events of an organisation it sees (a municipality reads only what was
    addressed to it)."""
    return or_(
        scope.filter(organisation_column=DeliveryRow.organisation_id),
        _recipients_seen_by(scope, DeliveryRow.recipient_kind, DeliveryRow.recipient_ref),
    )


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def names(self, organisation_ids: Iterable[str]) -> dict[str, str]:
        """id → name of those ``organisation_ids`` whose name the register sent."""
        wanted = sorted(set(organisation_ids))
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(OrganisationRow.id, OrganisationRow.name).where(
                OrganisationRow.id.in_(wanted), OrganisationRow.name.is_not(None)
            )
        )
        return {row.id: row.name for row in rows}


class RecipientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_many(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], RecipientRow]:
        """The directory entries of these (kind, ref) pairs that exist."""
        if not keys:
            return {}
        rows = await self.session.scalars(
            select(RecipientRow).where(tuple_(RecipientRow.kind, RecipientRow.ref).in_(keys))
        )
        return {(row.kind, row.ref): row for row in rows}

    async def get(self, kind: str, ref: str, *, for_update: bool = False) -> RecipientRow | None:
        query = select(RecipientRow).where(RecipientRow.kind == kind, RecipientRow.ref == ref)
        if for_update:
            query = query.with_for_update()
        found: RecipientRow | None = await self.session.scalar(query)
        return found

    async def page(
        self,
        *,
        scope: Scope,
        kind: str | None,
        after: tuple[str, str] | None,
        limit: int,
    ) -> Sequence[RecipientRow]:
        query = select(RecipientRow).where(recipients_visible_to(scope))
        if kind is not None:
            query = query.where(RecipientRow.kind == kind)
        if after is not None:  # a row comparison: the primary key's index starts at it
            query = query.where(tuple_(RecipientRow.kind, RecipientRow.ref) > tuple_(*after))
        query = query.order_by(RecipientRow.kind, RecipientRow.ref).limit(limit + 1)
        return (await self.session.scalars(query)).all()

    def add(self, row: RecipientRow) -> None:
        self.session.add(row)

    def record_change(self, change: RecipientChangeRow) -> None:
        self.session.add(change)

    async def flush(self) -> None:
        """Write what was added or changed now, so a conflict is the use case's error."""
        await self.session.flush()

    async def changes(
        self, kind: str, ref: str, *, after: int | None, limit: int
    ) -> Sequence[RecipientChangeRow]:
        query = select(RecipientChangeRow).where(
            RecipientChangeRow.kind == kind, RecipientChangeRow.ref == ref
        )
        if after is not None:
            query = query.where(RecipientChangeRow.id > after)
        query = query.order_by(RecipientChangeRow.id).limit(limit + 1)
        return (await self.session.scalars(query)).all()


# The delivery log's columns (``GET /deliveries`` and its export): all but the message.
LOG_COLUMNS = (
    DeliveryRow.id,
    DeliveryRow.event_id,
    DeliveryRow.event_type,
    DeliveryRow.event_subject,
    DeliveryRow.organisation_id,
    DeliveryRow.recipient_kind,
    DeliveryRow.recipient_ref,
    DeliveryRow.address,
    DeliveryRow.required,
    DeliveryRow.status,
    DeliveryRow.subject,
    DeliveryRow.attempts,
    DeliveryRow.next_attempt_at,
    DeliveryRow.last_error,
    DeliveryRow.smtp_response,
    DeliveryRow.message_id,
    DeliveryRow.created_at,
    DeliveryRow.sent_at,
    DeliveryRow.failed_at,
    DeliveryRow.resend_requested_by,
    DeliveryRow.resend_requested_at,
)


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    event_id: uuid.UUID | None = None
    event_type: str | None = None
    recipient_kind: str | None = None
    recipient_ref: str | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    event_subject: str
    recipient_kind: str
    recipient_ref: str
    address: str
    subject: str
    body_text: str
    body_html: str
    attempts: int  # including the one just claimed
    interrupted: bool  # it was left in 'sending' by an attempt that never recorded its answer
    message_id: str
    lease_until: datetime


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_new(self, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert deliveries (dicts of ``NEW_DELIVERY_COLUMNS``), in order; one that exists
        already (same event and address, or same event and recipient without address) is
        kept, as is the first of two in ``rows``. Returns the ids of those that were new."""
        if not rows:
            return set()
        driver = await driver_connection(self.session)
        inserted = await driver.execute(_ADD_DELIVERIES, {"rows": rows_json(rows)})
        return {row[0] for row in await inserted.fetchall()}

    async def recipients_of_events(
        self, event_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, set[Recipient]]:
        """Per event, everyone who already has a delivery of it (events without: absent)."""
        rows = await self.session.execute(
            select(DeliveryRow.event_id, DeliveryRow.recipient_kind, DeliveryRow.recipient_ref)
            .where(DeliveryRow.event_id.in_(list(event_ids)))
            .distinct()
        )
        found: dict[uuid.UUID, set[Recipient]] = {}
        for event_id, kind, ref in rows.all():
            found.setdefault(event_id, set()).add(Recipient(RecipientKind(kind), ref))
        return found

    async def recipients_of_event(self, event_id: uuid.UUID) -> set[Recipient]:
        """Everyone who already has a delivery for this event."""
        rows = await self.session.execute(
            select(DeliveryRow.recipient_kind, DeliveryRow.recipient_ref)
            .where(DeliveryRow.event_id == event_id)
            .distinct()
        )
        return {Recipient(RecipientKind(kind), ref) for kind, ref in rows.all()}

    async def get_for_update(self, delivery_id: uuid.UUID) -> DeliveryRow | None:
        found: DeliveryRow | None = await self.session.scalar(
            select(DeliveryRow).where(DeliveryRow.id == delivery_id).with_for_update()
        )
        return found

    async def of_event_to(self, event_id: uuid.UUID, address: str) -> DeliveryRow | None:
        found: DeliveryRow | None = await self.session.scalar(
            select(DeliveryRow)
            .where(DeliveryRow.event_id == event_id, DeliveryRow.address == address)
            .with_for_update()
        )
        return found

    def add(self, row: DeliveryRow) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        """Write what was added or changed now, so a conflict is the use case's error."""
        await self.session.flush()

    async def get(self, delivery_id: uuid.UUID, scope: Scope) -> DeliveryRow | None:
        found: DeliveryRow | None = await self.session.scalar(
            select(DeliveryRow).where(DeliveryRow.id == delivery_id, deliveries_visible_to(scope))
        )
        return found

    async def page(
        self,
        *,
        scope: Scope,
        where: DeliveryFilter,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Any]:
        """Newest first, keyset-paginated on (created_at, id): plain rows of the log's columns
        (``LOG_COLUMNS`` by name, not the message bodies), not ORM instances — a page is only
        shown. The cursor is a row comparison, so ``ix_deliveries_created`` (read backwards)
        starts at it: a page 10,000 rows deep costs what the first does."""
        query = select(*LOG_COLUMNS).where(deliveries_visible_to(scope), *self._conditions(where))
        if after is not None:
            query = query.where(tuple_(DeliveryRow.created_at, DeliveryRow.id) < tuple_(*after))
        query = query.order_by(DeliveryRow.created_at.desc(), DeliveryRow.id.desc()).limit(
            limit + 1
        )
        return (await self.session.execute(query)).all()

    @staticmethod
    def _conditions(where: DeliveryFilter) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [true()]
        if where.event_id is not None:
            conditions.append(DeliveryRow.event_id == where.event_id)
        if where.event_type is not None:
            conditions.append(DeliveryRow.event_type == where.event_type)
        if where.recipient_kind is not None:
            conditions.append(DeliveryRow.recipient_kind == where.recipient_kind)
        if where.recipient_ref is not None:
            conditions.append(DeliveryRow.recipient_ref == where.recipient_ref)
        if where.status is not None:
            conditions.append(DeliveryRow.status == where.status)
        if where.created_from is not None:
            conditions.append(DeliveryRow.created_at >= where.created_from)
        if where.created_to is not None:
            conditions.append(DeliveryRow.created_at < where.created_to)
        return conditions

    async def counts(
        self, *, scope: Scope, where: DeliveryFilter
    ) -> tuple[dict[str, int], datetime | None]:
        """Deliveries per status, and when the oldest still open one was created."""
        rows = await self.session.execute(
            select(DeliveryRow.status, func.count(), func.min(DeliveryRow.created_at))
            .where(deliveries_visible_to(scope), *self._conditions(where))
            .group_by(DeliveryRow.status)
        )
        counts: dict[str, int] = {}
        oldest_open: datetime | None = None
        for status, count, oldest in rows.all():
            counts[status] = count
            if status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING) and (
                oldest_open is None or oldest < oldest_open
            ):
                oldest_open = oldest
        return counts, oldest_open

    # --- the sender's queue ---------------------------------------------------------------------

    async def claim_due(
        self,
        *,
        now: datetime,
        lease: timedelta,
        limit: int,
        message_id_of: Callable[[uuid.UUID, str], str],
    ) -> list[ClaimedDelivery]:
        """Take up to ``limit`` due deliveries (pending and due, or left in 'sending' beyond
        their lease) and mark them 'sending' with one more attempt, under row locks that other
        senders skip. The caller commits before handing any of them to the SMTP server."""
        due = (
            (
                await self.session.execute(
                    select(DeliveryRow)
                    .where(
                        DeliveryRow.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
                        or_(
                            and_(
                                DeliveryRow.status == DeliveryStatus.PENDING,
                                DeliveryRow.next_attempt_at <= now,
                            ),
                            and_(
                                DeliveryRow.status == DeliveryStatus.SENDING,
                                DeliveryRow.lease_until <= now,
                            ),
                        ),
                    )
                    .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            .scalars()
            .all()
        )
        claimed: list[ClaimedDelivery] = []
        for row in due:
            assert row.address is not None  # only deliveries with an address are ever pending
            interrupted = row.status == DeliveryStatus.SENDING
            row.message_id = row.message_id or message_id_of(row.event_id, row.address)
            row.status = DeliveryStatus.SENDING
            row.attempts += 1
            row.lease_until = now + lease
            row.updated_at = now
            claimed.append(
                ClaimedDelivery(
                    id=row.id,
                    event_id=row.event_id,
                    event_type=row.event_type,
                    event_subject=row.event_subject,
                    recipient_kind=row.recipient_kind,
                    recipient_ref=row.recipient_ref,
                    address=row.address,
                    subject=row.subject,
                    body_text=row.body_text,
                    body_html=row.body_html,
                    attempts=row.attempts,
                    interrupted=interrupted,
                    message_id=row.message_id,
                    lease_until=row.lease_until,
                )
            )
        await self.session.flush()
        return claimed

    async def finish(self, delivery: ClaimedDelivery, **values: Any) -> bool:
        """Record the outcome of the attempt ``delivery`` claimed — only if no one has taken the
        delivery over since (same attempt, still 'sending'). True when recorded."""
        updated = await self.session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == delivery.id,
                DeliveryRow.status == DeliveryStatus.SENDING,
                DeliveryRow.attempts == delivery.attempts,
            )
            .values(lease_until=None, **values)
            .returning(DeliveryRow.id)
        )
        return updated.first() is not None
