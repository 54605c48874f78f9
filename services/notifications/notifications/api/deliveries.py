"""The delivery log: what was sent to whom after which event, and how it went.

Filters: event id or type, recipient (kind + ref), status and a creation-time range; newest
first, keyset-paginated. The fund (operations) sees every delivery, an organisation those
that followed its own events, a municipality those addressed to it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from common.access import Scope
from common.app import ReadUnitOfWorkDep, UnitOfWorkDep
from common.dates import WireDateTime
from common.paging import Cursor, Limit, Page
from common.problems import problem_responses
from notifications.api.deps import NotificationScope
from notifications.api.schemas import (
    DeliveryDetailOut,
    DeliveryList,
    DeliveryOut,
    DeliverySummary,
)
from notifications.db.repositories import DeliveryFilter
from notifications.domain.deliveries import OPEN_STATUSES, DeliveryStatus
from notifications.domain.rules import Recipient, RecipientKind
from notifications.domain.visibility import sees_address_of
from notifications.services import deliveries

router = APIRouter(tags=["deliveries"])

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

READ_RESPONSES = problem_responses(
    {
        401: "No or invalid bearer token",
        403: "Your role has no notifications",
        404: "No such delivery among those you may see",
        422: "A filter is not valid",
    }
)


def delivery_out(row: Any, scope: Scope, model: type[DeliveryOut] = DeliveryOut) -> DeliveryOut:
    """A delivery (a ``DeliveryRow`` or a row of the log's columns) as the caller may see it."""
    values: dict[str, Any] = {
        name: getattr(row, name) for name in model.model_fields if hasattr(row, name)
    }
    if not sees_address_of(scope, Recipient(RecipientKind(row.recipient_kind), row.recipient_ref)):
        values["address"] = None
    if row.status not in OPEN_STATUSES:
        values["next_attempt_at"] = None
    return model.model_validate(values)


def delivery_values(row: Any, scope: Scope) -> dict[str, Any]:
    """A row of the log's columns (``DeliveryRepository.page``) as the list item's plain values,
    hidden as in :func:`delivery_out`: the route's response model validates and serialises
    them once."""
    values = dict(row._mapping)
    if not sees_address_of(scope, Recipient(RecipientKind(row.recipient_kind), row.recipient_ref)):
        values["address"] = None
    if row.status not in OPEN_STATUSES:
        values["next_attempt_at"] = None
    return values


async def delivery_filter(
    event_id: Annotated[uuid.UUID | None, Query(description="The event's id (ce_id).")] = None,
    event_type: Annotated[
        str | None, Query(max_length=128, pattern=r"^[a-z0-9_.]+$", description="Event type.")
    ] = None,
    recipient_kind: Annotated[RecipientKind | None, Query()] = None,
    recipient_ref: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
            description="Municipality code or organisation id (with recipient_kind).",
        ),
    ] = None,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    created_from: Annotated[
        WireDateTime | None, Query(description="Created at or after (RFC 3339, with time zone).")
    ] = None,
    created_to: Annotated[
        WireDateTime | None, Query(description="Created before (RFC 3339, with time zone).")
    ] = None,
) -> DeliveryFilter:
    return DeliveryFilter(
        event_id=event_id,
        event_type=event_type,
        recipient_kind=recipient_kind.value if recipient_kind else None,
        recipient_ref=recipient_ref,
        status=status.value if status else None,
        created_from=created_from,
        created_to=created_to,
    )


Filters = Annotated[DeliveryFilter, Depends(delivery_filter)]


@router.get(
    "/deliveries",
    response_model=Page[DeliveryOut],
    responses=READ_RESPONSES,
    summary="Search the delivery log",
)
async def list_deliveries(
    scope: NotificationScope,
    uow: ReadUnitOfWorkDep,
    where: Filters,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    page = await deliveries.list_deliveries(uow, scope, where, cursor=cursor, limit=limit)
    return {
        "items": [delivery_values(r, scope) for r in page.rows],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/deliveries/summary",
    response_model=DeliverySummary,
    responses=READ_RESPONSES,
    summary="How many deliveries are in each state (same filters and scopes as the log)",
)
async def delivery_summary(scope: NotificationScope, uow: UnitOfWorkDep, where: Filters) -> Any:
    counts, oldest = await deliveries.summary(uow, scope, where)
    return {
        "counts": {status: counts.get(status.value, 0) for status in DeliveryStatus},
        "oldest_open_created_at": oldest,
    }


@router.get(
    "/deliveries/export.xlsx",
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "The delivery log as Excel"},
        **READ_RESPONSES,
    },
    response_class=Response,
    summary="The delivery log as an Excel workbook (same filters, newest first)",
    description=f"At most {deliveries.EXPORT_LIMIT:,} rows; narrow the filters for more.",
)
async def export_deliveries(
    scope: NotificationScope, uow: UnitOfWorkDep, where: Filters
) -> Response:
    rows, truncated = await deliveries.export_rows(uow, scope, where)
    workbook = deliveries.workbook([delivery_out(r, scope) for r in rows], truncated=truncated)
    return Response(
        workbook,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="afsendelser.xlsx"'},
    )


@router.get(
    "/deliveries/{delivery_id}",
    response_model=DeliveryDetailOut,
    responses=READ_RESPONSES,
    summary="Read one delivery, with the message as sent",
)
async def get_delivery(
    delivery_id: Annotated[uuid.UUID, Path()], scope: NotificationScope, uow: UnitOfWorkDep
) -> Any:
    row = await deliveries.get_delivery(uow, scope, delivery_id)
    return delivery_out(row, scope, DeliveryDetailOut)


@router.post(
    "/deliveries/{delivery_id}/resend",
    status_code=202,
    response_model=DeliveryList,
    responses={
        **READ_RESPONSES,
        **problem_responses(
            {
                403: "Only the fund's operations may send a delivery again",
                409: "Not failed / without address, or the recipient still has no address",
            }
        ),
    },
    summary="Send a failed delivery again, to the recipient's current addresses",
    description="For operations, once a bad address was corrected or the relay is fixed. "
    "Returns the deliveries now waiting to be sent. Send an Idempotency-Key: a retried "
    "request is applied once.",
)
async def resend_delivery(
    delivery_id: Annotated[uuid.UUID, Path()], scope: NotificationScope, uow: UnitOfWorkDep
) -> Any:
    reopened = await deliveries.resend(uow, scope, delivery_id)
    return {"items": [delivery_out(r, scope) for r in reopened]}
