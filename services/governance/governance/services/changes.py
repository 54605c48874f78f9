"""The change log of a package (who changed what, when) and notification failures."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from common.events.contracts import DeliveryFailedV1
from governance.db.models import PackageChangeRow, PackageRow
from governance.services.access import Actor
from governance.services.core import load_package, log_change


async def list_changes(
    session: AsyncSession, actor: Actor, package_id: str, *, after: int | None, limit: int
) -> tuple[list[PackageChangeRow], int | None]:
    package = await load_package(session, actor, package_id)
    statement = select(PackageChangeRow).where(PackageChangeRow.package_id == package.id)
    if after is not None:
        statement = statement.where(PackageChangeRow.id > after)
    rows = list(
        (await session.execute(statement.order_by(PackageChangeRow.id).limit(limit + 1))).scalars()
    )
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


async def apply_delivery_failed(session: AsyncSession, event: DeliveryFailedV1) -> bool:
    """A notification about one of our packages could not be delivered: say so in its log."""
    package = await session.get(PackageRow, event.cause_subject)
    if package is None:
        return False
    who = "municipality" if event.recipient_kind == "municipality" else "organisation"
    await log_change(
        session,
        package.id,
        None,
        "notification_failed",
        f"Notification to {who} {event.recipient_ref} failed: {event.reason}",
        {
            "delivery_id": event.delivery_id,
            "cause_event_type": event.cause_event_type,
            "recipient_kind": event.recipient_kind,
            "recipient_ref": event.recipient_ref,
        },
    )
    return True
