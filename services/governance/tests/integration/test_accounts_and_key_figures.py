"""Accounts reported per department (and their event for the benchmark calculator); key
figures prefilled from the benchmark calculator's events, comments on red and yellow figures,
and "update benchmarks" after an explicit confirmation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.auth import Role
from common.events.consumer import Outcome
from common.events.contracts import AccountsReportedV1, CriticalColour
from common.events.envelope import Envelope

from .support import (
    ACCOUNTS,
    API,
    DEPARTMENT_ANSWERS,
    REPORT_ANSWERS,
    YEAR,
    apply,
    department,
    figure,
    key_figures,
    municipality,
    open_year,
    org,
    organisation,
    outbox,
    post_headers,
    sql,
)

PKG = f"pkg-{YEAR}-BO-1"
D1 = f"{API}/packages/{PKG}/departments/d1"


@pytest.fixture
async def client(governance_client, governance_db, tokens):
    client = await governance_client()
    await apply(governance_db, organisation("BO-1", "101"), department("d1", "BO-1", "147"))
    await open_year(client, tokens)
    return client


class TestReportAccounts:
    async def test_reporting_emits_accounts_reported_for_the_benchmark_calculator(
        self, client, tokens, governance_db_url
    ):
        response = await client.put(f"{D1}/accounts", json=ACCOUNTS, headers=org(tokens, "BO-1"))
        assert response.status_code == 200, response.text
        assert (response.json()["accounts_year"], response.json()["revision"]) == (YEAR - 1, 1)
        [envelope] = outbox(governance_db_url, "governance.accounts.reported")
        event = AccountsReportedV1.from_envelope(Envelope.from_structured(envelope))
        assert (event.department_id, event.package_id, event.accounts_year) == ("d1", PKG, YEAR - 1)
        assert event.municipality_code == "147"
        assert str(event.operating_cost) == "7296000.00"
        assert envelope["subject"] == "d1"

    async def test_a_correction_is_a_new_revision_and_an_unchanged_report_nothing(
        self, client, tokens, governance_db_url
    ):
        headers = org(tokens, "BO-1")
        await client.put(f"{D1}/accounts", json=ACCOUNTS, headers=headers)
        await client.put(f"{D1}/accounts", json=ACCOUNTS, headers=headers)
        corrected = await client.put(
            f"{D1}/accounts", json={**ACCOUNTS, "dwellings": 121}, headers=headers
        )
        assert corrected.json()["revision"] == 2
        revisions = [
            e["data"]["revision"] for e in outbox(governance_db_url, "governance.accounts.reported")
        ]
        assert revisions == [1, 2]

    async def test_the_organisations_erp_may_report(self, client, tokens):
        response = await client.put(
            f"{D1}/accounts", json=ACCOUNTS, headers=org(tokens, "BO-1", role=Role.ERP_CLIENT)
        )
        assert response.status_code == 200

    async def test_another_organisation_or_a_municipality_may_not(self, client, tokens):
        assert (
            await client.put(f"{D1}/accounts", json=ACCOUNTS, headers=org(tokens, "BO-2"))
        ).status_code == 404
        assert (
            await client.put(f"{D1}/accounts", json=ACCOUNTS, headers=municipality(tokens, "101"))
        ).status_code == 403

    async def test_a_department_outside_the_package_is_not_found(self, client, tokens):
        response = await client.put(
            f"{API}/packages/{PKG}/departments/d9/accounts",
            json=ACCOUNTS,
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 404

    async def test_money_is_checked(self, client, tokens):
        response = await client.put(
            f"{D1}/accounts",
            json={**ACCOUNTS, "operating_cost": "-1.00"},
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/operating_cost"

    async def test_a_large_department_area_is_accepted(self, client, tokens, governance_db_url):
        area = "152340.75"  # ~1,800 dwellings: beyond a dwelling's 99,999.99 m²
        headers = org(tokens, "BO-1")
        response = await client.put(
            f"{D1}/accounts", json={**ACCOUNTS, "total_area_m2": area}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["total_area_m2"] == area
        [stored] = (await client.get(f"{API}/packages/{PKG}/accounts", headers=headers)).json()
        assert stored["total_area_m2"] == area
        assert sql(
            governance_db_url, "SELECT total_area_m2 FROM accounts WHERE department_id = 'd1'"
        ) == [(Decimal(area),)]
        [envelope] = outbox(governance_db_url, "governance.accounts.reported")
        event = AccountsReportedV1.from_envelope(Envelope.from_structured(envelope))
        assert event.total_area_m2 == Decimal(area)

    async def test_an_area_beyond_what_the_event_carries_is_refused_not_a_500(self, client, tokens):
        response = await client.put(
            f"{D1}/accounts",
            json={**ACCOUNTS, "total_area_m2": "10000000.00"},
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/total_area_m2"

    async def test_the_package_shows_which_accounts_are_in(self, client, tokens):
        await client.put(f"{D1}/accounts", json=ACCOUNTS, headers=org(tokens, "BO-1"))
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["accounts"]["reported"] == ["d1"]
        assert package["accounts"]["missing"] == []


class TestKeyFigures:
    async def test_figures_of_the_accounts_year_are_prefilled_with_benchmark_and_colour(
        self, client, tokens, governance_db
    ):
        await apply(
            governance_db,
            key_figures(
                "d1",
                "BO-1",
                figure("rent_per_m2", CriticalColour.RED),
                figure("vacancy", CriticalColour.GREEN),
            ),
        )
        form = (await client.get(D1, headers=org(tokens, "BO-1"))).json()
        red = form["key_figures"][0]
        assert (
            red["code"],
            red["value"],
            red["benchmark"],
            red["colour"],
            red["needs_comment"],
        ) == ("rent_per_m2", "812.50", "800.00", "red", True)
        assert form["figures_needing_comment"] == ["rent_per_m2"]

    async def test_figures_of_another_year_are_kept_but_not_prefilled(
        self, client, tokens, governance_db
    ):
        await apply(governance_db, key_figures("d1", "BO-1", figure("rent_per_m2"), year=YEAR))
        assert (await client.get(D1, headers=org(tokens, "BO-1"))).json()["key_figures"] == []

    async def test_a_revision_at_or_below_the_one_held_is_ignored(
        self, client, governance_db, governance_db_url
    ):
        await apply(governance_db, key_figures("d1", "BO-1", figure("rent_per_m2"), revision=2))
        assert await apply(
            governance_db,
            key_figures("d1", "BO-1", figure("rent_per_m2", value="1.00"), revision=2),
        ) == [Outcome.APPLIED]
        await apply(
            governance_db,
            key_figures("d1", "BO-1", figure("rent_per_m2", value="2.00"), revision=1),
        )
        assert sql(governance_db_url, "SELECT revision, figures->0->>'value' FROM key_figures") == [
            (2, "812.50")
        ]

    async def test_figures_held_before_the_package_exists_are_prefilled_when_it_is_created(
        self, client, tokens, governance_db
    ):
        await apply(
            governance_db,
            organisation("BO-2", "151"),
            department("d2", "BO-2", "151"),
            key_figures("d2", "BO-2", figure("rent_per_m2", CriticalColour.YELLOW)),
        )
        await client.post(
            f"{API}/packages/generate",
            json={"year": YEAR},
            headers=post_headers(tokens.headers(Role.FUND)),
        )
        form = (
            await client.get(
                f"{API}/packages/pkg-{YEAR}-BO-2/departments/d2", headers=org(tokens, "BO-2")
            )
        ).json()
        assert [f["colour"] for f in form["key_figures"]] == ["yellow"]

    async def test_figures_computed_from_the_first_accounts_replace_the_register_only_snapshot(
        self, client, tokens, governance_db
    ):
        headers = org(tokens, "BO-1")
        # The register's figures arrive first; the accounts figures cannot be computed yet.
        await apply(
            governance_db,
            key_figures(
                "d1",
                "BO-1",
                figure("rent_per_m2", CriticalColour.GREEN, value="790.00"),
                figure("administration_cost_per_dwelling", CriticalColour.NONE, value=None),
                revision=1,
            ),
        )
        await client.put(f"{D1}/accounts", json=ACCOUNTS, headers=headers)
        await apply(
            governance_db,
            key_figures(
                "d1",
                "BO-1",
                figure("rent_per_m2", CriticalColour.GREEN, value="790.00"),
                figure("administration_cost_per_dwelling", CriticalColour.GREEN, value="4500.00"),
                revision=2,
            ),
        )
        form = (await client.get(D1, headers=headers)).json()
        by_code = {f["code"]: f["value"] for f in form["key_figures"]}
        assert by_code["administration_cost_per_dwelling"] == "4500.00"

    async def test_after_an_accounts_correction_the_new_figures_replace_the_snapshot(
        self, client, tokens, governance_db
    ):
        headers = org(tokens, "BO-1")
        await client.put(f"{D1}/accounts", json=ACCOUNTS, headers=headers)
        await apply(
            governance_db,
            key_figures("d1", "BO-1", figure("rent_per_m2", CriticalColour.RED), revision=1),
        )
        await client.put(
            f"{D1}/accounts", json={**ACCOUNTS, "operating_cost": "7000000.00"}, headers=headers
        )
        await apply(
            governance_db,
            key_figures(
                "d1",
                "BO-1",
                figure("rent_per_m2", CriticalColour.GREEN, value="790.00"),
                revision=2,
            ),
        )
        form = (await client.get(D1, headers=headers)).json()
        assert (form["key_figures"][0]["value"], form["key_figures"][0]["colour"]) == (
            "790.00",
            "green",
        )
        log = (await client.get(f"{API}/packages/{PKG}/changes?limit=500", headers=headers)).json()[
            "items"
        ]
        assert log[-1]["action"] == "key_figures_refreshed"

    async def test_a_red_or_yellow_figure_keeps_the_form_incomplete_until_commented(
        self, client, tokens, governance_db
    ):
        await apply(
            governance_db,
            key_figures(
                "d1",
                "BO-1",
                figure("rent_per_m2", CriticalColour.RED),
                figure("vacancy", CriticalColour.YELLOW),
            ),
        )
        headers = org(tokens, "BO-1")
        form = (
            await client.put(f"{D1}/answers", json={"answers": DEPARTMENT_ANSWERS}, headers=headers)
        ).json()
        assert form["status"] == "in_progress"
        await client.put(
            f"{D1}/key-figures/rent_per_m2/comment",
            json={"comment": "Ny fjernvarmeaftale."},
            headers=headers,
        )
        form = (
            await client.put(
                f"{D1}/key-figures/vacancy/comment",
                json={"comment": "Renovering."},
                headers=headers,
            )
        ).json()
        assert form["status"] == "complete"
        assert form["key_figures"][0]["comment"] == "Ny fjernvarmeaftale."

    async def test_a_red_figure_arriving_on_a_complete_form_reopens_it_and_the_package(
        self, client, tokens, governance_db
    ):
        headers = org(tokens, "BO-1")
        await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": REPORT_ANSWERS},
            headers=headers,
        )
        await client.put(f"{D1}/answers", json={"answers": DEPARTMENT_ANSWERS}, headers=headers)
        assert (await client.get(f"{API}/packages/{PKG}", headers=headers)).json()[
            "status"
        ] == "complete"
        await apply(
            governance_db, key_figures("d1", "BO-1", figure("rent_per_m2", CriticalColour.RED))
        )
        package = (await client.get(f"{API}/packages/{PKG}", headers=headers)).json()
        assert (package["departments"][0]["status"], package["status"]) == (
            "in_progress",
            "in_progress",
        )

    async def test_green_figures_on_an_unanswered_form_leave_the_package_ready(
        self, client, tokens, governance_db
    ):
        await apply(
            governance_db, key_figures("d1", "BO-1", figure("rent_per_m2", CriticalColour.GREEN))
        )
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert (package["departments"][0]["status"], package["status"]) == ("ready", "ready")
        assert package["departments"][0]["figures_prefilled"] is True

    async def test_a_blank_comment_does_not_count(self, client, tokens, governance_db):
        await apply(
            governance_db, key_figures("d1", "BO-1", figure("rent_per_m2", CriticalColour.RED))
        )
        form = (
            await client.put(
                f"{D1}/key-figures/rent_per_m2/comment",
                json={"comment": "   "},
                headers=org(tokens, "BO-1"),
            )
        ).json()
        assert form["figures_needing_comment"] == ["rent_per_m2"]

    async def test_a_comment_on_an_unknown_figure_is_not_found(self, client, tokens):
        response = await client.put(
            f"{D1}/key-figures/rent_per_m2/comment",
            json={"comment": "x"},
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 404
        assert "not been prefilled" in response.json()["detail"]


class TestUpdateBenchmarks:
    async def _indexed_then_newer(self, governance_db):
        await apply(
            governance_db,
            key_figures(
                "d1",
                "BO-1",
                figure("rent_per_m2", CriticalColour.GREEN, benchmark="800.00", indexed=True),
                revision=1,
            ),
        )
        await apply(
            governance_db,
            key_figures(
                "d1",
                "BO-1",
                figure("rent_per_m2", CriticalColour.RED, benchmark="600.00"),
                revision=2,
            ),
        )

    async def test_the_package_offers_newer_benchmarks_when_the_snapshot_was_indexed(
        self, client, tokens, governance_db
    ):
        await self._indexed_then_newer(governance_db)
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["newer_benchmarks_available"] == ["d1"]
        form = (await client.get(D1, headers=org(tokens, "BO-1"))).json()
        assert form["benchmarks_indexed"] is True
        assert (
            form["key_figures"][0]["benchmark"] == "800.00"
        )  # the snapshot is not changed by itself

    async def test_updating_needs_an_explicit_confirmation(self, client, tokens, governance_db):
        await self._indexed_then_newer(governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/update-benchmarks",
            json={},
            headers=post_headers(org(tokens, "BO-1")),
        )
        assert response.status_code == 422
        assert response.json()["type"] == "urn:housing:problem:confirmation-required"
        assert "confirm=true" in response.json()["detail"]
        form = (await client.get(D1, headers=org(tokens, "BO-1"))).json()
        assert form["key_figures"][0]["benchmark"] == "800.00"

    async def test_confirmed_it_refreshes_the_snapshot_and_a_new_red_needs_a_comment(
        self, client, tokens, governance_db
    ):
        await self._indexed_then_newer(governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/update-benchmarks",
            json={"confirm": True},
            headers=post_headers(org(tokens, "BO-1")),
        )
        assert response.json() == {"updated": ["d1"]}
        form = (await client.get(D1, headers=org(tokens, "BO-1"))).json()
        assert (form["key_figures"][0]["benchmark"], form["key_figures"][0]["colour"]) == (
            "600.00",
            "red",
        )
        assert form["figures_needing_comment"] == ["rent_per_m2"]
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["newer_benchmarks_available"] == []

    async def test_a_snapshot_without_indexed_benchmarks_is_left_alone(
        self, client, tokens, governance_db
    ):
        await apply(governance_db, key_figures("d1", "BO-1", figure("rent_per_m2"), revision=1))
        await apply(
            governance_db,
            key_figures("d1", "BO-1", figure("rent_per_m2", benchmark="1.00"), revision=2),
        )
        response = await client.post(
            f"{API}/packages/{PKG}/update-benchmarks",
            json={"confirm": True},
            headers=post_headers(org(tokens, "BO-1")),
        )
        assert response.json() == {"updated": []}
