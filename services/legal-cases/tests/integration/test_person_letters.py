"""Issue 15: persons (tenants) get the tribunal's letters by e-mail — the counterpart's notice,
the decision (PDF attached), deadline reminders — sent by this service itself through a real
SMTP server, while the address never leaves the service in an event."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from common.auth import Role
from common.testing.documents import pdf_text
from common.testing.fixtures import service_settings
from common.testing.smtp import SmtpSink
from legal_cases.services.person_mail import send_due
from legal_cases.settings import LegalCasesSettings
from legal_cases.worker import jobs

from .support import (
    API,
    LANDLORD,
    STRANGER,
    TENANT,
    act,
    case_body,
    decision_body,
    file_case,
    kind,
    outbox,
    party,
    post,
    sql,
    tribunal,
)

ANNA = "anna.jensen@example.dk"
KARL = "karl.lejer@example.dk"


def mail_settings(databases, tokens, sink: SmtpSink, **overrides):
    return service_settings(
        LegalCasesSettings, databases, tokens, package="legal_cases", smtp_host=sink.host,
        smtp_port=sink.port, smtp_timeout_seconds=5.0, smtp_retry_base_seconds=60.0,
        mail_from="Huslejenævnet <nævn@example.invalid>", **overrides,
    )  # fmt: skip


async def landlord_against_tenant(client, tokens, clock):
    """A landlord files against a tenant who gave no platform identity but an e-mail."""
    case = await file_case(
        client, tokens, party(tokens, LANDLORD), category="rent_level",
        complainant={"kind": "landlord", "name": "Bent Udlejer ApS", "organisation_id": "ll-0042"},
        counterpart={"kind": "tenant", "name": "Karl Lejer", "contact_email": KARL},
    )  # fmt: skip
    clock.today = date(2026, 11, 3)
    await act(client, tribunal(tokens), case["id"], "notify-counterpart")
    return case["id"]


def letters(db_url):
    return sql(db_url, "SELECT kind, status, attempts, ref FROM person_letters ORDER BY id")


class TestCounterpartNotice:
    async def test_the_tenant_counterpart_gets_the_notice_by_e_mail_and_no_event_names_it(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases, smtp_sink
    ):
        client = await legal_client()
        case_id = await landlord_against_tenant(client, tokens, clock)
        assert letters(legal_db_url) == [("counterpart_notice", "pending", 0, "")]
        report = await send_due(legal_db, mail_settings(databases, tokens, smtp_sink), clock)
        assert (report.sent, report.retried, report.failed) == (1, 0, 0)
        [message] = smtp_sink.messages_to(KARL)
        assert message["Subject"] == f"Huslejenævnet i Frederiksberg: ny sag {case_id}"
        assert message["From"] == "Huslejenævnet <nævn@example.invalid>"
        body = message.get_content()
        assert "senest 17. november 2026" in body
        assert "§ 82, stk. 3" in body
        assert letters(legal_db_url) == [("counterpart_notice", "sent", 1, "")]
        # nothing more to send; a second run sends nothing again
        again = await send_due(legal_db, mail_settings(databases, tokens, smtp_sink), clock)
        assert (again.sent, len(smtp_sink.messages)) == (0, 1)
        # the address never leaves the service: not in any event, not in the audit trail
        envelopes = json.dumps(outbox(legal_db_url), ensure_ascii=False)
        assert KARL not in envelopes
        assert "Karl" not in envelopes
        audit = sql(legal_db_url, "SELECT action, detail FROM case_audit WHERE case_id=%s "
                    "AND action LIKE 'letter_%%' ORDER BY id", case_id)  # fmt: skip
        assert [a for a, _ in audit] == ["letter_queued", "letter_sent"]
        assert audit[1][1]["side"] == "counterpart"
        assert KARL not in json.dumps(audit)
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        [letter] = view["letters"]
        assert (letter["kind"], letter["side"], letter["status"], letter["sent_at"]) == (
            "counterpart_notice", "counterpart", "sent", "2026-11-03T08:00:00Z"
        )  # fmt: skip

    async def test_a_landlord_on_the_platform_is_written_to_by_notifications_not_here(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case = await file_case(client, tokens, complainant={
            "kind": "tenant", "name": "Anna Jensen", "contact_email": ANNA,
        }, counterpart={
            "kind": "landlord", "name": "Bent Udlejer ApS", "subject": LANDLORD,
            "organisation_id": "ll-0042", "contact_email": "udlejer@example.dk",
        })  # fmt: skip
        await act(client, tribunal(tokens), case["id"], "notify-counterpart")
        assert letters(legal_db_url) == []
        view = (await client.get(f"{API}/cases/{case['id']}", headers=tribunal(tokens))).json()
        assert [(p["side"], p["letters_by_tribunal"]) for p in view["parties"]] == [
            ("complainant", True), ("counterpart", False)
        ]  # fmt: skip


class TestDecisionLetter:
    async def test_both_persons_get_the_decision_with_the_pdf_attached(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases, smtp_sink
    ):
        client = await legal_client()
        case = await file_case(client, tokens, complainant={
            "kind": "tenant", "name": "Anna Jensen", "contact_email": ANNA,
        })  # fmt: skip
        await act(client, tribunal(tokens), case["id"], "notify-counterpart")
        await act(client, tribunal(tokens), case["id"], "reply", {})
        clock.today = date(2026, 11, 20)
        await act(client, tribunal(tokens), case["id"], "decision", decision_body())
        assert letters(legal_db_url) == [("decision", "pending", 0, "")]
        await send_due(legal_db, mail_settings(databases, tokens, smtp_sink), clock)
        [message] = smtp_sink.messages_to(ANNA)
        assert "Klageren får fuldt medhold." in message.get_body(("plain",)).get_content()
        assert "senest 18. december 2026" in message.get_body(("plain",)).get_content()
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename() == f"afgoerelse-{case['id']}.pdf"
        text = pdf_text(attachment.get_content(), single_spaced=True)
        assert "Klagevejledning" in text
        assert "Manglerne er dokumenteret ved besigtigelsen" in text
        assert ANNA not in json.dumps(outbox(legal_db_url), ensure_ascii=False)


class TestReminders:
    async def test_the_round_reminds_the_tenant_by_e_mail_once(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases, smtp_sink
    ):
        client = await legal_client()
        case_id = await landlord_against_tenant(client, tokens, clock)
        settings = mail_settings(databases, tokens, smtp_sink)
        round_job, letters_job = jobs(legal_db, settings, clock=clock)
        assert (round_job.name, letters_job.name) == (
            "legal_cases.deadline_round", "legal_cases.person_letters"
        )  # fmt: skip
        clock.today = date(2026, 11, 12)  # 3 working days before the reply is due (17 Nov)
        assert (await round_job.run()).reminders == 1
        assert (await round_job.run()).reminders == 0
        await letters_job.run()
        reminders = [m for m in smtp_sink.messages_to(KARL) if "påmindelse" in m["Subject"]]
        [reminder] = reminders
        assert "Deres bemærkninger til sagen (§ 82, stk. 3)" in reminder.get_content()
        assert "senest 17. november 2026" in reminder.get_content()
        [(deadline_id,)] = sql(legal_db_url, "SELECT id FROM case_deadlines WHERE case_id=%s "
                               "AND kind='reply'", case_id)  # fmt: skip
        assert letters(legal_db_url) == [
            ("counterpart_notice", "sent", 1, ""), ("deadline_reminder", "sent", 1, str(deadline_id))
        ]  # fmt: skip
        assert KARL not in json.dumps(outbox(legal_db_url), ensure_ascii=False)


class TestFailures:
    async def test_a_refused_address_fails_the_letter_visibly_to_the_tribunal_only(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases, smtp_sink
    ):
        smtp_sink.refuse[KARL] = "550 5.1.1 Mailbox does not exist"
        client = await legal_client()
        case_id = await landlord_against_tenant(client, tokens, clock)
        report = await send_due(legal_db, mail_settings(databases, tokens, smtp_sink), clock)
        assert (report.sent, report.failed) == (0, 1)
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        [letter] = view["letters"]
        assert (letter["status"], letter["last_error"]) == (
            "failed", "550 5.1.1 Mailbox does not exist"
        )  # fmt: skip
        landlord_view = (await client.get(f"{API}/cases/{case_id}",
                                          headers=party(tokens, LANDLORD))).json()  # fmt: skip
        assert landlord_view["letters"][0]["last_error"] is None
        [(detail,)] = sql(legal_db_url, "SELECT detail FROM case_audit WHERE "
                          "action='letter_failed'")  # fmt: skip
        assert detail["reason"] == "550 5.1.1 Mailbox does not exist"

    async def test_a_deferral_is_retried_later_with_backoff(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases, smtp_sink
    ):
        smtp_sink.defer = "451 4.3.0 Try again later"
        client = await legal_client()
        await landlord_against_tenant(client, tokens, clock)
        settings = mail_settings(databases, tokens, smtp_sink)
        assert (await send_due(legal_db, settings, clock)).retried == 1
        [(status, attempts, next_at, error)] = sql(
            legal_db_url, "SELECT status, attempts, next_attempt_at, last_error FROM person_letters"
        )
        assert (status, attempts, error) == ("pending", 1, "451 4.3.0 Try again later")
        assert next_at == datetime(2026, 11, 3, 8, 0, tzinfo=UTC) + timedelta(seconds=60)
        smtp_sink.defer = None
        assert (await send_due(legal_db, settings, clock)).sent == 0  # not due yet
        moved = datetime(2026, 11, 3, 8, 1, tzinfo=UTC)
        assert (await send_due(legal_db, settings, lambda: moved)).sent == 1
        assert len(smtp_sink.messages_to(KARL)) == 1

    async def test_a_removed_address_is_respected_at_sending_time(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases, smtp_sink
    ):
        client = await legal_client()
        case_id = await landlord_against_tenant(client, tokens, clock)
        await client.put(
            f"{API}/cases/{case_id}/parties/counterpart/contact-email",
            json={"contact_email": None}, headers=post(tribunal(tokens)),
        )  # fmt: skip
        report = await send_due(legal_db, mail_settings(databases, tokens, smtp_sink), clock)
        assert (report.sent, report.failed, smtp_sink.messages) == (0, 1, [])
        assert letters(legal_db_url) == [("counterpart_notice", "failed", 1, "")]


class TestContactEmail:
    async def put(self, client, headers, case_id, side, email, status=200):
        response = await client.put(
            f"{API}/cases/{case_id}/parties/{side}/contact-email",
            json={"contact_email": email}, headers=post(headers),
        )  # fmt: skip
        assert response.status_code == status, response.text
        return response.json()

    async def test_who_may_set_and_see_a_contact_e_mail(self, legal_client, tokens, legal_db_url):
        client = await legal_client()
        case_id = (await file_case(client, tokens))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        mine = await self.put(client, party(tokens, TENANT), case_id, "complainant", ANNA)
        assert mine["parties"][0]["contact_email"] == ANNA
        other = await self.put(client, party(tokens, TENANT), case_id, "counterpart", ANNA, 403)
        assert kind(other) == "forbidden"
        stranger = await self.put(client, party(tokens, STRANGER), case_id, "complainant", ANNA,
                                  404)  # fmt: skip
        assert kind(stranger) == "case-not-found"
        fund = await self.put(client, tokens.headers(Role.FUND, subject="gi"), case_id,
                              "complainant", ANNA, 403)  # fmt: skip
        assert kind(fund) == "forbidden"
        bad = await self.put(client, tribunal(tokens), case_id, "complainant", "not-an-address",
                             422)  # fmt: skip
        assert bad["status"] == 422
        other_tribunal = await self.put(client, tribunal(tokens, "101"), case_id, "complainant",
                                        ANNA, 404)  # fmt: skip
        assert other_tribunal["status"] == 404
        landlord_view = (await client.get(f"{API}/cases/{case_id}",
                                          headers=party(tokens, LANDLORD))).json()  # fmt: skip
        tribunal_view = (await client.get(f"{API}/cases/{case_id}",
                                          headers=tribunal(tokens))).json()  # fmt: skip
        assert [p["contact_email"] for p in landlord_view["parties"]] == [None, None]
        assert [p["contact_email"] for p in tribunal_view["parties"]] == [ANNA, None]
        [(detail,)] = sql(legal_db_url, "SELECT detail FROM case_audit WHERE "
                          "action='contact_email_changed'")  # fmt: skip
        assert detail == {"side": "complainant", "contact_email_set": True}

    @pytest.mark.parametrize(
        "email", ["a@b", "two@@example.dk", "a b@example.dk", "x" * 250 + "@e.dk", "<a@b.dk>"]
    )
    async def test_a_filing_with_a_malformed_address_is_refused(self, legal_client, tokens, email):
        client = await legal_client()
        body = case_body(complainant={"kind": "tenant", "name": "A", "contact_email": email})
        response = await client.post(f"{API}/cases", json=body, headers=post(party(tokens)))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


class TestSummons:
    """§ 85: the parties that are persons with an address are summoned by e-mail to an
    inspection or a meeting, once per inspection or meeting, through the same queue."""

    async def both_persons(self, client, tokens, clock):
        case = await file_case(
            client, tokens, complainant={"kind": "tenant", "name": "Anna Jensen",
                                         "contact_email": ANNA},
            counterpart={"kind": "landlord", "name": "Karl Privatudlejer", "subject": LANDLORD,
                         "contact_email": KARL},
        )  # fmt: skip
        clock.today = date(2026, 11, 3)
        await act(client, tribunal(tokens), case["id"], "notify-counterpart")
        return case["id"]

    async def test_both_parties_are_summoned_to_an_inspection_and_a_meeting(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases, smtp_sink
    ):
        client = await legal_client()
        case_id = await self.both_persons(client, tokens, clock)
        clock.today = date(2026, 11, 6)
        view = await act(client, tribunal(tokens), case_id, "hearings",
                         {"kind": "inspection", "scheduled_on": "2026-11-16"}, status=201)  # fmt: skip
        inspection = view["hearings"][0]["id"]
        view = await act(client, tribunal(tokens), case_id, "hearings",
                         {"kind": "meeting", "scheduled_on": "2026-11-20"}, status=201)  # fmt: skip
        meeting = next(h["id"] for h in view["hearings"] if h["kind"] == "meeting")
        assert sorted((x["kind"], x["side"]) for x in view["letters"] if x["kind"] == "summons") == [
            ("summons", "complainant"), ("summons", "complainant"),
            ("summons", "counterpart"), ("summons", "counterpart"),
        ]  # fmt: skip
        rows = letters(legal_db_url)
        assert rows[0] == ("counterpart_notice", "pending", 0, "")
        assert sorted(rows[1:]) == sorted([
            ("summons", "pending", 0, inspection), ("summons", "pending", 0, inspection),
            ("summons", "pending", 0, meeting), ("summons", "pending", 0, meeting),
        ])  # fmt: skip
        assert sql(legal_db_url, "SELECT s.side FROM person_letters l JOIN case_parties s "
                   "ON s.id = l.party_id WHERE l.kind = 'summons' ORDER BY l.id") == [
            ("complainant",), ("counterpart",), ("complainant",), ("counterpart",)
        ]  # fmt: skip
        report = await send_due(legal_db, mail_settings(databases, tokens, smtp_sink), clock)
        assert (report.sent, report.retried, report.failed) == (5, 0, 0)
        subjects = sorted(m["Subject"] for m in smtp_sink.messages_to(ANNA))
        assert subjects == [
            f"Huslejenævnet i Frederiksberg: indkaldelse til besigtigelse i sag {case_id}",
            f"Huslejenævnet i Frederiksberg: indkaldelse til møde i sag {case_id}",
        ]
        karl = {m["Subject"]: m.get_content() for m in smtp_sink.messages_to(KARL)}
        body = karl[f"Huslejenævnet i Frederiksberg: indkaldelse til besigtigelse i sag {case_id}"]
        assert "den 16. november 2026" in body
        assert "§ 85, stk. 1" in body
        assert [r[1] for r in letters(legal_db_url)] == ["sent"] * 5
        audited = sql(legal_db_url, "SELECT detail FROM case_audit WHERE action = 'letter_queued' "
                      "AND detail->>'kind' = 'summons' ORDER BY id")  # fmt: skip
        assert [d["side"] for (d,) in audited] == [
            "complainant", "counterpart", "complainant", "counterpart"
        ]  # fmt: skip
        assert all(ANNA not in json.dumps(e) and KARL not in json.dumps(e)
                   for e in outbox(legal_db_url))  # fmt: skip
        assert (await send_due(legal_db, mail_settings(databases, tokens, smtp_sink),
                               clock)).sent == 0  # fmt: skip

    async def test_a_landlord_on_the_platform_is_not_summoned_here_the_tenant_is(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await landlord_against_tenant(client, tokens, clock)
        clock.today = date(2026, 11, 4)
        view = await act(client, tribunal(tokens), case_id, "hearings",
                         {"kind": "meeting", "scheduled_on": "2026-11-10"}, status=201)  # fmt: skip
        assert letters(legal_db_url)[1:] == [("summons", "pending", 0, view["hearings"][0]["id"])]
        assert sql(legal_db_url, "SELECT s.side FROM person_letters l JOIN case_parties s "
                   "ON s.id = l.party_id WHERE l.kind = 'summons'") == [("counterpart",)]  # fmt: skip

    async def test_a_refused_summons_queues_no_letter(self, legal_client, tokens, clock,
                                                      legal_db_url):  # fmt: skip
        client = await legal_client()
        case_id = await self.both_persons(client, tokens, clock)
        clock.today = date(2026, 11, 6)
        await act(client, tribunal(tokens), case_id, "hearings",
                  {"kind": "inspection", "scheduled_on": "2026-11-10"}, status=422)  # fmt: skip
        assert [r[0] for r in letters(legal_db_url)] == ["counterpart_notice"]
