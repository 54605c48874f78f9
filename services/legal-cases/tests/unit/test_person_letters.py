"""Who this service writes to itself, the address check, the backoff and the Danish texts."""

from __future__ import annotations

from datetime import date

import pytest

from legal_cases.domain.person_letters import (
    counterpart_notice,
    deadline_reminder,
    decision_notice,
    retry_delay_seconds,
    summons,
    valid_email,
    written_to_by_service,
)


@pytest.mark.parametrize(
    ("kind", "organisation_id", "email", "expected"),
    [
        ("tenant", None, "a@b.dk", True),
        ("tenant", None, None, False),  # no address: the tribunal writes on paper
        ("tenant", None, "", False),
        ("residents_representation", None, "r@b.dk", True),
        ("landlord", None, "private@b.dk", True),  # a private landlord is a person
        ("landlord", "ll-1", "company@b.dk", False),  # the notification service writes
        ("municipality", None, "k@b.dk", False),  # the notification service writes
    ],
)
def test_the_service_writes_itself_only_to_persons_with_an_address(
    kind, organisation_id, email, expected
):
    assert written_to_by_service(kind=kind, organisation_id=organisation_id, email=email) is (
        expected
    )


@pytest.mark.parametrize("address", ["anna@example.dk", "a.b+c@sub.example.com"])
def test_plausible_addresses_pass(address):
    assert valid_email(address)


@pytest.mark.parametrize(
    "address", ["a@b", "a@@b.dk", "a b@c.dk", "<a@b.dk>", "a@b.dk, c@d.dk", "x" * 250 + "@e.dk"]
)
def test_malformed_or_multiple_addresses_fail(address):
    assert not valid_email(address)


def test_backoff_doubles_and_is_capped():
    assert [retry_delay_seconds(n) for n in (1, 2, 3, 7, 8)] == [60, 120, 240, 3600, 3600]


def test_the_texts_name_the_case_the_date_and_the_rule():
    notice = counterpart_notice(case_id="hln-1", tribunal_name="Aarhus",
                                category_label="Huslejens størrelse",
                                reply_due=date(2026, 11, 17))  # fmt: skip
    assert notice.subject == "Huslejenævnet i Aarhus: ny sag hln-1"
    assert "senest 17. november 2026" in notice.body
    assert "(sag hln-1, huslejens størrelse)" in notice.body
    decision = decision_notice(case_id="hln-1", tribunal_name="Aarhus",
                               outcome_label="Modparten får medhold",
                               decided_on=date(2026, 11, 20), appeal_due=date(2026, 12, 18))  # fmt: skip
    assert "truffet afgørelse i sag hln-1: Modparten får medhold." in decision.body
    assert "senest 18. december 2026" in decision.body
    reminder = deadline_reminder(case_id="hln-1", tribunal_name="Aarhus", kind="question",
                                 due_on=date(2026, 11, 17))  # fmt: skip
    assert "Deres svar på nævnets spørgsmål (§ 83, stk. 4)" in reminder.body


@pytest.mark.parametrize(
    ("kind", "subject", "rule"),
    [("inspection", "indkaldelse til besigtigelse", "§ 85, stk. 1"),
     ("meeting", "indkaldelse til møde", "§ 85, stk. 2")],
)  # fmt: skip
def test_the_summons_names_what_when_and_the_rule(kind, subject, rule):
    letter = summons(case_id="HN-1", tribunal_name="Frederiksberg", kind=kind,
                     scheduled_on=date(2026, 11, 16), summoned_on=date(2026, 11, 6))  # fmt: skip
    assert letter.subject == f"Huslejenævnet i Frederiksberg: {subject} i sag HN-1"
    assert rule in letter.body
    assert "den 16. november 2026" in letter.body
    assert "sendt den 6. november 2026" in letter.body
