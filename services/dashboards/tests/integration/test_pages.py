"""The pages' figures for each role, the HTML pages, downloads and the live stream."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
import pytest

from common.auth import Role
from common.calendar import danish_date
from common.events.contracts import AllocationType

from .factories import at, key_figures, lease, meeting, sent, statement, terminated

MUNI = AllocationType.MUNICIPAL_ALLOCATION


async def seeded(dashboards_client, feed):
    client = await dashboards_client()
    first = lease(1, allocation=MUNI, rent="3000.00", start=date(2026, 2, 1))
    await feed(
        first,
        lease(2, rent="5000.00", start=date(2026, 2, 1), loss=True),
        lease(
            3, municipality="751", org="org-2", rent="7000.00", start=date(2026, 1, 5), soon=True
        ),
        lease(4, municipality="751", org="org-2", start=date(2025, 5, 1)),
        terminated(first, date(2026, 8, 31), at(60)),
        sent("pkg-1", red=2, yellow=1),
        sent("pkg-2", home="751", org="org-2", locations=("101",)),
        meeting("pkg-2", home="751", org="org-2"),
        sent("pkg-3", home="751", org="org-2"),
        statement("pkg-3", municipality="751", org="org-2"),
        key_figures("dep-101", red=2, yellow=1),
        key_figures("dep-751", red=0, yellow=4, municipality="751", org="org-2"),
    )
    return client


def rows(page: dict, table: str) -> list[list[object]]:
    return page["tables"][table]["rows"]


class TestRegisterFigures:
    async def test_the_fund_sees_every_municipality(self, dashboards_client, feed, tokens):
        client = await seeded(dashboards_client, feed)
        response = await client.get(
            "/dashboards/v1/pages/register?year=2026", headers=tokens.headers(Role.FUND)
        )
        assert response.status_code == 200, response.text
        page = response.json()
        lettings = {r[0]: r[1] for r in rows(page, "lettings")}
        assert lettings["Kommunal anvisning"] == 1
        assert lettings["Ekstern venteliste"] == 2
        assert lettings["I alt"] == 3
        assert page["headline"]["municipal_share"] == "33.3"
        assert rows(page, "vacancy") == [
            ["Tomgang (ledig med lejetab)", 1],
            ["Bliver snart ledig", 1],
        ]

    async def test_leases_created_and_terminated_per_danish_day(
        self, dashboards_client, feed, tokens
    ):
        client = await dashboards_client()
        now = datetime.now(UTC)
        first = lease(1, start=danish_date(now), recorded=now)
        await feed(first, lease(2, recorded=now), terminated(first, date(2099, 1, 1), now))
        page = (
            await client.get("/dashboards/v1/pages/register", headers=tokens.headers(Role.FUND))
        ).json()
        today = danish_date(now).isoformat()
        daily = {r[0]: (r[1], r[2]) for r in rows(page, "daily")}
        assert len(daily) == 30
        assert daily[today] == (2, 1)
        assert sum(created for created, _ in daily.values()) == 2
        assert page["headline"]["created_today"] == 2

    async def test_rent_bands_count_the_running_leases(self, dashboards_client, feed, tokens):
        client = await seeded(dashboards_client, feed)
        page = (
            await client.get(
                "/dashboards/v1/pages/register?year=2025", headers=tokens.headers(Role.FUND)
            )
        ).json()
        # 31.12.2025: only lease 4 (5,000 kr.) runs
        assert rows(page, "rent_bands") == [
            ["Under 3.500 kr.", 0],
            ["3.500–4.499 kr.", 0],
            ["4.500–6.500 kr.", 1],
            ["Over 6.500 kr.", 0],
        ]

    async def test_a_municipality_sees_only_its_own(self, dashboards_client, feed, tokens):
        client = await seeded(dashboards_client, feed)
        page = (
            await client.get(
                "/dashboards/v1/pages/register?year=2026",
                headers=tokens.headers(Role.MUNICIPALITY, municipality="751"),
            )
        ).json()
        assert page["headline"]["lettings"] == 1
        assert page["headline"]["vacant_soon"] == 1
        assert page["headline"]["vacancy_loss"] == 0

    async def test_a_municipality_filtering_another_municipality_sees_nothing(
        self, dashboards_client, feed, tokens
    ):
        client = await seeded(dashboards_client, feed)
        page = (
            await client.get(
                "/dashboards/v1/pages/register?year=2026&municipality=101",
                headers=tokens.headers(Role.MUNICIPALITY, municipality="751"),
            )
        ).json()
        assert page["headline"]["lettings"] == 0
        assert page["headline"]["vacant_soon"] == 0

    async def test_an_organisation_sees_only_its_own(self, dashboards_client, feed, tokens):
        client = await seeded(dashboards_client, feed)
        page = (
            await client.get(
                "/dashboards/v1/pages/register?year=2026",
                headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
            )
        ).json()
        assert page["headline"]["lettings"] == 2
        assert page["headline"]["vacancy_loss"] == 1

    async def test_the_organisation_filter_narrows_the_fund(self, dashboards_client, feed, tokens):
        client = await seeded(dashboards_client, feed)
        page = (
            await client.get(
                "/dashboards/v1/pages/register?year=2026&organisation=org-2",
                headers=tokens.headers(Role.FUND),
            )
        ).json()
        assert page["headline"]["lettings"] == 1


class TestGovernanceFigures:
    async def test_packages_per_status_per_home_municipality(self, dashboards_client, feed, tokens):
        client = await seeded(dashboards_client, feed)
        page = (
            await client.get(
                "/dashboards/v1/pages/governance?year=2026", headers=tokens.headers(Role.FUND)
            )
        ).json()
        assert page["tables"]["packages"]["columns"][1:] == [
            "Klar til udarbejdelse",
            "Under udarbejdelse",
            "Helt udfyldt",
            "Sendt tilbage (under udarbejdelse)",
            "Fremsendt",
            "Møde afholdt",
            "Redegørelse afgivet",
            "I alt",
            "Over kommunens frist",
        ]
        assert rows(page, "packages") == [
            ["101 København", 0, 0, 0, 0, 1, 0, 0, 1, 0],
            ["751 Aarhus", 0, 0, 0, 0, 0, 1, 1, 2, 0],
        ]
        assert rows(page, "colours") == [
            ["dep-101", "org-1", "101 København", 2, 1, "red_0, red_1"],
            ["dep-751", "org-2", "751 Aarhus", 0, 4, ""],
        ]
        assert page["headline"]["red_figures"] == 2

    async def test_a_location_municipality_sees_the_packages_sent_to_it(
        self, dashboards_client, feed, tokens
    ):
        client = await seeded(dashboards_client, feed)
        page = (
            await client.get(
                "/dashboards/v1/pages/governance?year=2026",
                headers=tokens.headers(Role.MUNICIPALITY, municipality="101"),
            )
        ).json()
        assert rows(page, "packages") == [
            ["101 København", 0, 0, 0, 0, 1, 0, 0, 1, 0],
            ["751 Aarhus", 0, 0, 0, 0, 0, 1, 0, 1, 0],
        ]
        assert [r[0] for r in rows(page, "colours")] == ["dep-101"]


class TestAccess:
    @pytest.mark.parametrize("page", ["register", "governance"])
    @pytest.mark.parametrize(
        "role", [Role.TRIBUNAL, Role.PARTY, Role.ERP_CLIENT, Role.OPERATIONS, Role.LANDLORD]
    )
    async def test_roles_without_the_figures_get_403_and_no_data(
        self, dashboards_client, feed, tokens, page, role
    ):
        client = await seeded(dashboards_client, feed)
        response = await client.get(
            f"/dashboards/v1/pages/{page}", headers=tokens.headers(role, orgs=["org-1"])
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert "admin_org, fund, housing_org, municipality" in response.json()["detail"]
        html = await client.get(f"/dashboards/{page}", headers=tokens.headers(role))
        assert html.status_code == 403
        assert "Ingen adgang" in html.text
        assert "<table" not in html.text
        assert "<output" not in html.text

    async def test_operations_needs_the_operations_role(self, dashboards_client, tokens):
        client = await dashboards_client()
        refused = await client.get(
            "/dashboards/v1/pages/operations", headers=tokens.headers(Role.FUND)
        )
        assert refused.status_code == 403
        assert "operations" in refused.json()["detail"]
        page = await client.get(
            "/dashboards/v1/pages/operations", headers=tokens.headers(Role.OPERATIONS)
        )
        assert page.status_code == 200
        assert page.json()["headline"]["dead_letters"] == 0

    async def test_no_token_is_401_and_the_page_asks_to_sign_in(self, dashboards_client):
        client = await dashboards_client()
        response = await client.get("/dashboards/v1/pages/register")
        assert response.status_code == 401
        html = await client.get("/dashboards/register")
        assert html.status_code == 401
        assert "Log ind" in html.text

    async def test_a_forged_cookie_is_refused(self, dashboards_client):
        client = await dashboards_client()
        client.cookies.set("housing_dashboards", "not.a.token", path="/dashboards")
        html = await client.get("/dashboards/register")
        assert html.status_code == 401

    async def test_hostile_filters_are_problems_not_errors(self, dashboards_client, tokens):
        client = await dashboards_client()
        for query in ("year=abc", "year=99999", "municipality=1'; drop", "organisation=%00"):
            response = await client.get(
                f"/dashboards/v1/pages/register?{query}", headers=tokens.headers(Role.FUND)
            )
            assert response.status_code == 422, query
            assert response.headers["content-type"] == "application/problem+json"


class TestHtml:
    async def test_the_register_page_shows_chart_and_table_in_danish(
        self, dashboards_client, feed, tokens
    ):
        client = await seeded(dashboards_client, feed)
        client.cookies.set("housing_dashboards", tokens.token(Role.FUND), path="/dashboards")
        html = (await client.get("/dashboards/register?year=2026")).text
        assert '<html lang="da">' in html
        assert 'role="img"' in html
        assert '<table id="table-lettings">' in html
        assert '<output id="lettings">3</output>' in html
        assert '<output id="municipal-share">33,3</output>' in html
        partial = (await client.get("/dashboards/register?year=2026&partial=1")).text
        assert partial.lstrip().startswith('<ul class="headline">')

    async def test_the_governance_page_shows_the_statuses(self, dashboards_client, feed, tokens):
        client = await seeded(dashboards_client, feed)
        html = (
            await client.get("/dashboards/governance?year=2026", headers=tokens.headers(Role.FUND))
        ).text
        assert "Redegørelse afgivet" in html
        assert '<output id="packages">3</output>' in html


class TestDownloads:
    async def test_csv_holds_the_table(self, dashboards_client, feed, tokens):
        client = await seeded(dashboards_client, feed)
        response = await client.get(
            "/dashboards/tables/register/vacancy.csv?year=2026",
            headers=tokens.headers(Role.MUNICIPALITY, municipality="101"),
        )
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
            ["Ledighed", "Boliger"],
            ["Tomgang (ledig med lejetab)", "1"],
            ["Bliver snart ledig", "0"],
        ]

    async def test_excel_holds_the_table(self, dashboards_client, feed, tokens):
        client = await seeded(dashboards_client, feed)
        response = await client.get(
            "/dashboards/tables/governance/packages.xlsx?year=2026",
            headers=tokens.headers(Role.FUND),
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[0][0] == "Kommune"
        assert values[1] == ["101 København", 0, 0, 0, 0, 1, 0, 0, 1, 0]

    async def test_the_red_figures_codes_are_in_the_download(self, dashboards_client, feed, tokens):
        client = await dashboards_client()
        await feed(key_figures("dep-x", red=1, org="org-1"))
        response = await client.get(
            "/dashboards/tables/governance/colours.csv?year=2026",
            headers=tokens.headers(Role.FUND),
        )
        assert "red_0" in response.content.decode("utf-8-sig")

    async def test_an_unknown_table_is_404(self, dashboards_client, tokens):
        client = await dashboards_client()
        response = await client.get(
            "/dashboards/tables/register/nope.csv", headers=tokens.headers(Role.FUND)
        )
        assert response.status_code == 404
        assert "daily, vacancy, lettings, rent_bands" in response.json()["detail"]


class TestLive:
    async def test_the_stream_needs_a_dashboard_role(self, dashboards_client, tokens):
        client = await dashboards_client()
        response = await client.get("/dashboards/live", headers=tokens.headers(Role.PARTY))
        assert response.status_code == 403
