"""§ 90 figures: median and 90th percentile, small-cell suppression, national totals."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legal_cases.domain.statistics import (
    Raw,
    combine,
    figures,
    median,
    nearest_rank,
    protect_tribunals,
)

CATS, OUTS, BODIES = ["rent_level", "behaviour"], ["complainant_fully", "counterpart"], ["x"]


def decided(*days: int, outcome: str = "counterpart") -> dict[str, object]:
    return {"days_to_decision": list(days), "outcomes": {outcome: len(days)}}


class TestPercentiles:
    def test_median_odd_and_even(self):
        assert median([30, 10, 20]) == Decimal(20)
        assert median([10, 20, 31, 41]) == Decimal("25.5")

    def test_nearest_rank_90th(self):
        assert nearest_rank(list(range(1, 11)), 90) == 9  # ceil(0.9 × 10) = 9th
        assert nearest_rank(list(range(1, 12)), 90) == 10  # ceil(9.9) = 10th
        assert nearest_rank([5], 90) == 5

    def test_nothing_has_no_median(self):
        with pytest.raises(ValueError, match="median of nothing"):
            median([])

    @given(st.lists(st.integers(0, 400), min_size=1, max_size=200))
    def test_at_least_90_percent_lie_at_or_below_the_90th(self, values):
        p90 = nearest_rank(values, 90)
        assert sum(v <= p90 for v in values) >= 0.9 * len(values)
        assert min(values) <= median(values) <= max(values)


class TestSuppression:
    def test_one_and_two_are_suppressed_zero_and_three_are_not(self):
        raw = Raw(
            filed_by_category={"rent_level": 3, "behaviour": 4}, rejected=1, inspections_held=2
        )
        figs = figures(raw, CATS, OUTS, BODIES)
        assert (figs.cases_filed, figs.by_category) == (7, {"rent_level": 3, "behaviour": 4})
        assert (figs.rejected, figs.decisions, figs.inspections_held) == (None, 0, None)
        assert figs.suppressed == ["rejected", "inspections_held"]

    def test_a_lone_small_cell_takes_the_smallest_other_cell_with_it(self):
        # 2 + 3 + 9 = 14 published: hiding only the 2 would leave it as 14 - 3 - 9
        raw = Raw(filed_by_category={"rent_level": 2, "behaviour": 3, "other": 9})
        figs = figures(raw, [*CATS, "other"], OUTS, BODIES)
        assert (figs.cases_filed, figs.by_category) == (
            14, {"rent_level": None, "behaviour": None, "other": 9}
        )  # fmt: skip
        assert figs.suppressed == ["by_category.rent_level", "by_category.behaviour"]

    def test_two_small_cells_hide_each_other_and_a_small_total_needs_nothing_more(self):
        two = figures(Raw(filed_by_category={"rent_level": 1, "behaviour": 2}), CATS, OUTS, BODIES)
        assert two.by_category == {"rent_level": None, "behaviour": None}
        assert two.cases_filed == 3
        alone = figures(Raw(filed_by_category={"rent_level": 2}), CATS, OUTS, BODIES)
        assert (alone.cases_filed, alone.by_category) == (
            None,
            {"rent_level": None, "behaviour": 0},
        )

    def test_times_over_fewer_than_three_decisions_are_suppressed(self):
        figs = figures(Raw(**decided(10, 20)), CATS, OUTS, BODIES)
        assert (figs.median_days_to_decision, figs.p90_days_to_decision) == (None, None)
        assert "days_to_decision" in figs.suppressed
        assert figs.outcomes == {"complainant_fully": 0, "counterpart": None}

    def test_three_decisions_are_published(self):
        figs = figures(Raw(**decided(10, 20, 60)), CATS, OUTS, BODIES)
        assert (figs.median_days_to_decision, figs.p90_days_to_decision) == (Decimal(20), 60)
        assert figs.suppressed == []

    def test_national_figures_add_the_tribunals_up_before_suppression(self):
        a = Raw(filed_by_category={"rent_level": 2}, inspections_held=1, **decided(10))
        b = Raw(filed_by_category={"rent_level": 1}, inspections_held=2, appeals_by_body={"x": 1},
                **decided(20, 30))  # fmt: skip
        figs = figures(combine([a, b]), CATS, OUTS, BODIES)
        assert (figs.by_category["rent_level"], figs.decisions, figs.inspections_held) == (3, 3, 3)
        assert figs.median_days_to_decision == Decimal(20)
        assert figs.appeals == {"x": None}


class TestAcrossTribunals:
    def test_a_lone_small_tribunal_figure_takes_another_tribunals_with_it(self):
        a = Raw(filed_by_category={"rent_level": 2, "behaviour": 10})
        b = Raw(filed_by_category={"rent_level": 3, "behaviour": 4})
        national = figures(combine([a, b]), CATS, OUTS, BODIES)
        assert national.by_category == {"rent_level": 5, "behaviour": 14}
        protected = protect_tribunals(
            national, {"101": figures(a, CATS, OUTS, BODIES), "147": figures(b, CATS, OUTS, BODIES)}
        )
        assert protected["101"].by_category == {"rent_level": None, "behaviour": None}
        # 147's 3 would give 101's 2 away as 5 - 3, and then its 4 as 7 - 3
        assert protected["147"].by_category == {"rent_level": None, "behaviour": None}
        assert protected["147"].cases_filed == 7
        assert protected["147"].suppressed == ["by_category.rent_level", "by_category.behaviour"]

    def test_a_hidden_total_hides_a_cell_of_its_breakdown(self):
        a = Raw(filed_by_category={"rent_level": 2})
        b = Raw(filed_by_category={"rent_level": 4})
        national = figures(combine([a, b]), CATS, OUTS, BODIES)
        protected = protect_tribunals(
            national, {"101": figures(a, CATS, OUTS, BODIES), "147": figures(b, CATS, OUTS, BODIES)}
        )
        # 101's total (2) is small → 147's total is hidden → its only cell (4) with it
        assert (protected["147"].cases_filed, protected["147"].by_category["rent_level"]) == (
            None, None
        )  # fmt: skip

    def test_nothing_to_take_along_leaves_it_as_it_is(self):
        a = Raw(filed_by_category={"rent_level": 2, "behaviour": 3})
        b = Raw()
        national = figures(combine([a, b]), CATS, OUTS, BODIES)
        protected = protect_tribunals(
            national, {"101": figures(a, CATS, OUTS, BODIES), "147": figures(b, CATS, OUTS, BODIES)}
        )
        assert protected["147"].suppressed == []
        assert protected["101"].by_category == {"rent_level": None, "behaviour": None}


class TestAppealOutcomes:
    def test_outcomes_are_counted_small_cells_suppressed_and_zero_published(self):
        raw = Raw(appeal_outcomes={"upheld": 4, "changed": 2})
        figs = figures(raw, CATS, OUTS, BODIES)
        assert figs.appeal_outcomes == {"upheld": 4, "changed": None, "set_aside": 0}
        assert figs.suppressed == ["appeal_outcomes.changed"]

    def test_national_outcomes_add_the_tribunals_up(self):
        a = Raw(appeal_outcomes={"upheld": 2, "set_aside": 1})
        b = Raw(appeal_outcomes={"upheld": 3, "set_aside": 2, "changed": 5})
        figs = figures(combine([a, b]), CATS, OUTS, BODIES)
        assert figs.appeal_outcomes == {"upheld": 5, "changed": 5, "set_aside": 3}
        assert figs.suppressed == []

    def test_a_lone_small_tribunal_outcome_takes_another_tribunals_with_it(self):
        a = Raw(appeal_outcomes={"changed": 1})
        b = Raw(appeal_outcomes={"changed": 4})
        c = Raw(appeal_outcomes={"changed": 6})
        national = figures(combine([a, b, c]), CATS, OUTS, BODIES)
        assert national.appeal_outcomes["changed"] == 11
        protected = protect_tribunals(
            national, {code: figures(raw, CATS, OUTS, BODIES)
                       for code, raw in (("101", a), ("147", b), ("751", c))},
        )  # fmt: skip
        assert [protected[c].appeal_outcomes["changed"] for c in ("101", "147", "751")] == [
            None, None, 6
        ]  # fmt: skip
        assert protected["147"].suppressed == ["appeal_outcomes.changed"]
