"""Forced administration (§§ 26-31): each condition at its boundary."""

from datetime import date

import pytest

from legal_cases.domain.errors import (
    AdministrationStepRejectedError,
    ForcedAdministrationRejectedError,
)
from legal_cases.domain.forced_administration import (
    EndReason,
    RequestedBy,
    Step,
    add_months,
    check_forced_administration,
    check_step,
)

TODAY = date(2027, 3, 1)
OK = {
    "today": TODAY,
    "requested_by": RequestedBy.TENANT_MAJORITY,
    "apartments": 6,
    "ordered_works_due": date(2027, 2, 28),
    "gi_works_on": (date(2025, 3, 1),),
    "gi_declined_on": None,
    "works_deadline": date(2029, 3, 1),
}


def codes(**changes):
    with pytest.raises(ForcedAdministrationRejectedError) as caught:
        check_forced_administration(**{**OK, **changes})
    return [e.code for e in caught.value.errors]


class TestForcedAdministration:
    def test_all_conditions_met(self):
        check_forced_administration(**OK)

    def test_the_works_deadline_must_have_passed(self):
        assert codes(ordered_works_due=TODAY) == ["deadline-not-passed"]

    def test_gi_works_once_within_two_years_boundary(self):
        assert codes(gi_works_on=(date(2025, 2, 28),)) == ["gi-condition"]
        check_forced_administration(**{**OK, "gi_works_on": (date(2020, 1, 1), date(2021, 1, 1))})

    def test_gi_declined_is_a_basis_and_its_notice_gives_eight_days(self):
        notice = {"requested_by": RequestedBy.GI_NOTICE, "gi_works_on": ()}
        check_forced_administration(**{**OK, **notice, "gi_declined_on": date(2027, 2, 21)})
        assert codes(**notice, gi_declined_on=date(2027, 2, 20)) == ["too-late"]
        assert codes(**notice, gi_declined_on=None) == ["gi-condition", "required"]

    def test_at_least_two_dwellings(self):
        assert codes(apartments=1) == ["too-few-dwellings"]

    def test_works_deadline_at_most_ten_years(self):
        check_forced_administration(**{**OK, "works_deadline": date(2037, 3, 1)})
        assert codes(works_deadline=date(2037, 3, 2)) == ["out-of-range"]
        assert codes(works_deadline=TODAY) == ["out-of-range"]


class TestAdministrationSteps:
    """§§ 29-41: the order of the steps and their conditions, at the boundaries."""

    DECIDED, TODAY = date(2027, 2, 1), date(2027, 3, 10)

    def check(self, step, done=(), **kwargs):
        on = kwargs.pop("on", self.TODAY)
        check_step(step, on=on, today=self.TODAY, decided_on=self.DECIDED, done=list(done),
                   **kwargs)  # fmt: skip

    def codes(self, step, done=(), **kwargs):
        with pytest.raises(AdministrationStepRejectedError) as caught:
            self.check(step, done, **kwargs)
        return [e.code for e in caught.value.errors]

    def test_the_date_lies_between_the_decision_and_today_inclusive(self):
        self.check(Step.REGISTERED, on=self.DECIDED)
        self.check(Step.REGISTERED, on=self.TODAY)
        assert self.codes(Step.REGISTERED, on=date(2027, 1, 31)) == ["out-of-range"]
        assert self.codes(Step.REGISTERED, on=date(2027, 3, 11)) == ["out-of-range"]

    def test_order_exclusivity_and_repetition(self):
        appointed = [(Step.ADMINISTRATOR_APPOINTED, self.DECIDED)]
        assert self.codes(Step.MORTGAGEES_NOTIFIED) == ["out-of-order"]
        self.check(Step.MORTGAGEES_NOTIFIED, appointed)
        assert self.codes(Step.ADMINISTRATOR_APPOINTED, appointed,
                          administrator="B") == ["recorded"]  # fmt: skip
        accounts = [*appointed, (Step.ACCOUNTS_SUBMITTED, self.DECIDED)]
        self.check(Step.ACCOUNTS_SUBMITTED, accounts)  # repeatable
        demanded = [*appointed, (Step.MAINTENANCE_ACCOUNT_DEMANDED, self.DECIDED),
                    (Step.MAINTENANCE_ACCOUNT_PAID, self.DECIDED)]  # fmt: skip
        assert self.codes(Step.MAINTENANCE_ACCOUNT_TO_COLLECTION, demanded) == ["exclusive"]
        assert self.codes(Step.ADMINISTRATOR_APPOINTED) == ["required"]

    def test_three_weeks_before_collection(self):
        done = [(Step.ADMINISTRATOR_APPOINTED, self.DECIDED),
                (Step.MAINTENANCE_ACCOUNT_DEMANDED, self.DECIDED)]  # fmt: skip
        due = date(2027, 2, 22)
        assert self.codes(Step.MAINTENANCE_ACCOUNT_TO_COLLECTION, done, on=due,
                          maintenance_account_due=due) == ["too-early"]  # fmt: skip
        self.check(Step.MAINTENANCE_ACCOUNT_TO_COLLECTION, done, on=date(2027, 2, 23),
                   maintenance_account_due=due)  # fmt: skip

    def test_41_lifting(self):
        assert self.codes(Step.ENDED) == ["required"]
        assert self.codes(Step.ENDED, end_reason=EndReason.WORKS_DONE,
                          administrator_satisfied=True) == ["conditions-not-met"]  # fmt: skip
        completed = [(Step.ADMINISTRATOR_APPOINTED, self.DECIDED),
                     (Step.WORKS_COMPLETED, self.DECIDED)]  # fmt: skip
        assert self.codes(Step.ENDED, completed, end_reason=EndReason.WORKS_DONE) == [
            "conditions-not-met"]  # fmt: skip
        self.check(Step.ENDED, completed, end_reason=EndReason.WORKS_DONE,
                   administrator_satisfied=True)  # fmt: skip
        self.check(Step.ENDED, end_reason=EndReason.OUT_OF_SCOPE)  # § 26 no longer applies
        ended = [(Step.REGISTERED, self.DECIDED), (Step.ENDED, self.DECIDED)]
        assert "ended" in self.codes(Step.ACCOUNTS_SUBMITTED, ended)
        self.check(Step.REGISTRATION_DELETED, ended)
        assert self.codes(Step.REGISTRATION_DELETED, [(Step.ENDED, self.DECIDED)]) == [
            "out-of-order"]  # fmt: skip

    def test_three_calendar_months_keep_the_day_or_take_the_months_last(self):
        assert add_months(date(2027, 2, 10), 3) == date(2027, 5, 10)
        assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
        assert add_months(date(2027, 10, 31), 3) == date(2028, 1, 31)
