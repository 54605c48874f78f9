"""§ 55 refund statements: per municipality and quarter, in arrears, for Udbetaling Danmark.

Lines: the one-off compensation of agreements signed in the quarter (refundable only with a
prior promise and proof of registration, § 55(2),(4); refunded in the quarter of registration)
and the per-use compensation of uses settled in the quarter (accepted, declined late or lapsed,
§ 54(2)); the refund of each is capped by § 55(3) (30,000 DKK per apartment at the
municipality's disposal). The compensation paid for silence or a late "no" (§ 54(2), 3rd
sentence) is an expense the state does not refund (§ 55(1), 2nd sentence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from allocation.db.models import PrivateAgreementRow
from allocation.db.repositories import Repository
from allocation.domain.duty import check_in_arrears, quarter_bounds
from allocation.domain.offers import OfferStatus
from allocation.domain.private import one_off_refund, per_use_refund, refund_eligible
from allocation.services.private import private_terms
from allocation.services.roles import FUND, MUNICIPALITY
from common.access import Scope
from common.db.uow import UnitOfWork
from common.errors import PermissionDeniedError
from common.money import to_dkk


@dataclass(frozen=True, slots=True)
class Line:
    agreement_id: str
    property_id: str
    kind: str  # one_off | per_use
    day: date
    offer_id: str | None
    expense: Decimal
    refund: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class Statement:
    municipality_code: str
    year: int
    quarter: int
    lines: list[Line]

    @property
    def expenses(self) -> Decimal:
        return to_dkk(sum((line.expense for line in self.lines), Decimal(0)))

    @property
    def refunds(self) -> Decimal:
        return to_dkk(sum((line.refund for line in self.lines), Decimal(0)))


def one_off_lines(agreement: PrivateAgreementRow, first: date, last: date) -> list[Line]:
    """The one-off part in the quarter: its expense in the quarter it was signed (and paid); its
    refund in the quarter the agreement was registered (§ 55(2)), the signing quarter when
    registered by its end, else the later quarter's statement — a statement is made once, so a
    registration after it must bring the refund onto the next one, not back onto it."""
    if agreement.one_off <= 0:
        return []
    terms = private_terms(agreement)
    registered = agreement.registered_on
    if first <= agreement.signed_on <= last:
        in_time = registered is not None and registered <= last
        if not refund_eligible(terms):
            note = "no refund: not promised by Udbetaling Danmark before signing"
        elif not in_time:
            note = (
                "no refund yet: awaiting proof of registration (§ 55(2)); the refund comes on "
                "the statement of the quarter it is registered in"
            )
        else:
            note = f"registered {registered}"
        refund = one_off_refund(terms) if in_time else to_dkk(0)
        return [
            Line(
                agreement.id,
                agreement.property_id,
                "one_off",
                agreement.signed_on,
                None,
                to_dkk(agreement.one_off),
                refund,
                note,
            )
        ]
    if refund_eligible(terms) and registered is not None and first <= registered <= last:
        return [
            Line(
                agreement.id,
                agreement.property_id,
                "one_off",
                registered,
                None,
                to_dkk(0),
                one_off_refund(terms),
                f"registered {registered}: refund of the one-off part of "
                f"{to_dkk(agreement.one_off)} DKK paid on signing {agreement.signed_on}",
            )
        ]
    return []


async def statement(
    uow: UnitOfWork, scope: Scope, municipality_code: str, year: int, quarter: int, today: date
) -> Statement:
    scope.require(MUNICIPALITY | FUND, "read refund statements")
    if scope.municipality_code is not None and scope.municipality_code != municipality_code:
        raise PermissionDeniedError(
            f"You may only read your own municipality's statements ({scope.municipality_code})."
        )
    check_in_arrears(year, quarter, today)
    first, last = quarter_bounds(year, quarter)
    repo = Repository(uow.session)
    agreements = {a.id: a for a in await repo.private_agreements_of_municipality(municipality_code)}
    lines: list[Line] = []
    for agreement in agreements.values():
        lines.extend(one_off_lines(agreement, first, last))
    for offer in await repo.compensated_offers(municipality_code, first, last):
        agreement = agreements[offer.agreement_id]
        terms = private_terms(agreement)
        assert offer.compensation_owed is not None
        assert offer.settled_on is not None
        used = offer.status == OfferStatus.ACCEPTED.value
        if not used:
            note = (
                "; no refund: compensation for silence or a late no (§ 54(2), 3rd sentence) "
                "is not refunded (§ 55(1), 2nd sentence)"
            )
        elif not refund_eligible(terms):
            note = "; no refund: not promised before signing"
        else:
            note = ""
        lines.append(
            Line(
                agreement.id,
                agreement.property_id,
                "per_use",
                offer.settled_on,
                offer.id,
                to_dkk(offer.compensation_owed),
                per_use_refund(terms) if used else to_dkk(0),
                f"use {offer.status}{note}",
            )
        )
    lines.sort(key=lambda line: (line.day, line.agreement_id, line.offer_id or ""))
    return Statement(municipality_code, year, quarter, lines)
