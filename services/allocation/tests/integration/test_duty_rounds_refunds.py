"""§ 5 vacancy reports and long social vacancies, § 52 invitation rounds, § 55 quarterly refund
statements and the Excel exports (cells through common.exports, no live formula)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest

from allocation.domain.errors import NoticeRuleError, OfferClosedError
from allocation.domain.private import PrivateKind
from allocation.services import duty, rounds
from allocation.services.core import today
from common.access import Scope
from common.auth import Role
from common.db.uow import UnitOfWork
from common.testing.exports import xlsx_cells
from common.testing.interleaving import interleaved

from .support import API, AT, apply, fund, landlord, municipality, org, post, sql, vacancy
from .test_private_rentals import make_property

CLERK = Scope("kommune-101", Role.MUNICIPALITY, None, "101")
ALLOCATE = duty.Decision(allocate_case_reference="SAG-5-1", extended_until=None, reason=None)
EXTEND = duty.Decision(
    allocate_case_reference=None, extended_until=date(2099, 1, 1), reason="Ombygning"
)


class TestVacancyDuty:
    async def test_a_landlord_reports_after_six_weeks_and_the_municipality_decides(
        self, allocation_client, tokens
    ):
        client = await allocation_client()
        body = {"landlord_id": "LL-1", "municipality_code": "101", "dwelling_ref": "DAR-0a1b"}
        early = await client.post(
            f"{API}/vacancy-reports",
            json={**body, "vacant_since": (today() - timedelta(weeks=6)).isoformat()},
            headers=post(landlord(tokens, "LL-1")),
        )
        assert early.status_code == 422
        assert "more than 6 weeks" in early.json()["detail"]
        since = today() - timedelta(days=60)
        report = await client.post(
            f"{API}/vacancy-reports",
            json={**body, "vacant_since": since.isoformat()},
            headers=post(landlord(tokens, "LL-1")),
        )
        assert report.status_code == 201, report.text
        assert report.json()["age_days"] == 60
        listed = (await client.get(f"{API}/vacancy-reports", headers=municipality(tokens))).json()
        assert [r["id"] for r in listed["items"]] == [report.json()["id"]]
        other = (
            await client.get(f"{API}/vacancy-reports", headers=municipality(tokens, "147"))
        ).json()
        assert other["items"] == []
        decided = await client.post(
            f"{API}/vacancy-reports/{report.json()['id']}/decision",
            json={"allocate_case_reference": "SAG-5-1"},
            headers=post(municipality(tokens)),
        )
        assert (decided.json()["status"], decided.json()["case_reference"]) == (
            "allocated",
            "SAG-5-1",
        )
        again = await client.post(
            f"{API}/vacancy-reports/{report.json()['id']}/decision",
            json={"extended_until": "2099-01-01", "reason": "Ombygning"},
            headers=post(municipality(tokens)),
        )
        assert again.status_code == 422
        assert "already decided" in again.json()["detail"]

    async def test_the_same_vacancy_reported_twice_is_one_report(self, allocation_client, tokens):
        """A report sent twice (no Idempotency-Key, a double click) made two reports of one
        vacancy; each could be decided, allocating two home seekers to one dwelling. The second
        is refused while the first stands undecided or for the same vacancy; a later vacancy of
        the dwelling is a new report."""
        client = await allocation_client()
        body = {"landlord_id": "LL-1", "municipality_code": "101", "dwelling_ref": "DAR-0a1b"}
        since = today() - timedelta(days=60)
        first = await client.post(
            f"{API}/vacancy-reports",
            json={**body, "vacant_since": since.isoformat()},
            headers=post(landlord(tokens, "LL-1")),
        )
        assert first.status_code == 201, first.text
        again = await client.post(
            f"{API}/vacancy-reports",
            json={**body, "vacant_since": (since + timedelta(days=1)).isoformat()},
            headers=post(landlord(tokens, "LL-1")),
        )
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == "application/problem+json"
        assert first.json()["id"] in again.json()["detail"]
        decided = await client.post(
            f"{API}/vacancy-reports/{first.json()['id']}/decision",
            json={"allocate_case_reference": "SAG-5-1"},
            headers=post(municipality(tokens)),
        )
        assert decided.status_code == 200, decided.text
        same = await client.post(
            f"{API}/vacancy-reports",
            json={**body, "vacant_since": since.isoformat()},
            headers=post(landlord(tokens, "LL-1")),
        )
        assert same.status_code == 409, same.text
        later = await client.post(
            f"{API}/vacancy-reports",
            json={**body, "vacant_since": (since + timedelta(days=10)).isoformat()},
            headers=post(landlord(tokens, "LL-1")),
        )
        assert later.status_code == 201, later.text
        listed = (await client.get(f"{API}/vacancy-reports", headers=municipality(tokens))).json()
        assert len(listed["items"]) == 2

    async def test_social_dwellings_vacant_over_six_weeks_come_from_the_register(
        self, allocation_client, allocation_db, tokens
    ):
        client = await allocation_client()
        long_ago = today() - timedelta(days=100)
        recent = today() - timedelta(days=10)
        await apply(
            allocation_db,
            vacancy("old", lease_id="L-old", end=long_ago - timedelta(days=1)),
            vacancy("new", lease_id="L-new", end=recent - timedelta(days=1)),
        )
        found = (await client.get(f"{API}/long-vacancies", headers=municipality(tokens))).json()
        assert [(v["dwelling_id"], v["age_days"]) for v in found["items"]] == [("old", 100)]
        mine = (
            await client.get(f"{API}/long-vacancies", headers=municipality(tokens, "147"))
        ).json()
        assert mine["items"] == []
        # re-let: the register clears the flag (a newer event) and it is no longer listed
        await apply(
            allocation_db,
            vacancy("old", lease_id="L-old", flag=False, at=AT + timedelta(days=1)),
        )
        found = (await client.get(f"{API}/long-vacancies", headers=municipality(tokens))).json()
        assert found["items"] == []

    async def test_the_municipality_decides_on_a_long_social_vacancy_once(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        vacant_from = today() - timedelta(days=60)
        await apply(
            allocation_db,
            vacancy("long", lease_id="L-long", end=vacant_from - timedelta(days=1)),
            vacancy("short", lease_id="L-short", end=today() - timedelta(days=5)),
        )
        path = f"{API}/long-vacancies/long/decision"
        extend = {
            "extended_until": (today() + timedelta(days=30)).isoformat(),
            "reason": "Ombygning",
        }
        # only the municipality decides; another municipality does not find the dwelling
        by_org = await client.post(path, json=extend, headers=post(org(tokens, "BO-1")))
        assert by_org.status_code == 403
        other = await client.post(path, json=extend, headers=post(municipality(tokens, "147")))
        assert other.status_code == 404
        too_early = await client.post(
            f"{API}/long-vacancies/short/decision", json=extend, headers=post(municipality(tokens))
        )
        assert too_early.status_code == 404
        assert "more than 6 weeks" in too_early.json()["detail"]
        decided = await client.post(path, json=extend, headers=post(municipality(tokens)))
        assert decided.status_code == 200, decided.text
        report = decided.json()
        assert (report["landlord_id"], report["dwelling_ref"], report["status"]) == (
            "BO-1",
            "long",
            "extended",
        )
        assert report["vacant_since"] == vacant_from.isoformat()
        assert report["reported_on"] == (vacant_from + timedelta(weeks=6, days=1)).isoformat()
        assert report["reason"] == "Ombygning"
        again = await client.post(
            path, json={"allocate_case_reference": "SAG-9"}, headers=post(municipality(tokens))
        )
        assert again.status_code == 422
        assert "already decided" in again.json()["detail"]
        # the decision shows on the list, to the municipality and the organisation alike
        for headers in (municipality(tokens), org(tokens, "BO-1")):
            listed = (await client.get(f"{API}/long-vacancies", headers=headers)).json()["items"]
            assert [(v["dwelling_id"], v["decision"]["status"]) for v in listed] == [
                ("long", "extended")
            ]
        reports = (await client.get(f"{API}/vacancy-reports", headers=municipality(tokens))).json()
        assert [r["id"] for r in reports["items"]] == [report["id"]]
        log = sql(
            allocation_db_url,
            "SELECT action, actor FROM case_log WHERE case_id = %s ORDER BY id",
            report["id"],
        )
        assert log == [("reported", "register"), ("extended", "kommune-101")]

    async def test_a_new_vacancy_of_the_dwelling_needs_a_new_decision(
        self, allocation_client, allocation_db, tokens
    ):
        client = await allocation_client()
        first_from = today() - timedelta(days=400)
        await apply(allocation_db, vacancy("dw", lease_id="L-1", end=first_from))
        allocated = await client.post(
            f"{API}/long-vacancies/dw/decision",
            json={"allocate_case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        assert (allocated.status_code, allocated.json()["case_reference"]) == (200, "SAG-1")
        # let, then vacant again under the next lease: a new vacancy, a new § 5 report
        await apply(
            allocation_db,
            vacancy("dw", lease_id="L-1", flag=False, at=AT + timedelta(days=1)),
            vacancy(
                "dw", lease_id="L-2", end=today() - timedelta(days=50), at=AT + timedelta(days=2)
            ),
        )
        listed = (await client.get(f"{API}/long-vacancies", headers=municipality(tokens))).json()
        assert [(v["dwelling_id"], v["decision"]) for v in listed["items"]] == [("dw", None)]
        second = await client.post(
            f"{API}/long-vacancies/dw/decision",
            json={"allocate_case_reference": "SAG-2"},
            headers=post(municipality(tokens)),
        )
        assert second.status_code == 200
        assert second.json()["id"] != allocated.json()["id"]


async def give_offer(client, tokens, round_id: str, property_id: str, landlord_id: str):
    """The landlord's binding offer in the round: A-1 and A-2 at 45,000 DKK a right."""
    return await client.post(
        f"{API}/private/rounds/{round_id}/offers",
        json={
            "property_id": property_id,
            "kind": "specific",
            "specific_apartments": ["A-1", "A-2"],
            "price_per_right": "45000.00",
        },
        headers=post(landlord(tokens, landlord_id)),
    )


class TestInvitationRound:
    async def test_binding_offers_by_the_deadline_then_the_municipality_picks(
        self, allocation_client, allocation_db_url, tokens
    ):
        client = await allocation_client()
        property_id = await make_property(client, tokens, apartments=12)
        other_property = await make_property(client, tokens, apartments=8, landlord_id="LL-2")
        deadline = today() + timedelta(days=14)
        opened = await client.post(
            f"{API}/private/rounds",
            json={"deadline": deadline.isoformat(), "basis": "Hver fjerde ledige lejlighed"},
            headers=post(municipality(tokens)),
        )
        assert opened.status_code == 201, opened.text
        round_id = opened.json()["id"]
        # both landlords of the municipality see the round (invited at the same time)
        for who in ("LL-1", "LL-2"):
            seen = (await client.get(f"{API}/private/rounds", headers=landlord(tokens, who))).json()
            assert [r["id"] for r in seen["items"]] == [round_id]
        too_many = await client.post(
            f"{API}/private/rounds/{round_id}/offers",
            json={
                "property_id": property_id,
                "kind": "specific",
                "specific_apartments": ["A-1", "A-2", "A-3", "A-4"],
                "price_per_right": "45000.00",
            },
            headers=post(landlord(tokens, "LL-1")),
        )
        assert too_many.status_code == 422
        assert "25 %" in too_many.json()["detail"]
        given = []
        for who, prop in (("LL-1", property_id), ("LL-2", other_property)):
            response = await give_offer(client, tokens, round_id, prop, who)
            assert response.status_code == 201, response.text
            given.append(response.json()["id"])
        own = (
            await client.get(f"{API}/private/rounds/{round_id}", headers=landlord(tokens, "LL-2"))
        ).json()
        assert [o["id"] for o in own["offers"]] == [given[1]]  # not the competitor's
        early = await client.post(
            f"{API}/private/rounds/{round_id}/offers/{given[0]}/decision",
            json={"pick": True},
            headers=post(municipality(tokens)),
        )
        assert early.status_code == 422
        assert "decide after the deadline" in early.json()["detail"]
        sql(
            allocation_db_url,
            "UPDATE invitation_rounds SET deadline = %s WHERE id = %s",
            today() - timedelta(days=1),
            round_id,
        )
        late = await client.post(
            f"{API}/private/rounds/{round_id}/offers",
            json={
                "property_id": property_id,
                "kind": "every_nth",
                "frequency": "1/4",
                "price_per_right": "1.00",
            },
            headers=post(landlord(tokens, "LL-1")),
        )
        assert late.status_code == 422
        for offer_id, pick in zip(given, (True, False), strict=True):
            response = await client.post(
                f"{API}/private/rounds/{round_id}/offers/{offer_id}/decision",
                json={"pick": pick},
                headers=post(municipality(tokens)),
            )
            assert response.status_code == 200, response.text
        decided = (
            await client.get(f"{API}/private/rounds/{round_id}", headers=municipality(tokens))
        ).json()
        assert {o["id"]: o["decision"] for o in decided["offers"]} == {
            given[0]: "picked",
            given[1]: "rejected",
        }
        base = {
            "kind": "specific",
            "specific_apartments": ["A-1", "A-2"],
            "one_off": "0.00",
            "signed_on": today().isoformat(),
            "valid_to": (today() + timedelta(days=2000)).isoformat(),
        }
        rejected = await client.post(
            f"{API}/private/agreements",
            json={
                **base,
                "property_id": other_property,
                "price_per_right": "45000.00",
                "round_offer_id": given[1],
            },
            headers=post(municipality(tokens)),
        )
        assert rejected.status_code == 422
        assert "not picked" in rejected.json()["detail"]
        other_terms = await client.post(
            f"{API}/private/agreements",
            json={
                **base,
                "property_id": property_id,
                "price_per_right": "50000.00",
                "round_offer_id": given[0],
            },
            headers=post(municipality(tokens)),
        )
        assert other_terms.status_code == 422
        assert "keep the binding offer's terms" in other_terms.json()["detail"]
        made = await client.post(
            f"{API}/private/agreements",
            json={
                **base,
                "property_id": property_id,
                "price_per_right": "45000.00",
                "round_offer_id": given[0],
            },
            headers=post(municipality(tokens)),
        )
        assert made.status_code == 201, made.text
        assert made.json()["compensation"] == "90000.00"


class TestTwoDecisionsAtOnce:
    """Two clerks decide at once (two transactions on PostgreSQL, the first left open until the
    second ends or waits for its lock): exactly one decision stands, the other is refused."""

    async def test_a_landlords_report(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        body = {"landlord_id": "LL-1", "municipality_code": "101", "dwelling_ref": "DAR-0a1b"}
        since = (today() - timedelta(days=60)).isoformat()
        report = await client.post(
            f"{API}/vacancy-reports",
            json={**body, "vacant_since": since},
            headers=post(landlord(tokens, "LL-1")),
        )
        report_id = report.json()["id"]

        async def allocate(uow: UnitOfWork) -> None:
            await duty.decide_report(uow, CLERK, report_id, ALLOCATE, today())

        async def extend(uow: UnitOfWork) -> None:
            with pytest.raises(NoticeRuleError, match="already decided"):
                await duty.decide_report(uow, CLERK, report_id, EXTEND, today())

        await interleaved(allocation_db, allocate, extend)
        assert sql(
            allocation_db_url, "SELECT status, reason FROM vacancy_reports WHERE id = %s", report_id
        ) == [("allocated", None)]

    async def test_a_long_social_vacancy(self, allocation_db, allocation_db_url):
        """The second found no report yet and inserted its own: a unique violation, a 500."""
        vacant_from = today() - timedelta(days=60)
        await apply(
            allocation_db, vacancy("long", lease_id="L-1", end=vacant_from - timedelta(days=1))
        )

        async def allocate(uow: UnitOfWork) -> None:
            await duty.decide_long_vacancy(uow, CLERK, "long", ALLOCATE, today())

        async def extend(uow: UnitOfWork) -> None:
            with pytest.raises(NoticeRuleError, match="already decided"):
                await duty.decide_long_vacancy(uow, CLERK, "long", EXTEND, today())

        await interleaved(allocation_db, allocate, extend)
        assert sql(
            allocation_db_url, "SELECT status FROM vacancy_reports WHERE dwelling_ref = 'long'"
        ) == [("allocated",)]

    async def test_a_binding_offer_of_an_invitation_round(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        property_id = await make_property(client, tokens, apartments=12)
        round_id = (
            await client.post(
                f"{API}/private/rounds",
                json={"deadline": (today() + timedelta(days=14)).isoformat(), "basis": "Hver"},
                headers=post(municipality(tokens)),
            )
        ).json()["id"]
        offer_id = (await give_offer(client, tokens, round_id, property_id, "LL-1")).json()["id"]
        after = today() + timedelta(days=15)

        async def pick(uow: UnitOfWork) -> None:
            await rounds.decide_offer(uow, CLERK, round_id, offer_id, True, after)

        async def reject(uow: UnitOfWork) -> None:
            with pytest.raises(OfferClosedError, match="already picked"):
                await rounds.decide_offer(uow, CLERK, round_id, offer_id, False, after)

        await interleaved(allocation_db, pick, reject)
        assert sql(
            allocation_db_url, "SELECT decision FROM round_offers WHERE id = %s", offer_id
        ) == [("picked",)]


class TestTwoFilingsAtOnce:
    async def test_two_binding_offers_for_one_property_in_a_round(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """Two clerks of the landlord give the property's binding offer at once: both found
        none, the second's insert failed on the unique (round, property) key — a 500. The second
        now gets 409, as one given after the first does."""
        client = await allocation_client()
        property_id = await make_property(client, tokens, apartments=12)
        round_id = (
            await client.post(
                f"{API}/private/rounds",
                json={"deadline": (today() + timedelta(days=14)).isoformat(), "basis": "Hver"},
                headers=post(municipality(tokens)),
            )
        ).json()["id"]
        owner = Scope("landlord-LL-1", Role.LANDLORD, frozenset({"LL-1"}), None)
        command = rounds.NewRoundOffer(
            round_id, property_id, PrivateKind.SPECIFIC, None, ("A-1", "A-2"), Decimal("45000")
        )

        async def first(uow: UnitOfWork) -> None:
            await rounds.give_offer(uow, owner, command, today())

        async def second(uow: UnitOfWork) -> None:
            with pytest.raises(OfferClosedError, match="already has a binding offer"):
                await rounds.give_offer(uow, owner, command, today())

        await interleaved(allocation_db, first, second)
        assert sql(allocation_db_url, "SELECT count(*) FROM round_offers") == [(1,)]


class TestRefundStatement:
    async def test_a_past_quarters_statement_and_its_excel(
        self, allocation_client, allocation_db_url, tokens
    ):
        client = await allocation_client()
        property_id = await make_property(client, tokens)
        agreement = (
            await client.post(
                f"{API}/private/agreements",
                json={
                    "property_id": property_id,
                    "kind": "specific",
                    "specific_apartments": ["A-1", "A-2", "A-3", "A-4"],
                    "price_per_right": "50000.00",
                    "one_off": "40000.00",
                    "signed_on": "2025-01-15",
                    "valid_to": "2031-01-14",
                    "refund_promised_on": "2025-01-10",
                    "registered_on": "2025-02-01",
                    "registration_document": '=HYPERLINK("x")',
                },
                headers=post(municipality(tokens)),
            )
        ).json()
        notice = await client.post(
            f"{API}/private/notices",
            json={
                "agreement_id": agreement["id"],
                "apartment_id": "A-3",
                "available_from": "2025-03-01",
                "monthly_rent": "9000.00",
                "notice_to_quit_effective": "2025-06-01",
            },
            headers=post(landlord(tokens, "LL-1")),
        )
        offer_id = notice.json()["offer_id"]
        await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-Q1"},
            headers=post(municipality(tokens)),
        )
        sql(
            allocation_db_url, "UPDATE offers SET settled_on = '2025-02-20' WHERE id = %s", offer_id
        )
        statement = await client.get(
            f"{API}/refund-statements/101/2025/1", headers=municipality(tokens)
        )
        assert statement.status_code == 200, statement.text
        body = statement.json()
        assert [(x["kind"], x["expense"], x["refund"]) for x in body["lines"]] == [
            ("one_off", "40000.00", "24000.00"),
            ("per_use", "40000.00", "24000.00"),
        ]
        assert (body["expenses"], body["refunds"]) == ("80000.00", "48000.00")
        assert (
            await client.get(
                f"{API}/refund-statements/101/2025/1", headers=municipality(tokens, "147")
            )
        ).status_code == 403
        current = today()
        quarter = (current.month - 1) // 3 + 1
        running = await client.get(
            f"{API}/refund-statements/101/{current.year}/{quarter}", headers=fund(tokens)
        )
        assert running.status_code == 422
        assert "in arrears" in running.json()["detail"]
        xlsx = await client.get(
            f"{API}/refund-statements/101/2025/1/xlsx", headers=municipality(tokens)
        )
        assert xlsx.status_code == 200
        xlsx_cells(xlsx.content)  # fails on any live formula
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        assert [r[2] for r in rows[:2]] == ["one_off", "per_use"]
        assert rows[2][0] == "I alt"
        assert (rows[2][5], rows[2][6]) == (80000, 48000)

    async def test_a_registration_after_the_quarter_brings_the_refund_onto_its_own_quarter(
        self, allocation_client, tokens
    ):
        """The one-off is paid on signing (Q1); the refund needs proof of registration, which
        came in Q2. Q1's statement was made without it; the refund must come on Q2's, not be
        lost (it appeared only on a re-read of Q1, a statement already sent)."""
        client = await allocation_client()
        agreement = (
            await client.post(
                f"{API}/private/agreements",
                json={
                    "property_id": await make_property(client, tokens),
                    "kind": "specific",
                    "specific_apartments": ["A-1", "A-2", "A-3", "A-4"],
                    "price_per_right": "50000.00",
                    "one_off": "40000.00",
                    "signed_on": "2025-03-20",
                    "valid_to": "2031-03-19",
                    "refund_promised_on": "2025-03-01",
                },
                headers=post(municipality(tokens)),
            )
        ).json()

        async def lines(quarter: int) -> list[tuple[str, str, str, str]]:
            response = await client.get(
                f"{API}/refund-statements/101/2025/{quarter}", headers=municipality(tokens)
            )
            assert response.status_code == 200, response.text
            return [
                (x["day"], x["expense"], x["refund"], x["note"]) for x in response.json()["lines"]
            ]

        [(_, expense, refund, note)] = await lines(1)
        assert (expense, refund) == ("40000.00", "0.00")
        assert "awaiting proof of registration" in note
        registered = await client.post(
            f"{API}/private/agreements/{agreement['id']}/registration",
            json={"registered_on": "2025-04-10", "document": "TL-1"},
            headers=post(municipality(tokens)),
        )
        assert registered.status_code == 200, registered.text
        moved = await client.post(
            f"{API}/private/agreements/{agreement['id']}/registration",
            json={"registered_on": "2025-07-01", "document": "TL-2"},
            headers=post(municipality(tokens)),
        )
        assert moved.status_code == 409, moved.text  # it would claim the refund again in Q3
        assert "registered on 2025-04-10" in moved.json()["detail"]
        assert [line[:3] for line in await lines(1)] == [("2025-03-20", "40000.00", "0.00")]
        [(day, expense, refund, note)] = await lines(2)
        assert (day, expense, refund) == ("2025-04-10", "0.00", "24000.00")
        assert "paid on signing 2025-03-20" in note
        assert await lines(3) == []

    async def test_compensation_for_silence_or_a_late_no_is_not_refunded(
        self, allocation_client, allocation_db_url, tokens
    ):
        """§ 55(1), 2nd sentence: the state does not refund the compensation paid under § 54(2),
        3rd sentence — for a notice the municipality did not answer in time or declined after
        the deadline. The statement refunded it like a use (24,000 DKK claimed too much)."""
        client = await allocation_client()
        agreement = (
            await client.post(
                f"{API}/private/agreements",
                json={
                    "property_id": await make_property(client, tokens),
                    "kind": "specific",
                    "specific_apartments": ["A-1", "A-2", "A-3", "A-4"],
                    "price_per_right": "50000.00",
                    "one_off": "0.00",
                    "signed_on": "2025-01-15",
                    "valid_to": "2031-01-14",
                    "refund_promised_on": "2025-01-10",
                },
                headers=post(municipality(tokens)),
            )
        ).json()
        offers = {}
        for apartment in ("A-3", "A-4"):
            notice = await client.post(
                f"{API}/private/notices",
                json={
                    "agreement_id": agreement["id"],
                    "apartment_id": apartment,
                    "available_from": "2025-03-01",
                    "monthly_rent": "9000.00",
                    "notice_to_quit_effective": "2025-06-01",
                },
                headers=post(landlord(tokens, "LL-1")),
            )
            offers[apartment] = notice.json()["offer_id"]
        sql(
            allocation_db_url,
            "UPDATE offers SET received_on = '2025-02-03', answer_due = '2025-02-12' WHERE id = %s",
            offers["A-4"],
        )
        for apartment, body in (
            ("A-3", {"answer": "accept", "case_reference": "SAG-Q1"}),
            ("A-4", {"answer": "decline"}),  # after its deadline
        ):
            answered = await client.post(
                f"{API}/offers/{offers[apartment]}/answer",
                json=body,
                headers=post(municipality(tokens)),
            )
            assert answered.status_code == 200, answered.text
        sql(allocation_db_url, "UPDATE offers SET settled_on = '2025-02-20'")
        statement = await client.get(
            f"{API}/refund-statements/101/2025/1", headers=municipality(tokens)
        )
        assert statement.status_code == 200, statement.text
        lines = {x["offer_id"]: x for x in statement.json()["lines"]}
        assert (lines[offers["A-3"]]["expense"], lines[offers["A-3"]]["refund"]) == (
            "50000.00",
            "30000.00",
        )
        late = lines[offers["A-4"]]
        assert (late["expense"], late["refund"]) == ("50000.00", "0.00")
        assert "§ 55(1)" in late["note"]
        assert statement.json()["refunds"] == "30000.00"


class TestScheduleExport:
    async def test_the_payment_schedule_has_a_row_per_month(
        self, allocation_client, allocation_db, tokens
    ):
        client = await allocation_client()
        await client.put(
            f"{API}/subsidy-rates/2027", json={"monthly_rate": "1400.00"}, headers=fund(tokens)
        )
        await client.put(f"{API}/frames/101/2027", json={"dwellings": 3}, headers=fund(tokens))
        await apply(allocation_db, vacancy("dw-1", rent="5000.00"))
        await client.post(
            f"{API}/subsidies",
            json={
                "dwelling_id": "dw-1",
                "frame_year": 2027,
                "move_in": "2027-01-31",
                "case_reference": "SAG-1",
            },
            headers=post(municipality(tokens)),
        )
        response = await client.get(f"{API}/subsidies-schedule.xlsx", headers=municipality(tokens))
        assert response.status_code == 200
        cells = xlsx_cells(response.content)  # fails on any live formula
        assert "SAG-1" in cells
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert len(rows) == 108
        assert (rows[1][7].date(), rows[1][11]) == (date(2027, 2, 28), 1400)
        other = await client.get(
            f"{API}/subsidies-schedule.xlsx", headers=municipality(tokens, "147")
        )
        assert len(list(openpyxl.load_workbook(io.BytesIO(other.content)).active.iter_rows())) == 1
