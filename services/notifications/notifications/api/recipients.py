"""The recipient directory: who gets notifications at which addresses, and what they opted out of.

``PUT /recipients/{kind}/{ref}`` creates or replaces an entry (a municipality its own, an
organisation its own, the fund any); changing an existing entry needs the version read
(``If-Match: W/"<version>"`` or ``version``). ``GET .../changes`` is the entry's audit trail.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from common.app import ReadUnitOfWorkDep, UnitOfWorkDep
from common.errors import FieldError, RuleViolationError
from common.municipalities import MUNICIPALITIES
from common.paging import Cursor, Limit, Page
from common.problems import problem_responses
from common.versioning import etag, parse_if_match
from notifications.api.deps import NotificationScope
from notifications.api.schemas import RecipientChangeOut, RecipientIn, RecipientOut
from notifications.db.models import RecipientRow
from notifications.domain.rules import RecipientKind, optional_event_types, required_event_types
from notifications.services import directory

router = APIRouter(tags=["recipients"])

RefPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="A municipality's three-digit code, or an organisation's id.",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(max_length=40, description='W/"<version>" from the ETag you read.'),
]

READ_RESPONSES = problem_responses(
    {
        401: "No or invalid bearer token",
        403: "Your role has no notifications",
        404: "No such entry among those you may manage",
    }
)
WRITE_RESPONSES = {
    **READ_RESPONSES,
    **problem_responses(
        {
            412: "Stale version: the entry changed since you read it",
            422: "Invalid addresses or an opt-out that is not allowed",
            428: "The entry exists: say which version you change",
        }
    ),
}


def recipient_out(row: RecipientRow) -> RecipientOut:
    kind = RecipientKind(row.kind)
    return RecipientOut(
        kind=kind,
        ref=row.ref,
        addresses=list(row.addresses),
        opt_outs=list(row.opt_outs),
        optional_event_types=sorted(optional_event_types(kind)),
        required_event_types=sorted(required_event_types(kind)),
        version=row.version,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _check_ref(kind: RecipientKind, ref: str) -> None:
    if kind is RecipientKind.MUNICIPALITY and ref not in MUNICIPALITIES:
        raise RuleViolationError(
            f"'{ref}' is not a municipality code: use one of the 98 three-digit kommunekoder, "
            "e.g. '101' (København).",
            errors=[FieldError("#/ref", "not one of Denmark's municipality codes", "invalid")],
        )


@router.get(
    "/recipients",
    response_model=Page[RecipientOut],
    responses=READ_RESPONSES,
    summary="List directory entries you may manage",
)
async def list_recipients(
    scope: NotificationScope,
    uow: ReadUnitOfWorkDep,
    kind: Annotated[RecipientKind | None, Query(description="Only this kind.")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    page = await directory.list_recipients(uow, scope, kind=kind, cursor=cursor, limit=limit)
    return {"items": [recipient_out(r) for r in page.rows], "next_cursor": page.next_cursor}


@router.get(
    "/recipients/{kind}/{ref}",
    response_model=RecipientOut,
    responses=READ_RESPONSES,
    summary="Read a directory entry",
)
async def get_recipient(
    kind: RecipientKind,
    ref: RefPath,
    scope: NotificationScope,
    uow: UnitOfWorkDep,
    response: Response,
) -> Any:
    row = await directory.get_recipient(uow, scope, kind, ref)
    response.headers["ETag"] = etag(row.version)
    return recipient_out(row)


@router.put(
    "/recipients/{kind}/{ref}",
    response_model=RecipientOut,
    responses=WRITE_RESPONSES,
    summary="Set a directory entry's addresses and opt-outs",
    description="Creates the entry (201) or replaces it (200). Each address gets its own "
    "message. Opt-outs are allowed for optional messages only (see optional_event_types).",
)
async def put_recipient(
    kind: RecipientKind,
    ref: RefPath,
    body: RecipientIn,
    scope: NotificationScope,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    _check_ref(kind, ref)
    command = directory.SetRecipient(
        kind=kind,
        ref=ref,
        addresses=[str(a) for a in body.addresses],
        opt_outs=body.opt_outs,
        expected_version=parse_if_match(if_match) or body.version,
    )
    row, created = await directory.set_recipient(uow, scope, command)
    response.status_code = 201 if created else 200
    response.headers["ETag"] = etag(row.version)
    return recipient_out(row)


@router.get(
    "/recipients/{kind}/{ref}/changes",
    response_model=Page[RecipientChangeOut],
    responses=READ_RESPONSES,
    summary="Who changed a directory entry, when, from what to what",
)
async def recipient_changes(
    kind: RecipientKind,
    ref: RefPath,
    scope: NotificationScope,
    uow: UnitOfWorkDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Any:
    page = await directory.recipient_changes(uow, scope, kind, ref, cursor=cursor, limit=limit)
    return {
        "items": [RecipientChangeOut.model_validate(r) for r in page.rows],
        "next_cursor": page.next_cursor,
    }
