"""The municipality's allocation reported back to the register (seed 003; issue 14): an
accepted social offer makes the lease that re-lets the dwelling a ``municipal_allocation``,
whichever comes first — the answer or the ERP system's lease — and exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command

from common.db import migrations
from common.db.engine import Database
from common.events.consumer import InboxProcessor
from common.events.contracts import OfferAnsweredV1, OfferSource, to_envelope
from common.events.envelope import Envelope
from register.db.queries_statistics import reletting_cube
from register.events.incoming import consumers
from register.services.municipal_allocations import allocation_round

from .test_records_api import API, ORG_A, created, lease, seed_dwelling, sql, writer

AVAILABLE = "2027-03-01"


def answered(offer_id: str = "off-1", *, status: str = "accepted", **changes: Any) -> Envelope:
    values: dict[str, Any] = {
        "offer_id": offer_id,
        "offer_source": OfferSource.SOCIAL,
        "agreement_id": "agr-1",
        "dwelling_id": "bol-1",
        "organisation_id": ORG_A,
        "municipality_code": "101",
        "status": status,
        "case_reference": "SAG-1" if status == "accepted" else None,
        "answered_on": date(2027, 2, 20),
        "answered_at": datetime(2027, 2, 20, 10, tzinfo=UTC),
        "available_from": date.fromisoformat(AVAILABLE),
        **changes,
    }
    return to_envelope(OfferAnsweredV1(**values))


@pytest.fixture
async def world(register_client, register_db_url, tokens):
    client = await register_client()
    await seed_dwelling(client, tokens)
    database = Database(register_db_url, pool_size=2)
    yield client, database
    await database.dispose()


async def consume(database: Database, *envelopes: Envelope) -> None:
    [consumer] = consumers()
    for envelope in envelopes:
        _, error = await InboxProcessor(database, consumer, max_attempts=1).process(envelope)
        assert error is None, error


async def report_lease(client, tokens, lease_id: str, start: str, **changes: Any) -> None:
    body = lease(
        lease_id, "bol-1", start=start, AnvisningstypeKode="external_waiting_list", **changes
    )
    await created(client, "leases", body, writer(tokens))


async def allocation_type(client, tokens, lease_id: str) -> tuple[str, int]:
    body = (await client.get(f"{API}/leases/{lease_id}", headers=writer(tokens))).json()
    return body["AnvisningstypeKode"], body["version"]


def lease_history(db_url: str) -> list[tuple[Any, ...]]:
    """(version, recorded by, allocation type) of each stored version of L-new."""
    return sql(
        db_url,
        "SELECT version, recorded_by, data->>'allocation_type' FROM record_versions "
        "WHERE entity_id = 'L-new' ORDER BY version",
    )


def lease_events(db_url: str, lease_id: str) -> list[tuple[str, str, int | None]]:
    """(type, allocation type, version) of the lease's events; a creation carries no version."""
    return [
        (event_type, envelope["data"]["allocation_type"], envelope["data"].get("version"))
        for event_type, envelope in sql(
            db_url,
            "SELECT event_type, envelope FROM outbox WHERE key = %s ORDER BY id",
            lease_id,
        )
    ]


class TestReportedBack:
    async def test_an_answer_after_the_lease_changes_it_at_once(
        self, world, tokens, register_db_url
    ):
        client, database = world
        await report_lease(client, tokens, "L-new", "2027-03-15")
        await consume(database, answered())
        assert await allocation_type(client, tokens, "L-new") == ("municipal_allocation", 2)
        assert lease_events(register_db_url, "L-new") == [
            ("register.lease.created", "external_waiting_list", None),
            ("register.lease.updated", "municipal_allocation", 2),
        ]
        history = sql(
            register_db_url,
            "SELECT version, recorded_by FROM record_versions WHERE entity_id = 'L-new' "
            "ORDER BY version",
        )
        assert history == [(1, "housing_org-" + ORG_A), (2, "allocation:off-1")]

    async def test_an_answer_before_the_lease_is_applied_when_the_lease_comes(
        self, world, tokens, register_db_url
    ):
        client, database = world
        await consume(database, answered())
        assert sql(register_db_url, "SELECT lease_id FROM municipal_allocations") == [(None,)]
        # an earlier lease, a special vacancy (tomgang) lease and a draft are not the re-letting
        await report_lease(client, tokens, "L-old", "2020-01-01", LejekontraktSlutDato="2027-02-28")
        await report_lease(
            client,
            tokens,
            "L-vacancy",
            "2027-03-01",
            LejekontraktSlutDato="2027-03-09",
            LejekontraktTomgangsledigIndikator=True,
        )
        assert await allocation_round(database) == 0
        await report_lease(client, tokens, "L-new", "2027-03-10")
        assert await allocation_round(database) == 1
        assert await allocation_type(client, tokens, "L-new") == ("municipal_allocation", 2)
        assert await allocation_type(client, tokens, "L-old") == ("external_waiting_list", 1)
        assert await allocation_type(client, tokens, "L-vacancy") == ("external_waiting_list", 1)
        assert sql(register_db_url, "SELECT lease_id FROM municipal_allocations") == [("L-new",)]
        assert await allocation_round(database) == 0  # applied once

    async def test_a_redelivered_answer_changes_nothing_more(self, world, tokens, register_db_url):
        client, database = world
        await report_lease(client, tokens, "L-new", "2027-03-15")
        envelope = answered()
        await consume(database, envelope, envelope)  # redelivered: the inbox drops it
        await consume(database, answered())  # the same offer in a new envelope
        assert await allocation_type(client, tokens, "L-new") == ("municipal_allocation", 2)
        assert [e[0] for e in lease_events(register_db_url, "L-new")].count(
            "register.lease.updated"
        ) == 1

    async def test_a_lease_already_coded_municipal_gets_no_new_version(
        self, world, tokens, register_db_url
    ):
        client, database = world
        body = lease(
            "L-new", "bol-1", start="2027-03-15", AnvisningstypeKode="municipal_allocation"
        )
        await created(client, "leases", body, writer(tokens))
        await consume(database, answered())
        assert await allocation_type(client, tokens, "L-new") == ("municipal_allocation", 1)
        assert sql(register_db_url, "SELECT lease_id FROM municipal_allocations") == [("L-new",)]

    @pytest.mark.parametrize(
        "changes",
        [
            {"status": "declined"},
            {"status": "declined_late"},
            {"offer_source": OfferSource.PRIVATE},
            {"available_from": None},
        ],
        ids=["declined", "declined-late", "private-rental", "no-available-from"],
    )
    async def test_only_an_accepted_social_offer_counts(
        self, world, tokens, register_db_url, changes
    ):
        client, database = world
        await report_lease(client, tokens, "L-new", "2027-03-15")
        await consume(database, answered(**changes))
        assert await allocation_type(client, tokens, "L-new") == ("external_waiting_list", 1)
        assert sql(register_db_url, "SELECT count(*) FROM municipal_allocations") == [(0,)]


KEPT = "municipal-allocation-kept"


def resent_lease(allocation: str) -> dict[str, Any]:
    """L-new as the ERP system sends it again: now with an end date, and the given type."""
    return lease(
        "L-new",
        "bol-1",
        start="2027-03-15",
        AnvisningstypeKode=allocation,
        LejekontraktSlutDato="2028-03-31",
    )


async def resent(client, tokens, version: int, allocation: str) -> Any:
    return await client.put(
        f"{API}/leases/L-new",
        json=resent_lease(allocation),
        headers={**writer(tokens), "If-Match": f'W/"{version}"'},
    )


async def report_previous_lease(client, tokens) -> None:
    """The lease before L-new, so L-new is a re-letting."""
    await report_lease(client, tokens, "L-old", "2020-01-01", LejekontraktSlutDato="2027-02-28")


async def allocated_lease(client, tokens, database: Database) -> None:
    """L-new, re-let by the municipality's allocation (applied: version 2)."""
    await report_previous_lease(client, tokens)
    await report_lease(client, tokens, "L-new", "2027-03-15")
    await consume(database, answered())


def assert_kept(warnings: list[dict[str, str]], pointer: str, sent: str) -> None:
    [warning] = warnings
    assert (warning["pointer"], warning["code"]) == (pointer, KEPT)
    for named in ("København (101)", "2027-02-20", f"'{sent}'"):
        assert named in warning["detail"]


async def stored_type_and_end(client, tokens) -> tuple[str, str]:
    read = (await client.get(f"{API}/leases/L-new", headers=writer(tokens))).json()
    assert read["Advarsler"] == []  # the warning is said on the write, never stored
    return read["AnvisningstypeKode"], read["LejekontraktSlutDato"]


async def municipal_relettings(database: Database) -> dict[str, int]:
    """Re-lettings in 2027 by allocation type, all municipalities (Table 1, Figure 13)."""
    async with database.session() as session:
        cube = await reletting_cube(session, 2027)
    return {r.a: r.n for r in cube if r.m is None and r.h is None and r.a is not None}


class TestTheErpSendsTheLeaseAgain:
    """Once the municipality's allocation is applied, the ERP system's later allocation type does
    not replace it: the rest of its write is stored, the type stays, and the write says so."""

    async def test_a_put_keeps_the_municipal_allocation_and_warns(
        self, world, tokens, register_db_url
    ):
        client, database = world
        await allocated_lease(client, tokens, database)
        response = await resent(client, tokens, 2, "external_waiting_list")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["AnvisningstypeKode"], body["Status"], body["version"]) == (
            "municipal_allocation",
            "accepted",
            3,
        )
        assert_kept(body["Advarsler"], "#/AnvisningstypeKode", "external_waiting_list")
        assert await stored_type_and_end(client, tokens) == ("municipal_allocation", "2028-03-31")
        assert lease_history(register_db_url) == [
            (1, "housing_org-" + ORG_A, "external_waiting_list"),
            (2, "allocation:off-1", "municipal_allocation"),
            (3, "housing_org-" + ORG_A, "municipal_allocation"),
        ]
        assert lease_events(register_db_url, "L-new")[-1] == (
            "register.lease.terminated",
            "municipal_allocation",
            None,
        )
        assert await municipal_relettings(database) == {"municipal_allocation": 1}

    async def test_a_bulk_submission_keeps_it_and_warns_per_record(self, world, tokens):
        client, database = world
        await allocated_lease(client, tokens, database)
        records = [{"type": "lease", "record": resent_lease("housing_guarantee")}]
        report = (
            await client.post(
                f"{API}/submissions", json={"records": records}, headers=writer(tokens)
            )
        ).json()
        [result] = report["results"]
        assert (result["outcome"], result["changed"], result["version"]) == ("accepted", True, 3)
        assert_kept(
            result["warnings"], "#/records/0/record/AnvisningstypeKode", "housing_guarantee"
        )
        assert await stored_type_and_end(client, tokens) == ("municipal_allocation", "2028-03-31")
        assert await municipal_relettings(database) == {"municipal_allocation": 1}

    async def test_an_erp_that_sends_municipal_allocation_itself_gets_no_warning(
        self, world, tokens
    ):
        client, database = world
        await allocated_lease(client, tokens, database)
        response = await resent(client, tokens, 2, "municipal_allocation")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["AnvisningstypeKode"], body["Advarsler"]) == ("municipal_allocation", [])

    async def test_without_an_applied_allocation_the_erp_type_counts(self, world, tokens):
        """A lease the ERP system itself coded municipal — no allocation applied to it — takes the
        type the ERP system sends next, as before."""
        client, database = world
        await report_previous_lease(client, tokens)
        body = lease(
            "L-new", "bol-1", start="2027-03-15", AnvisningstypeKode="municipal_allocation"
        )
        await created(client, "leases", body, writer(tokens))
        await consume(database, answered("off-2", dwelling_id="bol-other"))
        response = await resent(client, tokens, 1, "external_waiting_list")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["AnvisningstypeKode"], body["Advarsler"]) == ("external_waiting_list", [])
        assert await municipal_relettings(database) == {"external_waiting_list": 1}


class TestTheRepairOfAllocationsAnErpWriteUndid:
    """Register migration 0010: before the writer kept the type, an ERP write replaced an
    applied municipal allocation and the allocation stayed marked applied. The migration marks
    it pending again and the worker's job applies it once more — through the writer, recorded
    and published; an allocation whose lease kept the type is left as it is."""

    OVERWRITE = (
        # The lease as the writer before the fix left it after the ERP's PUT (version 3).
        "UPDATE leases SET allocation_type = 'external_waiting_list', version = 3 "
        "WHERE id = 'L-new'",
        "INSERT INTO record_versions (entity_type, entity_id, version, organisation_id, data, "
        "recorded_by) SELECT entity_type, entity_id, 3, organisation_id, "
        "jsonb_set(data, '{allocation_type}', '\"external_waiting_list\"'), recorded_by "
        "FROM record_versions WHERE entity_id = 'L-new' AND version = 1",
    )

    async def migrate_again(self, register_db_url: str) -> None:
        config = migrations.alembic_config("register", register_db_url)
        await asyncio.to_thread(command.downgrade, config, "0009")
        await asyncio.to_thread(migrations.upgrade, "register", register_db_url)

    async def test_an_overwritten_allocation_is_applied_again(self, world, tokens, register_db_url):
        client, database = world
        await allocated_lease(client, tokens, database)
        for statement in self.OVERWRITE:
            sql(register_db_url, statement)
        assert await municipal_relettings(database) == {"external_waiting_list": 1}

        await self.migrate_again(register_db_url)

        assert sql(register_db_url, "SELECT lease_id, applied_at FROM municipal_allocations") == [
            (None, None)
        ]
        assert await allocation_round(database) == 1
        assert sql(register_db_url, "SELECT lease_id FROM municipal_allocations") == [("L-new",)]
        assert await allocation_type(client, tokens, "L-new") == ("municipal_allocation", 4)
        assert lease_history(register_db_url)[2:] == [
            (3, "housing_org-" + ORG_A, "external_waiting_list"),
            (4, "allocation:off-1", "municipal_allocation"),
        ]
        assert lease_events(register_db_url, "L-new")[-1] == (
            "register.lease.updated",
            "municipal_allocation",
            4,
        )
        assert await municipal_relettings(database) == {"municipal_allocation": 1}

    async def test_an_allocation_whose_lease_kept_the_type_is_left_alone(
        self, world, tokens, register_db_url
    ):
        client, database = world
        await allocated_lease(client, tokens, database)
        applied = sql(register_db_url, "SELECT lease_id, applied_at FROM municipal_allocations")

        await self.migrate_again(register_db_url)

        assert sql(register_db_url, "SELECT lease_id, applied_at FROM municipal_allocations") == (
            applied
        )
        assert await allocation_round(database) == 0
        assert await allocation_type(client, tokens, "L-new") == ("municipal_allocation", 2)
