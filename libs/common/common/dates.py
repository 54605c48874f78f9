"""Dates and timestamps on the wire: ISO text only, within the platform's range.

Pydantic's lax mode reads ``0`` as 1970-01-01 and accepts 0001-01-01, which later overflows
(``date.year - 1``) into a 500. Every date a request carries — query parameter or body field — is
one of these types instead, so an unusable value is a 422 naming the field and the range:

* ``WireDate`` — ``YYYY-MM-DD`` between ``FIRST_DAY`` and ``LAST_DAY``;
* ``WireDateTime`` — an RFC 3339 timestamp with a time zone, its date in the same range;
* ``WireMonth`` — ``YYYY-MM`` (a calendar month, e.g. of a monthly report) in the same range.

Values the service builds itself (``date`` objects) pass unchanged apart from the range check.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")
_RANGE = f"between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
# An OpenAPI extension on every bounded date, kept when a field gives its own description.
RANGE_KEY = "x-date-range"
_RANGE_VALUE = [FIRST_DAY.isoformat(), LAST_DAY.isoformat()]


def _date_text_only(value: Any) -> Any:
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError(f"must be a date written YYYY-MM-DD, {_RANGE}")


def _timestamp_text_only(value: Any) -> Any:
    if isinstance(value, datetime | str):
        return value  # a str still has to parse as an aware datetime
    raise ValueError(f"must be an RFC 3339 timestamp with a time zone, {_RANGE}")


def _month_in_range(value: Any) -> Any:
    match = _ISO_MONTH.fullmatch(value) if isinstance(value, str) else None
    if (
        match is None
        or not FIRST_DAY.year <= int(match[1]) <= LAST_DAY.year
        or not 1 <= int(match[2]) <= 12
    ):
        raise ValueError(f"must be a month written YYYY-MM, {_RANGE}")
    return value


def _date_in_range(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be a date {_RANGE}")
    return value


def _timestamp_in_range(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"must be an RFC 3339 timestamp with a time zone, {_RANGE}")
    _date_in_range(value.date())
    return value


WireDate = Annotated[
    date,
    BeforeValidator(_date_text_only),
    AfterValidator(_date_in_range),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"YYYY-MM-DD, {_RANGE}.",
            RANGE_KEY: _RANGE_VALUE,
        }
    ),
]

WireDateTime = Annotated[
    datetime,
    BeforeValidator(_timestamp_text_only),
    AfterValidator(_timestamp_in_range),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": f"RFC 3339 with a time zone, {_RANGE}.",
            RANGE_KEY: _RANGE_VALUE,
        }
    ),
]

WireMonth = Annotated[
    str,
    BeforeValidator(_month_in_range),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{4}-\d{2}$", "description": f"YYYY-MM, {_RANGE}."}
    ),
]
