"""One access scope for every service: who is admitted, what each role sees, 404 vs 403."""

import pytest
from sqlalchemy import Column, MetaData, Table, Text
from sqlalchemy.dialects import postgresql

from common.access import Scope
from common.auth import Principal, Role
from common.errors import NotFoundError, PermissionDeniedError

READERS = frozenset(
    {Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT, Role.MUNICIPALITY, Role.FUND}
)
rows = Table("rows", MetaData(), Column("organisation_id", Text), Column("municipality_code", Text))


def scope_of(role: Role, **principal: object) -> Scope:
    return Scope.of(Principal("caller", role, **principal), allowed=READERS, action="read this")  # type: ignore[arg-type]


def sql(condition: object) -> str:
    return str(
        condition.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
    )


class TestBuildingAScope:
    def test_a_role_not_admitted_is_refused_naming_the_roles_that_would_do(self):
        with pytest.raises(PermissionDeniedError) as refused:
            scope_of(Role.TRIBUNAL)
        assert "'tribunal' may not read this" in refused.value.detail
        assert "admin_org, erp_client, fund, housing_org, municipality" in refused.value.detail

    def test_an_organisation_role_is_restricted_to_the_organisations_in_its_token(self):
        scope = scope_of(Role.ERP_CLIENT, organisation_ids=frozenset({"BO-1", "BO-2"}))
        assert (scope.organisation_ids, scope.municipality_code) == (
            frozenset({"BO-1", "BO-2"}),
            None,
        )
        assert scope.is_organisation
        assert not scope.unrestricted

    def test_a_municipality_is_restricted_to_its_code(self):
        scope = scope_of(Role.MUNICIPALITY, municipality_code="101")
        assert (scope.organisation_ids, scope.municipality_code) == (None, "101")
        assert scope.is_municipality

    def test_a_municipality_token_without_a_code_is_refused(self):
        with pytest.raises(PermissionDeniedError, match="must carry a municipality code"):
            scope_of(Role.MUNICIPALITY)

    def test_the_fund_is_unrestricted_even_if_its_token_names_organisations(self):
        scope = scope_of(Role.FUND, organisation_ids=frozenset({"BO-1"}), municipality_code="101")
        assert scope.unrestricted
        assert scope.is_fund


class TestWhatAScopeSees:
    def test_an_organisation_sees_its_own_objects_only(self):
        scope = scope_of(Role.HOUSING_ORG, organisation_ids=frozenset({"BO-1"}))
        assert scope.sees("BO-1", "101")
        assert not scope.sees("BO-2", "101")
        assert not scope.sees(None, "101")

    def test_a_municipality_sees_what_lies_in_it_only(self):
        scope = scope_of(Role.MUNICIPALITY, municipality_code="101")
        assert scope.sees("BO-9", "101")
        assert not scope.sees("BO-9", "147")
        assert not scope.sees("BO-9", None)

    def test_an_object_outside_the_scope_is_not_found_so_its_existence_does_not_leak(self):
        scope = scope_of(Role.HOUSING_ORG, organisation_ids=frozenset({"BO-1"}))
        with pytest.raises(NotFoundError, match=r"^Department d-7 was not found\.$"):
            scope.ensure_visible("BO-2", "101", "Department d-7")
        scope.ensure_visible("BO-1", "101", "Department d-7")

    def test_a_writer_acts_only_for_its_own_organisations(self):
        scope = scope_of(Role.ERP_CLIENT, organisation_ids=frozenset({"BO-1"}))
        scope.ensure_acts_for("BO-1")
        with pytest.raises(PermissionDeniedError, match="only report records for your own"):
            scope.ensure_acts_for("BO-2", "report records")
        assert not scope_of(Role.FUND).acts_for("BO-1")

    def test_require_refuses_a_role_outside_the_action(self):
        scope = scope_of(Role.MUNICIPALITY, municipality_code="101")
        with pytest.raises(PermissionDeniedError, match="'municipality' may not set exemptions"):
            scope.require(frozenset({Role.FUND}), "set exemptions")
        scope_of(Role.FUND).require(frozenset({Role.FUND}), "set exemptions")


class TestTheSqlFilter:
    def test_the_fund_sees_every_row(self):
        assert sql(scope_of(Role.FUND).filter(rows.c.organisation_id)) == "true"

    def test_an_organisation_filters_on_its_organisations(self):
        scope = scope_of(Role.HOUSING_ORG, organisation_ids=frozenset({"BO-2", "BO-1"}))
        text = sql(scope.filter(rows.c.organisation_id, rows.c.municipality_code))
        assert "rows.organisation_id IN ('BO-1', 'BO-2')" in text
        assert "municipality_code" not in text

    def test_a_municipality_filters_on_its_code(self):
        scope = scope_of(Role.MUNICIPALITY, municipality_code="101")
        text = sql(scope.filter(rows.c.organisation_id, rows.c.municipality_code))
        assert "rows.municipality_code = '101'" in text
        assert "organisation_id" not in text

    def test_a_restricted_axis_without_its_column_matches_nothing(self):
        scope = scope_of(Role.MUNICIPALITY, municipality_code="101")
        assert sql(scope.filter(organisation_column=rows.c.organisation_id)) == "false"


class TestTheSqlTextConditions:
    """``Scope.sql_conditions``: the same rule as ``filter``, for fixed psycopg statements."""

    def test_the_fund_has_no_condition(self):
        assert scope_of(Role.FUND).sql_conditions("d.organisation_id", "d.municipality_code") == []

    def test_an_organisation_is_held_to_its_organisations(self):
        scope = scope_of(Role.HOUSING_ORG, organisation_ids=frozenset({"BO-2", "BO-1"}))
        assert scope.sql_conditions("d.organisation_id", "d.municipality_code") == [
            ("d.organisation_id = ANY(CAST(%s AS TEXT[]))", ["BO-1", "BO-2"])
        ]

    def test_a_municipality_is_held_to_its_code(self):
        scope = scope_of(Role.MUNICIPALITY, municipality_code="101")
        assert scope.sql_conditions("d.organisation_id", "d.municipality_code") == [
            ("d.municipality_code = %s", "101")
        ]

    def test_an_organisation_without_organisations_matches_nothing(self):
        scope = scope_of(Role.HOUSING_ORG, organisation_ids=frozenset())
        assert scope.sql_conditions("d.organisation_id", "d.municipality_code") == [
            ("d.organisation_id = ANY(CAST(%s AS TEXT[]))", [])
        ]
