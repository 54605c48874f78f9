"""Operations' resend: which delivery may be sent again, to which addresses, and what happens
to each address.

The stored message is sent again to the recipient's addresses in the directory *now* (after a
bad address was corrected, or once a broken relay is fixed). Still exactly once per event and
address: an address already sent to (or on its way) is left alone, a failed delivery to an
address still listed is reopened, a new address gets a new delivery.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from enum import StrEnum
from typing import Final

from notifications.domain.deliveries import DeliveryStatus
from notifications.domain.errors import NotResendableError
from notifications.domain.rules import Recipient, distinct_addresses, receives

RESENDABLE: Final = frozenset({DeliveryStatus.FAILED, DeliveryStatus.NO_ADDRESS})


def ensure_resendable(delivery_id: uuid.UUID, status: str) -> None:
    """Only a failed delivery, or one that found no address, is sent again (409)."""
    if status not in RESENDABLE:
        raise NotResendableError(
            f"Delivery '{delivery_id}' is '{status}': only failed deliveries and "
            "those that found no address can be sent again."
        )


def resend_addresses(
    recipient: Recipient,
    event_type: str,
    *,
    required: bool,
    addresses: Iterable[str],
    opt_outs: Collection[str],
) -> list[str]:
    """The addresses the message goes to again; 409 when the recipient still has none or has
    opted out of this optional message since."""
    kind, ref = recipient.kind.value, recipient.ref
    found = distinct_addresses(addresses)
    if not found:
        raise NotResendableError(
            f"The {kind} '{ref}' still has no address in the recipient directory: set one "
            f"(PUT /notifications/v1/recipients/{kind}/{ref}) and ask again."
        )
    if not receives(required=required, event_type=event_type, opt_outs=opt_outs):
        raise NotResendableError(f"The {kind} '{ref}' has opted out of '{event_type}' messages.")
    return found


class ResendStep(StrEnum):
    NEW = "new"  # the event has no delivery to this address yet
    REOPEN = "reopen"  # its delivery to this address failed: back to pending, attempts from 0
    KEEP = "keep"  # sent or on its way: left alone


def resend_step(existing_status: str | None) -> ResendStep:
    """What a resend does for one address, given the event's delivery to it (if any)."""
    if existing_status is None:
        return ResendStep.NEW
    if existing_status == DeliveryStatus.FAILED:
        return ResendStep.REOPEN
    return ResendStep.KEEP


def ensure_something_to_resend(recipient: Recipient, steps: Iterable[ResendStep]) -> None:
    """409 when every address already has the message (sent or on its way)."""
    if all(step is ResendStep.KEEP for step in steps):
        raise NotResendableError(
            f"Every address of the {recipient.kind.value} '{recipient.ref}' already has this "
            "message (sent or on its way)."
        )


def resent_meanwhile(recipient: Recipient) -> NotResendableError:
    """A concurrent resend of another of the event's deliveries reached one of these addresses
    first (409, like a resend after it had committed)."""
    return NotResendableError(
        f"An address of the {recipient.kind.value} '{recipient.ref}' already has this message: "
        "another resend of this event was being applied at the same moment. Read the delivery "
        "log; ask again only for an address still without it."
    )
