"""Every date a request carries is bounded (issue 12, item 3): ``common.dates.WireDate`` /
``WireDateTime``, never a bare ``date`` or ``datetime`` that reads ``0`` as 1970-01-01 or
accepts year 1 and overflows later into a 500.

Checked over every service's OpenAPI (query, path and header parameters and request bodies,
following ``$ref``), so a future endpoint with a bare date fails here; and behaviourally on the
register's public data sheet, the request that used to answer 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from common.dates import RANGE_KEY, WireDate, WireDateTime, WireMonth
from housing.services import SERVICES

DATE_FORMATS = {"date", "date-time"}


def _date_schemas(
    schema: dict[str, Any], components: dict[str, Any], where: str, seen: set[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (location, schema) with a date format reachable from ``schema``."""
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from _date_schemas(components[name], components, name, seen)
        return
    if schema.get("format") in DATE_FORMATS:
        yield where, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            yield from _date_schemas(part, components, where, seen)
    for name, prop in schema.get("properties", {}).items():
        yield from _date_schemas(prop, components, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _date_schemas(schema[key], components, f"{where}[]", seen)


def request_dates(openapi: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    components = openapi.get("components", {}).get("schemas", {})
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            endpoint = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                where = f"{endpoint} {parameter['in']} {parameter['name']}"
                yield from _date_schemas(parameter["schema"], components, where, set())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                yield from _date_schemas(media.get("schema", {}), components, endpoint, set())


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.name)
def test_every_request_date_is_bounded(entry) -> None:
    openapi = entry.create_app(entry.settings()).openapi()
    bare = [where for where, schema in request_dates(openapi) if RANGE_KEY not in schema]
    assert bare == [], f"bare dates in {entry.name}'s requests (use common.dates): {bare}"


class TestWireDate:
    adapter = TypeAdapter(WireDate)

    @pytest.mark.parametrize("value", ["1900-01-01", "2024-02-29", "2199-12-31"])
    def test_iso_dates_in_range_are_read(self, value: str) -> None:
        assert self.adapter.validate_python(value).isoformat() == value
        assert self.adapter.validate_json(f'"{value}"').isoformat() == value

    @pytest.mark.parametrize(
        "value",
        ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31", "2024-02-30", "24-1-1", "", "x"],
    )
    def test_out_of_range_or_malformed_text_is_refused(self, value: str) -> None:
        with pytest.raises(ValidationError, match="date"):
            self.adapter.validate_python(value)

    @pytest.mark.parametrize("value", ["0", "1700000000", "0.0", "true", "null"])
    def test_numbers_are_not_read_as_unix_time(self, value: str) -> None:
        with pytest.raises(ValidationError, match="YYYY-MM-DD"):
            self.adapter.validate_json(value)

    def test_a_timestamp_is_not_a_date(self) -> None:
        with pytest.raises(ValidationError, match="YYYY-MM-DD"):
            self.adapter.validate_json('"2024-05-01T10:00:00+02:00"')


class TestWireDateTime:
    adapter = TypeAdapter(WireDateTime)

    def test_an_aware_timestamp_is_read(self) -> None:
        read = self.adapter.validate_json('"2024-05-01T10:00:00+02:00"')
        assert read.isoformat() == "2024-05-01T10:00:00+02:00"

    @pytest.mark.parametrize(
        "value",
        ['"0001-01-01T00:00:00+00:00"', '"2024-05-01T10:00:00"', "0", "1700000000"],
    )
    def test_out_of_range_naive_or_numeric_is_refused(self, value: str) -> None:
        with pytest.raises(ValidationError):
            self.adapter.validate_json(value)


class TestWireMonth:
    adapter = TypeAdapter(WireMonth)

    @pytest.mark.parametrize("value", ["1900-01", "2024-10", "2199-12"])
    def test_months_in_range_are_read(self, value: str) -> None:
        assert self.adapter.validate_python(value) == value

    @pytest.mark.parametrize("value", ["0000-01", "1899-12", "2200-01", "2024-00", "2024-13", "x"])
    def test_out_of_range_or_malformed_months_are_refused(self, value: str) -> None:
        with pytest.raises(ValidationError, match="YYYY-MM"):
            self.adapter.validate_python(value)
