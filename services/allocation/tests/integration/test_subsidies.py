"""The rent subsidy over the API: the fund's rate table and frames, the municipality's grant with
the band and frame checks, the schedule, the move-out; frames seen nationally by the fund."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from allocation.domain.errors import FrameApplicationExistsError, SubsidyRefusedError
from allocation.services import subsidies
from common.access import Scope
from common.auth import Role
from common.db.uow import UnitOfWork
from common.events.contracts import (
    RentChangedV1,
    SubsidyEndedV1,
    SubsidyFrameSetV1,
    SubsidyGrantedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from common.testing.interleaving import interleaved

from .support import API, AT, apply, fund, make_agreement, municipality, outbox, post, sql, vacancy


async def setup_rates_and_frame(client, tokens, frame: int = 2) -> None:
    for year, rate in ((2027, "1400.00"), (2028, "1450.00")):
        response = await client.put(
            f"{API}/subsidy-rates/{year}", json={"monthly_rate": rate}, headers=fund(tokens)
        )
        assert response.status_code == 200, response.text
    response = await client.put(
        f"{API}/frames/101/2027", json={"dwellings": frame}, headers=fund(tokens)
    )
    assert response.status_code == 200, response.text


async def grant(client, tokens, dwelling: str, code: str = "101", **body):
    return await client.post(
        f"{API}/subsidies",
        json={
            "dwelling_id": dwelling,
            "frame_year": 2027,
            "move_in": "2027-12-31",
            "case_reference": "SAG-9",
            **body,
        },
        headers=post(municipality(tokens, code)),
    )


async def granted_then_moved_out(client, db, tokens, move_out: str):
    """dw-1 (rent 5,000) subsidised from 1 January 2027 (frame 2 in 2027); the move-out's
    response."""
    await setup_rates_and_frame(client, tokens)
    await apply(db, vacancy("dw-1", rent="5000.00"))
    subsidy_id = (await grant(client, tokens, "dw-1", move_in="2027-01-01")).json()["id"]
    return await client.post(
        f"{API}/subsidies/{subsidy_id}/move-out",
        json={"move_out": move_out},
        headers=post(municipality(tokens)),
    )


class TestGrant:
    async def test_a_dwelling_in_the_band_gets_a_subsidy_and_its_schedule(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        await setup_rates_and_frame(client, tokens)
        await apply(allocation_db, vacancy("dw-1", rent="4500.00"))
        response = await grant(client, tokens, "dw-1")
        assert response.status_code == 201, response.text
        subsidy_id = response.json()["id"]
        [event] = outbox(allocation_db_url, "allocation.subsidy.granted")
        granted = SubsidyGrantedV1.from_envelope(Envelope.from_structured(event))
        assert (granted.dwelling_id, granted.first_monthly_amount) == ("dw-1", 1400)
        assert granted.frame_dwellings == 2  # the frame it used, for the dashboards
        detail = (
            await client.get(f"{API}/subsidies/{subsidy_id}", headers=municipality(tokens))
        ).json()
        schedule = detail["schedule"]
        assert len(schedule) == 108
        assert [(m["period_start"], m["amount"]) for m in schedule[:3]] == [
            ("2027-12-31", "1400.00"),
            ("2028-01-31", "1450.00"),
            ("2028-02-29", "1450.00"),
        ]
        assert (schedule[48]["factor"], schedule[48]["amount"], schedule[48]["provisional"]) == (
            "5/6",
            "1208.33",
            True,
        )

    async def test_move_out_mid_taper_ends_the_schedule(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        response = await granted_then_moved_out(client, allocation_db, tokens, "2032-01-16")
        assert response.status_code == 200, response.text
        schedule = response.json()["schedule"]
        assert len(schedule) == 61
        assert (schedule[-1]["period_end"], schedule[-1]["factor"]) == ("2032-01-15", "2/3")
        assert schedule[-1]["amount"] == "467.74"  # 1450 × 4/6 × 15/31
        # the housing organisation learns that the subsidy ended (it published nothing before)
        [event] = outbox(allocation_db_url, "allocation.subsidy.ended")
        ended = SubsidyEndedV1.from_envelope(Envelope.from_structured(event))
        assert (ended.subsidy_id, ended.dwelling_id, ended.organisation_id) == (
            response.json()["id"],
            "dw-1",
            response.json()["organisation_id"],
        )
        assert (ended.move_in, ended.move_out) == (date(2027, 1, 1), date(2032, 1, 16))

    async def test_two_move_outs_at_once_end_the_subsidy_once(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """Two caseworkers record the move-out at once (16 and 31 January 2032): the subsidy was
        read without a lock, both saw it running and both wrote; the last commit's day set the
        schedule (what is paid) beside two "ended" lines. The second now waits and is refused."""
        client = await allocation_client()
        await setup_rates_and_frame(client, tokens)
        await apply(allocation_db, vacancy("dw-1", rent="5000.00"))
        subsidy_id = (await grant(client, tokens, "dw-1", move_in="2027-01-01")).json()["id"]
        clerk = Scope("kommune-101", Role.MUNICIPALITY, None, "101")
        refused: list[Exception] = []

        async def first(uow: UnitOfWork) -> None:
            await subsidies.end_subsidy(uow, clerk, subsidy_id, date(2032, 1, 16))

        async def second(uow: UnitOfWork) -> None:
            try:
                await subsidies.end_subsidy(uow, clerk, subsidy_id, date(2032, 1, 31))
            except SubsidyRefusedError as error:
                refused.append(error)

        await interleaved(allocation_db, first, second)
        assert len(refused) == 1
        assert sql(allocation_db_url, "SELECT move_out FROM subsidies") == [(date(2032, 1, 16),)]
        assert sql(allocation_db_url, "SELECT count(*) FROM case_log WHERE action = 'ended'") == [
            (1,)
        ]

    async def test_the_rent_band_is_checked_at_the_rent_in_force_on_the_move_in(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """The register raised dw-1's rent from 5,000 to 6,600 DKK from 1 June (a rent change
        after the vacancy event): the band was checked, and the rent recorded, at the vacancy
        event's 5,000, so a move-in on 1 July got nine years of subsidy for a dwelling above
        the band. The rent in force on the move-in day decides."""
        client = await allocation_client()
        await setup_rates_and_frame(client, tokens)
        await apply(
            allocation_db,
            vacancy("dw-1", lease_id="L-1", rent="5000.00"),
            to_envelope(
                RentChangedV1(
                    lease_id="L-1",
                    dwelling_id="dw-1",
                    department_id="dep-1",
                    organisation_id="BO-1",
                    municipality_code="101",
                    as_of=date(2027, 6, 1),
                    previous_monthly_rent=Decimal("5000.00"),
                    monthly_rent=Decimal("6600.00"),
                    area_m2=Decimal("68.50"),
                    recorded_at=AT + timedelta(days=14),
                )
            ),
        )
        above = await grant(client, tokens, "dw-1", move_in="2027-07-01")
        assert above.status_code == 422, above.text
        assert "6600.00 DKK" in above.json()["detail"]
        before = await grant(client, tokens, "dw-1", move_in="2027-05-01")
        assert before.status_code == 201, before.text
        assert before.json()["monthly_rent"] == "5000.00"

    async def test_two_frame_applications_at_once(self, allocation_db, allocation_db_url):
        """Two caseworkers apply for the year's frame at once: both found no application, the
        second's insert failed on the key — a 500. The second now gets 409, as one made after
        the first does."""
        clerk = Scope("kommune-101", Role.MUNICIPALITY, None, "101")

        async def first(uow: UnitOfWork) -> None:
            await subsidies.apply_for_frame(uow, clerk, 2028, 12)

        async def second(uow: UnitOfWork) -> None:
            with pytest.raises(FrameApplicationExistsError, match="already applied"):
                await subsidies.apply_for_frame(uow, clerk, 2028, 15)

        await interleaved(allocation_db, first, second)
        assert sql(allocation_db_url, "SELECT dwellings FROM frame_applications") == [(12,)]

    async def test_outside_the_band_or_a_full_frame_is_refused(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        await setup_rates_and_frame(client, tokens, frame=1)
        await apply(
            allocation_db,
            vacancy("cheap", rent="4499.99"),
            vacancy("dw-1", rent="6500.00"),
            vacancy("dw-2", rent="6000.00"),
        )
        refused = await grant(client, tokens, "cheap")
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert "4500.00 to 6500.00" in refused.json()["detail"]
        assert (await grant(client, tokens, "dw-1")).status_code == 201
        full = await grant(client, tokens, "dw-2")
        assert full.status_code == 422
        assert "frame of 1" in full.json()["detail"]
        assert sql(allocation_db_url, "SELECT dwelling_id FROM subsidies") == [("dw-1",)]

    async def test_a_new_tenants_subsidy_cannot_overlap_the_previous_ones(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """A dwelling is subsidised once per day: the next tenant's subsidy starts on or after
        the previous tenant's move-out (a move-in before it paid those months twice)."""
        client = await allocation_client()
        moved = await granted_then_moved_out(client, allocation_db, tokens, "2028-06-01")
        assert moved.status_code == 200, moved.text
        for move_in in ("2027-06-01", "2026-12-01", "2028-05-31"):
            overlapping = await grant(client, tokens, "dw-1", move_in=move_in)
            assert overlapping.status_code == 422, (move_in, overlapping.text)
            assert overlapping.headers["content-type"] == "application/problem+json"
            assert "2027-01-01 to 2028-06-01" in overlapping.json()["detail"]
        assert (await grant(client, tokens, "dw-1", move_in="2028-06-01")).status_code == 201
        assert sql(allocation_db_url, "SELECT move_in FROM subsidies ORDER BY move_in") == [
            (date(2027, 1, 1),),
            (date(2028, 6, 1),),
        ]

    async def test_the_offer_named_must_be_the_dwellings_own(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """The allocation's offer was stored unchecked: another municipality's offer, another
        dwelling's, or none at all linked the subsidy to the wrong allocation."""
        client = await allocation_client()
        await setup_rates_and_frame(client, tokens)
        await make_agreement(client, tokens, "147", kind="listed", share=None, dwelling_ids=["x"])
        await apply(
            allocation_db, vacancy("x", municipality="147"), vacancy("dw-1", rent="5000.00")
        )
        [(foreign,)] = sql(allocation_db_url, "SELECT id FROM offers")
        for offer_id in (foreign, "off-none"):
            refused = await grant(client, tokens, "dw-1", offer_id=offer_id)
            assert refused.status_code == 422, refused.text
            assert f"Offer {offer_id} is not an offer of dwelling dw-1" in refused.json()["detail"]
        assert sql(allocation_db_url, "SELECT count(*) FROM subsidies") == [(0,)]

    async def test_without_a_frame_for_the_year(self, allocation_client, allocation_db, tokens):
        client = await allocation_client()
        await setup_rates_and_frame(client, tokens)
        await apply(allocation_db, vacancy("dw-1"))
        response = await grant(client, tokens, "dw-1", frame_year=2026)
        assert response.status_code == 422
        assert response.json()["type"].endswith("frame-missing")
        assert "no subsidy frame for 2026" in response.json()["detail"]

    async def test_another_municipalitys_dwelling_is_not_found(
        self, allocation_client, allocation_db, tokens
    ):
        client = await allocation_client()
        await setup_rates_and_frame(client, tokens)
        await apply(allocation_db, vacancy("dw-1"))
        response = await grant(client, tokens, "dw-1", code="147")
        assert response.status_code == 404


class TestFrames:
    async def test_the_fund_sees_frames_nationally_a_municipality_its_own(
        self, allocation_client, allocation_db, tokens
    ):
        client = await allocation_client()
        await setup_rates_and_frame(client, tokens, frame=6)
        await client.put(f"{API}/frames/147/2027", json={"dwellings": 350}, headers=fund(tokens))
        await apply(allocation_db, vacancy("dw-1"))
        await grant(client, tokens, "dw-1")
        national = (await client.get(f"{API}/frames", headers=fund(tokens))).json()["items"]
        assert [
            (f["municipality_code"], f["dwellings"], f["used"], f["left"]) for f in national
        ] == [
            ("101", 6, 1, 5),
            ("147", 350, 0, 350),
        ]
        own = (await client.get(f"{API}/frames", headers=municipality(tokens, "147"))).json()
        assert [f["municipality_code"] for f in own["items"]] == ["147"]
        summary = (await client.get(f"{API}/summary", headers=municipality(tokens))).json()
        assert summary["frames"] == [
            {"municipality_code": "101", "year": 2027, "dwellings": 6, "used": 1, "left": 5}
        ]

    async def test_frames_page_by_year_then_municipality(self, allocation_client, tokens):
        client = await allocation_client()
        for code, year in (("147", 2028), ("101", 2027), ("147", 2027), ("101", 2028)):
            await client.put(
                f"{API}/frames/{code}/{year}", json={"dwellings": 3}, headers=fund(tokens)
            )
        seen, cursor = [], None
        while True:
            params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
            page = (await client.get(f"{API}/frames", params=params, headers=fund(tokens))).json()
            seen += [(f["year"], f["municipality_code"]) for f in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [(2027, "101"), (2027, "147"), (2028, "101"), (2028, "147")]
        only_2028 = await client.get(f"{API}/frames", params={"year": 2028}, headers=fund(tokens))
        assert [f["municipality_code"] for f in only_2028.json()["items"]] == ["101", "147"]
        forged = await client.get(
            f"{API}/frames", params={"cursor": "bm9wZQ"}, headers=fund(tokens)
        )
        assert forged.status_code == 400
        assert forged.headers["content-type"] == "application/problem+json"

    async def test_only_the_fund_grants_frames(self, allocation_client, tokens):
        client = await allocation_client()
        response = await client.put(
            f"{API}/frames/101/2027", json={"dwellings": 999}, headers=municipality(tokens)
        )
        assert response.status_code == 403
        assert "fund" in response.json()["detail"]

    async def test_setting_and_changing_a_frame_is_published(
        self, allocation_client, allocation_db_url, tokens
    ):
        client = await allocation_client()
        for dwellings in (6, 9):
            response = await client.put(
                f"{API}/frames/101/2027", json={"dwellings": dwellings}, headers=fund(tokens)
            )
            assert response.status_code == 200, response.text
        refused = await client.put(
            f"{API}/frames/101/2027", json={"dwellings": 1}, headers=municipality(tokens)
        )
        assert refused.status_code == 403
        events = outbox(allocation_db_url, "allocation.frame.set")
        assert [(e["topic"], e["subject"]) for e in events] == [
            ("allocation.frame.v1", "101-2027")
        ] * 2
        frames = [SubsidyFrameSetV1.from_envelope(Envelope.from_structured(e)) for e in events]
        assert [(f.municipality_code, f.year, f.dwellings) for f in frames] == [
            ("101", 2027, 6),
            ("101", 2027, 9),
        ]
        assert frames[0].set_at <= frames[1].set_at


class TestFrameApplications:
    async def test_the_municipality_applies_and_the_fund_grants_what_it_decides(
        self, allocation_client, tokens
    ):
        client = await allocation_client()
        applied = await client.post(
            f"{API}/frame-applications",
            json={"year": 2027, "dwellings": 40},
            headers=post(municipality(tokens)),
        )
        assert applied.status_code == 201, applied.text
        again = await client.post(
            f"{API}/frame-applications",
            json={"year": 2027, "dwellings": 50},
            headers=post(municipality(tokens)),
        )
        assert again.status_code == 409
        await client.post(
            f"{API}/frame-applications",
            json={"year": 2027, "dwellings": 6},
            headers=post(municipality(tokens, "147")),
        )
        await client.put(f"{API}/frames/101/2027", json={"dwellings": 25}, headers=fund(tokens))
        national = (await client.get(f"{API}/frame-applications", headers=fund(tokens))).json()
        assert [
            (a["municipality_code"], a["dwellings"], a["granted"]) for a in national["items"]
        ] == [
            ("101", 40, 25),
            ("147", 6, None),
        ]
        own = (
            await client.get(f"{API}/frame-applications", headers=municipality(tokens, "147"))
        ).json()
        assert [a["municipality_code"] for a in own["items"]] == ["147"]
        refused = await client.post(
            f"{API}/frame-applications",
            json={"year": 2027, "dwellings": 1},
            headers=post(fund(tokens)),
        )
        assert refused.status_code == 403
