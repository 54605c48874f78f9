"""Danish formatting of dates, times and amounts for the messages (babel, locale da_DK)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Final

from babel.core import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from common.calendar import DANISH_TIME

# Parsed once: babel parses a locale given by name again on every call (a message formats
# a handful of values, ~35 µs of its rendering each time).
LOCALE: Final = Locale.parse("da_DK")
# Each function formats the same values again and again (an event's time and counts in each of
# its messages' subject, text and HTML, to each addressee), and babel takes tens of µs a value.
_memoised = lru_cache(maxsize=4096, typed=True)


@_memoised
def danish_date(value: date | datetime) -> str:
    """``24. november 2026``; a timestamp is first taken to Danish local time."""
    if isinstance(value, datetime):
        return format_datetime(value, format="d. MMMM y", tzinfo=DANISH_TIME, locale=LOCALE)
    return format_date(value, format="d. MMMM y", locale=LOCALE)


@_memoised
def danish_datetime(value: datetime) -> str:
    """``24. november 2026 kl. 15.05`` in Danish local time."""
    return format_datetime(value, format="d. MMMM y 'kl.' HH.mm", tzinfo=DANISH_TIME, locale=LOCALE)


@_memoised
def danish_amount(value: Decimal | int | str) -> str:
    """``12.500.000,00 kr.``"""
    return f"{format_decimal(Decimal(value), format='#,##0.00', locale=LOCALE)} kr."


@_memoised
def danish_count(value: int, singular: str, plural: str) -> str:
    """``1 nøgletal`` / ``4 nøgletal``, ``1 kommune`` / ``3 kommuner``."""
    return f"{format_decimal(value, locale=LOCALE)} {singular if value == 1 else plural}"
