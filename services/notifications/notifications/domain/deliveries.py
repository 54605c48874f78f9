"""A delivery: one message for one event to one recipient address, and how it moves.

States::

    pending ──claim──▶ sending ──accepted──▶ sent
       ▲                  │  ├──5xx──────────▶ failed (DeliveryFailedV1)
       └──4xx / no answer─┘  └──attempts used─▶ failed
    no_address   the recipient has no address in the directory (nothing to send)
    opted_out    the recipient opted out of this optional message

A delivery left in ``sending`` beyond its lease was interrupted (the worker died between
handing the message to the SMTP server and recording the answer). Its Message-ID is derived
from (event id, address), so the same message keeps the same Message-ID however often it is
handed over.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    NO_ADDRESS = "no_address"
    OPTED_OUT = "opted_out"


OPEN_STATUSES: Final = frozenset({DeliveryStatus.PENDING, DeliveryStatus.SENDING})

# Namespace of the deterministic delivery ids (uuid5 of event id and address).
_DELIVERY_NAMESPACE: Final = uuid.UUID("5c3f7a52-8f0e-4c52-9a57-6a3c1f0d2e41")


def delivery_id(
    event_id: uuid.UUID, recipient_kind: str, recipient_ref: str, address: str | None
) -> uuid.UUID:
    """The same (event, recipient, address) always gets the same id."""
    return uuid.uuid5(
        _DELIVERY_NAMESPACE, f"{event_id}|{recipient_kind}|{recipient_ref}|{address or ''}"
    )


def message_id(event_id: uuid.UUID, address: str, domain: str) -> str:
    """``<hex@domain>``: a function of (event id, address) only, so a resend is recognisable."""
    digest = hashlib.sha256(f"{event_id}|{address.lower()}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class FailureKind(StrEnum):
    TEMPORARY = "temporary"  # 4xx, connection refused, timeout: try again later
    PERMANENT = "permanent"  # 5xx: the address or the message is refused for good


@dataclass(frozen=True, slots=True)
class SendFailure:
    kind: FailureKind
    reason: str  # the server's answer, e.g. "550 5.1.1 mailbox unavailable"


def classify_smtp_code(code: int) -> FailureKind:
    """RFC 5321: 4yz is a transient negative reply, 5yz a permanent one."""
    return FailureKind.PERMANENT if 500 <= code <= 599 else FailureKind.TEMPORARY


def retry_delay(attempts: int, *, base_seconds: float, cap_seconds: float) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed attempt: base, 2·base, 4·base, …
    never more than the cap."""
    exponent = max(attempts - 1, 0)
    seconds = base_seconds * (2 ** min(exponent, 32))
    return timedelta(seconds=min(seconds, cap_seconds))
