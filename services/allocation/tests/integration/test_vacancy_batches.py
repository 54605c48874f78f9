"""A fetched batch of vacancy events (``handle_dwellings_batch`` → ``apply_vacancies``: one
statement, which locks its quota agreements after storing the dwellings) against the reference, the events one by one
(``handle_dwellings`` → ``apply_vacancy_changed``), on the real PostgreSQL: the same rows in
every table the vacancies touch and the same outbox envelopes, with duplicates, leases repeated
with new event ids, stale events, redelivered batches, listed and not yet valid agreements,
concurrent batches and a vacancy stored by another transaction meanwhile."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import psycopg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from allocation.db.repositories import _APPLY_VACANCIES, Repository
from allocation.events.incoming import handle_dwellings, handle_dwellings_batch
from allocation.services import register_facts
from common.db import migrations
from common.db.engine import libpq_dsn
from common.events.consumer import InboxProcessor, KafkaConsumerRunner, Outcome
from common.events.contracts import DwellingVacancyChangedV1, HousingType, OfferOpenedV1
from common.events.envelope import Envelope
from common.events.outbox import NOTIFY_CHANNEL
from common.events.transport import KafkaBus
from common.testing.fixtures import truncate_all_tables
from common.testing.kafka import create_topic

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


# a lock wait of this test database's sessions (the server is shared with other databases)
WAITING = (
    "SELECT count(*) FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
    "WHERE NOT l.granted AND a.datname = current_database()"
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
        # the whole envelope but what is new per event (its id, time and offer id): each a
        # valid contract, the outbox row's columns those of the envelope
        OfferOpenedV1.model_validate(envelope["data"])
        body = {k: v for k, v in envelope.items() if k not in ("id", "time", "subject")}
        data = body["data"] = dict(body["data"])
        assert envelope["subject"] == data.pop("offer_id")
        assert data.pop("opened_at").endswith("Z")
        uuid.UUID(envelope["id"])
        offers_outbox.append(body)
    columns = sql(
        db_url,
        "SELECT count(*) FROM outbox WHERE CAST(event_id AS text) <> envelope->>'id' "
        "OR key <> envelope->>'subject' OR topic <> envelope->>'topic' "
        "OR event_type <> envelope->>'type'",
    )
    assert columns == [(0,)]
    return {
        "vacancies": sql(
            db_url,
            "SELECT dwelling_id, lease_id, organisation_id, municipality_code, housing_type, "
            "vacant_from, agreement_id, number, municipal, recorded_at, department_id, "
            "monthly_rent FROM vacancies ORDER BY id",
        ),
        # each dwelling as last described (a ``dwellings`` row older than a vacancy of its
        # dwelling is never read again: the batch does not store one it would shadow)
        "dwellings": sql(db_url, "SELECT * FROM current_dwellings ORDER BY id"),
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
        # rents only of dwellings with a social offer, from the offer's own event on: dw-1's
        # (never offered, with its stale 9999) none; each offer's event's rent on its day
        rents = {(d, day): rent for d, day, rent, _ in batched["rents"]}
        offered = {o[4] for o in batched["offers"]}
        assert {d for d, _ in rents} == offered
        assert offered == {"dw-0", "dw-2", "dw-3", "dw-5", "dw-7", "dw-8", "dw-11", "dw-12"}
        for offer in batched["offers"]:
            if offer[1] != "L-91":  # dw-12's second fact of the same instant: the first stays
                assert rents[(offer[4], offer[9])] == offer[12]
        assert rents[("dw-12", (AT + timedelta(days=30)).date())] == Decimal("5100.00")
        # dw-12's event of 7 March, delivered again after its offer of 22 March opened
        assert rents[("dw-12", date(2027, 3, 7))] == Decimal("5244.00")
        assert sorted(day for d, day in rents if d == "dw-12") == [
            date(2027, 3, 7),
            date(2027, 3, 14),
            date(2027, 3, 22),
            date(2027, 3, 31),
        ]

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

    async def test_a_batch_waiting_for_an_agreement_numbers_after_the_count_committed_meanwhile(
        self, empty_db, allocation_db, allocation_db_url
    ):
        """The statement locks its quota agreements only after storing the dwellings and
        looking up the leases, so its snapshot is older than a count another transaction commits while it
        waits: the locked row is read as committed (5 more), not as in the snapshot (0)."""
        events = [vacancy(f"dw-{i}", lease_id=f"L-{i}") for i in range(1, 7)]
        other = await psycopg.AsyncConnection.connect(libpq_dsn(allocation_db_url))
        try:
            await other.execute("UPDATE agreements SET counted = counted + 5 WHERE id = 'agr-a'")
            batch = asyncio.create_task(in_batches(allocation_db, [events]))
            async with asyncio.timeout(30):  # until the batch waits for the agreement's lock
                while sql(allocation_db_url, WAITING)[0] == (0,):
                    assert not batch.done(), batch
                    await asyncio.sleep(0.05)
            await other.commit()
            await batch
        finally:
            await other.close()
        assert sql(
            allocation_db_url, "SELECT lease_id, number, municipal FROM vacancies ORDER BY id"
        ) == [(f"L-{i}", 5 + i, (5 + i) % 3 == 0) for i in range(1, 7)]
        assert sql(allocation_db_url, "SELECT counted FROM agreements WHERE id = 'agr-a'") == [
            (11,)
        ]
        assert [e["data"]["dwelling_id"] for e in outbox(allocation_db_url)] == ["dw-1", "dw-4"]
        assert len(sql(allocation_db_url, "SELECT id FROM current_dwellings")) == 6

    async def test_a_batch_that_opens_offers_wakes_the_relay_once_at_commit(
        self, empty_db, allocation_db, allocation_db_url
    ):
        """The statement raises the relay's notification itself (no NOTIFY round trip while
        the agreements are locked): one per transaction that wrote outbox events, delivered
        at COMMIT, none for a batch without offers (elderly dwellings: no agreement)."""
        listener = await psycopg.AsyncConnection.connect(
            libpq_dsn(allocation_db_url), autocommit=True
        )
        heard: list[tuple[str, str]] = []
        listener.add_notify_handler(lambda n: heard.append((n.channel, n.payload)))
        try:
            await listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
            elderly = [
                vacancy(f"dw-e{i}", lease_id=f"E-{i}", housing_type=HousingType.ELDERLY)
                for i in range(3)
            ]
            async with allocation_db.session() as session, session.begin():
                await handle_dwellings_batch(session, elderly)
                await listener.execute("SELECT 1")
                assert heard == []  # nothing written to the outbox
            family = [vacancy(f"dw-f{i}", lease_id=f"F-{i}") for i in range(7)]
            async with allocation_db.session() as session, session.begin():
                await handle_dwellings_batch(session, family)
                await listener.execute("SELECT 1")
                assert heard == []  # not before COMMIT
            await listener.execute("SELECT 1")  # the notifications sent meanwhile are read
        finally:
            await listener.close()
        assert heard == [(NOTIFY_CHANNEL, "")]
        assert len(outbox(allocation_db_url, "allocation.offer.opened")) == 2  # 3rd and 6th
        assert sql(allocation_db_url, "SELECT count(*) FROM vacancies") == [(10,)]

    async def test_a_vacancy_stored_meanwhile_sends_the_batch_event_by_event(
        self, empty_db, allocation_db, allocation_db_url
    ):
        """While the batch's statement runs, another transaction stores one of its vacancies
        (an elderly dwelling's: no agreement lock to wait for) and commits: the batch's insert
        fails the unique index and the batch is rolled back; the runner then applies it event
        by event and the vacancy stored meanwhile is not counted."""
        events = [
            vacancy(
                f"dw-{i}",
                lease_id=f"L-{i}",
                housing_type=HousingType.ELDERLY if i == 2 else HousingType.FAMILY,
            )
            for i in range(1, 7)
        ]
        other = await psycopg.AsyncConnection.connect(libpq_dsn(allocation_db_url))
        try:
            await other.execute(
                "INSERT INTO vacancies (dwelling_id, lease_id, organisation_id, "
                "municipality_code, housing_type, vacant_from, municipal, recorded_at) "
                "VALUES ('dw-2', 'L-2', 'BO-1', '101', 'elderly', DATE '2027-04-01', false, "
                "now())"
            )  # not committed yet: the batch's snapshot does not see it
            batch = asyncio.create_task(in_batches(allocation_db, [events]))
            async with asyncio.timeout(30):  # until the batch's INSERT waits for this one
                while sql(allocation_db_url, WAITING)[0] == (0,):
                    assert not batch.done(), batch
                    await asyncio.sleep(0.05)
            await other.commit()
            with pytest.raises(IntegrityError, match="uq_vacancies_dwelling_id"):
                await batch
        finally:
            await other.close()
        assert sql(allocation_db_url, "SELECT lease_id FROM vacancies") == [("L-2",)]
        assert sql(allocation_db_url, "SELECT counted FROM agreements WHERE id = 'agr-a'") == [(0,)]

        processor = InboxProcessor(allocation_db, DWELLINGS, max_attempts=1)
        assert await processor.apply_leading(events) == [Outcome.APPLIED] * 6
        assert sql(allocation_db_url, "SELECT lease_id, number FROM vacancies ORDER BY id") == [
            ("L-2", None),
            ("L-1", 1),
            ("L-3", 2),
            ("L-4", 3),
            ("L-5", 4),
            ("L-6", 5),
        ]
        assert sql(allocation_db_url, "SELECT counted FROM agreements WHERE id = 'agr-a'") == [(5,)]
        assert [e["data"]["dwelling_id"] for e in outbox(allocation_db_url)] == ["dw-4"]


class TestContractsKept:
    async def test_the_batchs_contracts_are_gone_while_its_statement_runs(
        self, empty_db, allocation_db, allocation_db_url, monkeypatch
    ):
        """The validated contracts are dumped into the statement's document before it is sent:
        while the statement runs (the other partitions' batches allocating meanwhile), only the
        first event's is alive (the outbox envelope's placeholders) — not one per event for the
        collector to promote and walk again. The batch is applied as before."""
        statement = Repository.apply_vacancies
        alive: list[int] = []

        def contracts() -> int:
            return sum(isinstance(o, DwellingVacancyChangedV1) for o in gc.get_objects())

        async def counting(self, *args):
            alive.append(contracts() - before)
            return await statement(self, *args)

        monkeypatch.setattr(Repository, "apply_vacancies", counting)
        batch = [vacancy(f"dw-{n}", lease_id=f"L-{n}") for n in range(40)]
        before = contracts()
        await in_batches(allocation_db, [batch])
        assert alive == [1]
        assert sql(allocation_db_url, "SELECT count(*) FROM vacancies")[0][0] == 40


def _plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", ()) for n in _plan_nodes(child))]


def _index_of(node: dict[str, Any]) -> str | None:
    """The index a scan node reads: its own, or a bitmap heap scan's bitmap index scan's."""
    if node["Node Type"] == "Bitmap Heap Scan":
        [bitmap] = node["Plans"]
        return _index_of(bitmap)
    index: str | None = node.get("Index Name")
    return index


class TestCurrentDwelling:
    """A vacancy event that opens a vacancy stores the dwelling's facts on the vacancy row
    only; ``current_dwellings`` reads each dwelling as the register last described it."""

    @staticmethod
    def events() -> list[Envelope]:
        t1, t2 = AT + timedelta(days=1), AT + timedelta(days=2)
        return [
            # a vacancy, then a newer fact of its lease (no longer vacant): the newer
            vacancy("dw-a", lease_id="L-1", rent="5000.00", at=t1),
            vacancy("dw-a", lease_id="L-1", rent="5100.00", flag=False, at=t2),
            # a fact opening no vacancy, then a vacancy of the same instant: the first
            vacancy("dw-b", lease_id="L-2", rent="6000.00", flag=False, at=t1),
            vacancy("dw-b", lease_id="L-3", rent="6100.00", at=t1),
            # a vacancy, then a fact of its lease of the same instant: the first
            vacancy("dw-c", lease_id="L-4", rent="7000.00", at=t1),
            vacancy("dw-c", lease_id="L-4", rent="7100.00", flag=False, at=t1),
            # a vacancy, then an older fact of its lease: the vacancy
            vacancy("dw-d", lease_id="L-5", rent="8000.00", at=t2),
            vacancy("dw-d", lease_id="L-5", rent="8100.00", flag=False, at=t1),
            # two vacancies of the same instant: the first
            vacancy("dw-e", lease_id="L-6", rent="9000.00", at=t1),
            vacancy("dw-e", lease_id="L-7", rent="9100.00", at=t1),
        ]

    EXPECTED: ClassVar[list[tuple[Any, ...]]] = [
        ("dw-a", "L-1", False, Decimal("5100.00")),
        ("dw-b", "L-2", False, Decimal("6000.00")),
        ("dw-c", "L-4", True, Decimal("7000.00")),
        ("dw-d", "L-5", True, Decimal("8000.00")),
        ("dw-e", "L-6", True, Decimal("9000.00")),
    ]
    CURRENT = "SELECT id, lease_id, vacant, monthly_rent FROM current_dwellings ORDER BY id"

    async def test_each_dwelling_as_last_described_and_a_row_only_for_facts_opening_no_vacancy(
        self, empty_db, allocation_db, allocation_db_url
    ):
        for apply in (
            lambda: in_batches(allocation_db, [self.events()]),
            lambda: in_batches(allocation_db, [[e] for e in self.events()]),  # facts held
            lambda: one_by_one(allocation_db, self.events()),
        ):
            empty_db()
            await apply()
            assert sql(allocation_db_url, self.CURRENT) == self.EXPECTED
            # only the two newer facts opening no vacancy have a ``dwellings`` row
            assert sql(allocation_db_url, "SELECT id, lease_id FROM dwellings ORDER BY id") == [
                ("dw-a", "L-1"),
                ("dw-b", "L-2"),
            ]

    async def test_the_downgrade_stores_each_dwellings_current_facts_on_its_row(
        self, empty_db, allocation_db, allocation_db_url
    ):
        """Migration 0006 down and up again: before it every dwelling had its row."""
        await in_batches(allocation_db, [self.events()])
        await allocation_db.engine.dispose()
        config = migrations.alembic_config("allocation", allocation_db_url)
        try:
            await asyncio.to_thread(command.downgrade, config, "0005")
            assert (
                sql(
                    allocation_db_url,
                    "SELECT id, lease_id, vacant, monthly_rent FROM dwellings ORDER BY id",
                )
                == self.EXPECTED
            )
            assert sql(
                allocation_db_url, "SELECT vacancy_recorded_at FROM dwellings WHERE id = 'dw-d'"
            ) == [(AT + timedelta(days=2),)]
        finally:
            await asyncio.to_thread(migrations.upgrade, "allocation", allocation_db_url)
        assert sql(allocation_db_url, self.CURRENT) == self.EXPECTED


class TestKnownLeaseCheck:
    async def test_the_batchs_leases_are_looked_up_in_the_unique_index_not_by_a_table_scan(
        self, empty_db, allocation_db, allocation_db_url
    ):
        """10,000 stored vacancies (a young table: never analysed): the batch's statement
        finds its already-stored leases through the ``(dwelling_id, lease_id)`` index, and
        finds exactly those: only the 380 new of its 880 leases become vacancies; the 500
        others' dwellings' vacancies (is one as new as the event?) through the same index.
        Autovacuum is kept off the table meanwhile: its ANALYZE, due a minute after the
        insert at the latest, would make the table no longer young under the plan."""
        sql(allocation_db_url, "ALTER TABLE vacancies SET (autovacuum_enabled = false)")
        sql(
            allocation_db_url,
            "INSERT INTO vacancies (dwelling_id, lease_id, organisation_id, municipality_code, "
            "housing_type, vacant_from, municipal, recorded_at) "
            "SELECT 'dw-' || i, 'L-' || i, 'BO-1', '101', 'family', DATE '2027-02-01', false, "
            "now() FROM generate_series(1, 10000) AS i",
        )
        batch = [vacancy(f"dw-{i}", lease_id=f"L-{i}") for i in range(9_501, 10_381)]
        events = [DwellingVacancyChangedV1.from_envelope(e) for e in batch]
        parameters = {
            "events": register_facts.statement_events(events),
            "due": "{}",
            "envelope": "{}",
            "channel": NOTIFY_CHANNEL,
        }
        async with allocation_db.session() as session, session.begin():
            explained = await session.execute(
                text("EXPLAIN (FORMAT JSON) " + _APPLY_VACANCIES.text), parameters
            )
            nodes = _plan_nodes(explained.scalar_one()[0]["Plan"])
            # each of the two reads goes through the index: directly, or as a bitmap of it
            # (the planner picks either, by its estimate of the young table's pages)
            reads = [
                (n["Node Type"], _index_of(n))
                for n in nodes
                if n.get("Relation Name") == "vacancies" and n["Node Type"] != "ModifyTable"
            ]
            assert len(reads) == 2, reads
            assert all(index == "uq_vacancies_dwelling_id" for _, index in reads), reads
            assert "Seq Scan" not in {node_type for node_type, _ in reads}
        sql(allocation_db_url, "ALTER TABLE vacancies RESET (autovacuum_enabled)")
        await in_batches(allocation_db, [batch])
        assert sql(allocation_db_url, "SELECT count(*) FROM vacancies") == [(10_380,)]
        assert sql(
            allocation_db_url, "SELECT min(lease_id), max(lease_id) FROM vacancies WHERE number > 0"
        ) == [("L-10001", "L-10380")]
        assert sql(
            allocation_db_url, "SELECT count(*) FROM vacancies WHERE agreement_id = 'agr-a'"
        ) == [(380,)]


class TestOnTheBroker:
    async def test_the_runners_batches_open_the_same_offers_as_the_events_one_by_one(
        self, empty_db, allocation_db, allocation_db_url, infra, monkeypatch
    ):
        """The mixed events published to a real broker (one partition, so their order is the
        publishing order) and read by the service's consumer in the runner, whose fetched
        batches go through the batch handler (and only it): the same vacancies, offers, case
        log and outbox envelopes as the per-event handler on the same events in the same
        order."""
        events = varied_events()
        applied: list[int] = []
        batch_path, one_path = register_facts.apply_vacancies, register_facts.apply_vacancy_changed

        async def batch_only(session, batch):
            await batch_path(session, batch)
            applied.append(len(batch))

        async def not_one_by_one(session, event):
            raise AssertionError("a batch fell back to the per-event path")

        monkeypatch.setattr(register_facts, "apply_vacancies", batch_only)
        monkeypatch.setattr(register_facts, "apply_vacancy_changed", not_one_by_one)
        topic = f"test.{infra.run_id.replace('_', '-')}.alloc.batches"
        await create_topic(infra.kafka_bootstrap_servers, topic, partitions=1)
        published = [dataclasses.replace(e, topic=topic) for e in events]
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        try:
            await bus.send_batch(published)
        finally:
            await bus.stop()
        runner = KafkaConsumerRunner(
            allocation_db,
            infra.kafka_bootstrap_servers,
            dataclasses.replace(DWELLINGS, name=f"test.{infra.run_id}.batches", topics=(topic,)),
        )
        stop = asyncio.Event()
        consuming = asyncio.create_task(runner.run(stop))
        try:
            async with asyncio.timeout(60):
                while sql(allocation_db_url, "SELECT count(*) FROM inbox")[0][0] < len(events) - 1:
                    await asyncio.sleep(0.2)
        finally:
            stop.set()
            await consuming
        from_broker = snapshot(allocation_db_url)
        assert sum(applied) == len(events) - 1

        monkeypatch.setattr(register_facts, "apply_vacancy_changed", one_path)
        empty_db()
        await one_by_one(allocation_db, events[:-1])  # the last is the 13th again: one inbox row
        reference = snapshot(allocation_db_url)
        assert from_broker == {**reference, "inbox": len(events) - 1}
        assert len(from_broker["offers"]) == len(from_broker["outbox"]) > 5
