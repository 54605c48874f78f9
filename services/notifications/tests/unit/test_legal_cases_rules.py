"""Who the rent tribunal events notify (legal-cases), and what the Danish letters say."""

from __future__ import annotations

from common.events.contracts import (
    CaseDecidedV1,
    CaseFiledV1,
    CounterpartNotifiedV1,
    DeadlineReminderDueV1,
    NonComplianceThresholdReachedV1,
)
from notifications.domain.rules import Recipient, RecipientKind, addressees, rule_for
from notifications.services.messages import render

M, ORG = RecipientKind.MUNICIPALITY, RecipientKind.ORGANISATION


def recipients(event_type, event):
    return [(a.recipient, a.template, a.required) for a in addressees(rule_for(event_type), event)]


class TestLegalCasesRules:
    def test_a_filed_case_tells_the_tribunals_secretariat_optionally(self):
        assert recipients("legal_cases.case.filed", CaseFiledV1.example()) == [
            (Recipient(M, "101"), "legal_case_filed", False)
        ]

    def test_the_counterpart_notification_goes_to_a_landlord_on_the_platform(self):
        assert recipients(
            "legal_cases.case.counterpart_notified", CounterpartNotifiedV1.example()
        ) == [(Recipient(ORG, "ll-0042"), "legal_counterpart_notified", True)]

    def test_a_counterpart_without_a_landlord_id_is_written_to_by_the_tribunal_not_here(self):
        event = CounterpartNotifiedV1.example().model_copy(
            update={"counterpart_organisation_id": None, "counterpart_kind": "tenant"}
        )
        assert recipients("legal_cases.case.counterpart_notified", event) == []

    def test_the_decision_goes_to_the_landlord_and_a_filing_municipality(self):
        event = CaseDecidedV1.example().model_copy(update={"filing_municipality_code": "147"})
        assert recipients("legal_cases.case.decided", event) == [
            (Recipient(ORG, "ll-0042"), "legal_case_decided", True),
            (Recipient(M, "147"), "legal_case_decided", True),
        ]

    def test_the_threshold_tells_every_involved_tribunal(self):
        assert [
            r for r, _, _ in recipients(
                "legal_cases.owner.noncompliance_threshold_reached",
                NonComplianceThresholdReachedV1.example(),
            )
        ] == [Recipient(M, "101"), Recipient(M, "147")]  # fmt: skip

    def test_the_decision_letter_notice_is_danish_with_the_appeal_guidance(self):
        [addressee] = addressees(rule_for("legal_cases.case.decided"), CaseDecidedV1.example())
        message = render(addressee, CaseDecidedV1.example(), event_type="legal_cases.case.decided")
        assert message.subject == (
            "Huslejenævnet i Københavns Kommune har truffet afgørelse i sag hln-2027-000123"
        )
        assert "klageren har fået fuldt medhold" in message.text
        assert "7.171,00 kr." in message.text
        assert "ankenævnet, jf. § 89" in message.text
        assert "senest den 31. maj 2027" in message.text

    def test_the_counterpart_letter_names_the_reply_deadline(self):
        event = CounterpartNotifiedV1.example()
        [addressee] = addressees(rule_for(event.event_type), event)
        message = render(addressee, event, event_type=event.event_type)
        assert "svarfrist 5. april 2027" in message.subject
        assert "senest den 5. april 2027" in message.text
        assert "<strong>5. april 2027</strong>" in message.html

    def test_a_deadline_reminder_goes_to_the_landlord_that_must_reply(self):
        event = DeadlineReminderDueV1.example()
        assert recipients(event.event_type, event) == [
            (Recipient(ORG, "ll-0042"), "legal_deadline_reminder", True)
        ]
        [addressee] = addressees(rule_for(event.event_type), event)
        message = render(addressee, event, event_type=event.event_type)
        assert message.subject == (
            "Påmindelse: frist 5. april 2027 i sag hln-2027-000123 ved huslejenævnet"
        )
        assert "jeres bemærkninger til sagen (§ 82, stk. 3)" in message.text
        assert "udløber den 5. april 2027" in message.text

    def test_a_question_to_a_filing_municipality_reminds_the_municipality(self):
        event = DeadlineReminderDueV1.example().model_copy(
            update={"deadline_kind": "question", "party_side": "complainant",
                    "party_kind": "municipality", "party_organisation_id": None,
                    "party_municipality_code": "147"}
        )  # fmt: skip
        assert recipients(event.event_type, event) == [
            (Recipient(M, "147"), "legal_deadline_reminder", True)
        ]
        [addressee] = addressees(rule_for(event.event_type), event)
        assert (
            "svar på nævnets spørgsmål"
            in render(addressee, event, event_type=event.event_type).text
        )
