"""The change log of a package (who changed what, when) and notification failures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.events.contracts import DeliveryFailedV1
from governance.db.models import PackageChangeRow
from governance.db.repositories import PackageRepository
from governance.services.core import load_package, log_change


@dataclass(frozen=True, slots=True)
class ChangePage:
    """A page of the change log; the cursor is the id of the page's last line (the log's ids
    are its order)."""

    rows: list[PackageChangeRow]
    next_cursor: int | None


async def list_changes(
    session: AsyncSession, scope: Scope, package_id: str, *, after: int | None, limit: int
) -> ChangePage:
    repo = PackageRepository(session)
    package = await load_package(repo, scope, package_id)
    rows = await repo.changes_of(package.id, after, limit + 1)
    if len(rows) > limit:
        return ChangePage(rows[:limit], rows[limit - 1].id)
    return ChangePage(rows, None)


async def apply_delivery_failed(session: AsyncSession, event: DeliveryFailedV1) -> bool:
    """A notification about one of our packages could not be delivered: say so in its log."""
    repo = PackageRepository(session)
    package = await repo.package(event.cause_subject)
    if package is None:
        return False
    who = "municipality" if event.recipient_kind == "municipality" else "organisation"
    await log_change(
        repo,
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
