import pytest

from grants.domain.errors import TransitionNotAllowedError
from grants.domain.lifecycle import (
    TRANSITIONS,
    Action,
    PaymentAction,
    Status,
    is_final,
    payments_transition,
    transition,
)


class TestTransitions:
    @pytest.mark.parametrize(
        ("start", "action", "end"),
        [
            (Status.DRAFT, Action.SEND, Status.SENT),
            (Status.SENT, Action.START_ASSESSMENT, Status.UNDER_ASSESSMENT),
            (Status.UNDER_ASSESSMENT, Action.PREQUALIFY, Status.PREQUALIFIED),
            (Status.UNDER_ASSESSMENT, Action.REJECT, Status.REJECTED),
            (Status.PREQUALIFIED, Action.APPROVE_PLAN, Status.PLAN_APPROVED),
            (Status.PLAN_APPROVED, Action.SEND_PLAN, Status.PLAN_SENT),
            (Status.PLAN_SENT, Action.COMMIT, Status.COMMITTED),
            (Status.TRANSFERRED, Action.GRANT_OPERATING_SUPPORT, Status.OPERATING_SUPPORT_GRANTED),
            (Status.TRANSFERRED, Action.REFUSE_OPERATING_SUPPORT, Status.OPERATING_SUPPORT_REFUSED),
        ],
    )
    def test_each_allowed_transition(self, start: Status, action: Action, end: Status) -> None:
        assert transition(start, action) is end

    def test_exactly_these_transitions_exist(self) -> None:
        assert len(TRANSITIONS) == 9

    @pytest.mark.parametrize("status", list(Status))
    @pytest.mark.parametrize("action", list(Action))
    def test_every_other_pair_is_refused_naming_where_it_starts(
        self, status: Status, action: Action
    ) -> None:
        if (status, action) in TRANSITIONS:
            return
        with pytest.raises(TransitionNotAllowedError) as raised:
            transition(status, action)
        assert f"'{status.value}'" in raised.value.detail
        assert action.value in raised.value.detail

    def test_rejected_is_final_there_is_no_waiting_list(self) -> None:
        assert is_final(Status.REJECTED)
        assert is_final(Status.COMMITTED)
        assert not is_final(Status.PREQUALIFIED)

    def test_cannot_prequalify_before_assessment_starts(self) -> None:
        with pytest.raises(TransitionNotAllowedError, match="'under_assessment'"):
            transition(Status.SENT, Action.PREQUALIFY)

    def test_commitment_needs_the_plan_sent(self) -> None:
        with pytest.raises(TransitionNotAllowedError):
            transition(Status.PLAN_APPROVED, Action.COMMIT)


class TestPayments:
    def test_stop_with_an_overdue_statement(self) -> None:
        assert payments_transition(Status.COMMITTED, False, PaymentAction.STOP, [2024]) is True

    def test_stop_refused_without_an_overdue_statement(self) -> None:
        with pytest.raises(TransitionNotAllowedError, match="overdue"):
            payments_transition(Status.COMMITTED, False, PaymentAction.STOP, [])

    def test_stop_refused_when_already_stopped(self) -> None:
        with pytest.raises(TransitionNotAllowedError, match="already stopped"):
            payments_transition(Status.COMMITTED, True, PaymentAction.STOP, [2024])

    def test_stop_refused_before_commitment(self) -> None:
        with pytest.raises(TransitionNotAllowedError, match="after commitment"):
            payments_transition(Status.PLAN_SENT, False, PaymentAction.STOP, [2024])

    def test_resume_when_nothing_is_overdue(self) -> None:
        assert payments_transition(Status.COMMITTED, True, PaymentAction.RESUME, []) is False

    def test_resume_refused_while_a_statement_is_still_missing(self) -> None:
        with pytest.raises(TransitionNotAllowedError, match="2025"):
            payments_transition(Status.COMMITTED, True, PaymentAction.RESUME, [2025])

    def test_resume_refused_when_not_stopped(self) -> None:
        with pytest.raises(TransitionNotAllowedError, match="not stopped"):
            payments_transition(Status.COMMITTED, False, PaymentAction.RESUME, [])
