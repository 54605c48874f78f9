"""The offer's state machine: a vacancy that is the municipality's opens an offer.

``open`` → ``accepted`` (the municipality names the citizen's case by reference) |
``declined`` | ``lapsed`` (the answer deadline passed; the job marks it). Only an open offer
can be answered; answering a closed one is a conflict, so of two acceptances exactly one wins.
For a private landlord's notice a ``no`` after the deadline is recorded as ``declined_late``.
"""

from __future__ import annotations

import re
from enum import StrEnum

from allocation.domain.errors import NoticeRuleError


class OfferStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DECLINED_LATE = "declined_late"
    LAPSED = "lapsed"


class OfferSource(StrEnum):
    SOCIAL = "social"  # a social dwelling under an allocation agreement (seed 003)
    PRIVATE = "private"  # a landlord's vacancy notice under a chapter 7 agreement


TERMINAL = frozenset(OfferStatus) - {OfferStatus.OPEN}

# A case reference is the municipality's own case number, never a CPR number or a name.
_CASE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{2,63}$")
_CPR_LIKE = re.compile(r"\d{6}-?\d{4}")


def check_case_reference(reference: str) -> str:
    """The citizen's case reference: a case number, and never anything that looks like a CPR
    number (6 + 4 digits) — no personal data travels in events."""
    if not _CASE_REFERENCE.match(reference):
        raise NoticeRuleError(
            "The case reference must be the municipality's case number: 3–64 letters, digits "
            "and . _ / : - (no spaces, no names)."
        )
    if _CPR_LIKE.search(reference):
        raise NoticeRuleError(
            "The case reference looks like a CPR number; give the case number instead "
            "(no personal data in the allocation service)."
        )
    return reference


# The dashboard's ages of open offers: (label, lowest age in days, highest or None).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-6 days", 0, 6),
    ("7-13 days", 7, 13),
    ("14-29 days", 14, 29),
    ("30+ days", 30, None),
)


def bucket_counts(ages: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """(age in days, count) → the count per bucket, in bucket order."""
    return [
        (label, sum(n for age, n in ages if age >= low and (high is None or age <= high)))
        for label, low, high in AGE_BUCKETS
    ]
