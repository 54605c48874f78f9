"""The register's vacancies → offers to the municipality (through the inbox), answers, the race
of two acceptances, and the rent the municipality owes until the dwelling is let."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from allocation.domain.errors import OfferClosedError
from allocation.services import restoration
from common.access import Scope
from common.auth import Role
from common.db.uow import UnitOfWork
from common.events.consumer import InboxProcessor
from common.events.contracts import OfferAnsweredV1, OfferOpenedV1
from common.events.envelope import Envelope
from common.testing.documents import pdf_text
from common.testing.interleaving import interleaved

from .support import (
    API,
    DWELLINGS,
    apply,
    lease_created,
    make_agreement,
    municipality,
    org,
    outbox,
    post,
    sql,
    vacancy,
)


def opened(db_url) -> list[OfferOpenedV1]:
    return [
        OfferOpenedV1.from_envelope(Envelope.from_structured(e))
        for e in outbox(db_url, "allocation.offer.opened")
    ]


class TestVacancyOpensOffer:
    async def test_every_fourth_family_vacancy_opens_an_offer(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens)
        await apply(allocation_db, *(vacancy(f"dw-{i}") for i in range(1, 10)))
        events = opened(allocation_db_url)
        assert [e.dwelling_id for e in events] == ["dw-4", "dw-8"]
        first = events[0]
        assert first.agreement_id == agreement["id"]
        assert first.municipality_code == "101"
        assert first.available_from == date(2027, 4, 1)  # the day after the lease ends
        assert first.answer_due == date(2027, 3, 10)  # 7 working days after Mon 1 March 2027
        assert sql(
            allocation_db_url, "SELECT number, municipal FROM vacancies ORDER BY number"
        ) == [(n, n in (4, 8)) for n in range(1, 10)]

    async def test_a_vacancy_delivered_twice_or_flag_changes_are_counted_once(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        await make_agreement(client, tokens)
        events = [vacancy(f"dw-{i}", lease_id=f"L{i}") for i in range(1, 4)]
        await apply(allocation_db, *events, *events)
        # the same lease again, now with the other flag: still the same vacancy
        await apply(allocation_db, vacancy("dw-1", lease_id="L1", flag=True))
        assert sql(allocation_db_url, "SELECT counted FROM agreements") == [(3,)]
        await apply(allocation_db, vacancy("dw-4", lease_id="L4"))
        assert [e.dwelling_id for e in opened(allocation_db_url)] == ["dw-4"]

    async def test_other_organisations_municipalities_and_elderly_dwellings_are_not_counted(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        from common.events.contracts import HousingType

        client = await allocation_client()
        await make_agreement(client, tokens)
        await apply(
            allocation_db,
            vacancy("x-1", org_id="BO-2"),
            vacancy("x-2", municipality="147"),
            vacancy("x-3", housing_type=HousingType.ELDERLY),
            vacancy("x-4", end=date(2026, 11, 30)),  # vacant before the agreement
        )
        assert sql(allocation_db_url, "SELECT counted FROM agreements") == [(0,)]
        assert opened(allocation_db_url) == []

    async def test_a_listed_dwelling_goes_to_the_municipality(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        await make_agreement(client, tokens, kind="listed", share=None, dwelling_ids=["dw-7"])
        await apply(allocation_db, vacancy("dw-6"), vacancy("dw-7"))
        assert [e.dwelling_id for e in opened(allocation_db_url)] == ["dw-7"]


async def open_one_offer(client, db, db_url, tokens) -> str:
    await make_agreement(client, tokens, kind="listed", share=None, dwelling_ids=["dw-1"])
    await apply(db, vacancy("dw-1", rent="6200.00"))
    [offer] = opened(db_url)
    return offer.offer_id


class TestAnswer:
    async def test_accept_names_the_case_and_is_published_without_personal_data(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        offer_id = await open_one_offer(client, allocation_db, allocation_db_url, tokens)
        response = await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-2027-0042"},
            headers=post(municipality(tokens)),
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "accepted"
        [event] = outbox(allocation_db_url, "allocation.offer.answered")
        answered = OfferAnsweredV1.from_envelope(Envelope.from_structured(event))
        assert (answered.status, answered.case_reference) == ("accepted", "SAG-2027-0042")
        detail = (await client.get(f"{API}/offers/{offer_id}", headers=org(tokens, "BO-1"))).json()
        assert [entry["action"] for entry in detail["log"]] == ["opened", "accepted"]
        assert detail["log"][1]["actor"] == "kommune-101"

    async def test_a_cpr_number_as_case_reference_is_refused(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        offer_id = await open_one_offer(client, allocation_db, allocation_db_url, tokens)
        response = await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "010203-1234"},
            headers=post(municipality(tokens)),
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "CPR" in response.json()["detail"]
        assert sql(allocation_db_url, "SELECT status FROM offers") == [("open",)]

    async def test_of_two_concurrent_acceptances_exactly_one_wins(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        offer_id = await open_one_offer(client, allocation_db, allocation_db_url, tokens)

        async def accept(reference: str):
            return await client.post(
                f"{API}/offers/{offer_id}/answer",
                json={"answer": "accept", "case_reference": reference},
                headers=post(municipality(tokens)),
            )

        responses = await asyncio.gather(accept("SAG-A-1"), accept("SAG-B-2"))
        assert sorted(r.status_code for r in responses) == [200, 409]
        winner = next(r for r in responses if r.status_code == 200).json()["case_reference"]
        assert sql(allocation_db_url, "SELECT status, case_reference, version FROM offers") == [
            ("accepted", winner, 2)
        ]
        assert len(outbox(allocation_db_url, "allocation.offer.answered")) == 1

    async def test_another_municipality_cannot_see_or_answer(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        offer_id = await open_one_offer(client, allocation_db, allocation_db_url, tokens)
        response = await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "decline"},
            headers=post(municipality(tokens, "147")),
        )
        assert response.status_code == 404
        response = await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "decline"},
            headers=post(org(tokens, "BO-1")),
        )
        assert response.status_code == 403
        assert "municipality" in response.json()["detail"]


class TestRentLiability:
    async def test_the_municipality_pays_from_disposal_until_let_at_each_days_rent(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        offer_id = await open_one_offer(client, allocation_db, allocation_db_url, tokens)
        await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        # available from 1 April 2027; a new lease from 16 April at a new rent
        await apply(allocation_db, lease_created("dw-1", date(2027, 4, 16), rent="6300.00"))
        offer = (await client.get(f"{API}/offers/{offer_id}", headers=municipality(tokens))).json()
        # 1–15 April at the rent known from 1 March (6,200 / 30 a day)
        assert (offer["let_on"], offer["rent_owed"]) == ("2027-04-16", "3100.00")
        assert offer["log"][-1]["action"] == "let"

    @pytest.mark.parametrize("path", ["one by one", "batch"])
    async def test_vacancy_rents_kept_from_the_offer_on_and_a_change_meanwhile_is_paid(
        self, allocation_client, allocation_db, allocation_db_url, tokens, path
    ):
        """A vacancy event's rent is kept only once its dwelling has a social offer (the rent
        history is read only for an offer's liability); a changed rent in a later vacancy
        event while the accepted offer waits to be let is paid from its day on."""

        async def vacancies(*envelopes):
            if path == "batch":  # the fetched-batch handler, as the runner applies it
                processor = InboxProcessor(allocation_db, DWELLINGS, max_attempts=1)
                assert len(await processor.apply_leading(list(envelopes))) == len(envelopes)
            else:
                await apply(allocation_db, *envelopes)

        client = await allocation_client()
        await make_agreement(client, tokens, kind="listed", share=None, dwelling_ids=["dw-1"])
        # dw-2 is not listed: no offer, so neither of its rents is kept
        await vacancies(
            vacancy("dw-2", lease_id="L-2", rent="6100.00"),
            vacancy("dw-1", lease_id="L-1", rent="6200.00"),
            vacancy("dw-2", lease_id="L-3", rent="6150.00", at=datetime(2027, 3, 2, 9, tzinfo=UTC)),
        )
        [offer_id] = [o.offer_id for o in opened(allocation_db_url)]
        await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        # the register reports the same lease's vacancy again on 10 April at a new rent
        await vacancies(
            vacancy("dw-1", lease_id="L-1", rent="6510.00", at=datetime(2027, 4, 10, 9, tzinfo=UTC))
        )
        assert sql(allocation_db_url, "SELECT * FROM rents ORDER BY from_day") == [
            ("dw-1", date(2027, 3, 1), Decimal("6200.00"), datetime(2027, 3, 1, 9, tzinfo=UTC)),
            ("dw-1", date(2027, 4, 10), Decimal("6510.00"), datetime(2027, 4, 10, 9, tzinfo=UTC)),
        ]
        await apply(allocation_db, lease_created("dw-1", date(2027, 4, 16), rent="6300.00"))
        offer = (await client.get(f"{API}/offers/{offer_id}", headers=municipality(tokens))).json()
        # 1–9 April at 6,200 / 30 a day, 10–15 April at 6,510 / 30
        assert (offer["let_on"], offer["rent_owed"]) == ("2027-04-16", "3162.00")


class TestBatchEqualsOneByOne:
    async def test_a_fetched_batch_leaves_the_database_as_the_events_one_by_one(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        from datetime import timedelta

        from common.events.consumer import InboxProcessor
        from common.testing.fixtures import truncate_all_tables

        from .support import AT, DWELLINGS

        client = await allocation_client()
        events = []
        for i in range(1, 30):
            events.append(vacancy(f"dw-{i % 11}", lease_id=f"L-{i}", at=AT + timedelta(hours=i)))
        events.append(vacancy("dw-3", lease_id="L-3", flag=False, at=AT + timedelta(days=3)))
        events.append(events[4])  # a duplicate inside the batch

        def snapshot():
            return (
                sql(
                    allocation_db_url,
                    "SELECT dwelling_id, lease_id, number, municipal FROM vacancies ORDER BY id",
                ),
                sql(
                    allocation_db_url,
                    "SELECT id, vacant, lease_id, monthly_rent FROM current_dwellings ORDER BY id",
                ),
                sql(
                    allocation_db_url,
                    "SELECT dwelling_id, from_day, monthly_rent FROM rents ORDER BY 1, 2",
                ),
                sql(
                    allocation_db_url,
                    "SELECT dwelling_id, available_from, answer_due FROM offers ORDER BY dwelling_id",
                ),
                sql(allocation_db_url, "SELECT kind, counted FROM agreements ORDER BY kind"),
                len(outbox(allocation_db_url, "allocation.offer.opened")),
            )

        async def fresh_agreement():
            truncate_all_tables(allocation_db_url)
            await make_agreement(client, tokens, share="1/3", organisation_consent=True)
            await make_agreement(client, tokens, kind="listed", share=None, dwelling_ids=["dw-7"])

        await fresh_agreement()
        processor = InboxProcessor(allocation_db, DWELLINGS, max_attempts=1)
        await processor.apply_leading(events)
        batched = snapshot()
        await fresh_agreement()
        await apply(allocation_db, *events[:-1])  # the duplicate is skipped by the inbox
        assert snapshot() == batched
        # 29 leases: dw-7's three go to the listed agreement, 26 are counted under 1/3
        assert batched[4] == [("listed", 0), ("quota", 26)]
        assert batched[5] == 8 + 3


class TestRegisterAllocationType:
    async def test_a_new_lease_not_recorded_as_municipal_allocation_is_flagged(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        from common.events.contracts.base import AllocationType

        client = await allocation_client()
        offer_id = await open_one_offer(client, allocation_db, allocation_db_url, tokens)
        await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        lease = lease_created("dw-1", date(2027, 4, 16))
        lease = lease.caused(
            data={**lease.data, "allocation_type": AllocationType.EXTERNAL_WAITING_LIST.value}
        )
        await apply(allocation_db, lease)
        offer = (await client.get(f"{API}/offers/{offer_id}", headers=municipality(tokens))).json()
        assert [e["action"] for e in offer["log"]][-2:] == ["let", "allocation_type_mismatch"]
        assert "external_waiting_list" in offer["log"][-1]["detail"]


class TestAgreementDocument:
    async def test_the_public_document_is_a_danish_pdf(self, allocation_client, tokens):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, valid_to="2030-12-31")
        response = await client.get(f"{API}/public/agreements/{agreement['id']}/document")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="udlejningsaftale-{agreement["id"]}.pdf"'
        )
        text = pdf_text(response.content, single_spaced=True)
        assert text.startswith(f"Udlejningsaftale {agreement['id']}")
        assert "København (kommunekode 101)" in text
        assert "Boligorganisation BO-1" in text
        assert "1 af hver 4 ledige familieboliger" in text
        assert "fra 1. januar 2027 til 31. december 2030" in text
        assert "garanterer for lejerens istandsættelse" in text
        missing = await client.get(f"{API}/public/agreements/agr-none/document")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"

    async def test_a_specific_agreement_lists_its_dwellings(self, allocation_client, tokens):
        client = await allocation_client()
        agreement = await make_agreement(
            client, tokens, kind="listed", share=None, dwelling_ids=["dw-7", "dw-9"]
        )
        response = await client.get(f"{API}/public/agreements/{agreement['id']}/document")
        text = pdf_text(response.content, single_spaced=True)
        assert "Kommunen anviser følgende familieboliger, hver gang de bliver ledige:" in text
        assert "Bolig dw-7 Bolig dw-9" in text
        assert "og indtil videre" in text


async def offered_in_2026(client, db, db_url, tokens) -> str:
    """An offer of a dwelling vacant from 1 April 2026: its tenant's lease and move-out can lie
    in the past of the real clock the API reads."""
    await make_agreement(
        client, tokens, kind="listed", share=None, dwelling_ids=["dw-1"], valid_from="2026-01-01"
    )
    await apply(db, vacancy("dw-1", rent="6200.00", end=date(2026, 3, 31)))
    [offer] = opened(db_url)
    return offer.offer_id


class TestRestorationGuarantee:
    async def test_the_organisation_claims_and_the_municipality_pays_or_refuses(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        offer_id = await offered_in_2026(client, allocation_db, allocation_db_url, tokens)
        claim = {"moved_out_on": "2026-09-30", "amount": "18500.00", "description": "Maling"}
        not_yet = await client.post(
            f"{API}/offers/{offer_id}/restoration-claims",
            json=claim,
            headers=post(org(tokens, "BO-1")),
        )
        assert not_yet.status_code == 422
        assert "accepted offer" in not_yet.json()["detail"]
        await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        await apply(allocation_db, lease_created("dw-1", date(2026, 5, 1)))
        other = await client.post(
            f"{API}/offers/{offer_id}/restoration-claims",
            json=claim,
            headers=post(org(tokens, "BO-2")),
        )
        assert other.status_code == 404
        filed = await client.post(
            f"{API}/offers/{offer_id}/restoration-claims",
            json=claim,
            headers=post(org(tokens, "BO-1")),
        )
        assert filed.status_code == 201, filed.text
        claim_id = filed.json()["id"]
        refuse = await client.post(
            f"{API}/restoration-claims/{claim_id}/decision",
            json={"pay": False},
            headers=post(municipality(tokens)),
        )
        assert refuse.status_code == 422
        paid = await client.post(
            f"{API}/restoration-claims/{claim_id}/decision",
            json={"pay": True},
            headers=post(municipality(tokens)),
        )
        assert (paid.json()["status"], paid.json()["amount"]) == ("paid", "18500.00")
        again = await client.post(
            f"{API}/restoration-claims/{claim_id}/decision",
            json={"pay": True},
            headers=post(municipality(tokens)),
        )
        assert again.status_code == 409
        listed = (
            await client.get(
                f"{API}/offers/{offer_id}/restoration-claims", headers=municipality(tokens)
            )
        ).json()
        assert [(c["id"], c["status"]) for c in listed] == [(claim_id, "paid")]
        log = (await client.get(f"{API}/offers/{offer_id}", headers=municipality(tokens))).json()
        assert [e["action"] for e in log["log"]][-2:] == [
            "restoration_claimed",
            "restoration_paid",
        ]

    async def accepted(self, client, db, db_url, tokens) -> str:
        offer_id = await offered_in_2026(client, db, db_url, tokens)
        await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        return offer_id

    async def test_of_two_concurrent_decisions_exactly_one_wins(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """Two clerks decide one claim at once (one pays, one refuses; two transactions on
        PostgreSQL, the first open until the second ends or waits for its lock): both were told
        they decided it, and the claim ended as whichever committed last."""
        client = await allocation_client()
        offer_id = await self.accepted(client, allocation_db, allocation_db_url, tokens)
        await apply(allocation_db, lease_created("dw-1", date(2026, 5, 1)))
        claim_id = (
            await client.post(
                f"{API}/offers/{offer_id}/restoration-claims",
                json={"moved_out_on": "2026-09-30", "amount": "9000.00", "description": "Gulv"},
                headers=post(org(tokens, "BO-1")),
            )
        ).json()["id"]
        clerk = Scope("kommune-101", Role.MUNICIPALITY, None, "101")

        async def pay(uow: UnitOfWork) -> None:
            await restoration.decide_claim(uow, clerk, claim_id, True, None)

        async def refuse(uow: UnitOfWork) -> None:
            with pytest.raises(OfferClosedError, match="already paid"):
                await restoration.decide_claim(uow, clerk, claim_id, False, "Normal slid")

        await interleaved(allocation_db, pay, refuse)
        assert sql(allocation_db_url, "SELECT status FROM restoration_claims") == [("paid",)]
        decided = sql(
            allocation_db_url,
            "SELECT action FROM case_log WHERE action IN ('restoration_claimed', "
            "'restoration_paid', 'restoration_refused') ORDER BY id",
        )
        assert decided == [("restoration_claimed",), ("restoration_paid",)]

    async def test_one_claim_per_allocated_tenant_and_only_after_the_lease(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """A claim sent twice (no Idempotency-Key) stood twice and could be paid twice; a claim
        before the tenant's lease was known, or for a move-out before it began, was taken."""
        client = await allocation_client()
        offer_id = await self.accepted(client, allocation_db, allocation_db_url, tokens)
        claim = {"moved_out_on": "2026-09-30", "amount": "9000.00", "description": "Gulv"}

        async def file(**body):
            return await client.post(
                f"{API}/offers/{offer_id}/restoration-claims",
                json=claim | body,
                headers=post(org(tokens, "BO-1")),
            )

        no_lease = await file()
        assert no_lease.status_code == 422, no_lease.text
        assert "lease" in no_lease.json()["detail"]
        await apply(allocation_db, lease_created("dw-1", date(2026, 5, 1)))
        before = await file(moved_out_on="2026-04-30")
        assert before.status_code == 422, before.text
        assert (await file()).status_code == 201
        again = await file()
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == "application/problem+json"
        assert sql(allocation_db_url, "SELECT count(*) FROM restoration_claims") == [(1,)]


class TestSocialLateDecline:
    async def test_a_late_no_to_a_social_offer_costs_nothing(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        client = await allocation_client()
        offer_id = await open_one_offer(client, allocation_db, allocation_db_url, tokens)
        sql(
            allocation_db_url, "UPDATE offers SET answer_due = '2021-01-05' WHERE id = %s", offer_id
        )
        response = await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "decline"},
            headers=post(municipality(tokens)),
        )
        body = response.json()
        assert (body["status"], body["rent_owed"], body["compensation_owed"]) == (
            "declined",
            None,
            None,
        )
