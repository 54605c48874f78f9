"""The deadlines of a rent tribunal case, computed with the shared Danish calendar.

* § 82(3): the counterpart is notified no later than **1 week** after filing and has **2 weeks**
  to reply; the tribunal may extend the reply deadline when special circumstances call for it
  (a reason is required).
* § 83(4): questions to the parties or others are answered within a deadline that normally does
  not exceed **2 weeks**; a longer one, or an extension, needs a reason.
* § 85(1): the parties are summoned to an inspection with at least **1 week's** notice.
* § 86(1): the decision is due **4 weeks** from the reply, the lapsed reply deadline, the answer
  to (or lapsed deadline of) a question, or the meeting — the latest of these that has happened.
* §§ 88(2), 89(1): appeal within **4 weeks** of the decision being notified; with permission up
  to **1 year** after the decision.

A deadline "within N weeks" is the same weekday N weeks later, moved to the next working day
when that is a weekend, a public holiday or an office closing day (``common.calendar.add_weeks``);
a date the tribunal sets itself (a question's answer date, an extension) is moved the same way.
A suspended case's open deadlines stop and are extended by the working days it was suspended
(``common.calendar.DueDate``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from common.calendar import (
    DueDate,
    Suspension,
    add_weeks,
    add_working_days,
    this_or_next_working_day,
)
from common.errors import FieldError
from legal_cases.domain.errors import DeadlineRuleError

NOTIFY_WEEKS: Final = 1
REPLY_WEEKS: Final = 2
QUESTION_MAX_WEEKS: Final = 2
INSPECTION_NOTICE: Final = timedelta(weeks=1)
DECISION_WEEKS: Final = 4
APPEAL_WEEKS: Final = 4
REMINDER_WORKING_DAYS: Final = 3  # a party is reminded this many working days ahead


class DeadlineKind(StrEnum):
    NOTIFY_COUNTERPART = "notify_counterpart"  # the tribunal: § 82(3) 1st sentence
    REPLY = "reply"  # the counterpart: § 82(3)
    QUESTION = "question"  # a party or another: § 83(4)
    INSPECTION = "inspection"  # the day of an inspection: § 85(1)
    MEETING = "meeting"  # the day of a meeting: § 85(2)
    DECISION = "decision"  # the tribunal: § 86(1)
    APPEAL = "appeal"  # the parties: §§ 88(2), 89(1)
    # forced administration (§§ 31-37), on the work list of the tribunal that decided it
    FA_MORTGAGEES = "fa_mortgagees"  # mortgagees may take on the works: 6 weeks, § 32(2)
    FA_MAINTENANCE_ACCOUNT = "fa_maintenance_account"  # the landlord pays: 3 weeks, § 34(2)
    FA_LOAN = "fa_loan"  # the municipality: a plan or a loan within 3 months, § 37
    FA_WORKS = "fa_works"  # the ordered works under administration: ≤ 10 years, § 31(1)
    SUBLET_DOCUMENTATION = "sublet_documentation"  # the sublessor documents: 7 days, § 86(8)

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def extendable(self) -> bool:
        """The deadlines the tribunal may extend with a reason (§§ 82(3), 83(4))."""
        return self in (DeadlineKind.REPLY, DeadlineKind.QUESTION)


_LABELS = {
    DeadlineKind.NOTIFY_COUNTERPART: "Underretning af modparten",
    DeadlineKind.REPLY: "Modpartens svar",
    DeadlineKind.QUESTION: "Svar på nævnets spørgsmål",
    DeadlineKind.INSPECTION: "Besigtigelse",
    DeadlineKind.MEETING: "Nævnsmøde med parterne",
    DeadlineKind.DECISION: "Nævnets afgørelse",
    DeadlineKind.APPEAL: "Frist for indbringelse",
    DeadlineKind.FA_MORTGAGEES: "Tvangsadministration: panthavernes frist (6 uger)",
    DeadlineKind.FA_MAINTENANCE_ACCOUNT: "Tvangsadministration: udlejers indbetaling (3 uger)",
    DeadlineKind.FA_LOAN: "Tvangsadministration: kommunens lån (3 måneder)",
    DeadlineKind.FA_WORKS: "Tvangsadministration: de påbudte arbejder",
    DeadlineKind.SUBLET_DOCUMENTATION: "Fremleje: dokumentation for efterlevelse (7 dage)",
}


def notify_counterpart_due(filed_on: date) -> date:
    return add_weeks(filed_on, NOTIFY_WEEKS)


def reply_due(notified_on: date) -> date:
    return add_weeks(notified_on, REPLY_WEEKS)


def decision_due(trigger_on: date) -> date:
    """4 weeks from the reply / lapsed reply deadline / answer / meeting (§ 86(1))."""
    return add_weeks(trigger_on, DECISION_WEEKS)


def appeal_due(notified_on: date) -> date:
    return add_weeks(notified_on, APPEAL_WEEKS)


def late_appeal_limit(decided_on: date) -> date:
    """The last day a late appeal may be permitted: 1 year after the decision (§ 88(2))."""
    try:
        return decided_on.replace(year=decided_on.year + 1)
    except ValueError:  # 29 February
        return decided_on.replace(year=decided_on.year + 1, day=28)


def check_appeal(today: date, due: date, decided_on: date, *, late_permission: bool) -> None:
    """In time until the appeal deadline; later only with permission, applied for within
    1 year of the decision (§§ 88(2), 89(1))."""
    if today <= due:
        return
    if not late_permission:
        raise DeadlineRuleError(
            f"The appeal deadline was {due}. A later appeal needs the housing court's or the "
            "appeal board's permission: set 'late_permission' when it was granted (§ 88(2))."
        )
    if today > late_appeal_limit(decided_on):
        raise DeadlineRuleError(
            f"A late appeal can be permitted only when applied for within 1 year of the "
            f"decision ({late_appeal_limit(decided_on)}) (§ 88(2))."
        )


def question_due(asked_on: date, answer_by: date | None, reason: str | None) -> date:
    """The answer deadline of a question: 2 weeks unless the tribunal sets another date; a
    date beyond 2 weeks needs a reason ("special circumstances", § 83(4))."""
    normal = add_weeks(asked_on, QUESTION_MAX_WEEKS)
    if answer_by is None:
        return normal
    if answer_by <= asked_on:
        raise DeadlineRuleError(
            f"The answer deadline {answer_by} must be after the day the question is asked "
            f"({asked_on})."
        )
    due = this_or_next_working_day(answer_by)
    if due > normal and not (reason and reason.strip()):
        raise DeadlineRuleError(
            f"A question's deadline normally does not exceed 2 weeks ({normal}); give the "
            "special circumstances in 'reason' to set a later date (§ 83(4))."
        )
    return due


def extended_due(current_due: date | None, new_due: date, reason: str | None) -> date:
    """An extension moves the deadline later (off a closed day) and names the special
    circumstances."""
    if not (reason and reason.strip()):
        raise DeadlineRuleError(
            "An extension needs the special circumstances that justify it in 'reason' "
            "(§§ 82(3), 83(4))."
        )
    due = this_or_next_working_day(new_due)
    if current_due is not None and due <= current_due:
        raise DeadlineRuleError(
            f"An extension must move the deadline later than {current_due}; got {new_due}"
            + (f" (a closed day: the deadline would end {due})." if due != new_due else ".")
        )
    return due


def earliest_hearing(notice_on: date) -> date:
    """The first day an inspection may be held when the parties are summoned on ``notice_on``."""
    return notice_on + INSPECTION_NOTICE


def check_inspection_notice(notice_on: date, held_on: date) -> None:
    if held_on < earliest_hearing(notice_on):
        raise DeadlineRuleError(
            f"The parties must be summoned to an inspection at least 1 week ahead (§ 85(1)): "
            f"summoned on {notice_on}, the inspection can be held on {earliest_hearing(notice_on)} "
            f"at the earliest, not {held_on}."
        )


def check_meeting_notice(notice_on: date, held_on: date) -> None:
    if held_on < notice_on:
        raise DeadlineRuleError(
            f"A meeting cannot be held ({held_on}) before the parties are summoned ({notice_on})."
        )


HELD_ON = "#/held_on"  # the request field of the day an inspection or meeting was held


def check_not_before_summoned_day(scheduled_on: date, held_on: date) -> None:
    """An inspection or a meeting takes place on the day the parties were summoned to (§ 85(1)-
    (2)); it cannot be recorded held before it (a moved day needs a new summons)."""
    if held_on < scheduled_on:
        detail = (
            f"The parties were summoned to {scheduled_on}; it cannot be recorded held on "
            f"{held_on}, before that day (§ 85(1)-(2)). For another day, schedule it anew so "
            "the parties are summoned to that day."
        )
        raise DeadlineRuleError(detail, errors=[FieldError(HELD_ON, detail, "before-summoned-day")])


def check_held_by_today(held_on: date, today: date) -> None:
    """An inspection or a meeting is recorded once it has taken place: dated today or earlier
    (a clerk may record it a few days later, with the day it was really held)."""
    if held_on > today:
        detail = (
            f"It cannot be recorded held on {held_on}, after today ({today}): record it once it "
            "has taken place, with the day it was held in 'held_on'."
        )
        raise DeadlineRuleError(detail, errors=[FieldError(HELD_ON, detail, "in-future")])


def effective_due(
    base_due: date, opened_on: date, suspensions: Iterable[Suspension], as_of: date
) -> date | None:
    """The due date of a deadline opened on ``opened_on`` after the case's suspensions that
    started on or after that day; ``None`` while the case is suspended (the clock is stopped)."""
    relevant = tuple(s for s in suspensions if s.start >= opened_on)
    return DueDate(base_due, relevant).effective_due(as_of)


def housing_court_right(decision_due_on: date | None, today: date, decided: bool) -> bool:
    """§ 88(6): when the tribunal has not decided by its § 86(1) deadline, the complainant may
    take the case to the housing court without waiting for the decision."""
    return not decided and decision_due_on is not None and today > decision_due_on


def reminder_horizon(today: date) -> date:
    """A party's open reply or answer deadline due on or before this day (and not before
    today) is reminded of — once — by the deadline round."""
    return add_working_days(today, REMINDER_WORKING_DAYS)


def reminder_due(today: date, due_on: date | None) -> bool:
    return due_on is not None and today <= due_on <= reminder_horizon(today)
