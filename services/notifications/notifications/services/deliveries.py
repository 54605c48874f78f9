"""Use cases of the delivery log: list with filters, read one."""

from __future__ import annotations

import uuid
from datetime import datetime

from common.db.uow import UnitOfWork
from notifications.api.access import NotificationScope
from notifications.db.models import DeliveryRow
from notifications.db.repositories import DeliveryFilter, DeliveryRepository
from notifications.domain.errors import DeliveryNotFoundError, InvalidCursorError
from notifications.services.cursors import decode_cursor, encode_cursor
from notifications.services.directory import PageOf


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
