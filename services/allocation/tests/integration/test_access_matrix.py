"""The access matrix: every read endpoint and role — a municipality sees only its own, a housing
organisation its own social agreements and offers, a landlord its own properties, agreements and
notices, the fund everything; another's object is 404, a role without a part 403 naming the
roles that may; the public agreement list needs no token."""

from __future__ import annotations

from typing import Any

import pytest

from .support import API, apply, fund, landlord, make_agreement, municipality, org, post, vacancy

HEADERS = {
    "m101": lambda t: municipality(t, "101"),
    "m147": lambda t: municipality(t, "147"),
    "BO-1": lambda t: org(t, "BO-1"),
    "BO-2": lambda t: org(t, "BO-2"),
    "fund": fund,
    "LL-1": lambda t: landlord(t, "LL-1"),
    "LL-2": lambda t: landlord(t, "LL-2"),
}


@pytest.fixture
async def world(allocation_client, allocation_db, tokens) -> tuple[Any, dict[str, str]]:
    client = await allocation_client()
    ids: dict[str, str] = {}
    ids["agreement"] = (
        await make_agreement(client, tokens, kind="listed", share=None, dwelling_ids=["dw-1"])
    )["id"]
    await apply(allocation_db, vacancy("dw-1"))
    offers = (await client.get(f"{API}/offers", headers=fund(tokens))).json()["items"]
    ids["social_offer"] = offers[0]["id"]
    await client.put(
        f"{API}/subsidy-rates/2027", json={"monthly_rate": "1400.00"}, headers=fund(tokens)
    )
    await client.put(f"{API}/frames/101/2027", json={"dwellings": 5}, headers=fund(tokens))
    subsidy = await client.post(
        f"{API}/subsidies",
        json={
            "dwelling_id": "dw-1",
            "frame_year": 2027,
            "move_in": "2027-04-01",
            "case_reference": "SAG-1",
        },
        headers=post(municipality(tokens)),
    )
    ids["subsidy"] = subsidy.json()["id"]
    prop = await client.post(
        f"{API}/private/properties",
        json={
            "landlord_id": "LL-1",
            "municipality_code": "101",
            "cadastral_id": "BFE-1",
            "apartments": 8,
        },
        headers=post(landlord(tokens, "LL-1")),
    )
    ids["property"] = prop.json()["id"]
    agreement = await client.post(
        f"{API}/private/agreements",
        json={
            "property_id": ids["property"],
            "kind": "specific",
            "specific_apartments": ["A-1", "A-2"],
            "price_per_right": "10000.00",
            "one_off": "0.00",
            "signed_on": "2027-01-01",
            "valid_to": "2032-12-31",
        },
        headers=post(municipality(tokens)),
    )
    ids["private_agreement"] = agreement.json()["id"]
    notice = await client.post(
        f"{API}/private/notices",
        json={
            "agreement_id": ids["private_agreement"],
            "apartment_id": "A-1",
            "available_from": "2027-05-01",
            "monthly_rent": "8000.00",
            "notice_to_quit_effective": "2027-08-01",
        },
        headers=post(landlord(tokens, "LL-1")),
    )
    ids["private_offer"] = notice.json()["offer_id"]
    from datetime import timedelta

    from allocation.services.core import today

    report = await client.post(
        f"{API}/vacancy-reports",
        json={
            "landlord_id": "LL-1",
            "municipality_code": "101",
            "dwelling_ref": "DAR-1",
            "vacant_since": (today() - timedelta(days=50)).isoformat(),
        },
        headers=post(landlord(tokens, "LL-1")),
    )
    ids["report"] = report.json()["id"]
    round_ = await client.post(
        f"{API}/private/rounds",
        json={"deadline": (today() + timedelta(days=10)).isoformat(), "basis": "Hver fjerde"},
        headers=post(municipality(tokens)),
    )
    ids["round"] = round_.json()["id"]
    await client.post(
        f"{API}/frame-applications",
        json={"year": 2027, "dwellings": 5},
        headers=post(municipality(tokens)),
    )
    assert all(ids.values()), ids
    return client, ids


OBJECTS = {
    # path template → expected status per caller
    "/agreements/{agreement}": dict(
        m101=200, m147=404, **{"BO-1": 200, "BO-2": 404}, fund=200, **{"LL-1": 403}
    ),
    "/offers/{social_offer}": dict(
        m101=200, m147=404, **{"BO-1": 200, "BO-2": 404}, fund=200, **{"LL-1": 404}
    ),
    "/offers/{private_offer}": dict(
        m101=200, m147=404, **{"BO-1": 404}, fund=200, **{"LL-1": 200, "LL-2": 404}
    ),
    "/subsidies/{subsidy}": dict(m101=200, m147=404, **{"BO-1": 403}, fund=200, **{"LL-1": 403}),
    "/private/properties/{property}": dict(
        m101=200, m147=404, **{"BO-1": 403}, fund=200, **{"LL-1": 200, "LL-2": 404}
    ),
    "/private/rounds/{round}": dict(
        m101=200, m147=404, **{"BO-1": 403}, fund=200, **{"LL-1": 200, "LL-2": 404}
    ),
    "/private/agreements/{private_agreement}": dict(
        m101=200, m147=404, **{"BO-1": 403}, fund=200, **{"LL-1": 200, "LL-2": 404}
    ),
}
LISTS = {
    # list path → visible items (int) or a status (str) per caller
    "/agreements": dict(m101=1, m147=0, **{"BO-1": 1, "BO-2": 0}, fund=1, **{"LL-1": "403"}),
    "/offers": dict(m101=2, m147=0, **{"BO-1": 1, "BO-2": 0}, fund=2, **{"LL-1": 1, "LL-2": 0}),
    "/subsidies": dict(m101=1, m147=0, **{"BO-1": "403"}, fund=1, **{"LL-1": "403"}),
    "/private/properties": dict(
        m101=1, m147=0, **{"BO-1": "403"}, fund=1, **{"LL-1": 1, "LL-2": 0}
    ),
    "/private/agreements": dict(
        m101=1, m147=0, **{"BO-1": "403"}, fund=1, **{"LL-1": 1, "LL-2": 0}
    ),
    "/vacancy-reports": dict(m101=1, m147=0, **{"BO-1": "403"}, fund=1, **{"LL-1": 1, "LL-2": 0}),
    "/private/rounds": dict(m101=1, m147=0, **{"BO-1": "403"}, fund=1, **{"LL-1": 1, "LL-2": 0}),
    "/frames": dict(m101=1, m147=0, **{"BO-1": "403"}, fund=1, **{"LL-1": "403"}),
    "/frame-applications": dict(m101=1, m147=0, **{"BO-1": "403"}, fund=1, **{"LL-1": "403"}),
}


class TestAccessMatrix:
    @pytest.mark.parametrize("template", list(OBJECTS))
    async def test_one_object_per_role(self, world, tokens, template):
        client, ids = world
        path = API + template.format(**ids)
        for caller, expected in OBJECTS[template].items():
            response = await client.get(path, headers=HEADERS[caller](tokens))
            assert response.status_code == expected, (caller, response.text)
            if expected != 200:
                assert response.headers["content-type"] == "application/problem+json"
            if expected == 403:
                assert "needs one of" in response.json()["detail"]

    @pytest.mark.parametrize("path", list(LISTS))
    async def test_lists_per_role(self, world, tokens, path):
        client, _ = world
        for caller, expected in LISTS[path].items():
            response = await client.get(API + path, headers=HEADERS[caller](tokens))
            if isinstance(expected, str):
                assert response.status_code == int(expected), caller
            else:
                assert response.status_code == 200, (caller, response.text)
                assert len(response.json()["items"]) == expected, caller

    async def test_the_summary_is_for_municipalities_and_the_fund(self, world, tokens):
        client, _ = world
        own = (await client.get(f"{API}/summary", headers=municipality(tokens))).json()
        assert sum(b["open_offers"] for b in own["open_offers_by_age"]) == 2
        other = (await client.get(f"{API}/summary", headers=municipality(tokens, "147"))).json()
        assert sum(b["open_offers"] for b in other["open_offers_by_age"]) == 0
        assert (await client.get(f"{API}/summary", headers=org(tokens, "BO-1"))).status_code == 403
        assert (
            await client.get(f"{API}/summary", headers=landlord(tokens, "LL-1"))
        ).status_code == 403

    async def test_every_case_shows_who_did_what(self, world, tokens):
        client, ids = world
        subsidy = (
            await client.get(f"{API}/subsidies/{ids['subsidy']}", headers=fund(tokens))
        ).json()
        assert [(e["action"], e["actor"]) for e in subsidy["log"]] == [("granted", "kommune-101")]
        agreement = (
            await client.get(
                f"{API}/private/agreements/{ids['private_agreement']}",
                headers=landlord(tokens, "LL-1"),
            )
        ).json()
        assert [(e["action"], e["actor"]) for e in agreement["log"]] == [
            ("signed", "kommune-101"),
            ("notice", "landlord-LL-1"),  # the landlord's vacancy notice under it
        ]
        prop = (
            await client.get(
                f"{API}/private/properties/{ids['property']}", headers=municipality(tokens)
            )
        ).json()
        assert [(e["action"], e["actor"]) for e in prop["log"]] == [("registered", "landlord-LL-1")]

    async def test_without_a_token_only_the_public_agreements(self, world):
        client, ids = world
        assert (await client.get(f"{API}/offers")).status_code == 401
        public = await client.get(f"{API}/public/agreements", params={"municipality_code": "101"})
        assert [a["id"] for a in public.json()["items"]] == [ids["agreement"]]
        one = await client.get(f"{API}/public/agreements/{ids['agreement']}")
        assert (one.status_code, one.json()["log"]) == (200, [])

    @pytest.mark.parametrize(
        ("caller", "path", "body"),
        [
            (
                "BO-1",
                "/agreements",
                {
                    "organisation_id": "BO-1",
                    "kind": "quota",
                    "share": "1/4",
                    "valid_from": "2027-01-01",
                },
            ),
            (
                "fund",
                "/agreements",
                {
                    "organisation_id": "BO-1",
                    "kind": "quota",
                    "share": "1/4",
                    "valid_from": "2027-01-01",
                },
            ),
            (
                "fund",
                "/subsidies",
                {
                    "dwelling_id": "dw-1",
                    "frame_year": 2027,
                    "move_in": "2027-04-01",
                    "case_reference": "SAG-1",
                },
            ),
            (
                "m101",
                "/private/properties",
                {
                    "landlord_id": "LL-1",
                    "municipality_code": "101",
                    "cadastral_id": "B",
                    "apartments": 4,
                },
            ),
            (
                "LL-1",
                "/private/properties",
                {
                    "landlord_id": "LL-2",
                    "municipality_code": "101",
                    "cadastral_id": "B",
                    "apartments": 4,
                },
            ),
            (
                "m101",
                "/private/notices",
                {
                    "agreement_id": "x",
                    "apartment_id": "A-1",
                    "available_from": "2027-05-01",
                    "monthly_rent": "1.00",
                    "notice_to_quit_effective": "2027-06-01",
                },
            ),
        ],
    )
    async def test_roles_that_may_not_act_get_403(self, world, tokens, caller, path, body):
        client, _ = world
        response = await client.post(API + path, json=body, headers=post(HEADERS[caller](tokens)))
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"

    async def test_offers_filter_and_keyset_pages(self, world, tokens):
        client, ids = world
        headers = municipality(tokens)
        social = await client.get(f"{API}/offers", params={"source": "social"}, headers=headers)
        assert [o["id"] for o in social.json()["items"]] == [ids["social_offer"]]
        first = (await client.get(f"{API}/offers", params={"limit": 1}, headers=headers)).json()
        second = (
            await client.get(
                f"{API}/offers",
                params={"limit": 1, "cursor": first["next_cursor"]},
                headers=headers,
            )
        ).json()
        assert {first["items"][0]["id"], second["items"][0]["id"]} == {
            ids["social_offer"],
            ids["private_offer"],
        }
        assert second["next_cursor"] is None
        bad = await client.get(f"{API}/offers", params={"cursor": "nonsense"}, headers=headers)
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["parameter"] == "cursor"


class TestOffersExport:
    async def test_each_role_exports_what_it_sees(self, world, tokens):
        import io

        import openpyxl

        from common.testing.exports import xlsx_cells

        client, ids = world
        for caller, expected in (("m101", 2), ("m147", 0), ("BO-1", 1), ("LL-1", 1), ("LL-2", 0)):
            response = await client.get(f"{API}/offers.xlsx", headers=HEADERS[caller](tokens))
            assert response.status_code == 200, caller
            xlsx_cells(response.content)
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
            rows = list(sheet.iter_rows(min_row=2, values_only=True))
            assert len(rows) == expected, caller
        response = await client.get(f"{API}/offers.xlsx", headers=HEADERS["BO-1"](tokens))
        [row] = list(
            openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(
                min_row=2, values_only=True
            )
        )
        assert (row[0], row[1], row[5]) == (ids["social_offer"], "almen", "open")
