"""Events of the register's write side, read from the outbox: once per accepted change, never
for drafts, held, rejected or validate-only records, and never with a tenant's name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
import time_machine
from sqlalchemy.engine import make_url

from common.events.contracts import from_envelope
from common.events.envelope import Envelope
from common.events.outbox import NOTIFY_CHANNEL

from .test_records_api import (
    API,
    ORG_A,
    created,
    department,
    lease,
    organisation,
    rent,
    seed_dwelling,
    sql,
    writer,
)


def outbox(db_url: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (topic, key, event_type, envelope)
        for topic, key, event_type, envelope in sql(
            db_url, "SELECT topic, key, event_type, envelope FROM outbox ORDER BY id"
        )
    ]


def event_types(db_url: str) -> list[str]:
    return [row[2] for row in outbox(db_url)]


def clear_outbox(db_url: str) -> None:
    sql(db_url, "DELETE FROM outbox")


@pytest.fixture
async def client(register_client, tokens, register_db_url):
    client = await register_client()
    await seed_dwelling(client, tokens)
    return client


class TestOrganisationEvents:
    async def test_a_reported_organisation_is_upserted_once(self, client, tokens, register_db_url):
        [(_topic, key, event_type, envelope)] = [
            row for row in outbox(register_db_url) if row[0] == "register.organisation.v1"
        ]
        assert (key, event_type) == (ORG_A, "register.organisation.upserted")
        assert envelope["data"]["home_municipality_code"] == "101"
        assert envelope["data"]["version"] == 1
        # The name is public and named in e-mails (issue 12, item 15); the CVR number stays out.
        assert envelope["data"]["name"] == organisation(ORG_A)["BoligorganisationNavn"]
        assert "cvr" not in envelope["data"]

    async def test_a_changed_home_municipality_is_upserted_again(
        self, client, tokens, register_db_url
    ):
        clear_outbox(register_db_url)
        body = organisation(ORG_A, HjemstedKommuneKode="147", version=1)
        response = await client.put(
            f"{API}/organisations/{ORG_A}", json=body, headers=writer(tokens)
        )
        assert response.status_code == 200, response.text
        [(_, _, event_type, envelope)] = outbox(register_db_url)
        assert event_type == "register.organisation.upserted"
        assert (envelope["data"]["home_municipality_code"], envelope["data"]["version"]) == (
            "147",
            2,
        )

    async def test_an_unchanged_organisation_publishes_nothing(
        self, client, tokens, register_db_url
    ):
        clear_outbox(register_db_url)
        body = organisation(ORG_A, HjemstedKommuneKode="101", version=1)
        await client.put(f"{API}/organisations/{ORG_A}", json=body, headers=writer(tokens))
        assert outbox(register_db_url) == []


class TestDepartmentEvents:
    async def test_a_reported_department_is_upserted_once(self, client, tokens, register_db_url):
        [(topic, key, event_type, envelope)] = [
            row for row in outbox(register_db_url) if row[0] != "register.organisation.v1"
        ]
        assert (topic, key, event_type) == (
            "register.department.v1",
            "afd-1",
            "register.department.upserted",
        )
        assert envelope["data"]["region"] == "capital"

    async def test_an_unchanged_department_publishes_nothing(self, client, tokens, register_db_url):
        clear_outbox(register_db_url)
        body = department("afd-1", ORG_A, KommuneKode="101", version=1)
        await client.put(f"{API}/departments/afd-1", json=body, headers=writer(tokens))
        assert outbox(register_db_url) == []


class TestLeaseEvents:
    async def test_an_accepted_lease_is_created_once_without_the_tenant(
        self, client, tokens, register_db_url
    ):
        clear_outbox(register_db_url)
        body = lease("lk-1", "bol-1", LejerNavn="Jens Hansen", LejekontraktLedigIndikator=True)
        await created(client, "leases", body, writer(tokens))
        rows = outbox(register_db_url)
        assert [(r[0], r[1], r[2]) for r in rows] == [
            ("register.lease.v1", "lk-1", "register.lease.created"),
            ("register.dwelling.v1", "bol-1", "register.dwelling.vacancy_changed"),
        ]
        created_event = from_envelope(Envelope.from_structured(rows[0][3]))
        assert created_event.model_dump(mode="json")["monthly_rent"] == "5875.00"
        assert "Jens" not in str(rows)

    async def test_an_accepted_lease_wakes_the_relay_when_it_commits(
        self, client, tokens, register_db_url
    ):
        """The outbox rows travel in one statement with the submission's row; the relay is
        still woken (``NOTIFY outbox``) by the transaction that stored them."""
        dsn = make_url(register_db_url).set(drivername="postgresql")
        [(submissions,)] = sql(register_db_url, "SELECT count(*) FROM submissions")
        async with await psycopg.AsyncConnection.connect(
            dsn.render_as_string(hide_password=False), autocommit=True
        ) as listener:
            await listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
            await created(client, "leases", lease("lk-1", "bol-1"), writer(tokens))
            notification = await anext(listener.notifies(timeout=5.0), None)
        assert notification is not None
        assert notification.channel == NOTIFY_CHANNEL
        assert sql(register_db_url, "SELECT count(*) FROM submissions") == [(submissions + 1,)]

    async def test_ending_a_lease_publishes_updated_and_terminated(
        self, client, tokens, register_db_url
    ):
        await created(client, "leases", lease("lk-1", "bol-1"), writer(tokens))
        clear_outbox(register_db_url)
        ended = lease("lk-1", "bol-1", LejekontraktSlutDato="2027-12-31", version=1)
        await client.put(f"{API}/leases/lk-1", json=ended, headers=writer(tokens))
        assert event_types(register_db_url) == [
            "register.lease.updated",
            "register.lease.terminated",
        ]

    async def test_a_rent_change_publishes_rent_changed(self, client, tokens, register_db_url):
        first = rent("5875.00", BoligudgiftSlutDato="2027-06-30")
        await created(
            client, "leases", lease("lk-1", "bol-1", Boligudgifter=[first]), writer(tokens)
        )
        clear_outbox(register_db_url)
        await created(client, "leases/lk-1/expenses", rent("6010.00", "2027-07-01"), writer(tokens))
        [(topic, key, event_type, envelope)] = outbox(register_db_url)
        assert (topic, key, event_type) == (
            "register.lease.v1",
            "lk-1",
            "register.lease.rent_changed",
        )
        assert envelope["data"]["as_of"] == "2027-07-01"
        assert envelope["data"]["previous_monthly_rent"] == "0.00"
        assert envelope["data"]["monthly_rent"] == "6010.00"

    async def test_changed_vacancy_flags_publish_vacancy_changed(
        self, client, tokens, register_db_url
    ):
        await created(client, "leases", lease("lk-1", "bol-1"), writer(tokens))
        clear_outbox(register_db_url)
        flagged = lease("lk-1", "bol-1", LejekontraktTomgangsledigIndikator=True, version=1)
        await client.put(f"{API}/leases/lk-1", json=flagged, headers=writer(tokens))
        assert event_types(register_db_url) == [
            "register.lease.updated",
            "register.dwelling.vacancy_changed",
        ]

    async def test_events_carry_the_request_correlation_id(self, client, tokens, register_db_url):
        clear_outbox(register_db_url)
        headers = {**writer(tokens), "X-Request-ID": "req-lease-1"}
        await created(client, "leases", lease("lk-1", "bol-1"), headers)
        [(_, _, _, envelope)] = outbox(register_db_url)
        assert envelope["correlationid"] == "req-lease-1"


class TestLeaseRentDay:
    """A lease event's ``rent_day`` is the day whose rent the register read: today in Copenhagen,
    clamped to the lease. 23:30 UTC on 31 December is already 1 January in Copenhagen."""

    NEW_YEARS_EVE_UTC = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)

    @staticmethod
    def lease_events(db_url: str) -> dict[str, dict[str, Any]]:
        return {
            event_type: envelope["data"]
            for _, _, event_type, envelope in outbox(db_url)
            if event_type in {"register.lease.created", "register.lease.updated"}
        }

    async def test_an_accepted_update_reads_the_rent_on_copenhagens_today(
        self, client, tokens, register_db_url
    ):
        await created(client, "leases", lease("lk-1", "bol-1", start="2026-12-01"), writer(tokens))
        clear_outbox(register_db_url)
        flagged = lease("lk-1", "bol-1", start="2026-12-01", version=1)
        flagged["LejekontraktLedigIndikator"] = True
        with time_machine.travel(self.NEW_YEARS_EVE_UTC, tick=False):
            response = await client.put(f"{API}/leases/lk-1", json=flagged, headers=writer(tokens))
        assert response.status_code == 200, response.text
        updated = self.lease_events(register_db_url)["register.lease.updated"]
        assert updated["rent_day"] == "2027-01-01"

    async def test_a_lease_that_starts_later_reads_the_rent_on_its_start(
        self, client, tokens, register_db_url
    ):
        clear_outbox(register_db_url)
        with time_machine.travel(self.NEW_YEARS_EVE_UTC, tick=False):
            body = lease("lk-1", "bol-1", start="2027-03-01")
            await created(client, "leases", body, writer(tokens))
        created_event = self.lease_events(register_db_url)["register.lease.created"]
        assert created_event["rent_day"] == "2027-03-01"

    async def test_a_lease_that_has_ended_reads_the_rent_on_its_last_day(
        self, client, tokens, register_db_url
    ):
        clear_outbox(register_db_url)
        with time_machine.travel(self.NEW_YEARS_EVE_UTC, tick=False):
            body = lease("lk-1", "bol-1", start="2026-06-01", LejekontraktSlutDato="2026-12-31")
            await created(client, "leases", body, writer(tokens))
        created_event = self.lease_events(register_db_url)["register.lease.created"]
        assert created_event["rent_day"] == "2026-12-31"


class TestNoEvents:
    async def test_none_for_a_rejected_lease(self, client, tokens, register_db_url):
        clear_outbox(register_db_url)
        body = lease("lk-1", "bol-1", LejekontraktSlutDato="2020-01-01")
        await client.post(f"{API}/leases", json=body, headers=writer(tokens))
        assert outbox(register_db_url) == []

    async def test_none_for_a_draft_until_it_is_submitted(self, client, tokens, register_db_url):
        clear_outbox(register_db_url)
        await created(
            client, "leases", lease("lk-1", "bol-1", KladdeIndikator=True), writer(tokens)
        )
        assert outbox(register_db_url) == []
        submitted = lease("lk-1", "bol-1", version=1)
        await client.put(f"{API}/leases/lk-1", json=submitted, headers=writer(tokens))
        assert event_types(register_db_url) == ["register.lease.created"]

    async def test_none_for_a_held_lease_until_it_is_confirmed(
        self, client, tokens, register_db_url
    ):
        first = lease("lk-1", "bol-1", LejekontraktSlutDato="2027-05-31", monthly_rent="5000.00")
        await created(client, "leases", first, writer(tokens))
        clear_outbox(register_db_url)
        jump = lease("lk-2", "bol-1", start="2027-06-01", monthly_rent="9000.00")
        assert (await created(client, "leases", jump, writer(tokens)))["Status"] == "held"
        assert outbox(register_db_url) == []
        await client.post(f"{API}/leases/lk-2/confirm", headers=writer(tokens))
        assert event_types(register_db_url) == ["register.lease.created"]

    async def test_none_for_a_validate_only_submission(self, client, tokens, register_db_url):
        clear_outbox(register_db_url)
        records = [{"type": "lease", "record": lease("lk-1", "bol-1")}]
        response = await client.post(
            f"{API}/submissions/validate", json={"records": records}, headers=writer(tokens)
        )
        assert response.json()["results"][0]["outcome"] == "accepted"
        assert outbox(register_db_url) == []
