"""Rent support: the benchmark calculator's comparable-group average arrives as its event; the
fund calculates the rent model for the case's departments, step by step."""

from __future__ import annotations

from decimal import Decimal

from common.auth import Role
from common.events.contracts import ResidentComposition

from .support import (
    ANSWERS,
    API,
    apply,
    code,
    complete,
    create,
    fund,
    key_figures,
    master_data,
    municipality,
    org,
    post,
    sql,
    to_status,
)

BODY = {
    "year": 2025,
    "adjustments": {
        "d-1": {"renovation_need": "50.00", "accounts": "-10.00", "local_competition": "20.00"}
    },
}


async def set_rate(client, tokens, amount: str, year: int = 2026, reference: str = "LBF 2026-01"):
    r = await client.put(
        f"{API}/rent-support/minimum-needs/{year}",
        json={"amount_per_m2": amount, "reference": reference},
        headers=fund(tokens),
    )
    assert r.status_code == 200, r.text
    return r.json()


async def sent_case(grants_client, grants_db, tokens, *, rate: str | None = "25.00"):
    client = await grants_client()
    await master_data(grants_db)
    if rate is not None:
        await set_rate(client, tokens, rate)
    app = await to_status(
        client, tokens, await create(client, tokens, ("o-1",), ("d-1", "d-2")), "sent"
    )
    return client, app


class TestRentSupport:
    async def test_the_rent_model_step_by_step(self, grants_client, grants_db, tokens):
        client, app = await sent_case(grants_client, grants_db, tokens)
        await apply(
            grants_db,
            key_figures("d-1", "o-1", rent="1000.00", comparable="800.00"),
            key_figures("d-2", "o-1", rent="820.00", comparable="800.00"),
        )
        r = await client.post(
            f"{API}/applications/{app['id']}/rent-support",
            json=BODY,
            headers={**fund(tokens), "Idempotency-Key": "rs-1"},
        )
        assert r.status_code == 200, r.text
        calc = r.json()["rent_support"]
        assert calc["total_support"] == "3244500.00"
        assert calc["transferred_to_disposition_fund"] == ["d-2"]
        d1, d2 = calc["departments"]
        assert (d1["department_id"], d1["covered"], d1["support"]) == ("d-1", True, "3244500.00")
        assert [(s["code"], s["value"]) for s in d1["steps"]][7:] == [
            ("target", "860.00"),
            ("excess", "140.00"),
            ("minimum", "25.00"),
            ("area", "30900.00"),
            ("need", "4326000.00"),
            ("own_contribution", "1081500.00"),
            ("support", "3244500.00"),
            ("base_amount", "2625.00"),
            ("area_amount", "70.00"),
        ]
        assert (d2["covered"], d2["transfer_to_disposition_fund"]) == (False, True)
        assert d2["refusal_reason"] == (
            "Ikke omfattet af huslejestøtte: merlejen på 20.00 kr./m²/år er under "
            "minimumsstøttebehovet på 25.00 kr./m²/år. Afdelingen overføres til "
            "landsdispositionsfonden som almindelig driftsstøttesag inden evt. endeligt afslag."
        )
        assert d1["refusal_reason"] is None
        assert (calc["minimum_need_per_m2"], calc["minimum_need"]) == (
            "25.00",
            {"year": 2026, "revision": 1, "reference": "LBF 2026-01"},
        )
        # the applicant sees the same calculation
        seen = (
            await client.get(f"{API}/applications/{app['id']}", headers=org(tokens, "o-1"))
        ).json()
        assert seen["rent_support"] == calc

    async def test_an_older_revision_of_the_figures_is_ignored(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        await grants_client()
        await apply(
            grants_db,
            key_figures("d-1", "o-1", rent="1000.00", comparable="800.00", revision=2),
            key_figures("d-1", "o-1", rent="500.00", comparable="400.00", revision=1),
        )
        assert sql(
            grants_db_url,
            "SELECT rent_per_m2, comparable_rent_per_m2, revision FROM department_figures",
        ) == [(1000, 800, 2)]

    async def test_missing_figures_are_named_per_department(self, grants_client, grants_db, tokens):
        client, app = await sent_case(grants_client, grants_db, tokens)
        await apply(grants_db, key_figures("d-1", "o-1", rent="1000.00", comparable=None))
        r = await client.post(
            f"{API}/applications/{app['id']}/rent-support",
            json={"year": 2025},
            headers={**fund(tokens), "Idempotency-Key": "rs-2"},
        )
        assert r.status_code == 422
        assert [(e["pointer"], e["code"]) for e in r.json()["errors"]] == [
            ("/departments/d-1", "figures-missing"),
            ("/departments/d-2", "figures-missing"),
        ]
        assert "comparable group" in r.json()["errors"][0]["detail"]

    async def test_only_the_fund_calculates(self, grants_client, grants_db, tokens):
        client, app = await sent_case(grants_client, grants_db, tokens)
        r = await client.post(
            f"{API}/applications/{app['id']}/rent-support",
            json={"year": 2025},
            headers={**org(tokens, "o-1"), "Idempotency-Key": "rs-3"},
        )
        assert r.status_code == 403
        assert code(r) == "forbidden"

    async def test_a_hostile_number_of_dwellings_is_refused_on_the_form_not_a_500(
        self, grants_client, grants_db, tokens
    ):
        """A count beyond any department (10^40 dwellings) was stored and made the rent model
        fail (500); the form takes whole numbers up to 1.000.000, and the largest calculates."""
        client = await grants_client()
        await master_data(grants_db)
        await set_rate(client, tokens, "25.00")
        app = await create(client, tokens, ("o-1",), ("d-1", "d-2"))
        await complete(client, tokens, app)
        url = f"{API}/applications/{app['id']}"
        r = await client.put(
            f"{url}/departments/d-1/answers",
            json={"answers": {"dwellings": 10**40, "residents": 1_000_001}},
            headers=org(tokens, "o-1"),
        )
        assert r.status_code == 422, r.text
        assert [(e["pointer"], e["code"]) for e in r.json()["errors"]] == [
            ("/answers/dwellings", "invalid"),
            ("/answers/residents", "invalid"),
        ]
        assert "1.000.000" in r.json()["errors"][0]["detail"]
        r = await client.put(
            f"{url}/departments/d-1/answers",
            json={"answers": {**ANSWERS, "dwellings": 1_000_000}},
            headers=org(tokens, "o-1"),
        )
        assert r.status_code == 200, r.text
        r = await client.post(f"{url}/send", headers=post(org(tokens, "o-1")))
        assert r.status_code == 200, r.text
        await apply(
            grants_db,
            key_figures("d-1", "o-1", rent="1000.00", comparable="800.00"),
            key_figures("d-2", "o-1", rent="820.00", comparable="800.00"),
        )
        r = await client.post(f"{url}/rent-support", json=BODY, headers=post(fund(tokens)))
        assert r.status_code == 200, r.text


class TestMinimumNeed:
    async def test_without_a_rate_for_the_frame_year_nothing_is_calculated(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await sent_case(grants_client, grants_db, tokens, rate=None)
        await set_rate(client, tokens, "30.00", year=2025)  # another year does not count
        await apply(grants_db, key_figures("d-1", "o-1", rent="1000.00", comparable="800.00"))
        r = await client.post(
            f"{API}/applications/{app['id']}/rent-support", json=BODY, headers=post(fund(tokens))
        )
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        assert code(r) == "minimum-need-not-set"
        assert "/grants/v1/rent-support/minimum-needs/2026" in r.json()["detail"]
        assert sql(grants_db_url, "SELECT rent_support FROM applications") == [(None,)]

    async def test_the_newest_revision_applies_and_a_stored_calculation_keeps_its_own(
        self, grants_client, grants_db, tokens
    ):
        client, app = await sent_case(grants_client, grants_db, tokens, rate="10.00")
        await apply(
            grants_db,
            key_figures("d-1", "o-1", rent="1000.00", comparable="800.00"),
            key_figures("d-2", "o-1", rent="820.00", comparable="800.00"),
        )
        url = f"{API}/applications/{app['id']}/rent-support"
        first = (await client.post(url, json=BODY, headers=post(fund(tokens)))).json()
        # 20 ≥ 10: d-2 covered under the first rate
        assert first["rent_support"]["transferred_to_disposition_fund"] == []
        await set_rate(client, tokens, "25.00", reference="LBF bestyrelse 2026-03 pkt. 4")
        seen = (await client.get(f"{API}/applications/{app['id']}", headers=fund(tokens))).json()
        assert seen["rent_support"]["minimum_need"]["revision"] == 1  # unchanged until recalculated
        second = (await client.post(url, json=BODY, headers=post(fund(tokens)))).json()
        assert second["rent_support"]["minimum_need"] == {
            "year": 2026,
            "revision": 2,
            "reference": "LBF bestyrelse 2026-03 pkt. 4",
        }
        assert second["rent_support"]["transferred_to_disposition_fund"] == ["d-2"]
        rates = (
            await client.get(f"{API}/rent-support/minimum-needs", headers=org(tokens, "o-1"))
        ).json()
        assert [
            (r["year"], r["revision"], r["amount_per_m2"], r["set_by"], r["in_force"])
            for r in rates
        ] == [
            (2026, 2, "25.00", "lbf-caseworker", True),
            (2026, 1, "10.00", "lbf-caseworker", False),
        ]

    async def test_setting_the_same_rate_again_changes_nothing(self, grants_client, tokens):
        client = await grants_client()
        first = await set_rate(client, tokens, "25.00")
        again = await set_rate(client, tokens, "25.00")
        assert again == first
        changed = await set_rate(client, tokens, "30.00")
        assert (changed["revision"], changed["amount_per_m2"]) == (2, "30.00")
        rates = (await client.get(f"{API}/rent-support/minimum-needs", headers=fund(tokens))).json()
        assert [(r["revision"], r["in_force"]) for r in rates] == [(2, True), (1, False)]

    async def test_only_the_fund_sets_the_rate_and_hostile_input_is_refused(
        self, grants_client, tokens
    ):
        client = await grants_client()
        url = f"{API}/rent-support/minimum-needs/2026"
        body = {"amount_per_m2": "25.00", "reference": "x"}
        for headers in (org(tokens, "o-1"), municipality(tokens)):
            r = await client.put(url, json=body, headers=headers)
            assert (r.status_code, code(r)) == (403, "forbidden")
            assert "it needs one of" in r.json()["detail"]
        for bad in (
            {"amount_per_m2": "-1.00", "reference": "x"},
            {"amount_per_m2": "1.001", "reference": "x"},
            {"amount_per_m2": "25.00", "reference": ""},
            {"amount_per_m2": "25.00"},
        ):
            r = await client.put(url, json=bad, headers=fund(tokens))
            assert r.status_code == 422, bad
            assert r.headers["content-type"] == "application/problem+json"
        r = await client.put(
            f"{API}/rent-support/minimum-needs/99999", json=body, headers=fund(tokens)
        )
        assert r.status_code == 422
        r = await client.get(
            f"{API}/rent-support/minimum-needs", headers=tokens.headers(Role.TRIBUNAL, subject="t")
        )
        assert r.status_code == 403
        assert (
            await client.get(f"{API}/rent-support/minimum-needs", headers=fund(tokens))
        ).json() == []


class TestResidentComposition:
    async def test_the_calculators_band_average_is_the_comparable_department(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await sent_case(grants_client, grants_db, tokens)
        band = ResidentComposition(
            band="25-",
            label="25 % eller flere kommunalt anviste genudlejninger",
            municipal_allocation_share=Decimal("31.2500"),
            comparable_rent_per_m2=Decimal("900.0000"),
            group_size=14,
            group_label="sammenlignelige afdelinger",
        )
        await apply(
            grants_db,
            key_figures("d-1", "o-1", rent="1000.00", comparable="800.00", residents=band),
            key_figures("d-2", "o-1", rent="820.00", comparable="800.00"),  # an older producer
        )
        stored = sql(
            grants_db_url,
            "SELECT department_id, resident_composition FROM department_figures "
            "ORDER BY department_id",
        )
        assert stored == [("d-1", band.model_dump(mode="json")), ("d-2", None)]
        r = await client.post(
            f"{API}/applications/{app['id']}/rent-support",
            json={"year": 2025},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 200, r.text
        d1, d2 = r.json()["rent_support"]["departments"]
        steps = {s["code"]: s for s in d1["steps"]}
        assert [s["code"] for s in d1["steps"]][:3] == [
            "rent",
            "resident_composition",
            "comparable",
        ]
        assert (steps["resident_composition"]["value"], steps["resident_composition"]["unit"]) == (
            "31.3",
            "%",
        )
        assert steps["resident_composition"]["label"] == (
            "Beboersammensætning (andel kommunalt anviste genudlejninger)"
        )
        assert steps["comparable"]["value"] == "900.00"
        assert steps["comparable"]["explanation"] == (
            "Gennemsnittet af sammenlignelige afdelinger: samme årgang, art, boligstørrelse og "
            "region (sammenlignelige afdelinger) og tilsvarende beboersammensætning "
            "(benchmarkberegnerens sammenligningsgruppe)."
        )
        assert (steps["excess"]["value"], d1["support"]) == ("100.00", "2317500.00")
        other = {s["code"]: s for s in d2["steps"]}
        assert other["resident_composition"]["value"] is None
        assert other["comparable"]["value"] == "800.00"
        # the applicant sees the same steps
        seen = await client.get(f"{API}/applications/{app['id']}", headers=org(tokens, "o-1"))
        assert seen.json()["rent_support"]["departments"][0]["steps"] == d1["steps"]
