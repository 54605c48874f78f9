"""Operations' resend decided without a database: which delivery, which addresses, and what
happens to each address."""

from __future__ import annotations

import uuid

import pytest

from notifications.domain.deliveries import DeliveryStatus
from notifications.domain.errors import NotResendableError
from notifications.domain.resend import (
    ResendStep,
    ensure_resendable,
    ensure_something_to_resend,
    resend_addresses,
    resend_step,
)
from notifications.domain.rules import Recipient, RecipientKind

KK = Recipient(RecipientKind.MUNICIPALITY, "101")
SENT = "governance.package.sent"
DELIVERY = uuid.uuid4()


class TestEnsureResendable:
    @pytest.mark.parametrize("status", [DeliveryStatus.FAILED, DeliveryStatus.NO_ADDRESS])
    def test_a_failed_or_address_less_delivery_may_be_sent_again(self, status):
        ensure_resendable(DELIVERY, status)

    @pytest.mark.parametrize(
        "status",
        [
            DeliveryStatus.PENDING,
            DeliveryStatus.SENDING,
            DeliveryStatus.SENT,
            DeliveryStatus.OPTED_OUT,
        ],
    )
    def test_any_other_delivery_is_refused(self, status):
        with pytest.raises(NotResendableError, match="only failed deliveries"):
            ensure_resendable(DELIVERY, status)


class TestResendAddresses:
    def test_the_recipients_current_addresses_each_once(self):
        found = resend_addresses(
            KK, SENT, required=False, addresses=["b@kk.dk", "a@kk.dk", "a@kk.dk"], opt_outs=()
        )
        assert found == ["a@kk.dk", "b@kk.dk"]

    def test_a_recipient_still_without_address_is_refused(self):
        with pytest.raises(NotResendableError, match="still has no address"):
            resend_addresses(KK, SENT, required=False, addresses=[], opt_outs=())

    def test_a_recipient_that_opted_out_of_the_optional_message_is_refused(self):
        with pytest.raises(NotResendableError, match="opted out"):
            resend_addresses(KK, SENT, required=False, addresses=["a@kk.dk"], opt_outs={SENT})

    def test_a_required_message_ignores_an_opt_out(self):
        found = resend_addresses(KK, SENT, required=True, addresses=["a@kk.dk"], opt_outs={SENT})
        assert found == ["a@kk.dk"]


class TestResendStep:
    def test_an_address_the_event_has_no_delivery_to_gets_a_new_one(self):
        assert resend_step(None) is ResendStep.NEW

    def test_a_failed_delivery_to_a_listed_address_is_reopened(self):
        assert resend_step(DeliveryStatus.FAILED) is ResendStep.REOPEN

    @pytest.mark.parametrize(
        "status", [DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT]
    )
    def test_an_address_sent_to_or_on_its_way_is_left_alone(self, status):
        assert resend_step(status) is ResendStep.KEEP

    def test_nothing_to_resend_when_every_address_is_left_alone(self):
        with pytest.raises(NotResendableError, match="already has this message"):
            ensure_something_to_resend(KK, [ResendStep.KEEP, ResendStep.KEEP])

    def test_one_new_or_reopened_address_is_enough(self):
        ensure_something_to_resend(KK, [ResendStep.KEEP, ResendStep.REOPEN])
