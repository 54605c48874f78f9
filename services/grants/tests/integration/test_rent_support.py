"""Rent support: the benchmark calculator's comparable-group average arrives as its event; the
fund calculates the rent model for the case's departments, step by step."""

from __future__ import annotations

from .support import (
    API,
    apply,
    code,
    create,
    fund,
    key_figures,
    master_data,
    org,
    sql,
    to_status,
)

BODY = {
    "year": 2025,
    "minimum_need_per_m2": "25.00",
    "adjustments": {
        "d-1": {"renovation_need": "50.00", "accounts": "-10.00", "local_competition": "20.00"}
    },
}


async def sent_case(grants_client, grants_db, tokens):
    client = await grants_client()
    await master_data(grants_db)
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
        assert [(s["code"], s["value"]) for s in d1["steps"]][6:] == [
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
