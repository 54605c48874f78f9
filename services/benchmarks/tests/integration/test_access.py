"""Who sees which key figures, endpoint by endpoint; public aggregates; the Excel export;
hostile input.

Departments (one 75 m² dwelling each, let all through 2025):
A1 org-a in 101, A2 org-a in 751, B1–B5 org-b in 101.
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from common.auth import Role
from common.testing.fuzz import fuzz_operations

from .bm_factories import simple_department

API = "/benchmarks/v1"
DEPARTMENT_PATHS = ("key-figures", "comparable-group", "rent-comparison")


@pytest.fixture
async def client(benchmarks_client, feed):
    client = await benchmarks_client(min_group_size=2, public_min_departments=3)
    await feed(
        simple_department("A1", "1000.00", organisation_id="org-a"),
        simple_department(
            "A2", "1100.00", organisation_id="org-a", municipality="751", region="rest"
        ),
        *(simple_department(f"B{i}", "1200.00", organisation_id="org-b") for i in range(1, 6)),
    )
    return client


def org(tokens, *orgs: str, role: Role = Role.HOUSING_ORG) -> dict[str, str]:
    return tokens.headers(role, orgs=orgs)


def municipality(tokens, code: str) -> dict[str, str]:
    return tokens.headers(Role.MUNICIPALITY, municipality=code)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize("path", DEPARTMENT_PATHS)
class TestDepartmentEndpoints:
    async def test_an_organisation_sees_its_own_department(self, client, tokens, path):
        response = await client.get(f"{API}/departments/A1/{path}", headers=org(tokens, "org-a"))
        assert response.status_code == 200
        assert response.json()["department_id"] == "A1"

    async def test_an_administration_organisation_acts_for_its_organisations(
        self, client, tokens, path
    ):
        headers = org(tokens, "org-a", role=Role.ADMIN_ORG)
        assert (
            await client.get(f"{API}/departments/A2/{path}", headers=headers)
        ).status_code == 200

    async def test_another_organisations_department_is_not_found(self, client, tokens, path):
        response = await client.get(f"{API}/departments/B1/{path}", headers=org(tokens, "org-a"))
        assert problem(response, 404)["detail"] == "Department 'B1' was not found."

    async def test_a_municipality_sees_the_departments_lying_in_it(self, client, tokens, path):
        headers = municipality(tokens, "101")
        assert (
            await client.get(f"{API}/departments/B1/{path}", headers=headers)
        ).status_code == 200
        problem(await client.get(f"{API}/departments/A2/{path}", headers=headers), 404)

    async def test_the_fund_sees_every_department(self, client, tokens, path):
        headers = tokens.headers(Role.FUND)
        for department in ("A1", "A2", "B3"):
            response = await client.get(f"{API}/departments/{department}/{path}", headers=headers)
            assert response.status_code == 200

    async def test_other_roles_are_refused(self, client, tokens, path):
        response = await client.get(
            f"{API}/departments/A1/{path}", headers=tokens.headers(Role.TRIBUNAL)
        )
        assert "/public/" in problem(response, 403)["detail"]

    async def test_without_a_token_it_is_401(self, client, path):
        problem(await client.get(f"{API}/departments/A1/{path}"), 401)

    async def test_an_unknown_department_and_a_year_without_figures_are_404(
        self, client, tokens, path
    ):
        headers = tokens.headers(Role.FUND)
        problem(await client.get(f"{API}/departments/NOPE/{path}", headers=headers), 404)
        response = await client.get(
            f"{API}/departments/A1/{path}", params={"year": 2010}, headers=headers
        )
        assert "2021, 2022, 2023, 2024, 2025" in problem(response, 404)["detail"]


class TestComparableGroupMembers:
    async def test_an_organisation_sees_only_its_own_members_in_detail(self, client, tokens):
        response = await client.get(
            f"{API}/departments/A1/comparable-group", headers=org(tokens, "org-a")
        )
        body = response.json()
        assert [m["department_id"] for m in body["members"]] == ["A1"]
        assert body["other_members"] == 5  # B1–B5, counted only
        assert body["size"] == 6

    async def test_the_fund_sees_every_member(self, client, tokens):
        response = await client.get(
            f"{API}/departments/A1/comparable-group", headers=tokens.headers(Role.FUND)
        )
        assert len(response.json()["members"]) == 6

    async def test_an_unknown_figure_is_refused_with_the_known_ones(self, client, tokens):
        response = await client.get(
            f"{API}/departments/A1/comparable-group",
            params={"figure": "nope"},
            headers=tokens.headers(Role.FUND),
        )
        assert "rent_per_m2" in problem(response, 422)["detail"]


class TestOrganisationFigures:
    async def test_an_organisation_sees_its_departments_and_their_average(self, client, tokens):
        response = await client.get(
            f"{API}/organisations/org-a/key-figures", headers=org(tokens, "org-a")
        )
        body = response.json()
        assert body["aggregate"]["departments"] == 2
        rent = next(x for x in body["aggregate"]["figures"] if x["code"] == "rent_per_m2")
        assert rent["value"] == "168.0000"  # (160 + 176) / 2
        assert rent["benchmark"] == "185.1429"  # national: (160 + 176 + 5 × 192) / 7
        assert [d["department_id"] for d in body["departments"]["items"]] == ["A1", "A2"]
        assert [h["year"] for h in body["aggregate"]["history"]] == [2021, 2022, 2023, 2024, 2025]

    async def test_another_organisation_is_not_found(self, client, tokens):
        response = await client.get(
            f"{API}/organisations/org-b/key-figures", headers=org(tokens, "org-a")
        )
        problem(response, 404)

    async def test_a_municipality_sees_the_organisations_departments_in_it(self, client, tokens):
        response = await client.get(
            f"{API}/organisations/org-a/key-figures", headers=municipality(tokens, "101")
        )
        body = response.json()
        assert [d["department_id"] for d in body["departments"]["items"]] == ["A1"]
        assert body["aggregate"]["departments"] == 1

    async def test_departments_are_paginated(self, client, tokens):
        response = await client.get(
            f"{API}/organisations/org-b/key-figures",
            params={"limit": 2, "offset": 2},
            headers=tokens.headers(Role.FUND),
        )
        page = response.json()["departments"]
        assert [d["department_id"] for d in page["items"]] == ["B3", "B4"]
        assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)

    async def test_the_colour_filter_keeps_departments_with_such_a_figure(
        self, benchmarks_client, feed, tokens
    ):
        thresholds = {"rent_per_m2": {"mode": "relative", "yellow": "2", "red": "50"}}
        client = await benchmarks_client(min_group_size=2, thresholds=thresholds)
        await feed(
            simple_department("B1", "1000.00", organisation_id="org-b"),
            simple_department("B2", "1000.00", organisation_id="org-b"),
            simple_department("B3", "1100.00", organisation_id="org-b"),  # 6.5 % over
        )
        headers = tokens.headers(Role.FUND)
        path = f"{API}/organisations/org-b/key-figures"
        yellow = (await client.get(path, params={"colour": "yellow"}, headers=headers)).json()
        assert [d["department_id"] for d in yellow["departments"]["items"]] == ["B3"]
        assert yellow["departments"]["items"][0]["yellow"] == 1
        red = (await client.get(path, params={"colour": "red"}, headers=headers)).json()
        assert red["departments"]["items"] == []

    async def test_the_export_is_a_workbook_with_colours_kept(self, client, tokens):
        response = await client.get(
            f"{API}/organisations/org-b/key-figures",
            params={"format": "xlsx"},
            headers=tokens.headers(Role.FUND),
        )
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == ["Nøgletal", "Afdelinger"]
        detail = workbook["Afdelinger"]
        assert [detail.cell(row=r, column=1).value for r in range(2, 7)] == [
            "B1",
            "B2",
            "B3",
            "B4",
            "B5",
        ]
        header = [c.value for c in detail[1]]
        rent_column = header.index("Husleje pr. m² pr. år (DKK/m²/år)") + 1
        assert detail.cell(row=2, column=rent_column).value == 192


class TestMunicipalityFigures:
    async def test_a_municipality_sees_every_department_in_it(self, client, tokens):
        response = await client.get(
            f"{API}/municipalities/101/key-figures", headers=municipality(tokens, "101")
        )
        body = response.json()
        assert body["aggregate"]["departments"] == 6
        assert len(body["departments"]["items"]) == 6

    async def test_another_municipality_is_not_found(self, client, tokens):
        response = await client.get(
            f"{API}/municipalities/101/key-figures", headers=municipality(tokens, "751")
        )
        problem(response, 404)

    async def test_an_organisation_sees_the_average_and_only_its_own_departments(
        self, client, tokens
    ):
        response = await client.get(
            f"{API}/municipalities/101/key-figures", headers=org(tokens, "org-a")
        )
        body = response.json()
        assert body["aggregate"]["departments"] == 6
        assert [d["department_id"] for d in body["departments"]["items"]] == ["A1"]


class TestPublicFigures:
    async def test_the_national_average_needs_no_token(self, client):
        response = await client.get(f"{API}/public/key-figures")
        body = response.json()
        rent = next(x for x in body["figures"] if x["code"] == "rent_per_m2")
        assert (rent["value"], rent["departments"], rent["suppressed"]) == ("185.1429", 7, False)
        assert body["year"] == 2025

    async def test_a_municipality_with_too_few_departments_is_suppressed(self, client):
        response = await client.get(f"{API}/public/key-figures", params={"municipality": "751"})
        rent = next(x for x in response.json()["figures"] if x["code"] == "rent_per_m2")
        assert (rent["value"], rent["departments"], rent["suppressed"]) == (None, None, True)

    async def test_a_comparable_groups_average(self, client):
        response = await client.get(
            f"{API}/public/key-figures",
            params={"region": "capital", "period_band": "1960-1974", "size_band": "70-89"},
        )
        rent = next(x for x in response.json()["figures"] if x["code"] == "rent_per_m2")
        assert (rent["value"], rent["departments"]) == ("186.6667", 6)  # (160 + 5 × 192) / 6

    async def test_the_catalogue_documents_every_figure(self, client):
        body = (await client.get(f"{API}/public/catalogue")).json()
        assert [x["code"] for x in body["figures"]] == sorted(x["code"] for x in body["figures"])
        rent = next(x for x in body["figures"] if x["code"] == "rent_per_m2")
        assert (rent["unit"], rent["direction"]) == ("DKK/m²/år", "higher_worse")
        assert [lv["level"] for lv in body["widening_order"]] == [1, 2, 3, 4, 5, 6]


class TestHostileInput:
    async def test_no_operation_answers_5xx_or_a_non_problem_error(self, client, tokens):
        openapi = (await client.get("/benchmarks/openapi.json")).json()
        openapi["paths"] = {
            path: item
            for path, item in openapi["paths"].items()
            if path.startswith("/benchmarks/v1/")
        }
        findings = await fuzz_operations(
            client, openapi, headers=tokens.headers(Role.FUND), examples=8
        )
        assert findings == []
