"""The send gate without a database: what stops a package from being sent."""

from __future__ import annotations

import pytest

from governance.domain.rules import (
    FigureState,
    FormKind,
    PackageStatus,
    Question,
    QuestionKind,
    form_progress,
)
from governance.domain.sending import (
    FormCheck,
    FormKey,
    can_send,
    departments_without_accounts,
    send_blockers,
)

YES = Question("q1", FormKind.REPORT, "s", "Spørgsmål?", QuestionKind.YES_NO, True)
COMPLETE = form_progress([YES], {"q1": True})
REPORT = FormKey(FormKind.REPORT, "report")
D1 = FormKey(FormKind.DEPARTMENT, "d1")
D2 = FormKey(FormKind.DEPARTMENT, "d2")


class TestDepartmentsWithoutAccounts:
    def test_every_department_without_reported_accounts_in_form_order(self):
        assert departments_without_accounts([REPORT, D1, D2], set()) == ["d1", "d2"]

    def test_reported_departments_are_not_missing(self):
        assert departments_without_accounts([REPORT, D1, D2], {"d2"}) == ["d1"]

    def test_the_report_has_no_accounts(self):
        assert departments_without_accounts([REPORT], set()) == []

    def test_accounts_of_a_department_without_a_form_do_not_count(self):
        assert departments_without_accounts([REPORT, D1], {"d9"}) == ["d1"]


class TestSendBlockers:
    def test_missing_accounts_block_sending(self):
        errors = send_blockers([FormCheck("d1", COMPLETE)], ["d1"])
        assert [(e.pointer, e.code) for e in errors] == [
            ("#/departments/d1/accounts", "accounts-missing")
        ]

    def test_an_uncommented_red_or_yellow_figure_blocks_sending(self):
        progress = form_progress(
            [YES], {"q1": True}, [FigureState("rent", "red", None), FigureState("v", "yellow", " ")]
        )
        errors = send_blockers([FormCheck("d1", progress)], [])
        assert [(e.pointer, e.code) for e in errors] == [
            ("#/departments/d1/key_figures/rent", "key-figure-comment-missing"),
            ("#/departments/d1/key_figures/v", "key-figure-comment-missing"),
        ]

    def test_a_commented_red_figure_does_not_block(self):
        progress = form_progress([YES], {"q1": True}, [FigureState("rent", "red", "Forklaring")])
        assert send_blockers([FormCheck("d1", progress)], []) == []

    def test_an_incomplete_form_blocks_sending(self):
        errors = send_blockers([FormCheck("report", form_progress([YES], {}))], [])
        assert [(e.pointer, e.code) for e in errors] == [("#/report/answers/q1", "form-incomplete")]

    def test_lists_everything_in_the_order_a_person_fixes_it(self):
        progress = form_progress([YES], {}, [FigureState("rent", "yellow", None)])
        errors = send_blockers([FormCheck("d1", progress)], ["d1"])
        assert [e.code for e in errors] == [
            "accounts-missing",
            "key-figure-comment-missing",
            "form-incomplete",
        ]

    def test_nothing_blocks_a_complete_package(self):
        assert send_blockers([FormCheck("report", COMPLETE)], []) == []


class TestCanSend:
    def test_a_complete_package_with_all_accounts_can_be_sent(self):
        assert can_send(PackageStatus.COMPLETE, []) is True

    def test_not_with_accounts_missing(self):
        assert can_send(PackageStatus.COMPLETE, ["d1"]) is False

    @pytest.mark.parametrize(
        "status",
        [s for s in PackageStatus if s is not PackageStatus.COMPLETE],
    )
    def test_not_while_incomplete_or_once_sent(self, status):
        assert can_send(status, []) is False
