"""The yearly regulation-account statement (reguleringskontoopgørelse, seed 001 "Årlig
indberetning"): how the year's social-effort money was used, reported per calendar year within 6
months of its end, as pure rules over a :class:`RegulationAccount`.

The account follows the money through the year: the balance brought forward, what came in (the
fund's support, the local co-financing, other income), the interest on money set aside ("Henlagte
beløb skal forrentes … Renten tilskrives kontoen løbende"), what was spent per budget group, and
the balance carried forward. The rules:

* the closing balance is the opening balance + income + interest − expenses, to the øre;
* the opening balance is the previous year's closing balance, once that statement is in, and the
  closing balance the next year's opening balance when that one came in first;
* amounts coming in and going out are not negative (a balance may be);
* a balance left over (or overspent) is a "differencebeløb i forhold til bevillingen": the
  statement explains it ("redegøres der for ved årlige reguleringskontoopgørelser").

The explanation rule is this service's reading of the guideline: LBF's own web form (and its
"Retningslinjer for opgørelse af reguleringskonto") is not among the sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from common.errors import FieldError
from common.money import format_dkk
from grants.domain.budget import CostCategory

ZERO: Final = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class RegulationAccount:
    opening_balance: Decimal
    lbf_support: Decimal
    co_financing: Decimal
    other_income: Decimal
    interest: Decimal
    expenses: Mapping[CostCategory, Decimal] = field(default_factory=dict)
    closing_balance: Decimal = ZERO
    deviation_explanation: str | None = None

    @property
    def income(self) -> Decimal:
        return self.lbf_support + self.co_financing + self.other_income

    @property
    def total_expenses(self) -> Decimal:
        return sum(self.expenses.values(), ZERO)

    @property
    def expected_closing_balance(self) -> Decimal:
        return self.opening_balance + self.income + self.interest - self.total_expenses


def regulation_account_problems(
    account: RegulationAccount,
    previous_closing: Decimal | None,
    pointer: str = "",
    *,
    next_opening: Decimal | None = None,
) -> list[FieldError]:
    """Every breach of the rules, one error each (empty when the statement holds)."""
    problems: list[FieldError] = []
    flows = {
        "lbf_support": account.lbf_support,
        "co_financing": account.co_financing,
        "other_income": account.other_income,
        "interest": account.interest,
        **{f"expenses/{category.value}": amount for category, amount in account.expenses.items()},
    }
    for name, amount in flows.items():
        if amount < ZERO:
            problems.append(
                FieldError(
                    f"{pointer}/{name}",
                    f"{format_dkk(amount)} is negative; income, interest and expenses are "
                    "reported as positive amounts (only a balance may be negative).",
                    "negative-amount",
                )
            )
    expected = account.expected_closing_balance
    if account.closing_balance != expected:
        problems.append(
            FieldError(
                f"{pointer}/closing_balance",
                f"The closing balance {format_dkk(account.closing_balance)} does not add up: "
                f"opening {format_dkk(account.opening_balance)} + income "
                f"{format_dkk(account.income)} + interest {format_dkk(account.interest)} − "
                f"expenses {format_dkk(account.total_expenses)} = {format_dkk(expected)}.",
                "regulation-account-unbalanced",
            )
        )
    if previous_closing is not None and account.opening_balance != previous_closing:
        problems.append(
            FieldError(
                f"{pointer}/opening_balance",
                f"The opening balance {format_dkk(account.opening_balance)} must be the previous "
                f"year's closing balance {format_dkk(previous_closing)}.",
                "opening-balance-mismatch",
            )
        )
    if next_opening is not None and account.closing_balance != next_opening:
        problems.append(
            FieldError(
                f"{pointer}/closing_balance",
                f"The closing balance {format_dkk(account.closing_balance)} must be the next "
                f"year's opening balance {format_dkk(next_opening)} (that statement is received).",
                "closing-balance-mismatch",
            )
        )
    explained = bool(account.deviation_explanation and account.deviation_explanation.strip())
    if account.closing_balance != ZERO and not explained:
        problems.append(
            FieldError(
                f"{pointer}/deviation_explanation",
                f"A balance of {format_dkk(account.closing_balance)} is left against the grant; "
                "explain the difference (differencebeløb i forhold til bevillingen).",
                "deviation-unexplained",
            )
        )
    return problems
