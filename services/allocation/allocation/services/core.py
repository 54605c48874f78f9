"""Shared building blocks of the use cases: the clock, ids, the case log."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from common.calendar import danish_date


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return danish_date(now())


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"
