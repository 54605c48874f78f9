"""The grants service's events: who is told, and what the Danish message says."""

from __future__ import annotations

from common.events.contracts import (
    ApplicationPrequalifiedV1,
    ApplicationRejectedV1,
    ApplicationTransferredV1,
    PaymentsStoppedV1,
    StatementOverdueV1,
    YearlyStatusOverdueV1,
)
from notifications.domain.rules import Recipient, RecipientKind, addressees, rule_for
from notifications.services.messages import render

M, ORG = RecipientKind.MUNICIPALITY, RecipientKind.ORGANISATION


def test_a_rejection_goes_to_every_organisation_required_and_the_municipality_optional():
    event = ApplicationRejectedV1.example().model_copy(
        update={"organisation_ids": ["org-0101", "org-0202"]}
    )
    found = addressees(rule_for("grants.application.rejected"), event)
    assert [(a.recipient, a.required) for a in found] == [
        (Recipient(ORG, "org-0101"), True),
        (Recipient(ORG, "org-0202"), True),
        (Recipient(M, "101"), False),
    ]


def test_the_rejection_letter_gives_the_reason_and_says_there_is_no_waiting_list():
    event = ApplicationRejectedV1.example()
    (organisation, _) = addressees(rule_for(event.event_type), event)
    message = render(organisation, event, event_type=event.event_type)
    assert "afslag" in message.subject
    assert "Begrundelse: Området opfylder ikke fondens hovedbetingelser" in message.text
    assert "ingen ventelister" in message.text
    assert "Til boligorganisationen org-0101" in message.text


def test_the_overdue_reminder_names_the_year_and_the_deadline():
    event = StatementOverdueV1.example()
    (organisation,) = addressees(rule_for(event.event_type), event)
    assert organisation.required
    message = render(organisation, event, event_type=event.event_type)
    assert message.subject == (
        "Påmindelse: reguleringskontoopgørelsen for 2025 i sag app-2026-0042 mangler"
    )
    assert "Fristen var den 30. juni 2026" in message.text
    assert "udbetalingerne fra Landsbyggefonden stoppes" in message.text


def test_a_payment_stop_names_the_missing_years():
    event = PaymentsStoppedV1.example().model_copy(update={"overdue_years": [2024, 2025]})
    (organisation,) = addressees(rule_for(event.event_type), event)
    message = render(organisation, event, event_type=event.event_type)
    assert "reguleringskontoopgørelsen for 2024, 2025 ikke er modtaget" in message.text


def test_prequalification_also_tells_the_other_participating_organisations():
    event = ApplicationPrequalifiedV1.example().model_copy(
        update={"organisation_ids": ["org-0101", "org-0202", "org-0303"]}
    )
    found = addressees(rule_for(event.event_type), event)
    assert [(a.recipient, a.template, a.required) for a in found] == [
        (Recipient(ORG, "org-0101"), "application_prequalified", True),
        (Recipient(M, "101"), "application_prequalified_municipality", False),
        (Recipient(ORG, "org-0202"), "application_prequalified_participant", True),
        (Recipient(ORG, "org-0303"), "application_prequalified_participant", True),
    ]
    message = render(found[2], event, event_type=event.event_type)
    assert message.text.startswith("Til boligorganisationen org-0202")
    assert "som boligorganisationen org-0101 har indsendt, og som I deltager i" in message.text


def test_an_older_producer_without_organisation_ids_tells_the_lead_only():
    event = ApplicationPrequalifiedV1.example().model_copy(update={"organisation_ids": None})
    found = addressees(rule_for(event.event_type), event)
    assert [a.recipient for a in found] == [Recipient(ORG, "org-0101"), Recipient(M, "101")]


def test_a_transfer_tells_the_owning_organisations_and_the_municipality():
    event = ApplicationTransferredV1.example().model_copy(
        update={"department_ids": ["dep-0413", "dep-0414"]}
    )
    found = addressees(rule_for(event.event_type), event)
    assert [(a.recipient, a.template, a.required) for a in found] == [
        (Recipient(ORG, "org-0101"), "application_transferred", True),
        (Recipient(M, "101"), "application_transferred_municipality", False),
    ]
    message = render(found[0], event, event_type=event.event_type)
    assert message.subject == (
        "Afdelinger fra sag app-2026-0042 er overført til landsdispositionsfonden "
        "(sag app-2026-0077)"
    )
    assert "Afdelingerne dep-0413, dep-0414 er ikke omfattet af huslejestøtten." in message.text
    assert "almindelig driftsstøttesag, sag app-2026-0077" in message.text
    assert "Der gives ikke endeligt afslag, før driftsstøttesagen er afgjort." in message.text
    to_municipality = render(found[1], event, event_type=event.event_type)
    assert to_municipality.text.startswith("Til ")
    assert "afdelingerne dep-0413, dep-0414 fra ansøgningen om huslejestøtte" in (
        to_municipality.text
    )


def test_the_yearly_status_reminder_names_the_year_and_the_deadline():
    event = YearlyStatusOverdueV1.example()
    (organisation,) = addressees(rule_for(event.event_type), event)
    assert organisation.required
    message = render(organisation, event, event_type=event.event_type)
    assert message.subject == (
        "Påmindelse: status på mål, indikatorer og aktiviteter for 2025 i sag app-2026-0042 mangler"
    )
    assert "Fristen var den 30. juni 2026" in message.text
    assert "udbetalingerne fra Landsbyggefonden stoppes" in message.text
