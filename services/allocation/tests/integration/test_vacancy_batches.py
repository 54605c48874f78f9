"""A fetched batch of vacancy events (``handle_dwellings_batch`` → ``apply_vacancies``, three
statements) against the reference, the events one by one (``handle_dwellings`` →
``apply_vacancy_changed``), on the real PostgreSQL: the same rows in every table the vacancies
touch, with duplicates, leases repeated with new event ids, stale events, redelivered batches,
concurrent batches and a vacancy stored by another transaction meanwhile."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from allocation.db.repositories import _VACANCY_FACTS, Repository
from allocation.events.incoming import handle_dwellings, handle_dwellings_batch
from allocation.services import register_facts
from common.events.consumer import InboxProcessor, Outcome
from common.events.contracts import HousingType
from common.events.envelope import Envelope
from common.testing.fixtures import truncate_all_tables

from .support import AT, DWELLINGS, outbox, sql, vacancy

# Fixed ids, so two runs on an emptied database compare row for row.
AGREEMENTS = [
    # (id, municipality, organisation, kind, housing type, share, listed, valid from, consent)
    ("agr-a", "101", "BO-1", "quota", "family", "1/3", [], date(2027, 1, 1), True),
    ("agr-b", "101", "BO-1", "listed", "family", None, ["dw-7"], date(2027, 1, 1), False),
    ("agr-c", "101", "BO-1", "quota", "youth", "1/4", [], date(2027, 1, 1), False),
    # valid only from 5 April: vacancies from before are not counted
    ("agr-d", "147", "BO-2", "quota", "family", "1/4", [], date(2027, 4, 5), False),
]


def insert_agreements(db_url: str) -> None:
    for n, (id_, code, org, kind, housing, share, listed, start, consent) in enumerate(AGREEMENTS):
        sql(
            db_url,
            "INSERT INTO agreements (id, municipality_code, organisation_id, kind, housing_type, "
            "share, dwelling_ids, valid_from, organisation_consent, counted, created_by, "
            "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 'test', %s)",
            id_,
            code,
            org,
            kind,
            housing,
            share,
            listed,
            start,
            consent,
            AT + timedelta(seconds=n),
        )


def again(envelope: Envelope) -> Envelope:
    """The same facts under a new event id (the register published them twice)."""
    return dataclasses.replace(envelope, id=uuid.uuid4())


def varied_events() -> list[Envelope]:
    """Leases of two organisations over dwellings that become vacant more than once; family,
    youth and elderly dwellings; with and without an end date; a lease whose flag is cleared;
    a stale and an equal-timestamp event of one dwelling; an agreement not yet valid."""
    events: list[Envelope] = []
    for i in range(1, 41):
        org, code = ("BO-2", "147") if i % 5 == 0 else ("BO-1", "101")
        housing = HousingType.YOUTH if i % 7 == 0 else HousingType.ELDERLY if i % 11 == 0 else None
        events.append(
            vacancy(
                f"dw-{i % 13}",
                org,
                code,
                lease_id=f"L-{i}",
                rent=f"{4800 + 37 * i}.00",
                housing_type=housing or HousingType.FAMILY,
                end=None if i % 6 == 0 else date(2027, 3, 31) + timedelta(days=i),
                at=AT + timedelta(days=i // 2, hours=i),
            )
        )
    events.insert(9, again(events[3]))  # the same lease again: one vacancy
    events.insert(20, vacancy("dw-3", lease_id="L-3", flag=False, at=AT + timedelta(days=9)))
    # an older fact of dw-1 after newer ones (its rent and dwelling row keep the newer)
    events.insert(25, vacancy("dw-1", lease_id="L-1", rent="9999.00", at=AT))
    # dw-7 (listed) of BO-1, twice
    events.insert(27, vacancy("dw-7", lease_id="L-70", at=AT + timedelta(days=13)))
    events.insert(35, vacancy("dw-7", lease_id="L-71", at=AT + timedelta(days=18)))
    # two facts of dw-12 at the same instant: the first of equals stays
    same = AT + timedelta(days=30)
    events.append(vacancy("dw-12", lease_id="L-90", rent="5100.00", at=same))
    events.append(vacancy("dw-12", lease_id="L-91", rent="5200.00", at=same))
    events.append(events[12])  # the same event twice in a batch
    return events


def snapshot(db_url: str) -> dict[str, Any]:
    """Every row the vacancy path writes, with generated ids replaced by what they stand for."""
    offers_outbox = []
    for envelope in outbox(db_url):
        data = dict(envelope["data"])
        assert envelope["subject"] == data.pop("offer_id")
        data.pop("opened_at")
        offers_outbox.append((envelope["type"], envelope["topic"], data))
    return {
        "vacancies": sql(
            db_url,
            "SELECT dwelling_id, lease_id, organisation_id, municipality_code, housing_type, "
            "vacant_from, agreement_id, number, municipal, recorded_at FROM vacancies ORDER BY id",
        ),
        "dwellings": sql(
            db_url,
            "SELECT id, department_id, organisation_id, municipality_code, housing_type, "
            "lease_id, vacant, monthly_rent, vacancy_recorded_at FROM dwellings ORDER BY id",
        ),
        "rents": sql(db_url, "SELECT * FROM rents ORDER BY dwelling_id, from_day"),
        "offers": sql(
            db_url,
            "SELECT v.dwelling_id, v.lease_id, o.source, o.agreement_id, o.dwelling_id, "
            "o.organisation_id, o.municipality_code, o.status, o.is_repeat, o.received_on, "
            "o.answer_due, o.available_from, o.monthly_rent, o.version, o.property_id "
            "FROM offers o JOIN vacancies v ON v.id = o.vacancy_id ORDER BY v.id",
        ),
        "case_log": sql(
            db_url,
            "SELECT l.case_kind, v.lease_id, l.action, l.actor, l.detail FROM case_log l "
            "JOIN offers o ON o.id = l.case_id JOIN vacancies v ON v.id = o.vacancy_id "
            "ORDER BY l.id",
        ),
        "agreements": sql(db_url, "SELECT id, counted FROM agreements ORDER BY id"),
        "outbox": offers_outbox,
        "inbox": sql(db_url, "SELECT count(*) FROM inbox")[0][0],
    }


async def one_by_one(database, envelopes: list[Envelope]) -> None:
    """The reference: each event in its own transaction through the per-event handler."""
    for envelope in envelopes:
        async with database.session() as session, session.begin():
            await handle_dwellings(session, envelope)


async def in_batches(database, batches: list[list[Envelope]]) -> None:
    for batch in batches:
        async with database.session() as session, session.begin():
            await handle_dwellings_batch(session, batch)


@pytest.fixture
async def empty_db(allocation_client, allocation_db_url):
    await allocation_client()  # the database migrated and emptied

    def reset() -> None:
        truncate_all_tables(allocation_db_url)
        insert_agreements(allocation_db_url)

    reset()
    return reset


class TestBatchEqualsOneByOne:
    async def test_batches_with_duplicates_and_a_redelivered_batch_leave_the_same_rows(
        self, empty_db, allocation_db, allocation_db_url
    ):
        events = varied_events()
        batches = [events[:17], events[:17], events[17:33], events[33:], events[28:]]
        await in_batches(allocation_db, batches)
        batched = snapshot(allocation_db_url)

        empty_db()
        await one_by_one(allocation_db, [e for batch in batches for e in batch])
        assert snapshot(allocation_db_url) == batched

        # what the data says, so that equal-but-wrong cannot pass
        counted = dict(batched["agreements"])
        vacancies = batched["vacancies"]
        assert len({(v[0], v[1]) for v in vacancies}) == len(vacancies) == 44
        under_a = [v for v in vacancies if v[6] == "agr-a"]
        assert [v[7] for v in under_a] == list(range(1, counted["agr-a"] + 1))
        assert [v[8] for v in under_a] == [v[7] % 3 == 0 for v in under_a]
        assert {v[2:5] for v in under_a} == {("BO-1", "101", "family")}
        assert [v[1] for v in vacancies if v[6] == "agr-b"] == ["L-70", "L-71"]
        assert [v[8] for v in vacancies if v[6] == "agr-b"] == [True, True]
        assert counted["agr-c"] == sum(1 for v in vacancies if v[4] == "youth" and v[2] == "BO-1")
        assert counted["agr-d"] == sum(
            1 for v in vacancies if v[2] == "BO-2" and v[4] == "family" and v[5] >= date(2027, 4, 5)
        )
        assert 0 < counted["agr-d"] < sum(1 for v in vacancies if v[2] == "BO-2")
        assert all(v[6] is None for v in vacancies if v[4] == "elderly")
        assert len(batched["offers"]) == len(batched["outbox"]) == len(batched["case_log"])
        assert len(batched["offers"]) == sum(1 for v in vacancies if v[8])
        rents = {(d, day): rent for d, day, rent, _ in batched["rents"]}
        assert rents[("dw-1", AT.date())] == Decimal("4837.00")  # not the stale 9999
        assert rents[("dw-12", (AT + timedelta(days=30)).date())] == Decimal("5100.00")

    async def test_through_the_inbox_a_redelivered_batch_changes_nothing(
        self, empty_db, allocation_db, allocation_db_url
    ):
        events = varied_events()
        processor = InboxProcessor(allocation_db, DWELLINGS, max_attempts=1)
        outcomes = await processor.apply_leading(events)
        assert outcomes.count(Outcome.DUPLICATE) == 1  # the same event twice in the batch
        batched = snapshot(allocation_db_url)
        assert await processor.apply_leading(events[5:30]) == [Outcome.DUPLICATE] * 25
        assert snapshot(allocation_db_url) == batched

        empty_db()
        for envelope in events:
            await processor.process(envelope)
        assert snapshot(allocation_db_url) == batched

    async def test_concurrent_batches_number_the_vacancies_of_an_agreement_without_gaps(
        self, empty_db, allocation_db, allocation_db_url
    ):
        batches = [
            [vacancy(f"dw-p{p}-{i}", lease_id=f"P{p}-{i}") for i in range(40)] for p in range(4)
        ]
        await asyncio.gather(*(in_batches(allocation_db, [b]) for b in batches))
        numbers = sql(
            allocation_db_url,
            "SELECT number, municipal FROM vacancies WHERE agreement_id = 'agr-a' ORDER BY 1",
        )
        assert numbers == [(n, n % 3 == 0) for n in range(1, 161)]
        assert sql(allocation_db_url, "SELECT counted FROM agreements WHERE id = 'agr-a'") == [
            (160,)
        ]
        assert sql(allocation_db_url, "SELECT count(*) FROM offers") == [(53,)]
        assert len(outbox(allocation_db_url, "allocation.offer.opened")) == 53

    async def test_a_vacancy_stored_meanwhile_sends_the_batch_event_by_event(
        self, empty_db, allocation_db, allocation_db_url, monkeypatch
    ):
        """Between the batch's check and its insert another transaction stored one of its
        vacancies: the batch raises, the runner rolls it back and applies it event by event,
        and the vacancy is counted once."""
        events = [vacancy(f"dw-{i}", lease_id=f"L-{i}") for i in range(1, 7)]
        processor = InboxProcessor(allocation_db, DWELLINGS, max_attempts=1)
        await processor.apply_leading(events[:1])
        check = Repository.apply_vacancy_facts

        async def stale_check(self, *args):
            await check(self, *args)
            return set()  # as if dw-1's vacancy were not stored yet

        monkeypatch.setattr(Repository, "apply_vacancy_facts", stale_check)
        with pytest.raises(register_facts.ConcurrentVacancyError, match="1 of the batch's 6"):
            await in_batches(allocation_db, [[again(e) for e in events]])  # rolled back
        assert await processor.apply_leading([again(e) for e in events]) == [Outcome.APPLIED] * 6
        assert sql(allocation_db_url, "SELECT lease_id, number FROM vacancies ORDER BY number") == [
            (f"L-{i}", i) for i in range(1, 7)
        ]
        assert sql(allocation_db_url, "SELECT counted FROM agreements WHERE id = 'agr-a'") == [(6,)]
        assert [e["data"]["dwelling_id"] for e in outbox(allocation_db_url)] == ["dw-3", "dw-6"]


def _plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", ()) for n in _plan_nodes(child))]


class TestKnownLeaseCheck:
    async def test_the_batchs_leases_are_looked_up_in_the_unique_index_not_by_a_table_scan(
        self, empty_db, allocation_db, allocation_db_url
    ):
        """10,000 stored vacancies (a young table: never analysed): the first statement finds
        the batch's already-stored leases through the ``(dwelling_id, lease_id)`` index, and
        finds exactly those."""
        sql(
            allocation_db_url,
            "INSERT INTO vacancies (dwelling_id, lease_id, organisation_id, municipality_code, "
            "housing_type, vacant_from, municipal, recorded_at) "
            "SELECT 'dw-' || i, 'L-' || i, 'BO-1', '101', 'family', DATE '2027-02-01', false, "
            "now() FROM generate_series(1, 10000) AS i",
        )
        leases = [(f"dw-{i}", f"L-{i}") for i in range(9_500, 10_380)]  # 500 stored, 380 not
        parameters = {"dwellings": "[]", "rents": "[]", "leases": json.dumps(leases)}
        async with allocation_db.session() as session, session.begin():
            explained = await session.execute(
                text("EXPLAIN (FORMAT JSON) " + _VACANCY_FACTS.text), parameters
            )
            nodes = _plan_nodes(explained.scalar_one()[0]["Plan"])
            on_vacancies = [n["Node Type"] for n in nodes if n.get("Relation Name") == "vacancies"]
            assert on_vacancies == ["Index Only Scan"]
            assert [n["Index Name"] for n in nodes if n.get("Relation Name") == "vacancies"] == [
                "uq_vacancies_dwelling_id"
            ]
            known = await Repository(session).apply_vacancy_facts([], [], leases)
        assert known == set(leases[:501])
