"""What an event that notifies turns into, decided without a database: who is still to be
notified, and what each addressee gets given its directory entry."""

from __future__ import annotations

from common.events.contracts import (
    ApplicationPrequalifiedV1,
    PackageReturnedV1,
    PackageSentV1,
    StatementSubmittedV1,
)
from notifications.domain.deliveries import DeliveryStatus
from notifications.domain.rules import (
    PlannedDelivery,
    Recipient,
    RecipientKind,
    addressees,
    deliveries_for,
    distinct_addresses,
    not_yet_notified,
    receives,
    rule_for,
)

M, ORG = RecipientKind.MUNICIPALITY, RecipientKind.ORGANISATION
SENT = "governance.package.sent"
STATEMENT = "governance.package.statement_submitted"
RETURNED = "governance.package.returned"


def package_sent_to(*codes: str):
    event = PackageSentV1.example().model_copy(
        update={"home_municipality_code": codes[0], "location_municipality_codes": list(codes)}
    )
    return addressees(rule_for(SENT), event)


def the_addressee(event_type: str, event):
    (addressee,) = addressees(rule_for(event_type), event)
    return addressee


class TestNotYetNotified:
    def test_a_first_delivery_of_an_event_notifies_every_addressee(self):
        found = package_sent_to("101", "147")
        assert not_yet_notified(found, set()) == found

    def test_a_replayed_event_adds_nothing_for_a_recipient_it_already_reached(self):
        found = package_sent_to("101", "147")
        remaining = not_yet_notified(found, {Recipient(M, "101")})
        assert [a.recipient for a in remaining] == [Recipient(M, "147")]

    def test_an_event_that_reached_everyone_notifies_nobody_again(self):
        found = package_sent_to("101", "147")
        assert not_yet_notified(found, {Recipient(M, "101"), Recipient(M, "147")}) == []

    def test_an_organisation_with_the_same_ref_as_a_reached_municipality_is_still_notified(self):
        (organisation, municipality) = addressees(
            rule_for("grants.application.prequalified"),
            ApplicationPrequalifiedV1.example().model_copy(
                update={
                    "organisation_id": "101",
                    "organisation_ids": ["101"],
                    "municipality_code": "101",
                }
            ),
        )
        assert not_yet_notified([organisation, municipality], {Recipient(M, "101")}) == [
            organisation
        ]


class TestDeliveriesFor:
    def test_each_address_gets_its_own_pending_delivery_once_in_a_stable_order(self):
        (home,) = package_sent_to("101")
        planned = deliveries_for(home, SENT, ["b@kk.dk", "a@kk.dk", "b@kk.dk"], ())
        assert planned == [
            PlannedDelivery("a@kk.dk", DeliveryStatus.PENDING),
            PlannedDelivery("b@kk.dk", DeliveryStatus.PENDING),
        ]

    def test_a_recipient_without_addresses_gets_one_no_address_delivery(self):
        (home,) = package_sent_to("101")
        assert deliveries_for(home, SENT, [], ()) == [
            PlannedDelivery(None, DeliveryStatus.NO_ADDRESS)
        ]

    def test_no_address_wins_over_an_opt_out(self):
        (home,) = package_sent_to("101")
        assert deliveries_for(home, SENT, [], {SENT}) == [
            PlannedDelivery(None, DeliveryStatus.NO_ADDRESS)
        ]

    def test_an_optional_message_opted_out_of_gets_one_opted_out_delivery(self):
        statement = the_addressee(STATEMENT, StatementSubmittedV1.example())
        assert deliveries_for(statement, STATEMENT, ["post@org.dk"], {STATEMENT}) == [
            PlannedDelivery(None, DeliveryStatus.OPTED_OUT)
        ]

    def test_an_opt_out_of_another_message_changes_nothing(self):
        statement = the_addressee(STATEMENT, StatementSubmittedV1.example())
        assert deliveries_for(statement, STATEMENT, ["post@org.dk"], {SENT}) == [
            PlannedDelivery("post@org.dk", DeliveryStatus.PENDING)
        ]

    def test_a_required_message_ignores_a_stale_opt_out(self):
        returned = the_addressee(RETURNED, PackageReturnedV1.example())
        assert returned.required
        assert deliveries_for(returned, RETURNED, ["post@org.dk"], {RETURNED}) == [
            PlannedDelivery("post@org.dk", DeliveryStatus.PENDING)
        ]


class TestReceives:
    def test_an_optional_message_is_received_unless_opted_out_of(self):
        assert receives(required=False, event_type=SENT, opt_outs=())
        assert not receives(required=False, event_type=SENT, opt_outs={SENT})

    def test_a_required_message_is_always_received(self):
        assert receives(required=True, event_type=RETURNED, opt_outs={RETURNED})


class TestDistinctAddresses:
    def test_each_address_once_sorted(self):
        assert distinct_addresses(["b@x.dk", "a@x.dk", "b@x.dk"]) == ["a@x.dk", "b@x.dk"]
