"""The regulation-account statement's rules (seed 001, "Årlig indberetning")."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from grants.domain.budget import CostCategory
from grants.domain.regulation_account import RegulationAccount, regulation_account_problems

D = Decimal


def account(**changes: object) -> RegulationAccount:
    values: dict[str, object] = {
        "opening_balance": D("0.00"),
        "lbf_support": D("1000000.00"),
        "co_financing": D("250000.00"),
        "other_income": D("0.00"),
        "interest": D("0.00"),
        "expenses": {CostCategory.STAFF: D("1250000.00")},
        "closing_balance": D("0.00"),
        **changes,
    }
    return RegulationAccount(**values)  # type: ignore[arg-type]


def codes(a: RegulationAccount, previous: Decimal | None = None) -> list[str]:
    return [p.code for p in regulation_account_problems(a, previous)]


def test_a_balanced_statement_spent_to_zero_holds():
    assert codes(account()) == []


def test_one_oere_off_is_unbalanced():
    off = account(closing_balance=D("0.01"), deviation_explanation="Afrunding.")
    [problem] = regulation_account_problems(off, None)
    assert problem.code == "regulation-account-unbalanced"
    assert problem.pointer == "/closing_balance"
    assert "= 0,00" in problem.detail


def test_interest_and_other_income_count():
    a = account(
        opening_balance=D("100.00"),
        other_income=D("10.00"),
        interest=D("2.50"),
        closing_balance=D("112.50"),
        deviation_explanation="Renter af henlagte midler.",
    )
    assert codes(a) == []


def test_the_opening_balance_carries_on_from_the_previous_closing():
    assert codes(account(), previous=D("0.00")) == []
    assert codes(account(), previous=D("5.00")) == ["opening-balance-mismatch"]
    assert codes(account(), previous=None) == []  # the first year, or the previous not in


def test_a_balance_left_needs_an_explanation_an_overspend_too():
    left = account(closing_balance=D("50.00"), expenses={CostCategory.STAFF: D("1249950.00")})
    assert codes(left) == ["deviation-unexplained"]
    assert codes(
        account(
            closing_balance=D("50.00"),
            expenses={CostCategory.STAFF: D("1249950.00")},
            deviation_explanation="  ",
        )
    ) == ["deviation-unexplained"]
    overspent = account(
        closing_balance=D("-10.00"),
        expenses={CostCategory.STAFF: D("1250010.00")},
        deviation_explanation="Merforbrug dækkes af arbejdskapitalen.",
    )
    assert codes(overspent) == []


def test_negative_flows_are_refused_each():
    a = account(
        opening_balance=D("5.00"),
        interest=D("-1.00"),
        expenses={CostCategory.STAFF: D("-5.00")},
        closing_balance=D("1255009.00"),
    )
    problems = regulation_account_problems(a, None)
    assert [(p.pointer, p.code) for p in problems] == [
        ("/interest", "negative-amount"),
        ("/expenses/staff", "negative-amount"),
        ("/closing_balance", "regulation-account-unbalanced"),
        ("/deviation_explanation", "deviation-unexplained"),
    ]


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
balances = st.decimals(
    min_value=-(10**8), max_value=10**8, places=2, allow_nan=False, allow_infinity=False
)


@given(
    opening=balances, lbf=amounts, co=amounts, interest=amounts, staff=amounts, activities=amounts
)
def test_the_computed_closing_balance_always_balances(
    opening, lbf, co, interest, staff, activities
):
    draft = account(
        opening_balance=opening,
        lbf_support=lbf,
        co_financing=co,
        interest=interest,
        expenses={CostCategory.STAFF: staff, CostCategory.ACTIVITIES: activities},
        deviation_explanation="Forklaring.",
    )
    balanced = replace(draft, closing_balance=draft.expected_closing_balance)
    assert codes(balanced) == []
    off = replace(balanced, closing_balance=balanced.closing_balance + D("0.01"))
    assert codes(off) == ["regulation-account-unbalanced"]
