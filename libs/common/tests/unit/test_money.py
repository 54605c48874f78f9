"""Specification of DKK amounts, rounding and Danish formatting (common.money)."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from common.money import (
    DKK,
    _CheckedDKK,
    _from_wire,
    format_date_da,
    format_dkk,
    round_to_kroner,
    to_dkk,
)

NBSP = "\N{NO-BREAK SPACE}"


class Invoice(BaseModel):
    amount: DKK


class Refund(BaseModel):
    amount: Annotated[DKK, Field(ge=0)]


def _error_types(error: ValidationError) -> list[str]:
    return [e["type"] for e in error.errors()]


class TestToDkk:
    def test_quantizes_to_ore(self) -> None:
        result = to_dkk("1234.5")
        assert result == Decimal("1234.50")
        assert str(result) == "1234.50"

    def test_int_becomes_kroner_with_ore(self) -> None:
        assert str(to_dkk(5)) == "5.00"

    def test_half_an_ore_rounds_up(self) -> None:
        assert to_dkk(Decimal("10.005")) == Decimal("10.01")

    def test_less_than_half_an_ore_rounds_down(self) -> None:
        assert to_dkk(Decimal("10.0049")) == Decimal("10.00")

    def test_negative_half_rounds_away_from_zero(self) -> None:
        assert to_dkk("-10.005") == Decimal("-10.01")

    def test_no_negative_zero(self) -> None:
        assert str(to_dkk("-0.001")) == "0.00"

    def test_float_is_refused(self) -> None:
        with pytest.raises(TypeError, match="must not be a float"):
            to_dkk(cast(Any, 12.5))

    def test_bool_is_refused(self) -> None:
        with pytest.raises(TypeError, match="Decimal, int or str"):
            to_dkk(True)

    @pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", Decimal("NaN")])
    def test_non_finite_values_are_refused(self, value: str | Decimal) -> None:
        with pytest.raises(ValueError, match="finite"):
            to_dkk(value)

    @pytest.mark.parametrize("value", ["abc", "", "1.234,50", "12 kr."])
    def test_unparsable_strings_are_refused(self, value: str) -> None:
        with pytest.raises(ValueError, match="not a valid amount"):
            to_dkk(value)

    def test_absurdly_large_values_are_refused(self) -> None:
        with pytest.raises(ValueError, match="too large"):
            to_dkk("1e30")

    @given(
        st.decimals(
            min_value=Decimal("-1e12"),
            max_value=Decimal("1e12"),
            allow_nan=False,
            allow_infinity=False,
        )
    )
    def test_result_is_within_half_an_ore_and_has_two_decimals(self, value: Decimal) -> None:
        result = to_dkk(value)
        assert result.as_tuple().exponent == -2
        assert abs(result - value) <= Decimal("0.005")


class TestRoundToKroner:
    def test_half_a_krone_rounds_up(self) -> None:
        assert round_to_kroner("1234.50") == Decimal("1235")

    def test_less_than_half_rounds_down(self) -> None:
        assert round_to_kroner("1234.49") == Decimal("1234")

    def test_negative_half_rounds_away_from_zero(self) -> None:
        assert round_to_kroner("-2.50") == Decimal("-3")

    def test_keeps_ore_scale(self) -> None:
        assert str(round_to_kroner(Decimal("99.99"))) == "100.00"

    def test_rounds_the_exact_value_once(self) -> None:
        # 0.495 would become 0.50 at øre and then 1 krone if rounded twice.
        assert round_to_kroner("0.495") == Decimal("0")

    def test_float_is_refused(self) -> None:
        with pytest.raises(TypeError, match="must not be a float"):
            round_to_kroner(cast(Any, 0.5))


class TestFormatDkk:
    def test_thousands_dot_decimal_comma_and_kr(self) -> None:
        assert format_dkk(Decimal("1234.5")) == f"1.234,50{NBSP}kr."

    def test_space_before_kr_is_non_breaking(self) -> None:
        assert format_dkk(1) == "1,00\xa0kr."

    def test_without_currency(self) -> None:
        assert format_dkk(Decimal("1234.5"), with_currency=False) == "1.234,50"

    def test_millions(self) -> None:
        assert format_dkk("1234567.89") == f"1.234.567,89{NBSP}kr."

    def test_negative(self) -> None:
        assert format_dkk("-1234.5") == f"-1.234,50{NBSP}kr."

    def test_zero(self) -> None:
        assert format_dkk(0) == f"0,00{NBSP}kr."

    def test_rounds_half_up_to_ore_before_formatting(self) -> None:
        # Babel on its own rounds half-even (0,00); we round half-up first.
        assert format_dkk("0.005") == f"0,01{NBSP}kr."
        assert format_dkk("0.125", with_currency=False) == "0,13"

    def test_float_is_refused(self) -> None:
        with pytest.raises(TypeError):
            format_dkk(cast(Any, 1.5))


class TestFormatDateDa:
    def test_long_danish_date(self) -> None:
        assert format_date_da(date(2026, 11, 24)) == "24. november 2026"

    def test_day_is_not_zero_padded(self) -> None:
        assert format_date_da(date(2026, 5, 1)) == "1. maj 2026"

    def test_danish_month_names(self) -> None:
        assert format_date_da(date(2027, 10, 3)) == "3. oktober 2027"


class TestDkkType:
    def test_accepts_a_string_and_normalises_to_two_decimals(self) -> None:
        amount = Invoice(amount="1234.5").amount
        assert amount == Decimal("1234.50")
        assert str(amount) == "1234.50"

    def test_accepts_decimal_and_int(self) -> None:
        assert Invoice(amount=Decimal("12.34")).amount == Decimal("12.34")
        assert str(Invoice(amount=12).amount) == "12.00"

    def test_trailing_zeros_are_not_extra_decimals(self) -> None:
        assert Invoice(amount="12.3400").amount == Decimal("12.34")

    def test_three_decimals_are_refused_not_rounded(self) -> None:
        with pytest.raises(ValidationError, match="no more than 2 decimal places") as exc:
            Invoice(amount="12.345")
        assert _error_types(exc.value) == ["decimal_max_places"]

    def test_three_decimals_in_a_json_number_are_refused(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Invoice.model_validate_json('{"amount": 12.345}')
        assert _error_types(exc.value) == ["decimal_max_places"]

    def test_python_float_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="must not be floats") as exc:
            Invoice(amount=12.5)
        assert _error_types(exc.value) == ["dkk_float"]

    def test_json_number_is_accepted(self) -> None:
        assert Invoice.model_validate_json('{"amount": 12.5}').amount == Decimal("12.50")
        assert Invoice.model_validate_json('{"amount": 0.1}').amount == Decimal("0.10")
        # 14 significant digits survive the trip through a binary float exactly.
        largest = Invoice.model_validate_json('{"amount": 999999999999.99}').amount
        assert largest == Decimal("999999999999.99")

    def test_json_string_is_accepted(self) -> None:
        invoice = Invoice.model_validate_json('{"amount": "999999999999.99"}')
        assert invoice.amount == Decimal("999999999999.99")

    @pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
    def test_non_finite_values_are_refused(self, value: str) -> None:
        with pytest.raises(ValidationError) as exc:
            Invoice(amount=value)
        assert _error_types(exc.value) == ["finite_number"]

    def test_more_than_fourteen_digits_are_refused(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Invoice(amount="1000000000000.00")
        assert _error_types(exc.value) == ["decimal_whole_digits"]

    def test_negative_amounts_are_allowed(self) -> None:
        assert Invoice(amount="-250").amount == Decimal("-250.00")

    def test_serialises_to_a_json_string(self) -> None:
        invoice = Invoice(amount="1234.5")
        assert invoice.model_dump_json() == '{"amount":"1234.50"}'
        assert json.loads(invoice.model_dump_json()) == {"amount": "1234.50"}

    def test_python_dump_keeps_the_decimal(self) -> None:
        dumped: dict[str, Any] = Invoice(amount="1234.5").model_dump()
        assert dumped == {"amount": Decimal("1234.50")}
        assert isinstance(dumped["amount"], Decimal)

    def test_json_round_trip(self) -> None:
        invoice = Invoice(amount="-0.5")
        assert Invoice.model_validate_json(invoice.model_dump_json()) == invoice

    def test_serialisation_schema_is_a_string(self) -> None:
        assert TypeAdapter(DKK).json_schema(mode="serialization") == {"type": "string"}

    def test_can_be_narrowed_to_non_negative(self) -> None:
        assert Refund(amount="0").amount == Decimal("0.00")
        with pytest.raises(ValidationError) as exc:
            Refund(amount="-1")
        assert _error_types(exc.value) == ["greater_than_equal"]
        with pytest.raises(ValidationError) as exc:
            Refund(amount="1.001")
        assert _error_types(exc.value) == ["decimal_max_places"]

    @given(st.decimals(min_value=Decimal("-1e12") + 1, max_value=Decimal("1e12") - 1, places=2))
    def test_any_ore_amount_round_trips_through_json(self, value: Decimal) -> None:
        invoice = Invoice(amount=value)
        assert Invoice.model_validate_json(invoice.model_dump_json()).amount == value
        assert json.loads(invoice.model_dump_json())["amount"] == format(to_dkk(value), "f")


# --- the wire's form: validated without the checks, exactly as the checks would ----------------

_AMOUNT = Annotated[DKK, Field(ge=0)]
_CHECKED_AMOUNT = Annotated[_CheckedDKK, Field(ge=0)]
_PAIRS = [
    (TypeAdapter(DKK), TypeAdapter(_CheckedDKK)),
    (TypeAdapter(_AMOUNT), TypeAdapter(_CHECKED_AMOUNT)),
]


def _outcome(validate: Any, value: Any) -> tuple[Any, ...]:
    """The value with its exact digits and exponent, or the errors (type, place, message,
    input, context) — what a caller can see of a validation (as text: a NaN input is not
    equal to itself)."""
    try:
        result = validate(value)
    except ValidationError as exc:
        return ("refused", repr(exc.errors(include_url=False)))
    return ("accepted", type(result), result.as_tuple())


def _assert_as_checked(value: Any) -> None:
    for dkk, checked in _PAIRS:
        for strict in (False, True):
            fast = _outcome(partial(dkk.validate_python, strict=strict), value)
            assert fast == _outcome(partial(checked.validate_python, strict=strict), value)
            if isinstance(value, str):
                for document in (json.dumps(value), value):  # a JSON string, a bare number
                    fast = _outcome(partial(dkk.validate_json, strict=strict), document)
                    slow = _outcome(partial(checked.validate_json, strict=strict), document)
                    assert fast == slow, (document, strict)


class _Text(str):
    pass


class TestWireForm:
    """``DKK`` converts an amount in the wire's form ("6250.00") without running its checks;
    every input must come out exactly as the checks alone (``_CheckedDKK``) make it: the same
    value, digits and exponent, or the same errors — also as a non-negative ``Amount``, in
    strict mode and from JSON."""

    @pytest.mark.parametrize(
        "value",
        [
            "6250.00",
            "0.00",
            "0.01",
            "999999999999.99",  # the most digits (14)
            "000000000001.50",  # twelve digits before the point, leading zeros
            "1000000000000.00",  # 13 before the point: too many
            "0000000000001.00",  # 13 before the point, leading zeros: the checks decide
            "-0.00",  # negative zero: normalised to 0.00 by the checks
            "-1.00",
            "1.5",
            "1.500",
            "12.345",
            "1.",
            ".50",
            "1",
            "+1.00",
            " 1.00",
            "1.00 ",
            "1.00\n",
            "1_000.00",
            "1e2",
            "١٢.٥٠",  # Arabic-Indic digits: Decimal reads them, the wire never has them
            "NaN",
            "",
            _Text("1.00"),  # a str subclass
            Decimal("1.00"),
            Decimal("-0.00"),
            12,
            True,
            12.5,
            None,
        ],
    )
    def test_boundaries_come_out_as_the_checks_make_them(self, value: Any) -> None:
        _assert_as_checked(value)

    @given(st.from_regex(r"\A[-+ ]?[0-9]{0,15}(\.[0-9]{0,4})?\Z"))
    def test_any_numeric_text_comes_out_as_the_checks_make_it(self, value: str) -> None:
        _assert_as_checked(value)

    @given(st.text(alphabet="0123456789.-+eE_ \n٣"))
    def test_any_text_comes_out_as_the_checks_make_it(self, value: str) -> None:
        _assert_as_checked(value)

    @given(st.decimals(places=2, allow_nan=False, allow_infinity=False))
    def test_serialised_amounts_come_out_as_the_checks_make_them(self, value: Decimal) -> None:
        _assert_as_checked(format(value, "f"))

    def test_the_wire_form_skips_the_checks(self) -> None:
        def checks(value: Any) -> Any:
            raise AssertionError(f"checked {value!r}")

        assert _from_wire("6250.00", checks).as_tuple() == Decimal("6250.00").as_tuple()
        for other in ("-1.00", "1.5", " 1.00"):
            with pytest.raises(AssertionError, match=re.escape(f"checked {other!r}")):
                _from_wire(other, checks)
