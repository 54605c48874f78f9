"""Master data from the register's events, the year's packages and who sees them."""

from __future__ import annotations

import pytest

from common.auth import Role
from common.events.consumer import Outcome

from .support import (
    API,
    YEAR,
    apply,
    department,
    fund,
    municipality,
    open_year,
    org,
    organisation,
    post_headers,
    sql,
)


@pytest.fixture
async def client(governance_client, governance_db, tokens):
    client = await governance_client()
    await apply(
        governance_db,
        organisation("BO-1", "101", administered_by="ADM-1"),
        organisation("BO-2", "147"),
        organisation("BO-X", "101"),
        organisation("BO-E", "101"),
        department("d1a", "BO-1", "101"),
        department("d1b", "BO-1", "147"),
        department("d1c", "BO-1", "101"),
        department("d2a", "BO-2", "147"),
        department("dx", "BO-X", "101"),
    )
    for path in ("organisations/BO-X", "departments/d1c"):
        response = await client.put(
            f"{API}/exemptions/{path}",
            json={"exemption": "self_owning_youth"},
            headers=fund(tokens),
        )
        assert response.status_code == 204, response.text
    return client


class TestMasterData:
    async def test_a_redelivered_event_is_applied_once(
        self, client, governance_db, governance_db_url
    ):
        event = organisation("BO-9", "151")
        assert await apply(governance_db, event, event) == [Outcome.APPLIED, Outcome.DUPLICATE]
        assert sql(
            governance_db_url,
            "SELECT id, home_municipality_code FROM organisations WHERE id='BO-9'",
        ) == [("BO-9", "151")]

    async def test_an_older_version_does_not_overwrite_a_newer_one(
        self, client, governance_db, governance_db_url
    ):
        await apply(
            governance_db,
            department("d9", "BO-2", "151", version=3),
            department("d9", "BO-2", "101", version=2),
        )
        assert sql(
            governance_db_url, "SELECT municipality_code FROM departments WHERE id='d9'"
        ) == [("151",)]

    async def test_only_the_fund_sets_exemptions(self, client, tokens):
        response = await client.put(
            f"{API}/exemptions/organisations/BO-1",
            json={"exemption": "self_owning_youth"},
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"


class TestCreatePackages:
    async def test_one_package_per_reporting_organisation_without_exempt_ones(self, client, tokens):
        result = await open_year(client, tokens)
        assert sorted(result["package_ids"]) == [f"pkg-{YEAR}-BO-1", f"pkg-{YEAR}-BO-2"]
        assert result["exempt"] == 2  # BO-X is exempt, BO-E has no departments

    async def test_the_package_holds_a_report_and_a_form_per_non_exempt_department(
        self, client, tokens
    ):
        await open_year(client, tokens)
        package = (
            await client.get(f"{API}/packages/pkg-{YEAR}-BO-1", headers=org(tokens, "BO-1"))
        ).json()
        assert package["status"] == "ready"
        assert package["status_label"] == "Klar til udarbejdelse"
        assert package["report"]["key"] == "report"
        assert [f["key"] for f in package["departments"]] == ["d1a", "d1b"]
        assert package["accounts"] == {
            "accounts_year": YEAR - 1,
            "reported": [],
            "missing": ["d1a", "d1b"],
            "key_figures_pending": [],
        }
        assert package["home_municipality_code"] == "101"
        assert package["location_municipality_codes"] == ["101", "147"]

    async def test_generating_again_creates_only_what_is_missing(
        self, client, tokens, governance_db
    ):
        await open_year(client, tokens)
        await apply(governance_db, organisation("BO-3", "151"), department("d3a", "BO-3", "151"))
        response = await client.post(
            f"{API}/packages/generate", json={"year": YEAR}, headers=post_headers(fund(tokens))
        )
        assert response.json()["package_ids"] == [f"pkg-{YEAR}-BO-3"]
        assert response.json()["existing"] == 2

    async def test_a_retried_generation_with_the_same_key_is_applied_once(self, client, tokens):
        await client.put(
            f"{API}/catalogues/{YEAR}",
            json={
                "questions": [
                    {"code": "q", "form": "report", "section": "s", "text": "t", "kind": "yes_no"}
                ]
            },
            headers=fund(tokens),
        )
        headers = post_headers(fund(tokens))
        first = await client.post(f"{API}/packages/generate", json={"year": YEAR}, headers=headers)
        again = await client.post(f"{API}/packages/generate", json={"year": YEAR}, headers=headers)
        assert first.json() == again.json()
        assert again.headers["idempotent-replayed"] == "true"

    async def test_a_year_without_catalogue_cannot_be_opened(self, client, tokens):
        response = await client.post(
            f"{API}/packages/generate", json={"year": YEAR}, headers=post_headers(fund(tokens))
        )
        assert response.status_code == 422
        assert response.json()["type"] == "urn:housing:problem:catalogue-missing"

    async def test_only_the_fund_opens_a_year(self, client, tokens):
        response = await client.post(
            f"{API}/packages/generate",
            json={"year": YEAR},
            headers=post_headers(org(tokens, "BO-1")),
        )
        assert response.status_code == 403

    async def test_a_department_arriving_later_gets_its_form_in_the_open_package(
        self, client, tokens, governance_db
    ):
        await open_year(client, tokens)
        await apply(governance_db, department("d1z", "BO-1", "151"))
        package = (
            await client.get(f"{API}/packages/pkg-{YEAR}-BO-1", headers=org(tokens, "BO-1"))
        ).json()
        assert [f["key"] for f in package["departments"]] == ["d1a", "d1b", "d1z"]
        assert package["location_municipality_codes"] == ["101", "147", "151"]

    async def test_an_organisation_that_moves_takes_its_open_package_along(
        self, client, tokens, governance_db
    ):
        await open_year(client, tokens)
        await apply(governance_db, organisation("BO-2", "151", version=2))
        package = (
            await client.get(f"{API}/packages/pkg-{YEAR}-BO-2", headers=org(tokens, "BO-2"))
        ).json()
        assert package["home_municipality_code"] == "151"


class TestAccess:
    async def _ids(self, client, headers) -> list[str]:
        response = await client.get(f"{API}/packages", headers=headers)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    async def test_an_organisation_sees_only_its_own_packages(self, client, tokens):
        await open_year(client, tokens)
        assert await self._ids(client, org(tokens, "BO-2")) == [f"pkg-{YEAR}-BO-2"]
        response = await client.get(f"{API}/packages/pkg-{YEAR}-BO-1", headers=org(tokens, "BO-2"))
        assert response.status_code == 404
        assert response.json()["type"] == "urn:housing:problem:package-not-found"

    async def test_an_administration_organisation_sees_those_it_administers(self, client, tokens):
        await open_year(client, tokens)
        assert await self._ids(client, org(tokens, "ADM-1", role=Role.ADMIN_ORG)) == [
            f"pkg-{YEAR}-BO-1"
        ]

    async def test_a_municipality_sees_nothing_before_it_is_sent(self, client, tokens):
        await open_year(client, tokens)
        assert await self._ids(client, municipality(tokens, "101")) == []
        response = await client.get(
            f"{API}/packages/pkg-{YEAR}-BO-1", headers=municipality(tokens, "101")
        )
        assert response.status_code == 404

    async def test_the_fund_sees_every_package(self, client, tokens):
        await open_year(client, tokens)
        assert len(await self._ids(client, fund(tokens))) == 2

    async def test_roles_without_a_part_in_governance_are_refused(self, client, tokens):
        response = await client.get(f"{API}/packages", headers=tokens.headers(Role.TRIBUNAL))
        assert response.status_code == 403

    async def test_no_token_is_401(self, client):
        response = await client.get(f"{API}/packages")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_lists_page_with_a_cursor_and_filter(self, client, tokens):
        await open_year(client, tokens)
        first = (await client.get(f"{API}/packages?limit=1", headers=fund(tokens))).json()
        assert len(first["items"]) == 1
        assert first["next_cursor"]
        second = (
            await client.get(
                f"{API}/packages?limit=1&cursor={first['next_cursor']}", headers=fund(tokens)
            )
        ).json()
        assert second["next_cursor"] is None
        assert {first["items"][0]["id"], second["items"][0]["id"]} == {
            f"pkg-{YEAR}-BO-1",
            f"pkg-{YEAR}-BO-2",
        }
        filtered = (
            await client.get(f"{API}/packages?home_municipality_code=147", headers=fund(tokens))
        ).json()
        assert [p["id"] for p in filtered["items"]] == [f"pkg-{YEAR}-BO-2"]
