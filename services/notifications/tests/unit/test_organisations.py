"""Organisations named in messages: which ids an event names, and the name-or-id fallback."""

from common.events.contracts import (
    ApplicationPrequalifiedV1,
    OrganisationUpsertedV1,
    ReminderDueV1,
)
from notifications.domain.organisations import organisation_namer, referenced_organisations
from notifications.domain.rules import addressees, rule_for
from notifications.events.incoming import TOPICS
from notifications.services.messages import render


class TestReferencedOrganisations:
    def test_a_reminder_names_the_organisations_of_its_items(self):
        event = ReminderDueV1.example()
        found = referenced_organisations(event.model_dump(), [])
        assert found == {item.organisation_id for item in event.items}

    def test_participants_and_organisation_addressees_count(self):
        event = ApplicationPrequalifiedV1.example().model_copy(
            update={"organisation_ids": ["org-0101", "org-0202"]}
        )
        found = addressees(rule_for(event.event_type), event)
        assert referenced_organisations(event.model_dump(), found) >= {"org-0101", "org-0202"}


class TestNaming:
    def test_a_known_name_else_the_id(self):
        organisation = organisation_namer({"org-0101": "Boligselskabet Solgården"})
        assert organisation("org-0101") == "Boligselskabet Solgården"
        assert organisation("org-0999") == "org-0999"

    def test_rendering_without_names_keeps_the_id(self):
        event = ApplicationPrequalifiedV1.example()
        [organisation, *_] = addressees(rule_for(event.event_type), event)
        named = render(
            organisation,
            event,
            event_type=event.event_type,
            organisation_names={event.organisation_id: "Boligselskabet Solgården"},
        )
        plain = render(organisation, event, event_type=event.event_type)
        assert named.text.startswith("Til boligorganisationen Boligselskabet Solgården\n")
        assert plain.text.startswith(f"Til boligorganisationen {event.organisation_id}\n")


def test_the_consumer_reads_the_register_organisations():
    assert OrganisationUpsertedV1.topic in TOPICS
