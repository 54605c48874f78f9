"""The municipal allocation right to social housing (seed 003, "Regler for kommunal anvisning").

The municipality may use the right to **every fourth** vacant family dwelling (and youth
dwelling) of a housing organisation in the municipality; by a voluntary agreement with the
organisation it may get more, or the agreement may list **specific dwellings** that go to the
municipality whenever they become vacant. An agreement is valid from one day to another (or
until further notice).

Counting: the vacancies of the agreement's organisation and housing type in its municipality are
numbered 1, 2, 3, … from the agreement's first valid day; under a share ``p/q`` vacancy ``n`` is
the municipality's when ``floor(n·p/q) > floor((n−1)·p/q)`` — for ``1/4`` that is the 4th, 8th,
12th, …; for ``1/3`` the 3rd, 6th, …; for ``2/5`` the 3rd, 5th, 8th, 10th, …
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction

from allocation.domain.errors import AgreementRuleError

STATUTORY_SHARE = Fraction(1, 4)


class AgreementKind(StrEnum):
    QUOTA = "quota"  # every n-th vacancy (1/4 by law, more by agreement)
    LISTED = "listed"  # specific dwellings, whenever they become vacant


class CountedHousingType(StrEnum):
    FAMILY = "family"
    YOUTH = "youth"


@dataclass(frozen=True, slots=True)
class AgreementTerms:
    kind: AgreementKind
    housing_type: CountedHousingType
    valid_from: date
    valid_to: date | None = None
    share: Fraction | None = None  # QUOTA only
    dwelling_ids: frozenset[str] = field(default_factory=frozenset)  # LISTED only
    organisation_consent: bool = False  # a share above 1/4 needs the organisation's agreement

    def __post_init__(self) -> None:
        validate_terms(self)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def validate_terms(terms: AgreementTerms) -> None:
    if terms.valid_to is not None and terms.valid_to < terms.valid_from:
        raise AgreementRuleError(
            f"The agreement ends ({terms.valid_to}) before it starts ({terms.valid_from})."
        )
    if terms.kind is AgreementKind.QUOTA:
        if terms.dwelling_ids:
            raise AgreementRuleError("A quota agreement does not list dwellings; omit them.")
        if terms.share is None or not 0 < terms.share <= 1:
            raise AgreementRuleError(
                "A quota agreement needs a share above 0 and at most 1, e.g. 1/4 "
                "(every fourth vacant dwelling)."
            )
        if terms.share > STATUTORY_SHARE and not terms.organisation_consent:
            raise AgreementRuleError(
                f"The statutory right is every fourth vacant dwelling; a share of "
                f"{terms.share} needs the housing organisation's agreement "
                "(organisation_consent)."
            )
    else:
        if terms.share is not None:
            raise AgreementRuleError("A listed agreement has no share; list the dwellings.")
        if not terms.dwelling_ids:
            raise AgreementRuleError("A listed agreement must list at least one dwelling.")


def is_municipal_turn(share: Fraction, n: int) -> bool:
    """Whether the ``n``-th vacancy (1-based) under ``share`` is the municipality's."""
    if n < 1:
        raise ValueError(f"vacancies are numbered from 1, got {n}")
    return (n * share.numerator) // share.denominator > (
        (n - 1) * share.numerator
    ) // share.denominator


@dataclass(frozen=True, slots=True)
class Decision:
    """What a vacancy means under one agreement: whether it is counted (and as which number)
    and whether it is the municipality's."""

    counted: bool
    number: int | None
    municipal: bool


def decide_vacancy(
    terms: AgreementTerms,
    counted_so_far: int,
    *,
    dwelling_id: str,
    housing_type: str,
    vacant_from: date,
) -> Decision:
    """The agreement's decision on one new vacancy of its organisation in its municipality.

    ``counted_so_far`` is how many vacancies the agreement has counted before this one."""
    if housing_type != terms.housing_type.value or not terms.valid_on(vacant_from):
        return Decision(False, None, False)
    if terms.kind is AgreementKind.LISTED:
        listed = dwelling_id in terms.dwelling_ids
        return Decision(listed, None, listed)
    assert terms.share is not None
    number = counted_so_far + 1
    return Decision(True, number, is_municipal_turn(terms.share, number))


def parse_share(text: str) -> Fraction:
    """``"1/4"`` → ``Fraction(1, 4)``; refuses anything but ``p/q`` with small positive ints."""
    numerator, sep, denominator = text.partition("/")
    if not sep or not numerator.isdigit() or not denominator.isdigit():
        raise AgreementRuleError(f"The share {text!r} must be written as p/q, e.g. 1/4.")
    p, q = int(numerator), int(denominator)
    if q == 0 or p == 0 or q > 1000 or p > q:
        raise AgreementRuleError(f"The share {text!r} must be above 0 and at most 1, e.g. 1/4.")
    return Fraction(p, q)


def municipal_numbers(share: Fraction, upto: int) -> list[int]:
    return [n for n in range(1, upto + 1) if is_municipal_turn(share, n)]


def first_valid(agreements: Iterable[AgreementTerms], day: date) -> AgreementTerms | None:
    return next((a for a in agreements if a.valid_on(day)), None)
