"""Key figures in the forms without a database: newer wins, which forms take new figures,
when newer benchmarks are offered."""

from __future__ import annotations

import pytest

from governance.domain.keyfigures import (
    awaits_accounts_figures,
    colour_counts,
    figure_states,
    has_indexed_benchmarks,
    is_newer,
    offers_newer_benchmarks,
    takes_new_figures,
)
from governance.domain.rules import FigureState, PackageStatus

INDEXED = [{"code": "rent", "colour": "red", "benchmark_indexed": True}]
NOT_INDEXED = [{"code": "rent", "colour": "green", "benchmark_indexed": False}]


class TestNewerWins:
    def test_a_newer_revision_wins(self):
        assert is_newer(2, 3) is True

    def test_an_older_revision_changes_nothing(self):
        assert is_newer(3, 2) is False

    def test_a_repeated_revision_changes_nothing(self):
        assert is_newer(3, 3) is False

    def test_anything_wins_over_nothing_held(self):
        assert is_newer(None, 1) is True


def takes(**overrides):
    facts = {
        "package_status": PackageStatus.IN_PROGRESS,
        "package_year": 2027,
        "figures_year": 2026,
        "has_snapshot": False,
        "snapshot_revision": None,
        "incoming_revision": 2,
    }
    return takes_new_figures(**{**facts, **overrides})


class TestWhichFormsTakeNewFigures:
    def test_a_form_without_a_snapshot_takes_them(self):
        assert takes() is True

    def test_a_form_with_a_snapshot_keeps_it(self):
        assert takes(has_snapshot=True, snapshot_revision=1) is False

    def test_a_snapshot_taken_before_the_accounts_were_reported_is_replaced(self):
        assert takes(has_snapshot=True, snapshot_revision=None) is True

    @pytest.mark.parametrize(
        "status", [s for s in PackageStatus if not s.editable], ids=lambda s: s.value
    )
    def test_a_sent_package_keeps_its_forms(self, status):
        assert takes(package_status=status) is False

    @pytest.mark.parametrize(
        "status", [s for s in PackageStatus if s.editable], ids=lambda s: s.value
    )
    def test_a_package_being_prepared_takes_them(self, status):
        assert takes(package_status=status) is True

    def test_figures_of_another_year_than_the_accounts_year_are_not_taken(self):
        assert takes(figures_year=2027) is False
        assert takes(figures_year=2025) is False

    def test_a_form_awaiting_its_accounts_figures_takes_every_newer_revision(self):
        """Figures computed before the accounts reached the calculator may arrive after they
        were reported: taking them must not shut out the accounts figures behind them."""
        snapshot = {"has_snapshot": True, "snapshot_revision": 2, "awaiting_accounts": True}
        assert takes(**snapshot, incoming_revision=3) is True
        assert takes(**snapshot, incoming_revision=2) is False
        assert takes(**{**snapshot, "awaiting_accounts": False}, incoming_revision=3) is False


class TestAwaitingAccountsFigures:
    def test_nothing_reported_awaits_nothing(self):
        assert awaits_accounts_figures(None, None) is False

    def test_a_snapshot_without_accounts_awaits_the_reported_ones(self):
        assert awaits_accounts_figures(1, None) is True

    def test_a_snapshot_of_older_accounts_awaits_the_correction(self):
        assert awaits_accounts_figures(2, 1) is True

    def test_a_snapshot_of_the_reported_accounts_or_later_awaits_nothing(self):
        assert awaits_accounts_figures(2, 2) is False
        assert awaits_accounts_figures(2, 3) is False


class TestNewerBenchmarks:
    def test_offered_when_indexed_benchmarks_and_newer_figures(self):
        assert offers_newer_benchmarks(figures=INDEXED, snapshot_revision=1, latest_revision=2)

    def test_not_without_newer_figures(self):
        assert not offers_newer_benchmarks(figures=INDEXED, snapshot_revision=2, latest_revision=2)

    def test_not_without_indexed_benchmarks(self):
        assert not offers_newer_benchmarks(
            figures=NOT_INDEXED, snapshot_revision=1, latest_revision=2
        )

    def test_not_for_a_snapshot_waiting_for_the_accounts_figures(self):
        assert not offers_newer_benchmarks(
            figures=INDEXED, snapshot_revision=None, latest_revision=2
        )

    def test_not_without_a_snapshot(self):
        assert not offers_newer_benchmarks(figures=None, snapshot_revision=None, latest_revision=2)


class TestSnapshot:
    def test_figure_states_carry_the_comments(self):
        figures = [{"code": "rent", "colour": "red"}, {"code": "vacancy"}]
        assert figure_states(figures, {"rent": "Forklaring"}) == [
            FigureState("rent", "red", "Forklaring"),
            FigureState("vacancy", "none", None),
        ]

    def test_no_snapshot_has_no_states(self):
        assert figure_states(None, None) == []

    def test_indexed_benchmarks(self):
        assert has_indexed_benchmarks(INDEXED) is True
        assert has_indexed_benchmarks(NOT_INDEXED) is False
        assert has_indexed_benchmarks(None) is False

    def test_colour_counts(self):
        counts = colour_counts(
            [{"colour": "red"}, {"colour": "yellow"}, {"colour": "red"}, {"colour": "green"}, {}]
        )
        assert (counts.red, counts.yellow) == (2, 1)
