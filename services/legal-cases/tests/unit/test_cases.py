"""The case state machine, transition by transition."""

import pytest

from legal_cases.domain.cases import Action, CaseStatus, transition
from legal_cases.domain.errors import TransitionNotAllowedError

S = CaseStatus


class TestTransitions:
    @pytest.mark.parametrize(
        ("status", "action", "expected"),
        [
            (S.FILED, Action.NOTIFY_COUNTERPART, S.COUNTERPART_NOTIFIED),
            (S.COUNTERPART_NOTIFIED, Action.RECORD_REPLY, S.REPLY_RECEIVED),
            (S.COUNTERPART_NOTIFIED, Action.LAPSE_REPLY, S.REPLY_LAPSED),
            (S.REPLY_RECEIVED, Action.ASK_QUESTION, S.REPLY_RECEIVED),
            (S.REPLY_LAPSED, Action.SCHEDULE_HEARING, S.REPLY_LAPSED),
            (S.COUNTERPART_NOTIFIED, Action.EXTEND_DEADLINE, S.COUNTERPART_NOTIFIED),
            (S.REPLY_RECEIVED, Action.DECIDE, S.DECIDED),
            (S.REPLY_LAPSED, Action.DECIDE, S.DECIDED),
            (S.DECIDED, Action.APPEAL, S.APPEALED),
            (S.FINAL, Action.APPEAL, S.APPEALED),  # late, with permission
            (S.DECIDED, Action.MAKE_FINAL, S.FINAL),
            (S.FINAL, Action.REPORT_NONCOMPLIANCE, S.FINAL),
            (S.FILED, Action.REJECT, S.REJECTED),
            (S.REPLY_LAPSED, Action.REJECT, S.REJECTED),
            (S.COUNTERPART_NOTIFIED, Action.SUSPEND, S.SUSPENDED),
            (S.SUSPENDED, Action.ADD_DOCUMENT, S.SUSPENDED),
        ],
    )
    def test_allowed(self, status, action, expected):
        assert transition(status, action) is expected

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            (S.FILED, Action.DECIDE),  # no reply yet, not lapsed
            (S.COUNTERPART_NOTIFIED, Action.DECIDE),
            (S.COUNTERPART_NOTIFIED, Action.NOTIFY_COUNTERPART),  # only once
            (S.FILED, Action.RECORD_REPLY),
            (S.FILED, Action.ASK_QUESTION),
            (S.SUSPENDED, Action.DECIDE),
            (S.SUSPENDED, Action.SUSPEND),
            (S.DECIDED, Action.DECIDE),
            (S.DECIDED, Action.REJECT),
            (S.APPEALED, Action.MAKE_FINAL),
            (S.APPEALED, Action.APPEAL),
            (S.REJECTED, Action.RESUME),
            (S.DECIDED, Action.REPORT_NONCOMPLIANCE),  # not final yet
            (S.REPLY_RECEIVED, Action.MAKE_FINAL),
        ],
    )
    def test_refused(self, status, action):
        with pytest.raises(TransitionNotAllowedError, match=f"'{action.value}'"):
            transition(status, action)

    @pytest.mark.parametrize("before", [S.FILED, S.COUNTERPART_NOTIFIED, S.REPLY_LAPSED])
    def test_resume_returns_to_the_status_it_was_suspended_in(self, before):
        suspended = transition(before, Action.SUSPEND)
        assert transition(suspended, Action.RESUME, suspended_from=before) is before

    def test_resume_without_a_remembered_status_is_refused(self):
        with pytest.raises(TransitionNotAllowedError):
            transition(S.SUSPENDED, Action.RESUME, suspended_from=None)

    def test_every_status_has_a_danish_label(self):
        assert S.REPLY_LAPSED.label == "Svarfristen udløbet"
        assert all(s.label for s in S)
