from datetime import date
from decimal import Decimal

from grants.domain.budget import Budget, CostCategory, CostLine, IncomeLine, IncomeSource
from grants.domain.plan import (
    GOAL_TEXTS,
    Area,
    Goal,
    Milestone,
    PartialAgreement,
    Plan,
    SubGoal,
    plan_problems,
)
from grants.domain.sending import AttachmentKind

BUDGET = Budget(
    years=4,
    income=(
        IncomeLine(IncomeSource.LBF, Decimal("750000.00")),
        IncomeLine(IncomeSource.MUNICIPALITY, Decimal("250000.00")),
    ),
    costs=(CostLine(CostCategory.STAFF, Decimal("1000000.00")),),
)
ANNEXES = {AttachmentKind.BOARD_TERMS_OF_REFERENCE, AttachmentKind.REPORTING_FORM}
AGREEMENT = PartialAgreement((SubGoal("Flere i job", ("Ledighed",)),), "Jobcafé", "Kommunen")
COMPLETE = Plan(
    goal_indicators={goal: ("Indikator",) for goal in Goal},
    organisation="Én bestyrelse, én leder.",
    partial_agreements=dict.fromkeys(Area, AGREEMENT),
    emergency_plan="Beredskab med politiet.",
    milestones=(Milestone(date(2027, 6, 30), "Status"),),
)


class TestPlanProblems:
    def test_the_four_fixed_goals_are_the_guidelines(self) -> None:
        assert len(GOAL_TEXTS) == 4
        assert GOAL_TEXTS[Goal.EMPLOYMENT] == "Flere bliver tilknyttet arbejdsmarkedet"

    def test_a_complete_plan_has_no_problems(self) -> None:
        assert plan_problems(COMPLETE, ANNEXES, BUDGET) == []

    def test_a_goal_without_indicators(self) -> None:
        plan = Plan(
            goal_indicators={**COMPLETE.goal_indicators, Goal.SAFETY: ("  ",)},
            organisation=COMPLETE.organisation,
            partial_agreements=COMPLETE.partial_agreements,
            emergency_plan=COMPLETE.emergency_plan,
            milestones=COMPLETE.milestones,
        )
        assert [p.pointer for p in plan_problems(plan, ANNEXES, BUDGET)] == [
            "/plan/strategic_agreement/goals/safety"
        ]

    def test_a_partial_agreement_needs_a_sub_goal_with_an_indicator_activities_and_roles(
        self,
    ) -> None:
        empty = PartialAgreement((SubGoal("Delmål", ()),), "", "")
        plan = Plan(
            goal_indicators=COMPLETE.goal_indicators,
            organisation=COMPLETE.organisation,
            partial_agreements={**COMPLETE.partial_agreements, Area.EMPLOYMENT: empty},
            emergency_plan=COMPLETE.emergency_plan,
            milestones=COMPLETE.milestones,
        )
        assert [p.code for p in plan_problems(plan, ANNEXES, BUDGET)] == [
            "sub-goal-missing",
            "activities-missing",
            "roles-missing",
        ]

    def test_annexes_and_budget_rules(self) -> None:
        unbalanced = Budget(years=1, income=BUDGET.income, costs=(BUDGET.costs[0], BUDGET.costs[0]))
        codes = [p.code for p in plan_problems(COMPLETE, set(), unbalanced)]
        assert codes == [
            "attachment-missing",
            "budget-unbalanced",
            "cofinancing-too-low",
            "attachment-missing",
        ]

    def test_no_plan_at_all(self) -> None:
        assert len(plan_problems(None, set(), None)) == 4 + 1 + 1 + 4 + 1 + 1 + 1 + 1
