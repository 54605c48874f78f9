"""Event in → the right message out, exactly once: read back from a real SMTP server.

Events are handed to the service's consumer (inbox + handler in one transaction, as the Kafka
runner does; one test goes through the real broker); the sender talks SMTP to an aiosmtpd
server in the test process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from common.db.engine import Database
from common.db.tables import outbox
from common.events.consumer import KafkaConsumerRunner
from common.events.contracts import (
    ApplicationPrequalifiedV1,
    DeliveryFailedV1,
    MeetingHeldV1,
    OrganisationUpsertedV1,
    OutstandingItem,
    PackageReturnedV1,
    PackageSentV1,
    ReminderDueV1,
    StatementSubmittedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from common.events.transport import KafkaBus
from common.testing.kafka import create_topic
from notifications.db.models import DeliveryRow
from notifications.domain.deliveries import FailureKind, SendFailure
from notifications.events.incoming import consumer
from notifications.services.sender import Sender, SendReport

KK = "styringsdialog@kk.dk"
FRB = "boliger@frederiksberg.dk"
GEN = "almene@gentofte.dk"
ORG = "bestyrelse@solgaarden.dk"


def package_sent(**changes) -> PackageSentV1:
    values = {
        "package_id": f"pkg-{uuid.uuid4().hex[:8]}",
        "organisation_id": "org-0101",
        "governance_year": 2026,
        "home_municipality_code": "101",
        "location_municipality_codes": ["101", "147"],
        "sent_at": datetime(2026, 11, 24, 14, 5, tzinfo=UTC),
        "red_figures": 1,
        "yellow_figures": 4,
    }
    values.update(changes)
    return PackageSentV1(**values)


async def set_entry(
    database: Database, kind: str, ref: str, addresses: list[str], opt_outs: list[str] = ()
) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO recipients (kind, ref, addresses, opt_outs, version, updated_by) "
                "VALUES (:kind, :ref, :addresses, :opt_outs, 1, 'test') "
                "ON CONFLICT (kind, ref) DO UPDATE SET addresses = EXCLUDED.addresses, "
                "opt_outs = EXCLUDED.opt_outs"
            ),
            {"kind": kind, "ref": ref, "addresses": addresses, "opt_outs": list(opt_outs)},
        )


async def deliveries(database: Database) -> list[DeliveryRow]:
    async with database.session() as session:
        rows = await session.scalars(
            select(DeliveryRow).order_by(DeliveryRow.recipient_ref, DeliveryRow.address)
        )
        return list(rows)


async def drain(sender: Sender, rounds: int = 3) -> None:
    for _ in range(rounds):
        await sender.send_due()


async def outbox_events(database: Database) -> list[Envelope]:
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(outbox.c.envelope).order_by(outbox.c.id))).all()
    return [Envelope.from_structured(row.envelope) for row in rows]


class FrozenClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class TestEventToMessage:
    async def test_package_sent_notifies_the_home_and_each_location_municipality(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        await set_entry(notifications_db, "municipality", "147", [FRB])
        event = package_sent()
        envelope = await apply_event(event)
        await drain(sender_for())

        home, location = smtp_sink.messages_to(KK), smtp_sink.messages_to(FRB)
        assert len(home) == len(location) == 1
        subject = "Dokumentationspakke for styringsåret 2026 fremsendt af org-0101"
        assert home[0]["Subject"] == location[0]["Subject"] == subject
        assert home[0]["From"] == "Test <noreply@housing.invalid>"
        assert home[0]["Auto-Submitted"] == "auto-generated"
        home_text = home[0].get_body(("plain",)).get_content()
        assert "Til Københavns Kommune" in home_text
        assert "24. november 2026 kl. 15.05" in home_text  # Danish local time (UTC+1)
        assert "Som hjemstedskommune har I modtaget hele pakken" in home_text
        assert "1 rødt og 4 gule" in home_text
        location_text = location[0].get_body(("plain",)).get_content()
        assert "Til Frederiksberg Kommune" in location_text
        assert "Som beliggenhedskommune" in location_text
        html = home[0].get_body(("html",)).get_content()
        assert "<strong>org-0101</strong>" in html
        rows = await deliveries(notifications_db)
        assert {(r.recipient_ref, r.status) for r in rows} == {("101", "sent"), ("147", "sent")}
        assert all(r.event_id == envelope.id and r.organisation_id == "org-0101" for r in rows)
        assert {r.message_id for r in rows} == {
            str(home[0]["Message-ID"]).strip(),
            str(location[0]["Message-ID"]).strip(),
        }

    async def test_prequalification_tells_the_organisation_the_amounts_the_danish_way(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "organisation", "org-0101", [ORG])
        await set_entry(notifications_db, "municipality", "101", [KK])
        await apply_event(ApplicationPrequalifiedV1.example())
        await drain(sender_for())

        (to_org,) = smtp_sink.messages_to(ORG)
        assert to_org["Subject"] == (
            "Jeres ansøgning om prækvalifikation er godkendt (12.500.000,00 kr. reserveret)"
        )
        body = to_org.get_body(("plain",)).get_content()
        assert "Reserveret beløb til helhedsplanen: 12.500.000,00 kr." in body
        assert "Forskud til projektleder: 350.000,00 kr." in body
        assert "den 20. november 2026" in body
        assert "2 afdelinger: dep-0412, dep-0413" in body
        (to_municipality,) = smtp_sink.messages_to(KK)
        assert "som kommunen har anbefalet" in to_municipality.get_body(("plain",)).get_content()

    async def test_reminder_lists_the_municipalitys_outstanding_items(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        reminder = ReminderDueV1(
            reminder_id="101-2027-1",
            municipality_code="101",
            round_date=date(2027, 3, 1),
            governance_years=[2025, 2026],
            items=[
                OutstandingItem(
                    package_id="pkg-a",
                    organisation_id="org-a",
                    governance_year=2025,
                    status="meeting_held",
                    missing="Redegørelse afgivet",
                ),
                OutstandingItem(
                    package_id="pkg-b",
                    organisation_id="org-b",
                    governance_year=2026,
                    status="sent",
                    missing="Møde afholdt",
                ),
            ],
        )
        await apply_event(reminder)
        await drain(sender_for())

        (message,) = smtp_sink.messages_to(KK)
        assert message["Subject"] == "Påmindelse: 2 udeståender i styringsdialogen"
        body = message.get_body(("plain",)).get_content()
        assert "Per 1. marts 2027 mangler kommunen følgende:" in body
        assert "Styringsår 2025, boligorganisation org-a (pakke pkg-a): Redegørelse afgivet" in body
        assert "Styringsår 2026, boligorganisation org-b (pakke pkg-b): Møde afholdt" in body
        assert "(2025 og 2026)" in body

    @pytest.mark.parametrize(
        ("event", "subject", "phrase"),
        [
            (
                PackageReturnedV1.example(),
                "Dokumentationspakken for styringsåret 2026 er sendt retur",
                "Afdelingsskemaet for afdeling 12 mangler kommentar til tomgang.",
            ),
            (
                MeetingHeldV1.example(),
                "Styringsdialogmødet for styringsåret 2026 er afholdt",
                "blev afholdt den 10. december 2026",
            ),
            (
                StatementSubmittedV1.example(),
                "Redegørelse for styringsåret 2026 er afgivet",
                "den 15. januar 2027 kl. 14.00 afgivet sin redegørelse",
            ),
            (
                StatementSubmittedV1.example().model_copy(
                    update={"supplementary": True, "municipality_code": "147"}
                ),
                "Supplerende redegørelse for styringsåret 2026 er afgivet",
                "Beliggenhedskommunen Frederiksberg Kommune har",
            ),
        ],
        ids=["returned", "meeting", "statement", "supplementary"],
    )
    async def test_governance_progress_goes_to_the_organisation(
        self, notifications_db, apply_event, sender_for, smtp_sink, event, subject, phrase
    ):
        await set_entry(notifications_db, "organisation", "org-0101", [ORG])
        await apply_event(event)
        await drain(sender_for())

        (message,) = smtp_sink.messages
        assert message["To"] == ORG
        assert message["Subject"] == subject
        assert phrase in message.get_body(("plain",)).get_content()

    async def test_html_part_escapes_what_the_event_carries(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "organisation", "org-0101", [ORG])
        returned = PackageReturnedV1.example().model_copy(
            update={"reason": "<script>alert('x')</script> & mere"}
        )
        await apply_event(returned)
        await drain(sender_for())

        (message,) = smtp_sink.messages
        html = message.get_body(("html",)).get_content()
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        assert "& mere" in message.get_body(("plain",)).get_content()

    async def test_an_event_nobody_is_notified_of_is_ignored(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        from common.events.contracts import AccountsReportedV1

        await apply_event(AccountsReportedV1.example())
        assert await deliveries(notifications_db) == []


def organisation_named(name: str | None, version: int = 1, **changes) -> OrganisationUpsertedV1:
    return OrganisationUpsertedV1.example().model_copy(
        update={"name": name, "version": version, **changes}
    )


class TestOrganisationsAreNamed:
    """Issue 12, item 15: e-mails named organisations by id; the register's organisation event
    now carries the name, and messages use it (the id where none has arrived)."""

    async def test_the_municipality_reads_the_organisations_name(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        await apply_event(organisation_named("Boligselskabet Solgården"))
        await apply_event(package_sent(location_municipality_codes=["101"]))
        await drain(sender_for())

        (message,) = smtp_sink.messages_to(KK)
        assert message["Subject"] == (
            "Dokumentationspakke for styringsåret 2026 fremsendt af Boligselskabet Solgården"
        )
        text_part = message.get_body(("plain",)).get_content()
        assert "Boligorganisationen Boligselskabet Solgården har den 24. november 2026" in text_part
        assert "org-0101" not in text_part
        html = message.get_body(("html",)).get_content()
        assert "<strong>Boligselskabet Solgården</strong>" in html

    async def test_the_organisation_is_greeted_by_name_and_a_later_name_wins(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "organisation", "org-0101", [ORG])
        await apply_event(organisation_named("Boligselskabet Solgården", version=2))
        await apply_event(organisation_named("Gammelt navn", version=1))  # late and older
        await apply_event(PackageReturnedV1.example())
        await apply_event(organisation_named("Solgården & Co <a/s>", version=3))
        await apply_event(MeetingHeldV1.example())
        await drain(sender_for())

        returned, meeting = sorted(
            smtp_sink.messages_to(ORG), key=lambda m: "møde" in str(m["Subject"]).lower()
        )
        assert (
            returned.get_body(("plain",))
            .get_content()
            .startswith("Til boligorganisationen Boligselskabet Solgården\r\n")
        )
        assert (
            meeting.get_body(("plain",))
            .get_content()
            .startswith("Til boligorganisationen Solgården & Co <a/s>\r\n")
        )
        html = meeting.get_body(("html",)).get_content()
        assert "Til boligorganisationen Solgården &amp; Co &lt;a/s&gt;" in html

    async def test_an_organisation_without_a_known_name_is_named_by_its_id(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "organisation", "org-0101", [ORG])
        await apply_event(organisation_named(None))  # published before the field existed
        await apply_event(organisation_named("Andet Boligselskab", organisation_id="org-0202"))
        await apply_event(PackageReturnedV1.example())
        await drain(sender_for())

        (message,) = smtp_sink.messages_to(ORG)
        text_part = message.get_body(("plain",)).get_content()
        assert text_part.startswith("Til boligorganisationen org-0101\r\n")
        assert "Andet Boligselskab" not in text_part


class TestExactlyOnce:
    async def test_a_redelivered_event_sends_once(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        envelope = await apply_event(package_sent(location_municipality_codes=["101"]))
        sender = sender_for()
        await drain(sender)
        await apply_event(envelope)  # Kafka redelivers it
        await drain(sender)

        assert len(smtp_sink.messages) == 1
        assert len(await deliveries(notifications_db)) == 1

    async def test_a_replayed_event_past_the_inbox_adds_no_delivery(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        envelope = await apply_event(package_sent(location_municipality_codes=["101"]))
        await drain(sender_for())
        async with notifications_db.engine.begin() as connection:  # e.g. a redriven dead letter
            await connection.execute(text("DELETE FROM inbox"))
        await apply_event(envelope)
        await drain(sender_for())

        assert len(smtp_sink.messages) == 1
        (row,) = await deliveries(notifications_db)
        assert row.status == "sent"

    async def test_a_replay_after_the_address_changed_does_not_send_to_the_new_one(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        envelope = await apply_event(package_sent(location_municipality_codes=["101"]))
        await drain(sender_for())
        await set_entry(notifications_db, "municipality", "101", ["ny@kk.dk"])
        async with notifications_db.engine.begin() as connection:
            await connection.execute(text("DELETE FROM inbox"))
        await apply_event(envelope)
        await drain(sender_for())

        assert [m["To"] for m in smtp_sink.messages] == [KK]
        assert len(await deliveries(notifications_db)) == 1

    async def test_each_address_of_a_recipient_gets_one_message(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK, "kontor@kk.dk"])
        await apply_event(package_sent(location_municipality_codes=["101"]))
        await drain(sender_for())

        assert sorted(m["To"] for m in smtp_sink.messages) == ["kontor@kk.dk", KK]
        ids = {m["Message-ID"] for m in smtp_sink.messages}
        assert len(ids) == 2

    async def test_the_message_id_is_derived_from_event_and_address(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        from notifications.domain.deliveries import message_id

        await set_entry(notifications_db, "municipality", "101", [KK])
        envelope = await apply_event(package_sent(location_municipality_codes=["101"]))
        await drain(sender_for())

        (message,) = smtp_sink.messages
        assert str(message["Message-ID"]).strip() == message_id(
            envelope.id, KK, "notifications.housing.invalid"
        )

    async def test_through_the_real_broker(
        self, notifications_db, sender_for, smtp_sink, infra, eventually
    ):
        topic = f"governance.package.t{uuid.uuid4().hex[:10]}.v1"
        await create_topic(infra.kafka_bootstrap_servers, topic)
        await set_entry(notifications_db, "municipality", "101", [KK])
        envelope = to_envelope(package_sent(location_municipality_codes=["101"]))
        envelope = dataclasses.replace(envelope, topic=topic)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        try:
            await bus.send_batch([envelope, envelope])  # published twice (a relay retry)
        finally:
            await bus.stop()
        runner = KafkaConsumerRunner(
            notifications_db,
            infra.kafka_bootstrap_servers,
            consumer([topic], name=f"notifications-{uuid.uuid4().hex[:8]}"),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        sender = sender_for()
        try:

            async def delivered() -> bool:
                await sender.send_due()
                return len(smtp_sink.messages) >= 1

            await eventually(delivered, timeout=60)
            await asyncio.sleep(0.5)
            await drain(sender)
        finally:
            stop.set()
            await task
        assert len(smtp_sink.messages) == 1
        assert smtp_sink.messages[0]["To"] == KK


class TestRecipientsWithoutAddressOrOptedOut:
    async def test_a_recipient_without_address_is_logged_as_no_address(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        await apply_event(package_sent())  # 147 has no entry at all
        await drain(sender_for())

        rows = {r.recipient_ref: r for r in await deliveries(notifications_db)}
        assert rows["147"].status == "no_address"
        assert rows["147"].address is None
        assert rows["101"].status == "sent"
        assert [m["To"] for m in smtp_sink.messages] == [KK]

    async def test_an_optional_message_opted_out_of_is_not_sent(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK], ["governance.package.sent"])
        await apply_event(package_sent(location_municipality_codes=["101"]))
        await drain(sender_for())

        (row,) = await deliveries(notifications_db)
        assert row.status == "opted_out"
        assert smtp_sink.messages == []

    async def test_a_required_message_is_sent_despite_an_opt_out(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        # The API refuses such an opt-out; a stale one in the table is ignored all the same.
        await set_entry(
            notifications_db, "organisation", "org-0101", [ORG], ["governance.package.returned"]
        )
        await apply_event(PackageReturnedV1.example())
        await drain(sender_for())

        assert [m["To"] for m in smtp_sink.messages] == [ORG]


class TestTemporaryFailures:
    async def test_smtp_down_then_up_delivers_once(
        self, notifications_db, apply_event, sender_for, smtp_sink, eventually
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        smtp_sink.stop()
        await apply_event(package_sent(location_municipality_codes=["101"]))
        sender = sender_for()
        await sender.send_due()
        (row,) = await deliveries(notifications_db)
        assert row.status == "pending"
        assert row.attempts == 1
        assert row.last_error
        assert "onnect" in row.last_error
        assert row.next_attempt_at > datetime.now(UTC)  # backed off

        await asyncio.sleep(0.3)
        await sender.send_due()  # still down: attempt 2, longer backoff
        smtp_sink.start()

        async def sent() -> bool:
            await sender.send_due()
            return (await deliveries(notifications_db))[0].status == "sent"

        await eventually(sent, timeout=10)
        await drain(sender)
        assert len(smtp_sink.messages) == 1
        (row,) = await deliveries(notifications_db)
        assert row.attempts >= 2
        assert row.last_error is None
        assert "accepted for delivery" in row.smtp_response

    async def test_a_4xx_answer_is_retried_with_backoff(
        self, notifications_db, apply_event, sender_for, smtp_sink, eventually
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        smtp_sink.handler.defer = "451 4.3.0 Mail server temporarily rejected message"
        await apply_event(package_sent(location_municipality_codes=["101"]))
        sender = sender_for()
        await sender.send_due()
        (row,) = await deliveries(notifications_db)
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error.startswith("451")
        await sender.send_due()  # not due yet: no new attempt
        assert (await deliveries(notifications_db))[0].attempts == 1

        smtp_sink.handler.defer = None

        async def sent() -> bool:
            await sender.send_due()
            return (await deliveries(notifications_db))[0].status == "sent"

        await eventually(sent, timeout=10)
        assert len(smtp_sink.messages) == 1

    async def test_temporary_failures_are_given_up_after_the_last_attempt(
        self, notifications_db, apply_event, sender_for, smtp_sink, eventually
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        smtp_sink.handler.defer = "421 4.7.0 Try again later"
        envelope = await apply_event(package_sent(location_municipality_codes=["101"]))
        sender = sender_for(settings={"max_attempts": 3})

        async def failed() -> bool:
            await sender.send_due()
            return (await deliveries(notifications_db))[0].status == "failed"

        await eventually(failed, timeout=10)
        (row,) = await deliveries(notifications_db)
        assert row.attempts == 3
        assert row.last_error.startswith("gave up after 3 attempts; last answer: 421")
        (failure,) = await outbox_events(notifications_db)
        event = DeliveryFailedV1.from_envelope(failure)
        assert event.cause_event_id == str(envelope.id)
        assert event.reason.startswith("gave up after 3 attempts")


class TestPermanentFailures:
    async def test_a_refused_address_is_recorded_once_and_announced_without_the_address(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        await set_entry(notifications_db, "municipality", "147", [FRB])
        smtp_sink.handler.refuse[FRB] = "550 5.1.1 <boliger@frederiksberg.dk>: mailbox unavailable"
        event = package_sent()
        envelope = await apply_event(event)
        sender = sender_for()
        await drain(sender, rounds=5)
        await asyncio.sleep(0.5)  # well past any backoff
        await drain(sender, rounds=5)

        rows = {r.recipient_ref: r for r in await deliveries(notifications_db)}
        assert rows["147"].status == "failed"
        assert rows["147"].attempts == 1
        assert rows["147"].last_error.startswith("550 5.1.1")
        assert rows["147"].failed_at is not None
        assert smtp_sink.handler.rcpt_attempts[FRB] == 1  # no retry storm
        assert rows["101"].status == "sent"
        (announced,) = await outbox_events(notifications_db)
        assert announced.topic == "notifications.delivery.v1"
        assert announced.causation_id == str(envelope.id)
        failed = DeliveryFailedV1.from_envelope(announced)
        assert failed.delivery_id == str(rows["147"].id)
        assert failed.cause_event_type == "governance.package.sent"
        assert failed.cause_subject == event.package_id
        assert (failed.recipient_kind, failed.recipient_ref) == ("municipality", "147")
        assert failed.reason.startswith("550 5.1.1")
        assert "frederiksberg.dk" not in str(announced.data).replace(failed.reason, "")


class TestInterruptedSending:
    """A sender that dies between handing a message over and recording the answer (the
    subprocess kill -9 versions are in test_crashes.py)."""

    class Died(BaseException):
        pass

    def dies_at(self, step: str):
        def hook(at: str, delivery) -> None:
            if at == step:
                raise self.Died(step)

        return hook

    async def test_accepted_before_the_crash_is_not_sent_again_when_the_probe_confirms_it(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        await apply_event(package_sent(location_municipality_codes=["101"]))
        settings = {"sender_lease_seconds": 60.0, "sent_probe_url": smtp_sink.probe_url}
        clock = FrozenClock(datetime.now(UTC) + timedelta(seconds=1))
        dying = sender_for(settings=settings, clock=clock, on_step=self.dies_at("accepted"))
        with pytest.raises(self.Died):
            await dying.send_due()
        (row,) = await deliveries(notifications_db)
        assert row.status == "sending"
        assert len(smtp_sink.messages) == 1

        clock.now += timedelta(seconds=59)
        await sender_for(settings=settings, clock=clock).send_due()  # within the lease: left alone
        assert (await deliveries(notifications_db))[0].status == "sending"
        clock.now += timedelta(seconds=1)
        await sender_for(settings=settings, clock=clock).send_due()

        (row,) = await deliveries(notifications_db)
        assert row.status == "sent"
        assert row.smtp_response == "accepted before the interruption (probe)"
        assert len(smtp_sink.messages) == 1

    async def test_without_a_probe_it_is_sent_again_with_the_same_message_id(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        await apply_event(package_sent(location_municipality_codes=["101"]))
        settings = {"sender_lease_seconds": 60.0}
        clock = FrozenClock(datetime.now(UTC) + timedelta(seconds=1))
        dying = sender_for(settings=settings, clock=clock, on_step=self.dies_at("accepted"))
        with pytest.raises(self.Died):
            await dying.send_due()
        clock.now += timedelta(seconds=60)
        await sender_for(settings=settings, clock=clock).send_due()

        (row,) = await deliveries(notifications_db)
        assert row.status == "sent"
        assert row.attempts == 2
        first, second = smtp_sink.messages
        assert str(first["Message-ID"]) == str(second["Message-ID"]) == row.message_id

    async def test_claimed_but_never_handed_over_is_sent_after_the_lease(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        await apply_event(package_sent(location_municipality_codes=["101"]))
        settings = {"sender_lease_seconds": 60.0, "sent_probe_url": smtp_sink.probe_url}
        clock = FrozenClock(datetime.now(UTC) + timedelta(seconds=1))
        dying = sender_for(settings=settings, clock=clock, on_step=self.dies_at("claimed"))
        with pytest.raises(self.Died):
            await dying.send_due()
        assert smtp_sink.messages == []
        clock.now += timedelta(seconds=60)
        await sender_for(settings=settings, clock=clock).send_due()

        assert len(smtp_sink.messages) == 1
        assert (await deliveries(notifications_db))[0].status == "sent"


class TestAmounts:
    async def test_an_amount_without_advance_leaves_the_advance_out(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "organisation", "org-0101", [ORG])
        event = ApplicationPrequalifiedV1.example().model_copy(
            update={"advance_amount": None, "reserved_amount": Decimal("999.5")}
        )
        await apply_event(event)
        await drain(sender_for())

        (message,) = smtp_sink.messages_to(ORG)
        body = message.get_body(("plain",)).get_content()
        assert "999,50 kr." in body
        assert "Forskud" not in body


class TestBackoffSchedule:
    """With the production defaults (30 s doubling, capped at an hour, 12 attempts), on an
    injected clock."""

    async def test_attempts_follow_the_schedule_and_stop_at_the_cap(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        smtp_sink.handler.defer = "451 4.3.0 greylisted"
        await apply_event(package_sent(location_municipality_codes=["101"]))
        clock = FrozenClock(datetime.now(UTC) + timedelta(seconds=1))
        sender = sender_for(
            clock=clock,
            settings={
                "retry_base_seconds": 30.0,
                "retry_cap_seconds": 3600.0,
                "max_attempts": 12,
                # a timeout far from reach: a conversation cut short by a loaded machine never
                # reaches RCPT, and the sink would count one attempt fewer than the sender
                "smtp_timeout_seconds": 120.0,
                "sender_lease_seconds": 300.0,
            },
        )
        waits = []
        for _ in range(11):
            await sender.send_due()
            (row,) = await deliveries(notifications_db)
            assert row.status == "pending"
            waits.append(row.next_attempt_at - clock.now)
            clock.now = row.next_attempt_at - timedelta(milliseconds=1)
            await sender.send_due()  # a moment too early: nothing happens
            assert (await deliveries(notifications_db))[0].attempts == len(waits)
            clock.now = row.next_attempt_at
        assert [int(w.total_seconds()) for w in waits] == [
            30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600,
        ]  # fmt: skip
        await sender.send_due()  # the 12th attempt is the last
        (row,) = await deliveries(notifications_db)
        assert (row.status, row.attempts) == ("failed", 12)
        assert smtp_sink.handler.rcpt_attempts[KK] == 12


class TestTakeOver:
    async def test_a_sender_whose_lease_ran_out_cannot_overwrite_the_newer_attempt(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        from notifications.db.repositories import DeliveryRepository

        await set_entry(notifications_db, "municipality", "101", [KK])
        await apply_event(package_sent(location_municipality_codes=["101"]))
        clock = FrozenClock(datetime.now(UTC) + timedelta(seconds=1))
        slow = sender_for(clock=clock, settings={"sender_lease_seconds": 60.0})
        async with notifications_db.session() as session, session.begin():
            (stale,) = await DeliveryRepository(session).claim_due(
                now=clock.now,
                lease=timedelta(seconds=60),
                limit=10,
                message_id_of=lambda e, a: "<x@y>",
            )
        clock.now += timedelta(seconds=61)  # the slow one is still "sending" past its lease
        await sender_for(clock=clock).send_due()  # another sender takes it over and sends it
        report = SendReport()
        await slow._record_failure(stale, SendFailure(FailureKind.PERMANENT, "550 late"), report)

        assert report.lost_claims == 1
        (row,) = await deliveries(notifications_db)
        assert (row.status, row.attempts) == ("sent", 2)
        assert await outbox_events(notifications_db) == []  # no DeliveryFailedV1 for it


class TestBadEvents:
    async def test_a_payload_that_breaks_its_contract_is_dead_lettered_and_sends_nothing(
        self, notifications_db
    ):
        from common.events.consumer import InboxProcessor, Outcome
        from notifications.events.incoming import consumer as make_consumer

        envelope = to_envelope(package_sent())
        broken = dataclasses.replace(envelope, data={**envelope.data, "governance_year": "soon"})
        processor = InboxProcessor(
            notifications_db, make_consumer(), max_attempts=2, base_backoff=0.01
        )
        outcome, error = await processor.process(broken)

        assert outcome is Outcome.DEAD_LETTERED
        assert "governance_year" in error
        assert await deliveries(notifications_db) == []
        async with notifications_db.engine.connect() as connection:
            count = (await connection.execute(text("SELECT count(*) FROM dead_letters"))).scalar()
        assert count == 1


class TestSenderSurvivesTheUnexpected:
    async def test_an_error_that_is_no_smtp_answer_is_retried_later(
        self, notifications_db, apply_event, sender_for
    ):
        class Broken:
            async def send(self, message, recipient):
                raise ValueError("the library choked")

        await set_entry(notifications_db, "municipality", "101", [KK])
        await apply_event(package_sent(location_municipality_codes=["101"]))
        report = await sender_for(transport=Broken()).send_due()

        assert report.retried == 1
        (row,) = await deliveries(notifications_db)
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error == "ValueError: the library choked"

    async def test_a_message_interrupted_again_and_again_is_given_up(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        await set_entry(notifications_db, "municipality", "101", [KK])
        await apply_event(package_sent(location_municipality_codes=["101"]))
        clock = FrozenClock(datetime.now(UTC) + timedelta(seconds=1))
        settings = {"max_attempts": 2, "sender_lease_seconds": 60.0}
        for _ in range(2):  # the worker dies on it twice
            with pytest.raises(TestInterruptedSending.Died):
                await sender_for(
                    settings=settings,
                    clock=clock,
                    on_step=TestInterruptedSending().dies_at("claimed"),
                ).send_due()
            clock.now += timedelta(seconds=61)
        await sender_for(settings=settings, clock=clock).send_due()

        (row,) = await deliveries(notifications_db)
        assert (row.status, row.attempts) == ("failed", 3)
        assert row.last_error == "interrupted 2 times while being sent; not tried again"
        assert smtp_sink.messages == []
        (announced,) = await outbox_events(notifications_db)
        assert DeliveryFailedV1.from_envelope(announced).reason.startswith("interrupted 2 times")


class TestSlowBatches:
    async def test_a_delivery_whose_lease_would_run_out_during_its_send_is_given_back(
        self, notifications_db, apply_event, sender_for, smtp_sink
    ):
        from notifications.services.sender import SmtpTransport

        clock = FrozenClock(datetime.now(UTC) + timedelta(seconds=1))
        settings = {"sender_lease_seconds": 60.0, "smtp_timeout_seconds": 30.0}

        class SlowServer(SmtpTransport):
            async def send(self, message, recipient):
                answer = await super().send(message, recipient)
                clock.now += timedelta(seconds=31)  # that one took long
                return answer

        await set_entry(notifications_db, "municipality", "101", [KK])
        await set_entry(notifications_db, "municipality", "147", [FRB])
        await apply_event(package_sent())
        sender = sender_for(settings=settings, clock=clock)
        sender.transport = SlowServer(sender.settings)
        report = await sender.send_due()

        assert (report.sent, report.released) == (1, 1)
        rows = sorted((r.status, r.attempts) for r in await deliveries(notifications_db))
        assert rows == [("pending", 0), ("sent", 1)]
        await sender.send_due()  # the next round sends the one given back
        assert len(smtp_sink.messages) == 2
        assert {r.status for r in await deliveries(notifications_db)} == {"sent"}
