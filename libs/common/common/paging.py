"""Keyset pagination for every list: an opaque cursor, a page size, a page.

The cursor is the last row's sort key as URL-safe base64 JSON followed by an HMAC-SHA256 tag
(``<key>.<tag>``, the key of the deployment from ``ServiceSettings.cursor_signing_key``); it is
opaque to callers, who pass ``next_cursor`` back unchanged. A cursor this service did not issue —
malformed, tampered with, or well-formed but never signed — is a 400 problem naming the
``cursor`` parameter, never a 500 and never silently the first page.

* ``Limit`` — the ``limit`` query parameter (1–500, default chosen by the route);
* ``encode_cursor`` / ``decode_cursor`` — the codec, checked against the key's shape;
* ``page_of`` — cut one extra fetched row into a ``PageOf`` (rows + next cursor);
* ``Page[T]`` — the response body ``{"items": [...], "next_cursor": ...}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from common.errors import BadRequestError, FieldError
from common.settings import DEV_DATABASE_PASSWORD, cursor_key

MAX_PAGE_SIZE = 500

Limit = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Page size, at most {MAX_PAGE_SIZE}.")
]
Cursor = Annotated[
    str | None,
    Query(max_length=1024, description="``next_cursor`` of the previous page, unchanged."),
]


_NOT_OURS = "The cursor is not one this service issued; pass next_cursor unchanged."


class InvalidCursorError(BadRequestError):
    """A cursor this service did not issue: 400, naming the query parameter."""

    code = "invalid-cursor"
    title = "The pagination cursor is not valid"

    def __init__(
        self,
        detail: str = _NOT_OURS,
        *,
        errors: list[FieldError] | None = None,
        parameter: str = "cursor",
    ) -> None:
        super().__init__(
            detail,
            errors=errors or [FieldError.for_parameter(parameter, detail, "invalid-cursor")],
        )


_TAG_BYTES = 16  # 128 bits of HMAC-SHA256
_signing_key: bytes = cursor_key(DEV_DATABASE_PASSWORD)  # the dev default until configured


def use_cursor_signing_key(key: bytes) -> None:
    """Sign and check cursors with ``key`` from now on (``create_service_app`` passes the
    deployment's ``settings.cursor_signing_key``; one key per process)."""
    global _signing_key
    _signing_key = key


def _tag(payload: str) -> str:
    digest = hmac.new(_signing_key, payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_TAG_BYTES]).decode().rstrip("=")


def encode_cursor(key: Sequence[Any]) -> str:
    """The signed cursor for a sort key (one value per sort column, JSON-serialisable or
    str()-able)."""
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{payload}.{_tag(payload)}"


def decode_cursor(cursor: str | None, *types: type) -> list[Any] | None:
    """The sort key in ``cursor`` (``None`` for the first page).

    A cursor without this deployment's signature is refused (400); ``types`` gives the JSON type
    of each key part (``str``, ``int``, ``float``), and a cursor of another length or with
    another type is refused too."""
    if cursor is None:
        return None
    payload, dot, tag = cursor.partition(".")
    try:
        signature = _tag(payload)
    except UnicodeError:
        raise InvalidCursorError(_NOT_OURS) from None
    if not dot or not hmac.compare_digest(tag.encode(), signature.encode()):
        raise InvalidCursorError(_NOT_OURS)
    try:
        padded = payload + "=" * (-len(payload) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidCursorError(_NOT_OURS) from None
    if not isinstance(key, list) or len(key) != len(types):
        raise InvalidCursorError(_NOT_OURS)
    for value, expected in zip(key, types, strict=True):
        if isinstance(value, bool) or not isinstance(value, expected):
            raise InvalidCursorError(_NOT_OURS)
        if isinstance(value, str) and "\x00" in value:
            raise InvalidCursorError(_NOT_OURS)
    return key


RowT = TypeVar("RowT")
ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class PageOf(Generic[RowT]):
    """One page as the use case returns it."""

    rows: Sequence[RowT]
    next_cursor: str | None


def page_of(rows: Sequence[RowT], limit: int, key: Callable[[RowT], Sequence[Any]]) -> PageOf[RowT]:
    """``rows`` fetched with ``LIMIT limit + 1``: the page, and a cursor if there is more."""
    if len(rows) > limit:
        return PageOf(rows[:limit], encode_cursor(key(rows[limit - 1])))
    return PageOf(rows, None)


class Page(BaseModel, Generic[ItemT]):
    """A page of a list in a response body."""

    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` for the next page; null on the last page."
    )
