"""Money in Danish kroner: ``Decimal`` with øre precision (2 decimals), never ``float``.

* :func:`to_dkk` turns a computed or stored value into an øre-precise amount (ROUND_HALF_UP).
* :func:`round_to_kroner` rounds to whole kroner, as Danish law does for indexed fees.
* :func:`format_dkk` / :func:`format_date_da` render amounts and dates for Danish readers
  (e-mails, letters, PDFs).
* :data:`DKK` is the pydantic field type for amounts in API and event payloads.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, Final, TypeAlias

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError, core_schema

__all__ = [
    "DKK",
    "LOCALE",
    "MAX_DIGITS",
    "ORE",
    "MoneyInput",
    "format_date_da",
    "format_dkk",
    "round_to_kroner",
    "to_dkk",
]

LOCALE: Final = "da_DK"
ORE: Final = Decimal("0.01")
_KRONE: Final = Decimal("1")
#: Total digits of a :data:`DKK` amount: up to 999.999.999.999,99 kr. (fits NUMERIC(14, 2)).
#: 14 < 15 significant digits also guarantees that a JSON number survives the trip through
#: a binary float exactly.
MAX_DIGITS: Final = 14
_DATE_PATTERN: Final = "d. MMMM y"  # 24. november 2026

MoneyInput: TypeAlias = Decimal | int | str


def _as_decimal(value: object) -> Decimal:
    """A finite Decimal from a Decimal, int or numeric string; floats are refused."""
    if isinstance(value, float):
        raise TypeError(
            f"money must not be a float (got {value!r}): floats cannot represent øre exactly; "
            "pass a Decimal, an int or a string such as '12.50'"
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"money must be a Decimal, int or str, got {type(value).__name__}")
    if isinstance(value, Decimal):
        amount = value
    else:
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"not a valid amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"money must be a finite amount, got {value!r}")
    return amount


def _quantize(amount: Decimal, exponent: Decimal) -> Decimal:
    try:
        result = amount.quantize(exponent, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"amount is too large: {amount}") from None
    return abs(result) if result.is_zero() else result  # never "-0.00"


def to_dkk(value: MoneyInput) -> Decimal:
    """``value`` as kroner with exactly two decimals (øre), rounded ROUND_HALF_UP.

    ``to_dkk("10.005") == Decimal("10.01")``, ``to_dkk(-1) == Decimal("-1.00")``.
    Raises TypeError for floats (and bools), ValueError for unparsable or non-finite values.
    """
    return _quantize(_as_decimal(value), ORE)


def round_to_kroner(value: MoneyInput) -> Decimal:
    """``value`` rounded to whole kroner, ROUND_HALF_UP, still with øre scale.

    ``round_to_kroner("1234.50") == Decimal("1235.00")``. Rounds the exact value once, so
    ``round_to_kroner("0.495")`` is ``0.00`` (no double rounding via øre).
    """
    return _quantize(_quantize(_as_decimal(value), _KRONE), ORE)


def format_dkk(value: MoneyInput, with_currency: bool = True) -> str:
    """Danish rendering of an amount: ``1.234,50 kr.`` (or ``1.234,50`` without currency).

    The amount is rounded to øre with :func:`to_dkk` first. The space before ``kr.`` is a
    non-breaking space (U+00A0), as produced by babel/CLDR for da_DK, so the amount and
    ``kr.`` never end up on separate lines.
    """
    amount = to_dkk(value)
    if with_currency:
        return format_currency(amount, "DKK", locale=LOCALE)
    return format_decimal(amount, format="#,##0.00", locale=LOCALE)


def format_date_da(d: date) -> str:
    """Danish long date for letters and e-mails: ``24. november 2026``."""
    return format_date(d, format=_DATE_PATTERN, locale=LOCALE)


def _reject_python_float(value: Any, info: ValidationInfo) -> Any:
    # JSON numbers arrive as floats too; they are fine because MAX_DIGITS keeps them exact.
    if isinstance(value, float) and info.mode == "python":
        raise PydanticCustomError(
            "dkk_float",
            "DKK amounts must not be floats; use a Decimal or a string such as '12.50'",
        )
    return value


def _normalise(value: Decimal) -> Decimal:
    # Exact: the Field constraints have already refused more than two decimals.
    return _quantize(value, ORE)


def _serialise(value: Decimal) -> str:
    return format(_quantize(value, ORE), "f")


_CheckedDKK = Annotated[
    Decimal,
    Field(max_digits=MAX_DIGITS, decimal_places=2, allow_inf_nan=False),
    BeforeValidator(_reject_python_float),
    AfterValidator(_normalise),
]
# The wire's form of an amount ("6250.00", as DKK serialises a non-negative one): ASCII digits,
# at most MAX_DIGITS - 2 of them before the point, exactly two after it, no sign or spaces.
_WIRE_AMOUNT: Final = re.compile(rf"[0-9]{{1,{MAX_DIGITS - 2}}}\.[0-9]{{2}}")


def _from_wire(value: Any, checked: core_schema.ValidatorFunctionWrapHandler) -> Any:
    # A str in the wire's form is an amount the checks would accept and leave as it is
    # (finite, within MAX_DIGITS, exactly two decimals, not negative zero), so it is converted
    # directly; everything else goes through the checks.
    if value.__class__ is str and _WIRE_AMOUNT.fullmatch(value):
        return Decimal(value)
    return checked(value)


class _WireFastPath:
    """Lax validation of :data:`_CheckedDKK` with the wire's form converted without its
    checks (a pydantic-core decimal with digit constraints and two Python validators cost
    ~1.4 µs an amount; the string ~0.5). Strict validation (``strict=True``, a strict model)
    is the checks' alone: it refuses strings, so no fast path applies there."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        checked = handler(source)
        return core_schema.lax_or_strict_schema(
            lax_schema=core_schema.no_info_wrap_validator_function(_from_wire, checked),
            strict_schema=checked,
        )


DKK = Annotated[
    _CheckedDKK,
    _WireFastPath(),
    PlainSerializer(_serialise, return_type=str, when_used="json"),
]
"""Pydantic field type for an amount in kroner.

Validation accepts a Decimal, int, numeric string or JSON number and refuses more than two
decimals (``12.345`` is an error, never silently rounded), more than :data:`MAX_DIGITS`
digits, NaN/infinity and Python floats. The value is normalised to exactly two decimals
(``Decimal("12.5")`` becomes ``Decimal("12.50")``).

In JSON it is serialised as a string, ``"1234.50"``, so no consumer parses it into a binary
float; ``model_dump()`` in python mode keeps the ``Decimal``. Negative amounts are allowed;
add ``Field(ge=0)`` for amounts that cannot be negative: ``Annotated[DKK, Field(ge=0)]``.
"""
