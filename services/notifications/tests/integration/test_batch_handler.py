"""The consumer's batch handler records exactly the deliveries its per-event handler records
for the same events one after the other: addresses from the directory, recipients without an
address, opt-outs, events that notify nobody, recipients already notified of an event, and an
address two recipients of one event share."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

from sqlalchemy import text

from common.events.consumer import InboxProcessor, Outcome
from common.events.contracts import AccountsReportedV1, ApplicationPrequalifiedV1, to_envelope
from common.testing.fixtures import truncate_all_tables
from notifications.events.incoming import consumer, handle_batch

from .test_delivery import FRB, KK, ORG, package_sent, set_entry

AT = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
COLUMNS = (
    "id, event_id, event_type, event_subject, organisation_id, recipient_kind, recipient_ref, "
    "address, status, required, template, subject, body_text, body_html"
)


def events() -> list:
    earlier = to_envelope(
        package_sent(package_id="pkg-earlier", location_municipality_codes=["101"])
    )
    return [
        to_envelope(package_sent(package_id="pkg-1", location_municipality_codes=["101", "147"])),
        to_envelope(AccountsReportedV1.example()),  # notifies nobody
        to_envelope(ApplicationPrequalifiedV1.example()),
        to_envelope(
            package_sent(
                package_id="pkg-2",
                home_municipality_code="173",
                location_municipality_codes=["173"],
            )
        ),  # no address
        earlier,  # replayed past the inbox: 101 already has its delivery
    ]


async def scenario(database, url, *, batch: bool) -> list[tuple]:
    await asyncio.to_thread(truncate_all_tables, url)
    await set_entry(database, "municipality", "101", [KK, "kopi@kk.dk"])
    # an address of both: the event's first recipient (the home municipality) keeps it
    await set_entry(database, "municipality", "147", [FRB, "kopi@kk.dk"])
    await set_entry(
        database, "organisation", ApplicationPrequalifiedV1.example().organisation_id, [ORG]
    )
    batch_events = FIXED
    per_event = dataclasses.replace(consumer(), batch_handler=None)
    # the replayed one: its earlier delivery to 101 exists, its inbox row does not
    await InboxProcessor(database, per_event).apply(batch_events[-1])
    async with database.engine.begin() as connection:
        await connection.execute(text("DELETE FROM inbox"))
    if batch:  # the batch handler itself, so that a failure cannot hide in the fallback
        async with database.session() as session, session.begin():
            await handle_batch(session, batch_events)
    else:
        for envelope in batch_events:
            assert await InboxProcessor(database, per_event).apply(envelope) is Outcome.APPLIED
    async with database.engine.connect() as connection:
        rows = await connection.execute(text(f"SELECT {COLUMNS} FROM deliveries ORDER BY id"))
        return [tuple(row) for row in rows]


FIXED = events()


class TestBatchHandler:
    async def test_it_records_what_the_events_one_by_one_record(
        self, notifications_db, notifications_db_url
    ):
        one_by_one = await scenario(notifications_db, notifications_db_url, batch=False)
        batched = await scenario(notifications_db, notifications_db_url, batch=True)
        assert batched == one_by_one
        summary = sorted((r[2], r[6], r[7], r[8]) for r in batched)
        prequalified = ApplicationPrequalifiedV1.event_type
        organisation = ApplicationPrequalifiedV1.example().organisation_id
        assert summary == sorted(
            [
                ("governance.package.sent", "101", KK, "pending"),  # pkg-1
                ("governance.package.sent", "101", "kopi@kk.dk", "pending"),
                ("governance.package.sent", "147", FRB, "pending"),
                ("governance.package.sent", "173", None, "no_address"),  # pkg-2
                ("governance.package.sent", "101", KK, "pending"),  # the earlier one, once
                ("governance.package.sent", "101", "kopi@kk.dk", "pending"),
                (prequalified, "101", KK, "pending"),
                (prequalified, "101", "kopi@kk.dk", "pending"),
                (prequalified, organisation, ORG, "pending"),
            ]
        )
        # nothing notifies anyone of the accounts report
        assert AccountsReportedV1.event_type not in {r[2] for r in batched}


class TestLargeBatch:
    async def test_a_batch_of_more_deliveries_than_bind_parameters_would_take(
        self, notifications_db, notifications_db_url
    ):
        """1,000 events × 4 deliveries: 4,000 rows of 17 columns in one statement (more than
        PostgreSQL would take as bind parameters, 65,535)."""
        await asyncio.to_thread(truncate_all_tables, notifications_db_url)
        await set_entry(notifications_db, "municipality", "101", [KK, "a@kk.dk", "b@kk.dk"])
        await set_entry(notifications_db, "municipality", "147", [FRB])
        envelopes = [
            to_envelope(
                package_sent(package_id=f"pkg-{n}", location_municipality_codes=["101", "147"])
            )
            for n in range(1000)
        ]
        async with notifications_db.session() as session, session.begin():
            await handle_batch(session, envelopes)
        async with notifications_db.engine.connect() as connection:
            count = (await connection.execute(text("SELECT count(*) FROM deliveries"))).scalar()
        assert count == 4000
