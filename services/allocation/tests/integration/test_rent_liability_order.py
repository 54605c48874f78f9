"""The municipality's rent liability for an accepted social offer comes out the same whichever
comes first: its answer, the dwelling's new lease or a rent (the register's events), in turn or
at the same time (two transactions on the real PostgreSQL server, the first left open until
the second has ended or waits for its lock)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from allocation.domain.notices import Answer
from allocation.events.incoming import handle_dwellings_batch
from allocation.services import offers, register_facts
from allocation.services.offers import AnswerCommand
from common.access import Scope
from common.auth import Role
from common.db.uow import UnitOfWork
from common.events.contracts import LeaseCreatedV1
from common.events.envelope import Envelope
from common.testing.interleaving import interleaved

from .support import API, apply, lease_created, municipality, post, vacancy
from .test_vacancy_offers import open_one_offer

MUNICIPALITY = Scope("kommune-101", Role.MUNICIPALITY, None, "101")
# Vacant from 1 April (rent 6,200 a month), let from 16 April: 15 days at 6,200 / 30.
LET_ON, OWED = date(2027, 4, 16), "3100.00"


@pytest.fixture
async def case(allocation_client, allocation_db, allocation_db_url, tokens):
    client = await allocation_client()
    offer_id = await open_one_offer(client, allocation_db, allocation_db_url, tokens)
    return client, offer_id


async def offer_of(client, tokens, offer_id: str) -> dict:
    response = await client.get(f"{API}/offers/{offer_id}", headers=municipality(tokens))
    assert response.status_code == 200, response.text
    return response.json()


class TestAnswerAndNewLeaseInEitherOrder:
    async def test_an_offer_accepted_after_its_dwellings_new_lease_ends_on_it(
        self, case, tokens, allocation_db
    ):
        client, offer_id = case
        await apply(allocation_db, lease_created("dw-1", LET_ON, rent="6300.00"))
        response = await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        assert response.status_code == 200, response.text
        offer = await offer_of(client, tokens, offer_id)
        assert (offer["status"], offer["let_on"], offer["rent_owed"]) == (
            "accepted",
            LET_ON.isoformat(),
            OWED,
        )
        assert [e["action"] for e in offer["log"]] == ["opened", "accepted", "let"]

    async def test_a_lease_before_the_offers_day_of_availability_does_not_end_it(
        self, case, tokens, allocation_db
    ):
        client, offer_id = case
        await apply(allocation_db, lease_created("dw-1", date(2027, 3, 1)))
        await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        offer = await offer_of(client, tokens, offer_id)
        assert (offer["status"], offer["let_on"], offer["rent_owed"]) == ("accepted", None, None)

    @pytest.mark.parametrize("answer_first", [True, False], ids=["answer-first", "lease-first"])
    async def test_an_answer_and_the_lease_at_the_same_time(
        self, case, tokens, allocation_db, answer_first
    ):
        client, offer_id = case
        let = LeaseCreatedV1.from_envelope(lease_created("dw-1", LET_ON, rent="6300.00"))

        async def answer(uow: UnitOfWork) -> object:
            command = AnswerCommand(offer_id, Answer.ACCEPT, "SAG-1")
            return await offers.answer_offer(uow, MUNICIPALITY, command, date(2027, 3, 2))

        async def lease(uow: UnitOfWork) -> None:  # what the lease consumer's handler does
            await register_facts.apply_lease(uow.session, let)

        await interleaved(allocation_db, *((answer, lease) if answer_first else (lease, answer)))
        offer = await offer_of(client, tokens, offer_id)
        assert (offer["status"], offer["let_on"], offer["rent_owed"]) == (
            "accepted",
            LET_ON.isoformat(),
            OWED,
        )


class TestARentReportedAfterTheLet:
    """The dwelling's rent changed on 10 April while it stood vacant (the register's vacancy
    event), but the event is applied after the new lease's, which comes on another topic: 1–9
    April at 6,200 and 10–15 April at 6,510 a month, whichever is applied first."""

    OWED_WITH_CHANGE = "3162.00"

    @staticmethod
    def rent_change() -> Envelope:
        return vacancy(
            "dw-1", lease_id="L-x", rent="6510.00", at=datetime(2027, 4, 10, 9, tzinfo=UTC)
        )

    async def accepted(self, case, tokens) -> tuple[object, str]:
        client, offer_id = case
        response = await client.post(
            f"{API}/offers/{offer_id}/answer",
            json={"answer": "accept", "case_reference": "SAG-1"},
            headers=post(municipality(tokens)),
        )
        assert response.status_code == 200, response.text
        return client, offer_id

    @pytest.mark.parametrize("batch", [False, True], ids=["event", "batch"])
    async def test_the_rent_owed_is_computed_again(self, case, tokens, allocation_db, batch):
        client, offer_id = await self.accepted(case, tokens)
        await apply(allocation_db, lease_created("dw-1", LET_ON, rent="6300.00"))
        change = self.rent_change()
        if batch:  # the vacancy consumer's batch statement, not its per-event reference
            async with allocation_db.session() as session, session.begin():
                await handle_dwellings_batch(session, [change])
        else:
            await apply(allocation_db, change)
        offer = await offer_of(client, tokens, offer_id)
        assert (offer["let_on"], offer["rent_owed"]) == (
            LET_ON.isoformat(),
            self.OWED_WITH_CHANGE,
        )
        assert [e["action"] for e in offer["log"]][-2:] == ["let", "rent_recomputed"]
        assert "3100.00 → 3162.00" in offer["log"][-1]["detail"]

    @pytest.mark.parametrize("lease_first", [True, False], ids=["lease-first", "rent-first"])
    async def test_the_let_and_the_rent_at_the_same_time(
        self, case, tokens, allocation_db, lease_first
    ):
        client, offer_id = await self.accepted(case, tokens)
        let = LeaseCreatedV1.from_envelope(lease_created("dw-1", LET_ON, rent="6300.00"))
        change = self.rent_change()

        async def lease(uow: UnitOfWork) -> None:
            await register_facts.apply_lease(uow.session, let)

        async def rent(uow: UnitOfWork) -> None:
            await handle_dwellings_batch(uow.session, [change])

        await interleaved(allocation_db, *((lease, rent) if lease_first else (rent, lease)))
        offer = await offer_of(client, tokens, offer_id)
        assert (offer["let_on"], offer["rent_owed"]) == (
            LET_ON.isoformat(),
            self.OWED_WITH_CHANGE,
        )
