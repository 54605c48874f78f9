"""The appeal's outcome (§§ 88-89): what each outcome means, and its date and summary rules."""

from __future__ import annotations

from datetime import date

import pytest

from legal_cases.domain.appeals import AppealOutcome, check_outcome
from legal_cases.domain.cases import Action, CaseStatus, transition
from legal_cases.domain.errors import AppealRejectedError, TransitionNotAllowedError

LODGED, TODAY = date(2027, 1, 4), date(2027, 3, 10)


def test_only_upheld_makes_the_tribunals_decision_final():
    assert [o for o in AppealOutcome if o.decision_final] == [AppealOutcome.UPHELD]


@pytest.mark.parametrize(
    ("action", "after"),
    [
        (Action.APPEAL_UPHELD, CaseStatus.FINAL),
        (Action.APPEAL_CHANGED, CaseStatus.CHANGED_ON_APPEAL),
        (Action.APPEAL_SET_ASIDE, CaseStatus.SET_ASIDE_ON_APPEAL),
    ],
)
def test_an_outcome_follows_an_appeal_only_once(action, after):
    assert transition(CaseStatus.APPEALED, action) is after
    for status in (CaseStatus.DECIDED, CaseStatus.FINAL, after):
        with pytest.raises(TransitionNotAllowedError):
            transition(status, action)


def test_the_appellate_decision_lies_between_the_appeal_and_today_inclusive():
    for day in (LODGED, TODAY):
        check_outcome(outcome=AppealOutcome.UPHELD, lodged_on=LODGED, decided_on=day,
                      today=TODAY, summary=None)  # fmt: skip
    with pytest.raises(AppealRejectedError) as early:
        check_outcome(outcome=AppealOutcome.UPHELD, lodged_on=LODGED, decided_on=date(2027, 1, 3),
                      today=TODAY, summary=None)  # fmt: skip
    with pytest.raises(AppealRejectedError) as late:
        check_outcome(outcome=AppealOutcome.UPHELD, lodged_on=LODGED,
                      decided_on=date(2027, 3, 11), today=TODAY, summary=None)  # fmt: skip
    assert [e.code for e in early.value.errors] == ["before-appeal"]
    assert [e.code for e in late.value.errors] == ["in-future"]


@pytest.mark.parametrize("outcome", [AppealOutcome.CHANGED, AppealOutcome.SET_ASIDE])
def test_a_change_or_setting_aside_says_what_was_decided_instead(outcome):
    with pytest.raises(AppealRejectedError) as missing:
        check_outcome(outcome=outcome, lodged_on=LODGED, decided_on=TODAY, today=TODAY,
                      summary="  ")  # fmt: skip
    assert [e.pointer for e in missing.value.errors] == ["/summary"]
    check_outcome(outcome=outcome, lodged_on=LODGED, decided_on=TODAY, today=TODAY,
                  summary="Lejen nedsat")  # fmt: skip


def test_only_upheld_leaves_the_landlords_fee_owed():
    """§ 82(2): the fee follows the decision the tenant won fully; changed or set aside, it
    is no longer owed."""
    assert {o: o.landlord_fee_stands for o in AppealOutcome} == {
        AppealOutcome.UPHELD: True, AppealOutcome.CHANGED: False, AppealOutcome.SET_ASIDE: False
    }  # fmt: skip
    assert AppealOutcome.SET_ASIDE.fee_cancel_reason == "appeal_set_aside"
