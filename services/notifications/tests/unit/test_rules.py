"""The rules table, Danish formatting, the delivery state rules — without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_decimal
from pydantic import ValidationError

from common.events.contracts import (
    CATALOGUE,
    ApplicationPrequalifiedV1,
    PackageSentV1,
    StatementSubmittedV1,
)
from common.municipalities import MUNICIPALITIES
from notifications.domain import danish
from notifications.domain.danish import danish_amount, danish_count, danish_date, danish_datetime
from notifications.domain.deliveries import (
    FailureKind,
    classify_smtp_code,
    delivery_id,
    message_id,
    retry_delay,
)
from notifications.domain.municipalities import municipality_name
from notifications.domain.rules import (
    NOTIFYING_TOPICS,
    RULES,
    Recipient,
    RecipientKind,
    addressees,
    optional_event_types,
    required_event_types,
    rule_for,
    wants,
)
from notifications.services.messages import render
from notifications.settings import NotificationsSettings

M, ORG = RecipientKind.MUNICIPALITY, RecipientKind.ORGANISATION


class TestRulesTable:
    def test_every_rule_reads_a_catalogued_contract_meant_for_this_service(self):
        for rule in RULES:
            assert rule.contract in CATALOGUE
            assert "notifications" in rule.contract.consumers

    def test_every_catalogued_event_for_this_service_has_a_rule(self):
        """Every event catalogued for this service notifies, except the register's
        organisations, which are kept for their names."""
        mine = {c.event_type for c in CATALOGUE if "notifications" in c.consumers}
        assert mine == {rule.event_type for rule in RULES} | {"register.organisation.upserted"}

    def test_the_consumer_reads_the_topics_of_the_rules(self):
        assert NOTIFYING_TOPICS == (
            "allocation.agreement.v1",
            "allocation.offer.v1",
            "allocation.subsidy.v1",
            "governance.package.v1",
            "governance.reminder.v1",
            "grants.application.v1",
            "grants.commitment.v1",
            "grants.payments.v1",
            "grants.plan.v1",
            "grants.report.v1",
            "legal-cases.case.v1",
            "legal-cases.owner.v1",
        )

    def test_package_sent_goes_to_the_home_and_each_other_location_municipality_once(self):
        event = PackageSentV1.example().model_copy(
            update={"location_municipality_codes": ["101", "147", "157"]}
        )
        found = addressees(rule_for("governance.package.sent"), event)
        assert [a.recipient for a in found] == [
            Recipient(M, "101"),
            Recipient(M, "147"),
            Recipient(M, "157"),
        ]
        assert [a.context["is_home"] for a in found] == [True, False, False]

    def test_prequalification_goes_to_the_organisation_and_the_recommending_municipality(self):
        found = addressees(
            rule_for("grants.application.prequalified"), ApplicationPrequalifiedV1.example()
        )
        assert [(a.recipient, a.required) for a in found] == [
            (Recipient(ORG, "org-0101"), True),
            (Recipient(M, "101"), False),
        ]

    def test_what_may_be_opted_out_of(self):
        assert optional_event_types(M) == {
            "governance.package.sent",
            "grants.application.prequalified",
            "legal_cases.case.filed",
            "legal_cases.case.appealed",
            "legal_cases.case.decision_final",
            "grants.application.rejected",
            "grants.application.transferred",
        }
        assert required_event_types(M) == {
            "governance.reminder.due",
            "legal_cases.case.decided",
            "legal_cases.case.deadline_reminder_due",
            "legal_cases.owner.noncompliance_threshold_reached",
            "allocation.offer.opened",
            "allocation.offer.deadline_approaching",
            "allocation.offer.lapsed",
        }
        assert optional_event_types(ORG) == {
            "governance.package.meeting_held",
            "governance.package.statement_submitted",
            "grants.application.submitted",
            "grants.plan.approved",
            "allocation.offer.answered",
            "allocation.subsidy.granted",
            "allocation.subsidy.ended",
            "allocation.agreement.signed",
        }
        assert required_event_types(ORG) == {
            "governance.package.returned",
            "grants.application.prequalified",
            "legal_cases.case.counterpart_notified",
            "legal_cases.case.decided",
            "legal_cases.case.deadline_reminder_due",
            "grants.application.rejected",
            "grants.commitment.granted",
            "grants.report.overdue",
            "grants.payments.stopped",
            "grants.payments.resumed",
            "allocation.offer.lapsed",
            "grants.application.transferred",
            "grants.report.status_overdue",
        }

    def test_a_required_message_ignores_opt_outs_an_optional_one_honours_them(self):
        (statement,) = addressees(
            rule_for("governance.package.statement_submitted"), StatementSubmittedV1.example()
        )
        opted = frozenset({"governance.package.statement_submitted"})
        assert not wants(statement, "governance.package.statement_submitted", opted)
        assert wants(statement, "governance.package.statement_submitted", frozenset())
        required = addressees(
            rule_for("grants.application.prequalified"), ApplicationPrequalifiedV1.example()
        )[0]
        assert wants(
            required,
            "grants.application.prequalified",
            frozenset({"grants.application.prequalified"}),
        )

    def test_an_event_type_without_rule_notifies_nobody(self):
        assert rule_for("register.lease.created") is None

    @pytest.mark.parametrize("rule", RULES, ids=lambda r: r.event_type)
    def test_every_template_renders_subject_text_and_html_in_danish(self, rule):
        event = rule.contract.example()
        for addressee in addressees(rule, event):
            message = render(addressee, event, event_type=rule.event_type)
            assert message.subject
            assert "\n" not in message.subject
            assert "{{" not in message.text
            assert "{{" not in message.html
            assert message.html.startswith("<!DOCTYPE html>")
            assert 'lang="da"' in message.html
            assert "Du kan ikke svare på den." in message.text


class TestDanishFormatting:
    def test_dates(self):
        assert danish_date(date(2026, 11, 24)) == "24. november 2026"
        assert danish_date(date(2027, 3, 1)) == "1. marts 2027"

    def test_a_timestamp_is_shown_in_danish_local_time(self):
        winter = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
        assert danish_date(winter) == "25. november 2026"  # past midnight in Copenhagen
        assert danish_datetime(winter) == "25. november 2026 kl. 00.30"
        summer = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
        assert danish_datetime(summer) == "1. juni 2026 kl. 14.00"

    def test_amounts(self):
        assert danish_amount(Decimal("12500000.00")) == "12.500.000,00 kr."
        assert danish_amount(Decimal("999.5")) == "999,50 kr."
        assert danish_amount(Decimal("-1234.56")) == "-1.234,56 kr."
        assert danish_amount(0) == "0,00 kr."

    def test_counts(self):
        assert danish_count(1, "afdeling", "afdelinger") == "1 afdeling"
        assert danish_count(2, "afdeling", "afdelinger") == "2 afdelinger"
        assert danish_count(1200, "bolig", "boliger") == "1.200 boliger"

    def test_a_value_is_formatted_once_and_reads_the_same_every_time(self, monkeypatch):
        """Every message of an event formats its time and counts in its subject, text and
        HTML, to each addressee: babel formats a value once (it costs tens of µs)."""
        formatted: list[object] = []

        def counted(value: object, **options: object) -> str:
            formatted.append(value)
            return format_decimal(value, **options)

        monkeypatch.setattr(danish, "format_decimal", counted)
        readings = {danish_count(987_654, "bolig", "boliger") for _ in range(3)}
        assert readings == {"987.654 boliger"}
        assert formatted == [987_654]
        # the same instant, wherever it was stamped, and a date of that day each read as before
        at = datetime(2031, 11, 24, 23, 30, tzinfo=UTC)
        copenhagen = at.astimezone(ZoneInfo("Europe/Copenhagen"))
        assert danish_datetime(at) == danish_datetime(copenhagen) == "25. november 2031 kl. 00.30"
        assert danish_date(copenhagen.date()) == "25. november 2031"
        assert danish_amount(Decimal("7")) == danish_amount(7) == "7,00 kr."

    def test_municipality_names(self):
        assert len(MUNICIPALITIES) == 98
        assert municipality_name("101") == "Københavns Kommune"
        assert municipality_name("147") == "Frederiksberg Kommune"
        assert municipality_name("400") == "Bornholms Regionskommune"
        assert municipality_name("999") == "kommune 999"


class TestDeliveryRules:
    def test_smtp_codes(self):
        assert classify_smtp_code(550) is FailureKind.PERMANENT
        assert classify_smtp_code(554) is FailureKind.PERMANENT
        assert classify_smtp_code(421) is FailureKind.TEMPORARY
        assert classify_smtp_code(451) is FailureKind.TEMPORARY

    def test_backoff_doubles_up_to_the_cap(self):
        delays = [retry_delay(n, base_seconds=30, cap_seconds=3600) for n in range(1, 10)]
        assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
        assert delays[-1] == timedelta(hours=1)
        assert retry_delay(10_000, base_seconds=30, cap_seconds=3600) == timedelta(hours=1)

    def test_message_id_is_a_function_of_event_and_address(self):
        event = uuid.UUID("3b0c5d8e-1f2a-4b6c-9d7e-5a4b3c2d1e0f")
        first = message_id(event, "a@kk.dk", "n.example")
        assert first == message_id(event, "A@KK.dk", "n.example")
        assert first != message_id(event, "b@kk.dk", "n.example")
        assert first != message_id(uuid.uuid4(), "a@kk.dk", "n.example")
        assert first.startswith("<")
        assert first.endswith("@n.example>")
        assert len(f"Message-ID: {first}") <= 78  # never folded onto a second line

    def test_delivery_ids_are_deterministic(self):
        event = uuid.uuid4()
        assert delivery_id(event, "municipality", "101", "a@kk.dk") == delivery_id(
            event, "municipality", "101", "a@kk.dk"
        )
        assert delivery_id(event, "municipality", "101", None) != delivery_id(
            event, "municipality", "101", "a@kk.dk"
        )


class TestSettings:
    def test_the_lease_must_outlast_an_smtp_attempt(self):
        with pytest.raises(ValidationError, match="LEASE_SECONDS must be longer"):
            NotificationsSettings(smtp_timeout_seconds=60, sender_lease_seconds=30)

    def test_compose_names(self, monkeypatch):
        monkeypatch.setenv("NOTIFICATIONS_SMTP_HOST", "mailcatcher")
        monkeypatch.setenv("NOTIFICATIONS_SMTP_PORT", "1025")
        settings = NotificationsSettings()
        assert (settings.smtp_host, settings.smtp_port) == ("mailcatcher", 1025)
