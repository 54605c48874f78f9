"""§ 86(7)-(8) at its boundaries: the notice after the decision's deadline, the 7 days."""

from __future__ import annotations

from datetime import date

import pytest

from legal_cases.domain.errors import SubletNoticeRejectedError
from legal_cases.domain.sublets import SubletStep, check_notice, check_step, documentation_due

NOTICED = date(2027, 1, 18)  # a Monday


def test_seven_days_moved_off_closed_days():
    assert documentation_due(date(2027, 1, 18)) == date(2027, 1, 25)
    assert documentation_due(date(2027, 1, 16)) == date(2027, 1, 25)  # Sat 23 → Mon 25


def test_the_notice_needs_a_final_sublet_decision_whose_deadline_passed():
    check_notice(case_final=True, sublet_obligations=True, compliance_due=date(2027, 1, 15),
                 today=date(2027, 1, 16))  # fmt: skip
    for final, sublet, today in ((False, True, date(2027, 1, 16)),
                                 (True, False, date(2027, 1, 16)),
                                 (True, True, date(2027, 1, 15))):  # fmt: skip
        with pytest.raises(SubletNoticeRejectedError):
            check_notice(case_final=final, sublet_obligations=sublet,
                         compliance_due=date(2027, 1, 15), today=today)  # fmt: skip


def codes(step, on, requested_on=None, documented_on=None, told=None):
    try:
        check_step(step, on=on, today=date(2027, 2, 1), noticed_on=NOTICED,
                   requested_on=requested_on, documented_on=documented_on,
                   landlord_told_on=told)  # fmt: skip
    except SubletNoticeRejectedError as exc:
        return [e.code for e in exc.errors]
    return []


def test_the_order_and_the_seven_days_boundary():
    assert codes(SubletStep.DOCUMENTED, NOTICED) == ["out-of-order"]
    assert codes(SubletStep.DOCUMENTATION_REQUESTED, NOTICED) == []
    assert codes(SubletStep.DOCUMENTATION_REQUESTED, NOTICED, requested_on=NOTICED) == [
        "recorded"]  # fmt: skip
    assert codes(SubletStep.LANDLORD_TOLD, date(2027, 1, 25), requested_on=NOTICED) == [
        "too-early"]  # fmt: skip
    assert codes(SubletStep.LANDLORD_TOLD, date(2027, 1, 26), requested_on=NOTICED) == []
    assert codes(SubletStep.DOCUMENTED, date(2027, 1, 20), requested_on=NOTICED) == []
    assert codes(SubletStep.LANDLORD_TOLD, date(2027, 1, 26), requested_on=NOTICED,
                 documented_on=date(2027, 1, 20)) == ["done"]  # fmt: skip
    assert codes(SubletStep.DOCUMENTATION_REQUESTED, date(2027, 1, 17)) == ["out-of-range"]
