"""The vacancy notice and the municipality's answer (seed 004 §§ 51(4)–(5), 54(2), 56).

* § 56(1): the municipality answers within **7 weekdays** after receiving the landlord's notice
  (Danish working days: weekends, public holidays, Grundlovsdag, 24 and 31 December excluded).
* Accept (at any time while the notice is open): the municipality pays the rent from when the
  apartment is at its disposal until it is let (§ 56(2)) and, on a first use, the per-use
  compensation (§ 54(2)); the apartment then **repeats** every time it becomes vacant within the
  6-year period (§ 51(4)), without new compensation (§ 51(5)).
* Silence past the deadline, or a "no" after it: the municipality still pays the rent, but not
  beyond the day a notice to quit would have taken effect (§ 56(3)), and on a first use the
  per-use compensation (§ 54(2)).
* A "no" in time: nothing is owed.
* On a repeat, any answer but "yes" is the **first unused repeat**: the right to that apartment
  ends (§ 51(5), last sentence).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

from allocation.domain.errors import NoticeRuleError
from common.calendar import add_working_days, previous_working_day

ANSWER_WORKING_DAYS = 7
REPEAT_YEARS = 6


class Answer(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


class Settlement(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"  # in time
    DECLINED_LATE = "declined_late"
    LAPSED = "lapsed"  # no answer by the deadline


@cache
def answer_due(received_on: date) -> date:
    """The last day of the answer period: the 7th working day after receipt."""
    return add_working_days(received_on, ANSWER_WORKING_DAYS)


def reminder_due(due: date, today: date) -> bool:
    """Whether to remind of an open offer's deadline: from the last working day before the due
    day up to the due day itself (a worker that was down still reminds in time)."""
    return previous_working_day(due) <= today <= due


def is_lapsed(received_on: date, today: date) -> bool:
    return today > answer_due(received_on)


def repeat_period_end(agreement_start: date) -> date:
    """The last day of the 6-year period in which a used right repeats."""
    try:
        end = agreement_start.replace(year=agreement_start.year + REPEAT_YEARS)
    except ValueError:  # 29 February → 28 February
        end = agreement_start.replace(year=agreement_start.year + REPEAT_YEARS, day=28)
    return date.fromordinal(end.toordinal() - 1)


def repeats(agreement_start: date, vacant_on: date) -> bool:
    return agreement_start <= vacant_on <= repeat_period_end(agreement_start)


@dataclass(frozen=True, slots=True)
class Outcome:
    settlement: Settlement
    pays_rent: bool
    rent_capped_by_notice: bool  # § 56(3): not beyond when a notice to quit would take effect
    compensation_due: bool
    right_used: bool  # counts as a use of the right (and starts repeats)
    repeat_right_ends: bool


def settle(
    *, answer: Answer | None, answered_on: date | None, due: date, is_repeat: bool
) -> Outcome:
    """The consequences of an answer (or of silence when ``answer`` is None)."""
    if answer is Answer.ACCEPT:
        return Outcome(Settlement.ACCEPTED, True, False, not is_repeat, True, False)
    if answer is Answer.DECLINE:
        assert answered_on is not None
        if answered_on <= due:
            return Outcome(Settlement.DECLINED, False, False, False, False, is_repeat)
        return Outcome(Settlement.DECLINED_LATE, True, True, not is_repeat, False, is_repeat)
    return Outcome(Settlement.LAPSED, True, True, not is_repeat, False, is_repeat)


def check_substitute(
    *, right_live: bool, vacant_from: date, substitute_available_from: date
) -> None:
    """§ 51(4), 2nd sentence: instead of the apartment whose right repeats, the landlord may put
    an apartment of the same price and quality at the municipality's disposal — only for a
    live repeat right and only if that delays nothing."""
    if not right_live:
        raise NoticeRuleError(
            "§ 51(4): an equivalent apartment can only stand in for an apartment whose "
            "allocation right repeats (used before, within the 6-year period, not ended)."
        )
    if substitute_available_from > vacant_from:
        raise NoticeRuleError(
            f"§ 51(4): the equivalent apartment must be available no later than the apartment "
            f"it replaces ({vacant_from}); it would delay the allocation."
        )
