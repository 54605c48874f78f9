"""Opaque keyset-pagination cursors: the last row's sort key, as URL-safe base64 JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from notifications.domain.errors import InvalidCursorError


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, length: int) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError(
            "The cursor is not one this service issued; pass next_cursor unchanged."
        ) from exc
    if not isinstance(key, list) or len(key) != length:
        raise InvalidCursorError("The cursor is not one this service issued.")
    return key
