"""The governance rules without a database."""

from __future__ import annotations

from datetime import date

import pytest

from governance.domain.rules import (
    AnswerError,
    FigureState,
    FormKind,
    FormStatus,
    PackageStatus,
    Question,
    QuestionKind,
    due_reminder_round,
    form_progress,
    normalise_answer,
    outstanding_for_municipality,
    package_status_while_editable,
    reminder_round_dates,
)

YES = Question("q1", FormKind.REPORT, "s", "Spørgsmål?", QuestionKind.YES_NO, True)
CHOICE = Question("q2", FormKind.REPORT, "s", "Vælg", QuestionKind.CHOICE, True, ("A", "B"))
TEXT = Question("q3", FormKind.REPORT, "s", "Tekst", QuestionKind.TEXT, False)
NUMBER = Question("q4", FormKind.REPORT, "s", "Tal", QuestionKind.NUMBER, False)
DAYS = ("03-01", "09-01")


class TestFingerprint:
    def test_same_question_same_fingerprint(self):
        assert (
            YES.fingerprint()
            == Question(
                "q1", FormKind.REPORT, "other", "Spørgsmål?", QuestionKind.YES_NO, False
            ).fingerprint()
        )

    @pytest.mark.parametrize(
        "changed",
        [
            Question("q1", FormKind.REPORT, "s", "Andet spørgsmål?", QuestionKind.YES_NO, True),
            Question("q1", FormKind.REPORT, "s", "Spørgsmål?", QuestionKind.TEXT, True),
            Question("q1", FormKind.DEPARTMENT, "s", "Spørgsmål?", QuestionKind.YES_NO, True),
        ],
    )
    def test_a_changed_wording_kind_or_form_changes_it(self, changed):
        assert changed.fingerprint() != YES.fingerprint()

    def test_changed_options_change_it(self):
        other = Question("q2", FormKind.REPORT, "s", "Vælg", QuestionKind.CHOICE, True, ("A", "C"))
        assert other.fingerprint() != CHOICE.fingerprint()


class TestAnswers:
    @pytest.mark.parametrize(
        ("question", "value", "stored"),
        [
            (YES, True, True),
            (CHOICE, "B", "B"),
            (TEXT, "  hej  ", "hej"),
            (TEXT, "   ", None),
            (NUMBER, "1,25", "1.25"),
            (NUMBER, 7, "7"),
        ],
    )
    def test_valid_answers_are_normalised(self, question, value, stored):
        assert normalise_answer(question, value, "#") == stored

    @pytest.mark.parametrize(
        ("question", "value"),
        [
            (YES, 1),
            (CHOICE, "C"),
            (NUMBER, "tolv"),
            (NUMBER, True),
            (NUMBER, "1e400"),
            (TEXT, ["x"]),
        ],
    )
    def test_invalid_answers_are_refused(self, question, value):
        with pytest.raises(AnswerError):
            normalise_answer(question, value, "#")


class TestProgress:
    def test_ready_until_something_is_entered(self):
        assert form_progress([YES, CHOICE], {}).status is FormStatus.READY

    def test_in_progress_then_complete(self):
        assert form_progress([YES, CHOICE], {"q1": True}).status is FormStatus.IN_PROGRESS
        assert form_progress([YES, CHOICE], {"q1": False, "q2": "A"}).status is FormStatus.COMPLETE

    def test_a_red_figure_without_comment_keeps_it_incomplete(self):
        figures = [FigureState("rent", "red", None)]
        progress = form_progress([YES], {"q1": True}, figures)
        assert (progress.status, progress.figures_needing_comment) == (
            FormStatus.IN_PROGRESS,
            ("rent",),
        )
        assert (
            form_progress([YES], {"q1": True}, [FigureState("rent", "red", "ok")]).status
            is FormStatus.COMPLETE
        )

    def test_green_and_uncoloured_figures_need_no_comment(self):
        figures = [FigureState("a", "green", None), FigureState("b", "none", None)]
        assert form_progress([YES], {"q1": True}, figures).status is FormStatus.COMPLETE

    def test_the_package_follows_its_forms(self):
        assert (
            package_status_while_editable([FormStatus.READY, FormStatus.READY])
            is PackageStatus.READY
        )
        assert (
            package_status_while_editable([FormStatus.COMPLETE, FormStatus.READY])
            is PackageStatus.IN_PROGRESS
        )
        assert (
            package_status_while_editable([FormStatus.COMPLETE, FormStatus.COMPLETE])
            is PackageStatus.COMPLETE
        )


class TestStatuses:
    def test_only_statuses_before_sending_are_editable(self):
        assert [s for s in PackageStatus if s.editable] == [
            PackageStatus.READY,
            PackageStatus.IN_PROGRESS,
            PackageStatus.COMPLETE,
        ]

    def test_the_public_sees_figures_once_the_meeting_is_held(self):
        assert [s for s in PackageStatus if s.published] == [
            PackageStatus.MEETING_HELD,
            PackageStatus.STATEMENT_SUBMITTED,
        ]

    def test_what_a_municipality_still_waits_for(self):
        assert outstanding_for_municipality(PackageStatus.SENT) == "Møde afholdt"
        assert outstanding_for_municipality(PackageStatus.MEETING_HELD) == "Redegørelse afgivet"
        assert outstanding_for_municipality(PackageStatus.STATEMENT_SUBMITTED) is None


class TestReminderSchedule:
    def test_a_round_on_a_weekend_moves_to_the_next_working_day(self):
        assert reminder_round_dates(2029, DAYS) == [
            date(2029, 3, 1),
            date(2029, 9, 3),
        ]  # 1 Sep 2029 is a Saturday

    def test_the_due_round_is_the_latest_within_the_grace_period(self):
        assert due_reminder_round(date(2027, 3, 1), DAYS, 30) == date(2027, 3, 1)
        assert due_reminder_round(date(2027, 2, 28), DAYS, 30) is None
        assert due_reminder_round(date(2027, 3, 31), DAYS, 30) == date(2027, 3, 1)
        assert due_reminder_round(date(2027, 4, 1), DAYS, 30) is None
        assert due_reminder_round(date(2028, 1, 5), DAYS, 200) == date(2027, 9, 1)
