"""Keyset pagination for every list: an opaque cursor, a page size, a page.

The cursor is the last row's sort key as URL-safe base64 JSON; it is opaque to callers, who pass
``next_cursor`` back unchanged. A cursor this service did not issue is a 422 with a message that
says so, never a 500.

* ``Limit`` — the ``limit`` query parameter (1–500, default chosen by the route);
* ``encode_cursor`` / ``decode_cursor`` — the codec, checked against the key's shape;
* ``page_of`` — cut one extra fetched row into a ``PageOf`` (rows + next cursor);
* ``Page[T]`` — the response body ``{"items": [...], "next_cursor": ...}``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from common.errors import RuleViolationError

MAX_PAGE_SIZE = 500

Limit = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Page size, at most {MAX_PAGE_SIZE}.")
]
Cursor = Annotated[
    str | None,
    Query(max_length=1024, description="``next_cursor`` of the previous page, unchanged."),
]


class InvalidCursorError(RuleViolationError):
    code = "invalid-cursor"
    title = "The pagination cursor is not valid"


_NOT_OURS = "The cursor is not one this service issued; pass next_cursor unchanged."


def encode_cursor(key: Sequence[Any]) -> str:
    """The cursor for a sort key (one value per sort column, JSON-serialisable or str()-able)."""
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *types: type) -> list[Any] | None:
    """The sort key in ``cursor`` (``None`` for the first page).

    ``types`` gives the JSON type of each key part (``str``, ``int``, ``float``); a cursor of
    another length or with another type is refused (422)."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
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
