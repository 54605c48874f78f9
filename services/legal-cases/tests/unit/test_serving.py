"""§ 86(5) service and §§ 88(2), 89(1) at their boundaries, on the Danish calendar: the service
day between the decision and today, each party's 4 weeks from its own service, finality only
after every required service and the latest window."""

from __future__ import annotations

from datetime import date

import pytest

from legal_cases.domain.errors import ServiceRejectedError
from legal_cases.domain.serving import (
    ServiceMethod,
    check_service,
    final_window_end,
    required_sides,
    window_end,
)

DECIDED = date(2027, 2, 1)  # a Monday
DECISION_DUE = date(2027, 3, 1)  # 4 weeks later, a Monday


def codes(*, required=True, served_on=DECIDED, today=date(2027, 2, 10), served_by="Ib Holm"):
    try:
        check_service(service_required=required, decided_on=DECIDED, served_on=served_on,
                      today=today, served_by=served_by)  # fmt: skip
    except ServiceRejectedError as exc:
        return [(e.pointer, e.code) for e in exc.errors]
    return []


def test_the_service_day_lies_between_the_decision_and_today_both_inclusive():
    assert codes(served_on=DECIDED) == []
    assert codes(served_on=date(2027, 2, 10), today=date(2027, 2, 10)) == []
    assert codes(served_on=date(2027, 1, 31)) == [("/served_on", "before-decision")]
    assert codes(served_on=date(2027, 2, 11), today=date(2027, 2, 10)) == [
        ("/served_on", "in-future")]  # fmt: skip


def test_who_served_it_is_named():
    assert codes(served_by="  ") == [("/served_by", "required")]


def test_only_a_decision_that_must_be_served_takes_a_service():
    assert codes(required=False) == [("/side", "not-required")]
    assert codes(required=False, served_on=date(2027, 1, 29)) == [
        ("/side", "not-required"), ("/served_on", "before-decision")]  # fmt: skip


def test_the_party_that_did_not_answer_is_the_one_to_serve():
    assert required_sides(True) == ("counterpart",)
    assert required_sides(False) == ()


def test_a_served_partys_window_runs_four_weeks_from_its_service():
    served = {"counterpart": date(2027, 2, 17)}  # Wednesday
    assert window_end("counterpart", decision_appeal_due=DECISION_DUE, served=served,
                      required=("counterpart",)) == date(2027, 3, 17)  # fmt: skip
    # the other party keeps the decision's window
    assert window_end("complainant", decision_appeal_due=DECISION_DUE, served=served,
                      required=("counterpart",)) == DECISION_DUE  # fmt: skip


def test_a_window_ending_on_a_holiday_moves_to_the_next_working_day():
    # served Thursday 25 February 2027: 4 weeks is Thursday 25 March 2027, Maundy Thursday;
    # Good Friday 26 March, the weekend and Easter Monday 29 March follow → Tuesday 30 March
    served = {"counterpart": date(2027, 2, 25)}
    assert window_end("counterpart", decision_appeal_due=DECISION_DUE, served=served,
                      required=("counterpart",)) == date(2027, 3, 30)  # fmt: skip


def test_a_required_party_not_served_has_no_running_window():
    assert window_end("counterpart", decision_appeal_due=DECISION_DUE, served={},
                      required=("counterpart",)) is None  # fmt: skip


def test_finality_waits_for_every_required_service_then_the_latest_window():
    assert final_window_end(decision_appeal_due=DECISION_DUE, served={},
                            required=("counterpart",)) is None  # fmt: skip
    # a complainant served alone does not make the decision finalisable
    assert final_window_end(decision_appeal_due=DECISION_DUE,
                            served={"complainant": DECIDED},
                            required=("counterpart",)) is None  # fmt: skip
    assert final_window_end(decision_appeal_due=DECISION_DUE,
                            served={"counterpart": date(2027, 2, 17)},
                            required=("counterpart",)) == date(2027, 3, 17)  # fmt: skip
    # served the day of the decision: the same window as the decision's
    assert final_window_end(decision_appeal_due=DECISION_DUE, served={"counterpart": DECIDED},
                            required=("counterpart",)) == DECISION_DUE  # fmt: skip
    # no service needed: the decision's window
    assert final_window_end(decision_appeal_due=DECISION_DUE, served={},
                            required=()) == DECISION_DUE  # fmt: skip


def test_the_complainant_served_later_than_the_counterpart_sets_the_later_window():
    served = {"counterpart": date(2027, 2, 2), "complainant": date(2027, 2, 9)}
    assert final_window_end(decision_appeal_due=DECISION_DUE, served=served,
                            required=("counterpart",)) == date(2027, 3, 9)  # fmt: skip


@pytest.mark.parametrize("method", list(ServiceMethod))
def test_every_method_has_a_danish_label(method):
    assert method.label.startswith("Forkyndelse") or method.label == "Digital forkyndelse"
