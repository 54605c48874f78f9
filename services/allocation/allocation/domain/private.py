"""Allocation rights in private rentals (seed 004, chapter 7, §§ 51–56).

* § 51: a right to (a) at most every fourth apartment that becomes vacant — the first vacant one
  goes to the municipality, and the right can be used at most as many times as the agreed share
  of the property's apartments — or (b) specific apartments: at least 2, at most 25 % of the
  property's apartments.
* § 53: one agreement per property, ever; it is registered (tinglyst) on the property.
* § 54: compensation = the property's apartments × the agreed frequency (the number of rights)
  × the agreed price per right; a one-off part at signing of at most 20 %, the rest paid per use
  (the remaining compensation per right).
* § 55: the state refunds only if Udbetaling Danmark promised the refund before the agreement
  was signed; at most 30,000 DKK per apartment at the municipality's disposal; the one-off part's
  refund is the maximum refund × the agreement's one-off percentage, and needs proof of
  registration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from allocation.domain.errors import AgreementRuleError
from common.money import to_dkk

MAX_EVERY_NTH = Fraction(1, 4)
MIN_SPECIFIC = 2
MAX_SPECIFIC_SHARE = Fraction(1, 4)
MAX_ONE_OFF_SHARE = Decimal("0.20")
REFUND_CAP_PER_APARTMENT = Decimal("30000.00")


class PrivateKind(StrEnum):
    EVERY_NTH = "every_nth"  # § 51(1)(1): at most every fourth vacant apartment
    SPECIFIC = "specific"  # § 51(1)(2): specific apartments


@dataclass(frozen=True, slots=True)
class PrivateTerms:
    kind: PrivateKind
    apartments_in_property: int
    price_per_right: Decimal
    one_off: Decimal
    signed_on: date
    frequency: Fraction | None = None  # EVERY_NTH
    specific_apartments: frozenset[str] = field(default_factory=frozenset)  # SPECIFIC
    refund_promised_on: date | None = None
    registered_on: date | None = None

    def __post_init__(self) -> None:
        validate_private_terms(self)

    @property
    def rights(self) -> int:
        """How many apartments the municipality can dispose of (the uses of the right)."""
        if self.kind is PrivateKind.SPECIFIC:
            return len(self.specific_apartments)
        assert self.frequency is not None
        return int(self.apartments_in_property * self.frequency)

    @property
    def compensation(self) -> Decimal:
        return to_dkk(self.price_per_right * self.rights)

    @property
    def one_off_share(self) -> Decimal:
        return self.one_off / self.compensation if self.compensation else Decimal(0)

    @property
    def per_use(self) -> Decimal:
        """The compensation paid each time the right is used (the rest, per right)."""
        return to_dkk((self.compensation - self.one_off) / self.rights)


def validate_private_terms(terms: PrivateTerms) -> None:
    if terms.apartments_in_property < 1:
        raise AgreementRuleError("The property must have at least one apartment.")
    if terms.price_per_right <= 0:
        raise AgreementRuleError("The price per allocation right must be above 0 DKK.")
    if terms.one_off < 0:
        raise AgreementRuleError("The one-off part cannot be negative.")
    if terms.kind is PrivateKind.EVERY_NTH:
        if terms.specific_apartments:
            raise AgreementRuleError("An every-nth agreement lists no apartments; omit them.")
        if terms.frequency is None or not 0 < terms.frequency <= MAX_EVERY_NTH:
            raise AgreementRuleError(
                "§ 51(1)(1): the right covers at most every fourth vacant apartment; "
                "give a frequency above 0 and at most 1/4."
            )
        if int(terms.apartments_in_property * terms.frequency) < 1:
            raise AgreementRuleError(
                f"{terms.apartments_in_property} apartment(s) × {terms.frequency} gives no "
                "whole allocation right; the share of the property's apartments must be ≥ 1."
            )
    else:
        if terms.frequency is not None:
            raise AgreementRuleError("A specific-apartments agreement has no frequency.")
        count = len(terms.specific_apartments)
        if count < MIN_SPECIFIC:
            raise AgreementRuleError(
                f"§ 51(3): the right must cover at least {MIN_SPECIFIC} apartments; {count} listed."
            )
        if count > terms.apartments_in_property * MAX_SPECIFIC_SHARE:
            raise AgreementRuleError(
                f"§ 51(3): at most 25 % of the property's {terms.apartments_in_property} "
                f"apartments may be covered; {count} listed."
            )
    if terms.one_off > terms.compensation * MAX_ONE_OFF_SHARE:
        raise AgreementRuleError(
            f"§ 54(3): the one-off part may be at most 20 % of the compensation "
            f"({to_dkk(terms.compensation * MAX_ONE_OFF_SHARE)} DKK of "
            f"{terms.compensation} DKK); {to_dkk(terms.one_off)} DKK given."
        )
    if terms.registered_on is not None and terms.registered_on < terms.signed_on:
        raise AgreementRuleError("The agreement cannot be registered before it is signed.")


def refund_eligible(terms: PrivateTerms) -> bool:
    """§ 55(1): refund only when promised by Udbetaling Danmark before the agreement was signed
    (a promise on the signing day counts as before)."""
    return terms.refund_promised_on is not None and terms.refund_promised_on <= terms.signed_on


def refund_cap(terms: PrivateTerms) -> Decimal:
    """§ 55(3): at most 30,000 DKK per apartment the municipality can dispose of."""
    return to_dkk(REFUND_CAP_PER_APARTMENT * terms.rights) if refund_eligible(terms) else to_dkk(0)


def one_off_refund(terms: PrivateTerms) -> Decimal:
    """§ 55(2),(4): the maximum refund × the agreement's one-off percentage, never more than the
    one-off paid, and only with proof of registration."""
    if not refund_eligible(terms) or terms.registered_on is None:
        return to_dkk(0)
    return to_dkk(min(terms.one_off, refund_cap(terms) * terms.one_off_share))


def per_use_refund(terms: PrivateTerms) -> Decimal:
    """The refund of one per-use payment: the rest of the cap spread over the rights."""
    if not refund_eligible(terms):
        return to_dkk(0)
    rest = refund_cap(terms) * (1 - terms.one_off_share) / terms.rights
    return to_dkk(min(terms.per_use, rest))


def is_every_nth_turn(frequency: Fraction, n: int) -> bool:
    """§ 51(2): the first vacant apartment goes to the municipality, then every 1/frequency-th:
    for 1/4 the 1st, 5th, 9th, …"""
    if n < 1:
        raise ValueError(f"vacancies are numbered from 1, got {n}")
    return ((n - 1) * frequency.numerator) % frequency.denominator < frequency.numerator
