"""The fund's budget rules for a § 91a social housing effort (seed 001, "Ad 3. Budget" and
"Lokal medfinansiering"), as pure functions over a :class:`Budget`.

* the budget balances: income = costs;
* local co-financing is at least 25 % of the total (the sum of the costs); money from state
  pools, the EU and foundations is no co-financing ("kan ikke erstatte … den lokale
  medfinansiering");
* administration costs are at most 100,000 DKK a year on average + 2 % of the total project sum
  ("gennemsnitligt 100 t.kr./år + 2% af den samlede projektsum");
* maternity cover: the fund covers at most 75 % of the extra cost ("maksimalt dække 75 %").

Every rule returns one :class:`~common.errors.FieldError` per breach (empty when the rule holds)
with a JSON pointer into the budget, so the send gate and the commitment report them together.
All arithmetic is exact ``Decimal``; a limit is compared unrounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Final

from common.errors import FieldError
from common.money import MAX_DIGITS, ORE, format_dkk

COFINANCING_SHARE: Final = Decimal("0.25")
ADMIN_PER_YEAR: Final = Decimal("100000.00")
ADMIN_SHARE_OF_TOTAL: Final = Decimal("0.02")
MATERNITY_COVER_SHARE: Final = Decimal("0.75")
ZERO: Final = Decimal("0.00")
#: The largest amount the service stores (NUMERIC(14, 2), as every DKK amount).
LARGEST_AMOUNT: Final = Decimal(10) ** (MAX_DIGITS - 2) - ORE


class IncomeSource(StrEnum):
    LBF = "lbf"  # the grant applied for from Landsbyggefonden
    HOUSING_ORGANISATION = "housing_organisation"  # working capital, disposition fund, hours
    MUNICIPALITY = "municipality"
    LOCAL_PARTNER = "local_partner"
    STATE = "state"  # state pools (statslige puljer)
    EU = "eu"
    FOUNDATION = "foundation"  # private foundations (fonde)


LOCAL_SOURCES: Final = frozenset(
    {IncomeSource.HOUSING_ORGANISATION, IncomeSource.MUNICIPALITY, IncomeSource.LOCAL_PARTNER}
)
NOT_COFINANCING: Final = frozenset({IncomeSource.STATE, IncomeSource.EU, IncomeSource.FOUNDATION})


class CostCategory(StrEnum):
    STAFF = "staff"
    ACTIVITIES = "activities"
    ADMINISTRATION = "administration"  # administration and audit (revision)
    MATERNITY_COVER = "maternity_cover"  # barselsvikar beyond the daily-benefit refund
    EVALUATION = "evaluation"
    DEVELOPMENT = "development"  # special development efforts agreed with the fund
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class IncomeLine:
    source: IncomeSource
    amount: Decimal
    text: str = ""


@dataclass(frozen=True, slots=True)
class CostLine:
    category: CostCategory
    amount: Decimal
    text: str = ""
    # Maternity cover only: the extra salary cost beyond the daily-benefit refund; ``amount`` is
    # what the budget asks the fund to cover of it.
    extra_cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Budget:
    years: int  # the effort's duration in whole years (the average is per year)
    income: tuple[IncomeLine, ...] = field(default=())
    costs: tuple[CostLine, ...] = field(default=())

    @property
    def total(self) -> Decimal:
        """The total project sum: every cost."""
        return sum((line.amount for line in self.costs), ZERO)

    @property
    def total_income(self) -> Decimal:
        return sum((line.amount for line in self.income), ZERO)

    @property
    def requested(self) -> Decimal:
        """The grant applied for from the fund."""
        return self.income_from({IncomeSource.LBF})

    @property
    def local_cofinancing(self) -> Decimal:
        return self.income_from(LOCAL_SOURCES)

    @property
    def administration(self) -> Decimal:
        return sum(
            (c.amount for c in self.costs if c.category is CostCategory.ADMINISTRATION), ZERO
        )

    def income_from(self, sources: frozenset[IncomeSource] | set[IncomeSource]) -> Decimal:
        return sum((line.amount for line in self.income if line.source in sources), ZERO)


def required_cofinancing(total: Decimal) -> Decimal:
    return total * COFINANCING_SHARE


def administration_limit(years: int, total: Decimal) -> Decimal:
    """100,000 DKK a year on average over the effort's years + 2 % of the total project sum."""
    return ADMIN_PER_YEAR * years + total * ADMIN_SHARE_OF_TOTAL


def maternity_cover_limit(extra_cost: Decimal) -> Decimal:
    return extra_cost * MATERNITY_COVER_SHARE


def balance_problems(budget: Budget, pointer: str = "/budget") -> list[FieldError]:
    income, costs = budget.total_income, budget.total
    if income == costs:
        return []
    return [
        FieldError(
            f"{pointer}/income",
            f"The budget does not balance: income {format_dkk(income)} ≠ costs "
            f"{format_dkk(costs)} (difference {format_dkk(income - costs)}). The fund requires "
            "a balanced budget.",
            "budget-unbalanced",
        )
    ]


def cofinancing_problems(budget: Budget, pointer: str = "/budget") -> list[FieldError]:
    required = required_cofinancing(budget.total)
    local = budget.local_cofinancing
    if local >= required:
        return []
    excluded = budget.income_from(NOT_COFINANCING)
    note = (
        f" State, EU and foundation money ({format_dkk(excluded)}) does not count as local "
        "co-financing."
        if excluded
        else ""
    )
    return [
        FieldError(
            f"{pointer}/income",
            f"Local co-financing is {format_dkk(local)}; at least 25 % of the total "
            f"{format_dkk(budget.total)} = {format_dkk(required)} is required (housing "
            f"organisation, municipality, local partners).{note}",
            "cofinancing-too-low",
        )
    ]


def administration_problems(budget: Budget, pointer: str = "/budget") -> list[FieldError]:
    limit = administration_limit(budget.years, budget.total)
    admin = budget.administration
    if admin <= limit:
        return []
    return [
        FieldError(
            f"{pointer}/costs",
            f"Administration costs {format_dkk(admin)} exceed the limit {format_dkk(limit)} "
            f"(100.000 kr. a year × {budget.years} years + 2 % of the total "
            f"{format_dkk(budget.total)}).",
            "administration-too-high",
        )
    ]


def maternity_problems(budget: Budget, pointer: str = "/budget") -> list[FieldError]:
    problems: list[FieldError] = []
    for index, line in enumerate(budget.costs):
        if line.category is not CostCategory.MATERNITY_COVER:
            continue
        where = f"{pointer}/costs/{index}"
        if line.extra_cost is None or line.extra_cost <= ZERO:
            problems.append(
                FieldError(
                    f"{where}/extra_cost",
                    "A maternity-cover line needs the extra cost beyond the daily-benefit "
                    "refund (extra_cost); the fund covers at most 75 % of it.",
                    "maternity-extra-cost-missing",
                )
            )
            continue
        limit = maternity_cover_limit(line.extra_cost)
        if line.amount > limit:
            problems.append(
                FieldError(
                    f"{where}/amount",
                    f"Maternity cover {format_dkk(line.amount)} exceeds 75 % of the extra cost "
                    f"{format_dkk(line.extra_cost)} = {format_dkk(limit)}.",
                    "maternity-cover-too-high",
                )
            )
    return problems


def sign_problems(budget: Budget, pointer: str = "/budget") -> list[FieldError]:
    problems = [
        FieldError(f"{pointer}/income/{i}/amount", "An amount must not be negative.", "negative")
        for i, line in enumerate(budget.income)
        if line.amount < ZERO
    ]
    problems += [
        FieldError(f"{pointer}/costs/{i}/amount", "An amount must not be negative.", "negative")
        for i, line in enumerate(budget.costs)
        if line.amount < ZERO
    ]
    if budget.years < 1:
        problems.append(
            FieldError(f"{pointer}/years", "The effort lasts at least one year.", "invalid")
        )
    return problems


def size_problems(budget: Budget, pointer: str = "/budget") -> list[FieldError]:
    """The income and the costs each add up to an amount (the applied-for sum is stored as one):
    every line may be an amount while their sum is not."""
    return [
        FieldError(
            f"{pointer}/{part}",
            f"The budget's {part} add up to {format_dkk(total)}, more than an amount can be "
            f"({format_dkk(LARGEST_AMOUNT)}).",
            "budget-too-large",
        )
        for part, total in (("income", budget.total_income), ("costs", budget.total))
        if total > LARGEST_AMOUNT
    ]


def budget_problems(budget: Budget, pointer: str = "/budget") -> list[FieldError]:
    """Every rule's breaches, in a stable order; empty when the budget is acceptable."""
    signs = sign_problems(budget, pointer)
    if signs:
        return signs
    problems: list[FieldError] = []
    if budget.total <= ZERO:
        problems.append(FieldError(f"{pointer}/costs", "The budget has no costs.", "budget-empty"))
    if budget.requested <= ZERO:
        problems.append(
            FieldError(
                f"{pointer}/income",
                "The budget applies for no grant: add an income line with source 'lbf'.",
                "no-grant-requested",
            )
        )
    for rule in (
        balance_problems,
        cofinancing_problems,
        administration_problems,
        maternity_problems,
    ):
        problems += rule(budget, pointer)
    return problems


def budget_from_lines(
    years: int, income: Sequence[IncomeLine], costs: Sequence[CostLine]
) -> Budget:
    return Budget(years=years, income=tuple(income), costs=tuple(costs))
