from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from grants.domain.budget import (
    Budget,
    CostCategory,
    CostLine,
    IncomeLine,
    IncomeSource,
    administration_limit,
    administration_problems,
    balance_problems,
    budget_problems,
    cofinancing_problems,
    maternity_problems,
)

D = Decimal
amounts = st.decimals(min_value=D("0.01"), max_value=D("50000000.00"), places=2)


def budget(
    lbf: str = "750000.00",
    local: str = "250000.00",
    other: dict[IncomeSource, str] | None = None,
    staff: str = "800000.00",
    admin: str = "200000.00",
    years: int = 4,
    extra_costs: tuple[CostLine, ...] = (),
) -> Budget:
    income = [
        IncomeLine(IncomeSource.LBF, D(lbf)),
        IncomeLine(IncomeSource.HOUSING_ORGANISATION, D(local)),
    ]
    income += [IncomeLine(s, D(a)) for s, a in (other or {}).items()]
    costs = (
        CostLine(CostCategory.STAFF, D(staff)),
        CostLine(CostCategory.ADMINISTRATION, D(admin)),
        *extra_costs,
    )
    return Budget(years=years, income=tuple(income), costs=costs)


class TestBalance:
    def test_balanced(self) -> None:
        assert balance_problems(budget()) == []

    def test_one_øre_off_is_unbalanced(self) -> None:
        problems = balance_problems(budget(local="250000.01"))
        assert [p.code for p in problems] == ["budget-unbalanced"]
        assert "0,01" in problems[0].detail

    @given(amounts, amounts)
    def test_balanced_exactly_when_income_equals_costs(self, a: Decimal, b: Decimal) -> None:
        b_ = Budget(
            years=1,
            income=(IncomeLine(IncomeSource.LBF, a),),
            costs=(CostLine(CostCategory.STAFF, b),),
        )
        assert (balance_problems(b_) == []) == (a == b)


class TestCofinancing:
    def test_exactly_25_percent_is_enough(self) -> None:
        assert cofinancing_problems(budget(local="250000.00", lbf="750000.00")) == []

    def test_one_øre_below_25_percent_is_refused(self) -> None:
        b = budget(local="249999.99", lbf="750000.01")
        assert [p.code for p in cofinancing_problems(b)] == ["cofinancing-too-low"]

    def test_state_eu_and_foundation_money_does_not_count(self) -> None:
        b = budget(
            local="0.00",
            lbf="700000.00",
            other={
                IncomeSource.STATE: "100000.00",
                IncomeSource.EU: "100000.00",
                IncomeSource.FOUNDATION: "100000.00",
            },
        )
        problems = cofinancing_problems(b)
        assert [p.code for p in problems] == ["cofinancing-too-low"]
        assert "does not count" in problems[0].detail

    def test_municipality_and_local_partners_count(self) -> None:
        b = budget(
            local="100000.00",
            lbf="750000.00",
            other={IncomeSource.MUNICIPALITY: "100000.00", IncomeSource.LOCAL_PARTNER: "50000.00"},
        )
        assert cofinancing_problems(b) == []

    @given(total=amounts, local=amounts)
    def test_rule_is_local_at_least_a_quarter_of_total(
        self, total: Decimal, local: Decimal
    ) -> None:
        b = Budget(
            years=1,
            income=(IncomeLine(IncomeSource.MUNICIPALITY, local),),
            costs=(CostLine(CostCategory.STAFF, total),),
        )
        assert (cofinancing_problems(b) == []) == (local * 4 >= total)


class TestAdministration:
    def test_limit_is_100000_a_year_plus_2_percent(self) -> None:
        assert administration_limit(4, D("1000000.00")) == D("420000.00")

    def test_at_the_limit_is_allowed(self) -> None:
        # total 1,000,000: limit 4 × 100,000 + 20,000
        b = budget(staff="580000.00", admin="420000.00")
        assert administration_problems(b) == []

    def test_one_øre_over_the_limit_is_refused(self) -> None:
        b = budget(staff="579999.99", admin="420000.01")
        problems = administration_problems(b)
        assert [p.code for p in problems] == ["administration-too-high"]
        assert "420.000,00" in problems[0].detail

    @given(years=st.integers(1, 10), other=amounts, admin=amounts)
    def test_rule_matches_the_formula(self, years: int, other: Decimal, admin: Decimal) -> None:
        b = Budget(
            years=years,
            costs=(
                CostLine(CostCategory.STAFF, other),
                CostLine(CostCategory.ADMINISTRATION, admin),
            ),
        )
        total = other + admin
        allowed = admin <= D(100000) * years + total * D("0.02")
        assert (administration_problems(b) == []) == allowed


class TestMaternityCover:
    def line(self, amount: str, extra: str | None) -> CostLine:
        return CostLine(
            CostCategory.MATERNITY_COVER, D(amount), extra_cost=None if extra is None else D(extra)
        )

    def test_75_percent_is_allowed(self) -> None:
        b = budget(extra_costs=(self.line("75000.00", "100000.00"),))
        assert maternity_problems(b) == []

    def test_above_75_percent_is_refused_with_a_pointer_to_the_line(self) -> None:
        b = budget(extra_costs=(self.line("75000.01", "100000.00"),))
        problems = maternity_problems(b)
        assert [(p.code, p.pointer) for p in problems] == [
            ("maternity-cover-too-high", "/budget/costs/2/amount")
        ]

    def test_extra_cost_is_required(self) -> None:
        b = budget(extra_costs=(self.line("1000.00", None),))
        assert [p.code for p in maternity_problems(b)] == ["maternity-extra-cost-missing"]

    @given(amount=amounts, extra=amounts)
    def test_rule_matches_the_formula(self, amount: Decimal, extra: Decimal) -> None:
        b = Budget(
            years=1, costs=(CostLine(CostCategory.MATERNITY_COVER, amount, extra_cost=extra),)
        )
        assert (maternity_problems(b) == []) == (amount * 4 <= extra * 3)


class TestAllRules:
    def test_a_good_budget_has_no_problems(self) -> None:
        assert budget_problems(budget()) == []

    def test_reports_every_breach_at_once(self) -> None:
        b = budget(local="0.00", admin="900000.00", staff="100000.00")
        codes = [p.code for p in budget_problems(b)]
        assert codes == ["budget-unbalanced", "cofinancing-too-low", "administration-too-high"]

    def test_no_grant_requested(self) -> None:
        b = budget(lbf="0.00", local="1000000.00")
        assert "no-grant-requested" in [p.code for p in budget_problems(b)]

    def test_negative_amounts_are_reported_alone(self) -> None:
        b = budget(local="-1.00")
        assert [(p.code, p.pointer) for p in budget_problems(b)] == [
            ("negative", "/budget/income/1/amount")
        ]

    def test_requested_is_the_lbf_income(self) -> None:
        assert budget().requested == D("750000.00")
