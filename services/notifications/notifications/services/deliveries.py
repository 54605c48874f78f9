"""Use cases of the delivery log: list with filters, read one."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import xlsxwriter

from common.db.uow import UnitOfWork
from notifications.api.access import NotificationScope
from notifications.db.models import DeliveryRow
from notifications.db.repositories import DeliveryFilter, DeliveryRepository
from notifications.domain.errors import DeliveryNotFoundError, InvalidCursorError
from notifications.services.cursors import decode_cursor, encode_cursor
from notifications.services.directory import PageOf

if TYPE_CHECKING:
    from notifications.api.schemas import DeliveryOut

EXPORT_LIMIT = 10_000

STATUS_DA = {
    "pending": "afventer",
    "sending": "sendes",
    "sent": "sendt",
    "failed": "fejlet",
    "no_address": "ingen adresse",
    "opted_out": "fravalgt",
}


async def list_deliveries(
    uow: UnitOfWork,
    scope: NotificationScope,
    where: DeliveryFilter,
    *,
    cursor: str | None,
    limit: int,
) -> PageOf:
    after = decode_cursor(cursor, 2)
    key: tuple[datetime, uuid.UUID] | None = None
    if after is not None:
        try:
            key = (datetime.fromisoformat(str(after[0])), uuid.UUID(str(after[1])))
        except ValueError as exc:
            raise InvalidCursorError("The cursor is not one this service issued.") from exc
        if key[0].tzinfo is None:
            raise InvalidCursorError("The cursor is not one this service issued.")
    rows = await DeliveryRepository(uow.session).page(
        visible=scope.deliveries_visible(), where=where, after=key, limit=limit
    )
    if len(rows) > limit:
        last = rows[limit - 1]
        return PageOf(rows[:limit], encode_cursor([last.created_at.isoformat(), str(last.id)]))
    return PageOf(rows, None)


async def get_delivery(
    uow: UnitOfWork, scope: NotificationScope, delivery_id: uuid.UUID
) -> DeliveryRow:
    row = await DeliveryRepository(uow.session).get(delivery_id, scope.deliveries_visible())
    if row is None:
        raise DeliveryNotFoundError(f"Delivery '{delivery_id}' was not found.")
    return row


async def export_rows(
    uow: UnitOfWork, scope: NotificationScope, where: DeliveryFilter
) -> tuple[Sequence[DeliveryRow], bool]:
    """The newest ``EXPORT_LIMIT`` matching deliveries, and whether there were more."""
    rows = await DeliveryRepository(uow.session).page(
        visible=scope.deliveries_visible(), where=where, after=None, limit=EXPORT_LIMIT
    )
    return rows[:EXPORT_LIMIT], len(rows) > EXPORT_LIMIT


def workbook(items: Sequence[DeliveryOut], *, truncated: bool) -> bytes:
    """One sheet 'Afsendelser', a row per delivery; times in UTC as Excel dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet("Afsendelser")
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "dd-mm-yyyy hh:mm:ss"})
    headers = [
        ("Oprettet (UTC)", 20),
        ("Status", 14),
        ("Hændelse", 38),
        ("Hændelses-id", 38),
        ("Sag (emne)", 20),
        ("Boligorganisation", 18),
        ("Modtager", 14),
        ("Modtager-id", 14),
        ("Adresse", 30),
        ("Emne", 60),
        ("Forsøg", 8),
        ("Sendt (UTC)", 20),
        ("Fejlet (UTC)", 20),
        ("Seneste svar / fejl", 50),
    ]
    for column, (title, width) in enumerate(headers):
        sheet.write(0, column, title, bold)
        sheet.set_column(column, column, width)
    kinds = {"municipality": "kommune", "organisation": "boligorganisation"}
    for row_number, item in enumerate(items, start=1):
        values = [
            item.created_at,
            STATUS_DA.get(item.status.value, item.status.value),
            item.event_type,
            str(item.event_id),
            item.event_subject,
            item.organisation_id or "",
            kinds.get(item.recipient_kind.value, item.recipient_kind.value),
            item.recipient_ref,
            item.address or "",
            item.subject,
            item.attempts,
            item.sent_at,
            item.failed_at,
            item.last_error or item.smtp_response or "",
        ]
        for column, value in enumerate(values):
            if isinstance(value, datetime):
                sheet.write_datetime(row_number, column, value.astimezone(UTC), when)
            elif value is None:
                sheet.write_blank(row_number, column, None)
            else:
                sheet.write(row_number, column, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(items), 1), len(headers) - 1)
    if truncated:
        sheet.write(len(items) + 2, 0, f"Kun de nyeste {EXPORT_LIMIT:,} afsendelser er med.")
    book.close()
    return buffer.getvalue()
