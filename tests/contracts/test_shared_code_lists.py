"""A code list that an event contract and a service both spell out holds the same values on both
sides.

The contracts in ``common.events.contracts`` define the values on the wire; a producer that keeps
its own copy (the register's ``domain/codes.py``) would fail at publish time, and a consumer that
offers its own copy as a filter would never match, if the two lists drifted apart. So each pair
is compared both ways: a value added on one side only fails here.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import pytest
from fastapi import FastAPI

from benchmarks.domain.critical import Colour
from benchmarks.domain.figures import CATALOGUE as KEY_FIGURE_CATALOGUE
from benchmarks.domain.figures import FigureSpec
from benchmarks.main import create_app as create_benchmarks_app
from common.events import contracts
from governance.domain.rules import PackageStatus
from notifications.domain.rules import RecipientKind
from register.domain.codes import AllocationType, BuildingType, HousingType, Region
from register.main import create_app as create_register_app


def _values(code_list: type[StrEnum]) -> set[str]:
    return {member.value for member in code_list}


def _name(code_list: type[StrEnum]) -> str:
    return f"{code_list.__module__}.{code_list.__qualname__}"


def _pattern_values(contract: type[contracts.Contract], field: str) -> set[str]:
    """The values a contract field restricted by a pattern ``^(a|b|…)$`` admits."""
    pattern = contract.payload_schema()["properties"][field]["pattern"]
    listed = re.fullmatch(r"\^\((?P<values>[^()]*)\)\$", pattern)
    assert listed, f"{contract.__name__}.{field}: {pattern!r} is not a list of values"
    values = set(listed["values"].split("|"))
    assert all(re.fullmatch(pattern, value) for value in values)
    return values


def _query_values(openapi: dict[str, Any], path: str, parameter: str) -> set[str]:
    """The values a query parameter of ``GET path`` admits, from the service's OpenAPI document."""
    operation = openapi["paths"][path]["get"]
    [schema] = [p["schema"] for p in operation["parameters"] if p["name"] == parameter]
    [values] = [s["enum"] for s in schema.get("anyOf", [schema]) if "enum" in s]
    return set(values)


def _same(contract_side: set[str], service_side: set[str], service_list: str) -> str | None:
    """None when both sides hold the same values, else what differs."""
    if contract_side == service_side:
        return None
    return (
        f"only in the contract: {sorted(contract_side - service_side)}; "
        f"only in {service_list}: {sorted(service_side - contract_side)}"
    )


class TestEnumsOfTheContractsAndTheServices:
    @pytest.mark.parametrize(
        ("contract_list", "service_list"),
        [
            pytest.param(contracts.AllocationType, AllocationType, id="AllocationType-register"),
            pytest.param(contracts.HousingType, HousingType, id="HousingType-register"),
            pytest.param(contracts.CriticalColour, Colour, id="CriticalColour-benchmarks"),
        ],
    )
    def test_a_service_enum_holds_the_values_of_the_contract_enum(
        self, contract_list: type[StrEnum], service_list: type[StrEnum]
    ) -> None:
        difference = _same(_values(contract_list), _values(service_list), _name(service_list))
        assert difference is None, difference

    @pytest.mark.parametrize(
        ("contract", "field", "service_list"),
        [
            pytest.param(contracts.DepartmentUpsertedV1, "region", Region, id="region-register"),
            pytest.param(
                contracts.DepartmentUpsertedV1,
                "building_type",
                BuildingType,
                id="building_type-register",
            ),
            pytest.param(
                contracts.DeliveryFailedV1,
                "recipient_kind",
                RecipientKind,
                id="recipient_kind-notifications",
            ),
        ],
    )
    def test_a_service_enum_holds_the_values_a_contract_field_admits(
        self, contract: type[contracts.Contract], field: str, service_list: type[StrEnum]
    ) -> None:
        difference = _same(
            _pattern_values(contract, field), _values(service_list), _name(service_list)
        )
        assert difference is None, difference


@pytest.fixture(scope="module")
def benchmarks_openapi() -> dict[str, Any]:
    app: FastAPI = create_benchmarks_app()
    return app.openapi()


@pytest.fixture(scope="module")
def register_openapi() -> dict[str, Any]:
    app: FastAPI = create_register_app()
    return app.openapi()


class TestFiltersOfTheServicesOverContractFacts:
    """A service's query filter over a fact it learnt from an event offers the contract's
    values."""

    @pytest.mark.parametrize(
        ("parameter", "contract_values"),
        [
            ("housing_type", _values(contracts.HousingType)),
            ("region", _pattern_values(contracts.DepartmentUpsertedV1, "region")),
            ("building_type", _pattern_values(contracts.DepartmentUpsertedV1, "building_type")),
        ],
        ids=["housing_type", "region", "building_type"],
    )
    def test_the_public_key_figures_filter_the_department_facts(
        self, benchmarks_openapi: dict[str, Any], parameter: str, contract_values: set[str]
    ) -> None:
        offered = _query_values(benchmarks_openapi, "/benchmarks/v1/public/key-figures", parameter)
        difference = _same(contract_values, offered, f"the benchmarks' {parameter} filter")
        assert difference is None, difference

    def test_the_register_filters_departments_by_the_contract_housing_types(
        self, register_openapi: dict[str, Any]
    ) -> None:
        offered = _query_values(register_openapi, "/register/v1/departments", "housing_type")
        difference = _same(
            _values(contracts.HousingType), offered, "the register's housing_type filter"
        )
        assert difference is None, difference

    def test_the_colour_filters_of_the_benchmarks_are_contract_colours(
        self, benchmarks_openapi: dict[str, Any]
    ) -> None:
        for path in (
            "/benchmarks/v1/organisations/{organisation_id}/key-figures",
            "/benchmarks/v1/municipalities/{municipality_code}/key-figures",
        ):
            offered = _query_values(benchmarks_openapi, path, "colour")
            assert offered <= _values(contracts.CriticalColour), path


class TestCodesAProducerPutsIntoAContract:
    """Values a producer writes into a free-text contract field fit it (a misfit would fail
    at publish time)."""

    @pytest.mark.parametrize("spec", KEY_FIGURE_CATALOGUE, ids=lambda spec: spec.code)
    def test_every_key_figure_of_the_calculator_fits_the_contract(self, spec: FigureSpec) -> None:
        figure = contracts.KeyFigure(
            code=spec.code,
            value=None,
            unit=spec.unit,
            benchmark=None,
            benchmark_indexed=False,
            colour=contracts.CriticalColour.NONE,
        )
        assert (figure.code, figure.unit) == (spec.code, spec.unit)

    @pytest.mark.parametrize("status", list(PackageStatus), ids=str)
    def test_every_package_status_fits_a_reminder_item(self, status: PackageStatus) -> None:
        item = contracts.OutstandingItem(
            package_id="pkg-1",
            organisation_id="org-1",
            governance_year=2026,
            status=status.value,
            missing="Møde afholdt",
        )
        assert item.status == status.value
