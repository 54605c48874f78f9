"""The allocation service's events: who is told, and the Danish messages' content."""

from __future__ import annotations

from datetime import date

from common.events.contracts import (
    AgreementSignedV1,
    OfferAnsweredV1,
    OfferLapsedV1,
    OfferOpenedV1,
    OfferSource,
    SubsidyEndedV1,
    SubsidyGrantedV1,
)
from notifications.domain.danish import danish_amount
from notifications.domain.rules import Recipient, RecipientKind, addressees, rule_for
from notifications.services.messages import render

M, ORG = RecipientKind.MUNICIPALITY, RecipientKind.ORGANISATION


class TestAllocationRules:
    def test_an_opened_offer_tells_the_municipality_with_the_deadline(self):
        event = OfferOpenedV1.example()
        [addressee] = addressees(rule_for(event.event_type), event)
        assert (addressee.recipient, addressee.required) == (Recipient(M, "101"), True)
        message = render(addressee, event, event_type=event.event_type)
        assert message.subject == "Ledig bolig til kommunal anvisning – svarfrist 10. marts 2027"
        assert "Københavns Kommune" in message.text
        assert "senest 10. marts 2027 (7 hverdage)" in message.text
        assert "1. marts 2027" not in message.subject

    def test_a_private_notice_warns_what_silence_costs(self):
        event = OfferOpenedV1.example().model_copy(
            update={"offer_source": OfferSource.PRIVATE, "is_repeat": True}
        )
        [addressee] = addressees(rule_for(event.event_type), event)
        text = render(addressee, event, event_type=event.event_type).text
        assert "§ 51, stk. 4" in text
        assert "betaler kommunen alligevel lejen" in text

    def test_a_lapse_tells_both_with_the_amounts_owed(self):
        event = OfferLapsedV1.example()
        found = addressees(rule_for(event.event_type), event)
        assert [(a.recipient, a.required) for a in found] == [
            (Recipient(M, "101"), True),
            (Recipient(ORG, "landlord-17"), True),
        ]
        municipality_text = render(found[0], event, event_type=event.event_type).text
        landlord_text = render(found[1], event, event_type=event.event_type).text
        assert municipality_text.startswith("Til Københavns Kommune")
        assert landlord_text.startswith("Til landlord-17")
        assert "frem til 1. juni 2027" in municipality_text
        assert "19.500,00" in municipality_text
        assert "32.000,00" in municipality_text

    def test_a_social_lapse_hands_the_dwelling_back(self):
        event = OfferLapsedV1.example().model_copy(
            update={
                "offer_source": OfferSource.SOCIAL,
                "rent_owed": None,
                "rent_until": None,
                "compensation_owed": None,
                "organisation_id": "org-0101",
                "lapsed_on": date(2027, 3, 11),
            }
        )
        [_, organisation] = addressees(rule_for(event.event_type), event)
        text = render(organisation, event, event_type=event.event_type).text
        assert "går tilbage til boligorganisationen" in text
        assert "lejen" not in text

    def test_an_answer_is_optional_for_the_organisation_and_names_no_citizen(self):
        event = OfferAnsweredV1.example()
        [addressee] = addressees(rule_for(event.event_type), event)
        assert (addressee.recipient, addressee.required) == (Recipient(ORG, "org-0101"), False)
        message = render(addressee, event, event_type=event.event_type)
        assert "taget imod" in message.subject
        assert "SAG-2027-0042" not in message.text  # the case reference stays with the municipality


class TestAllocationDeadlineReminder:
    def test_the_municipality_is_reminded_of_the_deadline_and_its_cost(self):
        from common.events.contracts import OfferDeadlineApproachingV1

        event = OfferDeadlineApproachingV1.example()
        [addressee] = addressees(rule_for(event.event_type), event)
        assert (addressee.recipient, addressee.required) == (Recipient(M, "101"), True)
        message = render(addressee, event, event_type=event.event_type)
        assert message.subject == (
            "Påmindelse: svarfristen for boligen apt-3tv udløber 10. marts 2027"
        )
        assert "betaler kommunen alligevel lejen" in message.text


class TestSubsidyAndAgreement:
    def test_a_granted_subsidy_informs_the_organisation_with_the_amounts(self):
        event = SubsidyGrantedV1.example()
        [addressee] = addressees(rule_for(event.event_type), event)
        assert (addressee.recipient, addressee.required) == (
            Recipient(ORG, event.organisation_id),
            False,
        )
        message = render(addressee, event, event_type=event.event_type)
        assert message.subject == f"Huslejetilskud til boligen {event.dwelling_id}"
        assert danish_amount(event.first_monthly_amount) in message.text
        assert "aftrappes derefter over fem år" in message.text

    def test_an_ended_subsidy_informs_the_organisation_of_the_move_out(self):
        event = SubsidyEndedV1.example()
        [addressee] = addressees(rule_for(event.event_type), event)
        assert (addressee.recipient, addressee.required) == (
            Recipient(ORG, event.organisation_id),
            False,
        )
        message = render(addressee, event, event_type=event.event_type)
        assert message.subject == f"Huslejetilskuddet til boligen {event.dwelling_id} er ophørt"
        assert "fraflyttet den 15. september 2030" in message.text
        assert "intet fra den dag" in message.text

    def test_a_signed_agreement_informs_its_counterpart(self):
        event = AgreementSignedV1.example()
        [addressee] = addressees(rule_for(event.event_type), event)
        assert (addressee.recipient, addressee.required) == (
            Recipient(ORG, event.counterpart_id),
            False,
        )
        message = render(addressee, event, event_type=event.event_type)
        assert "Københavns Kommune" in message.subject
        assert event.agreement_id in message.text
