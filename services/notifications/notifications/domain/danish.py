"""Danish formatting of dates, times and amounts for the messages (babel, locale da_DK)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from common.calendar import DANISH_TIME

LOCALE: Final = "da_DK"


def danish_date(value: date | datetime) -> str:
    """``24. november 2026``; a timestamp is first taken to Danish local time."""
    if isinstance(value, datetime):
        return format_datetime(value, format="d. MMMM y", tzinfo=DANISH_TIME, locale=LOCALE)
    return format_date(value, format="d. MMMM y", locale=LOCALE)


def danish_datetime(value: datetime) -> str:
    """``24. november 2026 kl. 15.05`` in Danish local time."""
    return format_datetime(value, format="d. MMMM y 'kl.' HH.mm", tzinfo=DANISH_TIME, locale=LOCALE)


def danish_amount(value: Decimal | int | str) -> str:
    """``12.500.000,00 kr.``"""
    return f"{format_decimal(Decimal(value), format='#,##0.00', locale=LOCALE)} kr."


def danish_count(value: int, singular: str, plural: str) -> str:
    """``1 nøgletal`` / ``4 nøgletal``, ``1 kommune`` / ``3 kommuner``."""
    return f"{format_decimal(value, locale=LOCALE)} {singular if value == 1 else plural}"
