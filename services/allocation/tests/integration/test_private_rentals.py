"""Private rentals (chapter 7) over the API: properties, agreements with their rules,
registration, vacancy notices, answers, repeats, and the deadline round under a controlled
clock (§ 56: 7 weekdays; silence still costs the rent up to the notice to quit)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic import command

from allocation.db.repositories import Repository
from allocation.domain.errors import AgreementRegisteredError, OfferClosedError
from allocation.domain.notices import Answer
from allocation.services import offers, private
from allocation.services.offers import AnswerCommand
from allocation.settings import AllocationSettings
from allocation.worker import jobs
from common.access import Scope
from common.auth import Role
from common.db import migrations
from common.db.uow import UnitOfWork
from common.events.contracts import OfferLapsedV1
from common.events.envelope import Envelope
from common.testing.fixtures import service_settings
from common.testing.interleaving import done_or_blocked, interleaved

from .support import API, landlord, municipality, outbox, post, sql

_cadastral_numbers = itertools.count(100200)


async def make_property(
    client,
    tokens,
    apartments: int = 20,
    landlord_id: str = "LL-1",
    cadastral_id: str | None = None,
) -> str:
    response = await client.post(
        f"{API}/private/properties",
        json={
            "landlord_id": landlord_id,
            "municipality_code": "101",
            "cadastral_id": cadastral_id or f"BFE-{next(_cadastral_numbers)}",
            "apartments": apartments,
        },
        headers=post(landlord(tokens, landlord_id)),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def make_agreement(client, tokens, property_id: str, **body) -> dict:
    payload = {
        "property_id": property_id,
        "kind": "specific",
        "specific_apartments": ["A-1", "A-2", "A-3", "A-4"],
        "price_per_right": "50000.00",
        "one_off": "40000.00",
        "signed_on": "2027-03-01",
        "valid_to": "2037-02-28",
        "refund_promised_on": "2027-02-01",
        **body,
    }
    return (
        await client.post(
            f"{API}/private/agreements", json=payload, headers=post(municipality(tokens))
        )
    ).json() | {"_status": None}


async def every_fourth(client, tokens, apartments: int) -> dict:
    """An every-nth agreement (1/4, no one-off part) on a new property of ``apartments``."""
    return await make_agreement(
        client,
        tokens,
        await make_property(client, tokens, apartments=apartments),
        kind="every_nth",
        frequency="1/4",
        specific_apartments=[],
        one_off="0.00",
    )


async def notice(client, tokens, agreement_id: str, apartment: str = "A-1", **body):
    payload = {
        "agreement_id": agreement_id,
        "apartment_id": apartment,
        "available_from": "2027-04-01",
        "monthly_rent": "9300.00",
        "notice_to_quit_effective": "2027-07-01",
        **body,
    }
    return await client.post(
        f"{API}/private/notices", json=payload, headers=post(landlord(tokens, "LL-1"))
    )


class TestAgreement:
    async def test_the_figures_of_a_specific_agreement(self, allocation_client, tokens):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        assert {
            k: agreement[k]
            for k in (
                "rights",
                "compensation",
                "per_use",
                "refund_cap",
                "one_off_refund",
                "per_use_refund",
            )
        } == {
            "rights": 4,
            "compensation": "200000.00",
            "per_use": "40000.00",
            "refund_cap": "120000.00",
            "one_off_refund": "0.00",  # not registered yet
            "per_use_refund": "24000.00",
        }

    async def test_registration_releases_the_one_off_refund(self, allocation_client, tokens):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        response = await client.post(
            f"{API}/private/agreements/{agreement['id']}/registration",
            json={"registered_on": "2027-03-15", "document": "TL-2027-123456"},
            headers=post(municipality(tokens)),
        )
        assert response.status_code == 200, response.text
        assert (response.json()["registered_on"], response.json()["one_off_refund"]) == (
            "2027-03-15",
            "24000.00",
        )

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"specific_apartments": ["A-1"]}, "at least 2"),
            ({"specific_apartments": [f"A-{i}" for i in range(6)]}, "at most 25 %"),
            ({"one_off": "40000.01"}, "at most 20 %"),
            ({"kind": "every_nth", "frequency": "1/3", "specific_apartments": []}, "every fourth"),
        ],
    )
    async def test_rules_are_refused_with_the_section(
        self, allocation_client, allocation_db_url, tokens, body, message
    ):
        client = await allocation_client()
        property_id = await make_property(client, tokens)
        response = await client.post(
            f"{API}/private/agreements",
            json={
                "property_id": property_id,
                "kind": "specific",
                "specific_apartments": ["A-1", "A-2"],
                "price_per_right": "50000.00",
                "one_off": "0.00",
                "signed_on": "2027-03-01",
                "valid_to": "2037-02-28",
                **(
                    {"one_off": "40000.01", "specific_apartments": [f"A-{i}" for i in range(4)]}
                    if "one_off" in body
                    else {}
                ),
                **{k: v for k, v in body.items() if k != "one_off"},
            },
            headers=post(municipality(tokens)),
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert message in response.json()["detail"]
        assert sql(allocation_db_url, "SELECT count(*) FROM private_agreements") == [(0,)]

    async def test_no_second_agreement_on_a_property(self, allocation_client, tokens):
        client = await allocation_client()
        property_id = await make_property(client, tokens)
        await make_agreement(client, tokens, property_id)
        response = await client.post(
            f"{API}/private/agreements",
            json={
                "property_id": property_id,
                "kind": "specific",
                "specific_apartments": ["A-5", "A-6"],
                "price_per_right": "50000.00",
                "one_off": "0.00",
                "signed_on": "2027-06-01",
                "valid_to": "2030-01-01",
            },
            headers=post(municipality(tokens)),
        )
        assert response.status_code == 409
        assert "§ 53(1)" in response.json()["detail"]

    async def test_no_second_agreement_on_a_property_registered_twice(
        self, allocation_client, tokens
    ):
        """§ 53(1) binds the property (the agreement is registered on it), not the platform's
        row: the same cadastral property registered again (a double click, a new owner) got a
        second agreement — its rights and compensation bought twice."""
        client = await allocation_client()
        first = await make_property(client, tokens, cadastral_id="BFE-777")
        await make_agreement(client, tokens, first)
        again = await make_property(client, tokens, landlord_id="LL-1", cadastral_id="bfe-777")
        response = await client.post(
            f"{API}/private/agreements",
            json={
                "property_id": again,
                "kind": "specific",
                "specific_apartments": ["A-5", "A-6"],
                "price_per_right": "50000.00",
                "one_off": "0.00",
                "signed_on": "2027-06-01",
                "valid_to": "2030-01-01",
            },
            headers=post(municipality(tokens)),
        )
        assert response.status_code == 409, response.text
        assert "§ 53(1)" in response.json()["detail"]
        assert "BFE-777" in response.json()["detail"]

    async def test_two_registrations_at_once_record_one(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """Two caseworkers record the registration at once (10 April, 1 July): both found it
        unrecorded and the last commit's date stood — the one-off's refund moved to another
        quarter's statement behind the first caseworker's back. The second is now refused."""
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        clerk = Scope("kommune-101", Role.MUNICIPALITY, None, "101")
        refused: list[Exception] = []

        async def first(uow: UnitOfWork) -> None:
            await private.register_agreement(uow, clerk, agreement["id"], date(2027, 4, 10), "T1")

        async def second(uow: UnitOfWork) -> None:
            try:
                await private.register_agreement(
                    uow, clerk, agreement["id"], date(2027, 7, 1), "T2"
                )
            except AgreementRegisteredError as error:
                refused.append(error)

        await interleaved(allocation_db, first, second)
        assert len(refused) == 1
        assert sql(
            allocation_db_url, "SELECT registered_on, registration_document FROM private_agreements"
        ) == [(date(2027, 4, 10), "T1")]

    async def test_another_municipality_cannot_make_one_on_the_property(
        self, allocation_client, tokens
    ):
        client = await allocation_client()
        property_id = await make_property(client, tokens)
        response = await client.post(
            f"{API}/private/agreements",
            json={
                "property_id": property_id,
                "kind": "specific",
                "specific_apartments": ["A-1", "A-2"],
                "price_per_right": "1.00",
                "one_off": "0.00",
                "signed_on": "2027-03-01",
                "valid_to": "2030-01-01",
            },
            headers=post(municipality(tokens, "147")),
        )
        assert response.status_code == 404


def clock(*args: int):
    return lambda: datetime(*args, 10, 0, tzinfo=UTC)


async def deadline_round(databases, tokens, database, at) -> dict[str, int]:
    settings = service_settings(AllocationSettings, databases, tokens, package="allocation")
    [job] = jobs(database, settings, clock=at)
    return await job.run()


def set_received(db_url, offer_id: str, received: date, due: date) -> None:
    sql(
        db_url,
        "UPDATE offers SET received_on=%s, answer_due=%s WHERE id=%s",
        received,
        due,
        offer_id,
    )


class TestNoticesAndDeadlines:
    async def test_a_notice_opens_an_offer_with_the_7_weekday_deadline(
        self, allocation_client, allocation_db_url, tokens
    ):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        response = await notice(client, tokens, agreement["id"])
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["municipal"] is True
        assert body["is_repeat"] is False
        [(received, due)] = sql(allocation_db_url, "SELECT received_on, answer_due FROM offers")
        from common.calendar import add_working_days

        assert due == add_working_days(received, 7)
        assert body["answer_due"] == due.isoformat()

    async def test_silence_lapses_on_the_8th_weekday_and_costs_rent_and_compensation(
        self, allocation_client, allocation_db, allocation_db_url, databases, tokens
    ):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        offer_id = (await notice(client, tokens, agreement["id"])).json()["offer_id"]
        # Received Monday 22 March 2027 (Easter week): due Monday 5 April
        set_received(allocation_db_url, offer_id, date(2027, 3, 22), date(2027, 4, 5))
        rounds = [
            await deadline_round(databases, tokens, allocation_db, clock(2027, 4, day))
            for day in (1, 2, 2, 5, 6, 7)
        ]
        # reminded once on Friday 2 April (the last working day before Monday's deadline),
        # lapsed once on Tuesday 6 April, nothing twice
        assert rounds == [
            {"lapsed": 0, "reminded": 0},
            {"lapsed": 0, "reminded": 1},
            {"lapsed": 0, "reminded": 0},
            {"lapsed": 0, "reminded": 0},
            {"lapsed": 1, "reminded": 0},
            {"lapsed": 0, "reminded": 0},
        ]
        [reminder] = outbox(allocation_db_url, "allocation.offer.deadline_approaching")
        assert (reminder["data"]["answer_due"], reminder["data"]["reminded_on"]) == (
            "2027-04-05",
            "2027-04-02",
        )
        [event] = outbox(allocation_db_url, "allocation.offer.lapsed")
        lapsed = OfferLapsedV1.from_envelope(Envelope.from_structured(event))
        # rent 1 April – 30 June (not beyond the notice to quit on 1 July): 3 × 9,300
        assert (lapsed.rent_until, lapsed.rent_owed) == (date(2027, 7, 1), 27900)
        assert lapsed.compensation_owed == 40000
        assert lapsed.lapsed_on == date(2027, 4, 6)
        assert lapsed.repeat_right_ended is False
        assert sql(allocation_db_url, "SELECT uses FROM private_agreements") == [(1,)]
        assert sql(allocation_db_url, "SELECT count(*) FROM apartment_rights") == [(0,)]

    async def test_a_no_in_time_costs_nothing_a_late_no_costs(
        self, allocation_client, allocation_db_url, tokens
    ):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        in_time = (await notice(client, tokens, agreement["id"], "A-1")).json()["offer_id"]
        late = (await notice(client, tokens, agreement["id"], "A-2")).json()["offer_id"]
        set_received(allocation_db_url, late, date(2020, 12, 21), date(2021, 1, 5))  # long past
        answers = {}
        for offer_id in (in_time, late):
            response = await client.post(
                f"{API}/offers/{offer_id}/answer",
                json={"answer": "decline"},
                headers=post(municipality(tokens)),
            )
            answers[offer_id] = response.json()
        assert (answers[in_time]["status"], answers[in_time]["rent_owed"]) == ("declined", None)
        assert (
            answers[late]["status"],
            answers[late]["rent_owed"],
            answers[late]["compensation_owed"],
        ) == ("declined_late", "27900.00", "40000.00")

    async def test_a_second_notice_of_an_apartment_with_an_open_offer_is_refused(
        self, allocation_client, allocation_db_url, tokens
    ):
        """A notice sent twice (no Idempotency-Key, two clerks) opened two offers of one
        vacancy: both accepted paid the per-use compensation twice and used two rights."""
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        first = (await notice(client, tokens, agreement["id"])).json()["offer_id"]
        again = await notice(client, tokens, agreement["id"])
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == "application/problem+json"
        assert first in again.json()["detail"]
        accepted = await client.post(
            f"{API}/offers/{first}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        assert accepted.status_code == 200, accepted.text
        assert sql(allocation_db_url, "SELECT count(*) FROM offers") == [(1,)]
        assert sql(allocation_db_url, "SELECT uses FROM private_agreements") == [(1,)]
        # once answered, the apartment's next vacancy is a new notice (here its repeat)
        repeat = await notice(
            client,
            tokens,
            agreement["id"],
            available_from="2028-01-01",
            notice_to_quit_effective="2028-04-01",
        )
        assert repeat.status_code == 201, repeat.text
        assert repeat.json()["is_repeat"] is True

    async def test_the_same_vacancy_noticed_twice_counts_once(
        self, allocation_client, allocation_db_url, tokens
    ):
        """A vacancy that is not the municipality's opens no offer, so a second notice of it
        (sent twice without an Idempotency-Key, or by two clerks) was counted again: the every-
        fourth turn moved one vacancy early and the 4th apartment went to the municipality
        instead of the 5th. A notice of an apartment whose earlier notice's period (from its
        availability until let, or else until the notice to quit would take effect) it
        overlaps is refused; a later vacancy of the apartment counts."""
        client = await allocation_client()
        agreement = await every_fourth(client, tokens, apartments=8)
        bodies = [(await notice(client, tokens, agreement["id"], f"B-{i}")) for i in (1, 2)]
        assert [b.json()["vacancy_number"] for b in bodies] == [1, 2]
        again = await notice(client, tokens, agreement["id"], "B-2")
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == "application/problem+json"
        problem = again.json()
        assert problem["type"].endswith("vacancy-already-noticed")
        assert bodies[1].json()["id"] in problem["detail"]
        assert "2027-07-01" in problem["detail"]  # when a new vacancy of B-2 can begin
        corrected = await notice(
            client, tokens, agreement["id"], "B-2", available_from="2027-05-01"
        )
        assert corrected.status_code == 409, corrected.text
        later = [
            (await notice(client, tokens, agreement["id"], f"B-{i}")).json() for i in (3, 4, 5)
        ]
        assert [(b["vacancy_number"], b["municipal"]) for b in later] == [
            (3, False),
            (4, False),
            (5, True),
        ]
        # B-2 let and vacant again after the first notice's period: a new vacancy, counted
        new_vacancy = await notice(
            client,
            tokens,
            agreement["id"],
            "B-2",
            available_from="2027-10-01",
            notice_to_quit_effective="2028-01-01",
        )
        assert new_vacancy.status_code == 201, new_vacancy.text
        assert new_vacancy.json()["vacancy_number"] == 6
        assert sql(allocation_db_url, "SELECT vacancies_counted FROM private_agreements") == [(6,)]

    async def test_every_notice_is_in_the_agreements_case_log(
        self, allocation_client, allocation_db_url, tokens
    ):
        """A notice that was not the municipality's changed the agreement's count and left no
        line anywhere of who reported what: the audit trail missed it."""
        client = await allocation_client()
        agreement = await every_fourth(client, tokens, apartments=8)
        first = (await notice(client, tokens, agreement["id"], "B-1")).json()
        second = (await notice(client, tokens, agreement["id"], "B-2")).json()
        seen = (
            await client.get(
                f"{API}/private/agreements/{agreement['id']}", headers=municipality(tokens)
            )
        ).json()
        lines = [(e["action"], e["actor"], e["detail"]) for e in seen["log"]]
        assert lines[1:] == [
            (
                "notice",
                "landlord-LL-1",
                f"Notice {first['id']}: apartment B-1 vacant from 2027-04-01, vacancy 1 of the "
                f"count; the municipality's (offer {first['offer_id']}).",
            ),
            (
                "notice",
                "landlord-LL-1",
                f"Notice {second['id']}: apartment B-2 vacant from 2027-04-01, vacancy 2 of the "
                "count; not the municipality's.",
            ),
        ]

    async def test_migration_0008_gives_the_notices_that_opened_an_offer_their_period(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """Down and up again: a notice that opened an offer gets the offer's period back (a
        stand-in's offer's dates are the other apartment's: none); one that opened none has
        no period and is not compared."""
        client = await allocation_client()
        agreement = await every_fourth(client, tokens, apartments=8)
        opened = (await notice(client, tokens, agreement["id"], "B-1")).json()
        not_municipal = (await notice(client, tokens, agreement["id"], "B-2")).json()
        await allocation_db.engine.dispose()
        config = migrations.alembic_config("allocation", allocation_db_url)
        try:
            await asyncio.to_thread(command.downgrade, config, "-1")
        finally:
            await asyncio.to_thread(migrations.upgrade, "allocation", allocation_db_url)
        assert sql(
            allocation_db_url,
            "SELECT id, available_from, notice_to_quit_effective FROM notices ORDER BY number",
        ) == [
            (opened["id"], date(2027, 4, 1), date(2027, 7, 1)),
            (not_municipal["id"], None, None),
        ]
        await client.post(
            f"{API}/offers/{opened['offer_id']}/answer",
            json={"answer": "decline"},
            headers=post(municipality(tokens)),
        )
        assert (await notice(client, tokens, agreement["id"], "B-1")).status_code == 409
        assert (await notice(client, tokens, agreement["id"], "B-2")).status_code == 201

    async def test_an_answer_while_the_deadline_round_lapses_the_offer_is_no_deadlock(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """The round locks the overdue offer, then its agreement; the answer locked the
        agreement first, then waited for the offer: each waited for the other, PostgreSQL
        aborted one (a 500 to the clerk, or a failed round). The answer now takes the offer
        first, like the round."""
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        offer_id = (await notice(client, tokens, agreement["id"])).json()["offer_id"]
        clerk = Scope("kommune-101", Role.MUNICIPALITY, None, "101")

        async def answer() -> None:
            async with UnitOfWork(allocation_db) as uow:
                command = AnswerCommand(offer_id, Answer.DECLINE, None)
                with pytest.raises(OfferClosedError):
                    await offers.answer_offer(uow, clerk, command, date(2027, 4, 20))
                await uow.commit()

        async with UnitOfWork(allocation_db) as round_uow:  # the round's steps, in its order
            repo = Repository(round_uow.session)
            [overdue] = await repo.overdue_offers(date(2099, 1, 1))
            answering = asyncio.create_task(answer())
            await done_or_blocked(allocation_db_url, answering)
            await repo.private_agreement(agreement["id"], lock=True)
            await repo.close_offer(
                overdue.id, {"status": "lapsed", "settled_on": date(2027, 4, 20)}
            )
            await round_uow.commit()
        await answering
        assert sql(allocation_db_url, "SELECT status FROM offers") == [("lapsed",)]

    async def test_an_accepted_apartment_repeats_and_the_first_unused_repeat_ends_it(
        self, allocation_client, allocation_db, allocation_db_url, databases, tokens
    ):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        first = (await notice(client, tokens, agreement["id"])).json()["offer_id"]
        response = await client.post(
            f"{API}/offers/{first}/answer",
            json={"answer": "accept", "case_reference": "SAG-77"},
            headers=post(municipality(tokens)),
        )
        assert response.json()["compensation_owed"] == "40000.00"
        assert sql(allocation_db_url, "SELECT repeats_until, ended_on FROM apartment_rights") == [
            (date(2033, 2, 28), None)
        ]
        again = await notice(
            client,
            tokens,
            agreement["id"],
            available_from="2029-05-01",
            notice_to_quit_effective="2029-08-01",
        )
        repeat = again.json()
        assert (repeat["municipal"], repeat["is_repeat"]) == (True, True)
        set_received(allocation_db_url, repeat["offer_id"], date(2029, 4, 2), date(2029, 4, 11))
        await deadline_round(databases, tokens, allocation_db, clock(2029, 4, 12))
        [event] = outbox(allocation_db_url, "allocation.offer.lapsed")
        lapsed = OfferLapsedV1.from_envelope(Envelope.from_structured(event))
        assert (lapsed.repeat_right_ended, lapsed.compensation_owed) == (True, None)
        assert lapsed.rent_owed == 27900  # May–July 2029 at 9,300
        assert sql(allocation_db_url, "SELECT ended_on FROM apartment_rights") == [
            (date(2029, 4, 12),)
        ]
        third = (
            await notice(
                client,
                tokens,
                agreement["id"],
                available_from="2030-05-01",
                notice_to_quit_effective="2030-08-01",
            )
        ).json()
        assert (third["municipal"], third["offer_id"]) == (False, None)

    async def test_every_nth_first_vacancy_then_every_fourth_capped_at_the_share(
        self, allocation_client, allocation_db_url, tokens
    ):
        client = await allocation_client()
        agreement = await every_fourth(client, tokens, apartments=8)
        assert agreement["rights"] == 2
        municipal = []
        for i in range(1, 11):
            body = (await notice(client, tokens, agreement["id"], f"B-{i}")).json()
            municipal.append(body["municipal"])
            if body["offer_id"]:
                await client.post(
                    f"{API}/offers/{body['offer_id']}/answer",
                    json={"answer": "accept", "case_reference": f"SAG-{i}"},
                    headers=post(municipality(tokens)),
                )
        # the 1st and 5th; the 9th would be the municipality's but both rights are used
        assert [i for i, m in enumerate(municipal, 1) if m] == [1, 5]

    async def test_open_offers_count_against_the_rights_left(
        self, allocation_client, allocation_db_url, tokens
    ):
        """Vacancies come faster than answers: with both rights on open offers, the 9th vacancy
        was the municipality's too (uses were counted only on acceptance); all three accepted
        used 3 of 2 rights and paid the per-use compensation 3 times."""
        client = await allocation_client()
        agreement = await every_fourth(client, tokens, apartments=8)
        bodies = [
            (await notice(client, tokens, agreement["id"], f"B-{i}")).json() for i in range(1, 11)
        ]
        assert [i for i, b in enumerate(bodies, 1) if b["municipal"]] == [1, 5]
        for body in bodies:
            if body["offer_id"]:
                await client.post(
                    f"{API}/offers/{body['offer_id']}/answer",
                    json={"answer": "accept", "case_reference": "SAG-1"},
                    headers=post(municipality(tokens)),
                )
        assert sql(allocation_db_url, "SELECT uses FROM private_agreements") == [(2,)]
        assert sql(allocation_db_url, "SELECT sum(compensation_owed) FROM offers") == [
            (Decimal("100000.00"),)  # 2 rights × 50,000: the agreed compensation, no more
        ]

    async def test_a_right_declined_in_time_is_offered_again(
        self, allocation_client, allocation_db_url, tokens
    ):
        client = await allocation_client()
        agreement = await every_fourth(client, tokens, apartments=4)
        first = (await notice(client, tokens, agreement["id"], "B-1")).json()
        assert first["municipal"] is True
        fifth = [
            (await notice(client, tokens, agreement["id"], f"B-{i}")).json() for i in range(2, 6)
        ][-1]
        assert fifth["municipal"] is False  # the one right is on the open offer
        await client.post(
            f"{API}/offers/{first['offer_id']}/answer",
            json={"answer": "decline"},
            headers=post(municipality(tokens)),
        )
        ninth = [
            (await notice(client, tokens, agreement["id"], f"B-{i}")).json() for i in range(6, 10)
        ][-1]
        assert ninth["municipal"] is True  # declined in time: the right was not used


class TestEquivalentApartment:
    async def test_an_equivalent_apartment_stands_in_for_a_repeating_one(
        self, allocation_client, allocation_db_url, tokens
    ):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        first = (await notice(client, tokens, agreement["id"])).json()["offer_id"]
        await client.post(
            f"{API}/offers/{first}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        late = await notice(
            client,
            tokens,
            agreement["id"],
            available_from="2029-05-01",
            notice_to_quit_effective="2029-08-01",
            substitute_apartment_id="A-9",
            substitute_available_from="2029-05-02",
        )
        assert late.status_code == 422
        assert "delay" in late.json()["detail"]
        body = (
            await notice(
                client,
                tokens,
                agreement["id"],
                available_from="2029-05-01",
                notice_to_quit_effective="2029-08-01",
                substitute_apartment_id="A-9",
                substitute_available_from="2029-04-20",
            )
        ).json()
        assert (body["is_repeat"], body["offered_apartment_id"]) == (True, "A-9")
        offer = (
            await client.get(f"{API}/offers/{body['offer_id']}", headers=landlord(tokens, "LL-1"))
        ).json()
        assert (offer["dwelling_id"], offer["substitutes_for"], offer["available_from"]) == (
            "A-9",
            "A-1",
            "2029-04-20",
        )
        await client.post(
            f"{API}/offers/{body['offer_id']}/answer",
            json={"answer": "decline"},
            headers=post(municipality(tokens)),
        )
        # declining the stand-in is the first unused repeat: A-1's right ends
        assert sql(
            allocation_db_url, "SELECT apartment_id, ended_on IS NOT NULL FROM apartment_rights"
        ) == [("A-1", True)]

    async def test_no_stand_in_without_a_repeating_right(self, allocation_client, tokens):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        response = await notice(client, tokens, agreement["id"], substitute_apartment_id="A-9")
        assert response.status_code == 422
        assert "repeats" in response.json()["detail"]


class TestLetting:
    async def test_the_rent_owed_runs_until_let_and_never_beyond_the_notice_to_quit(
        self, allocation_client, allocation_db, allocation_db_url, databases, tokens
    ):
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        accepted = (await notice(client, tokens, agreement["id"], "A-1")).json()["offer_id"]
        await client.post(
            f"{API}/offers/{accepted}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        too_early = await client.post(
            f"{API}/offers/{accepted}/let",
            json={"let_on": "2027-03-31"},
            headers=post(landlord(tokens, "LL-1")),
        )
        assert too_early.status_code == 422
        let = await client.post(
            f"{API}/offers/{accepted}/let",
            json={"let_on": "2027-04-16"},
            headers=post(landlord(tokens, "LL-1")),
        )
        assert let.status_code == 200, let.text
        # 1–15 April at 9,300 / 30 a day
        assert (let.json()["rent_until"], let.json()["rent_owed"]) == ("2027-04-16", "4650.00")
        again = await client.post(
            f"{API}/offers/{accepted}/let",
            json={"let_on": "2027-04-20"},
            headers=post(landlord(tokens, "LL-1")),
        )
        assert again.status_code == 409
        by_municipality = await client.post(
            f"{API}/offers/{accepted}/let",
            json={"let_on": "2027-04-20"},
            headers=post(municipality(tokens)),
        )
        assert by_municipality.status_code == 403

        silent = (await notice(client, tokens, agreement["id"], "A-2")).json()["offer_id"]
        set_received(allocation_db_url, silent, date(2027, 3, 22), date(2027, 4, 5))
        await deadline_round(databases, tokens, allocation_db, clock(2027, 4, 6))
        late_let = await client.post(
            f"{API}/offers/{silent}/let",
            json={"let_on": "2027-09-01"},
            headers=post(landlord(tokens, "LL-1")),
        )
        # let after the notice to quit would have taken effect (1 July): capped there
        assert (late_let.json()["rent_until"], late_let.json()["rent_owed"]) == (
            "2027-07-01",
            "27900.00",
        )

    async def test_two_let_reports_at_once_settle_the_offer_once(
        self, allocation_client, allocation_db, allocation_db_url, tokens
    ):
        """Two clerks of the landlord report the let at once (16 and 20 April): the offer was
        read without a lock, so both saw it unlet, both wrote, and the last commit's day and
        rent stood beside two "let" lines in the case log. The second now waits for the first
        and is refused (409), as a second report after the first is."""
        client = await allocation_client()
        agreement = await make_agreement(client, tokens, await make_property(client, tokens))
        offer_id = (await notice(client, tokens, agreement["id"], "A-1")).json()["offer_id"]
        accepted = await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        assert accepted.status_code == 200, accepted.text
        clerk = Scope("landlord-LL-1", Role.LANDLORD, frozenset({"LL-1"}), None)
        refused: list[Exception] = []

        async def first(uow: UnitOfWork) -> None:
            await offers.report_let(uow, clerk, offer_id, date(2027, 4, 16))

        async def second(uow: UnitOfWork) -> None:
            try:
                await offers.report_let(uow, clerk, offer_id, date(2027, 4, 20))
            except OfferClosedError as error:
                refused.append(error)

        await interleaved(allocation_db, first, second)
        assert len(refused) == 1
        assert sql(allocation_db_url, "SELECT let_on, rent_owed FROM offers") == [
            (date(2027, 4, 16), Decimal("4650.00"))
        ]
        assert sql(allocation_db_url, "SELECT count(*) FROM case_log WHERE action = 'let'") == [
            (1,)
        ]
