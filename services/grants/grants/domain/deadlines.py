"""Dates of a case: its age and the 6-week flag, and the yearly statements' deadlines.

* Expected processing time for a complete prequalification application is 4–6 weeks (seed 001);
  a case still awaiting the fund more than 6 weeks after it was sent is flagged. The 6 weeks
  end on the same weekday, moved to the next Danish working day (``common.calendar.add_weeks``).
* The regulation-account statement (reguleringskontoopgørelse) follows the calendar year and
  must reach the fund at the latest 6 months after the year's end: 30 June of the next year, or
  the next working day when that is a weekend or holiday. The day itself is in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Final

from common.calendar import add_weeks, this_or_next_working_day
from common.errors import FieldError, RuleViolationError

EXPECTED_PROCESSING_WEEKS: Final = 6


def case_age_days(sent_on: date | None, today: date) -> int | None:
    """Whole days since the application was sent; ``None`` while it is a draft."""
    if sent_on is None:
        return None
    return max((today - sent_on).days, 0)


@lru_cache(maxsize=4096)
def processing_deadline(sent_on: date) -> date:
    """The day the expected 6 weeks end (cached: a case list asks it for every row)."""
    return add_weeks(sent_on, EXPECTED_PROCESSING_WEEKS)


def past_expected_processing(sent_on: date | None, today: date, awaiting_fund: bool) -> bool:
    """Whether the fund has had a sent case longer than the expected 6 weeks."""
    return awaiting_fund and sent_on is not None and today > processing_deadline(sent_on)


def last_sent_day_flagged(today: date) -> date:
    """The latest sending day whose expected processing time has passed by ``today``: a case
    awaiting the fund is flagged exactly when it was sent on or before this day (so the case
    list can filter on it in SQL without re-implementing the rule)."""
    day = today - timedelta(weeks=EXPECTED_PROCESSING_WEEKS)
    while processing_deadline(day) >= today:
        day -= timedelta(days=1)
    return day


def statement_due(year: int) -> date:
    """The deadline of the statement for calendar ``year``: 6 months after the year's end."""
    return this_or_next_working_day(date(year + 1, 6, 30))


def check_year_ended(year: int, today: date, what: str) -> None:
    """A yearly report covers a calendar year: it is handed in once the year has ended (one
    handed in before would count as received, so that year could never become overdue)."""
    if today.year <= year:
        raise RuleViolationError(
            f"{what} for {year} covers a calendar year that has not ended; it can be handed in "
            f"from 1 January {year + 1} (due {statement_due(year)})."
        )


def check_happened(day: date, today: date, what: str) -> None:
    """A record of something done — the council's approval, a payment, the review — is dated
    on or before ``today`` (the Danish date): it is recorded once it has happened."""
    if day > today:
        raise RuleViolationError(
            f"{what} is dated {day}, after today ({today}): record it once it has happened."
        )


def check_approval_after_prequalification(approved_on: date, prequalified_on: date) -> None:
    """The council approves the comprehensive plan, and the plan is written only once the case
    is prequalified (seed 001: "Når boligorganisationen/-erne har modtaget meddelelse om
    prækvalifikation, kan arbejdet med at udforme helhedsplanen begynde umiddelbart herefter"),
    so the approval is dated on or after the day of the prequalification (a Danish date)."""
    if approved_on < prequalified_on:
        detail = (
            f"The municipal council's approval is dated {approved_on}, before the case was "
            f"prequalified ({prequalified_on}): the council approves the comprehensive plan "
            "written after the prequalification — enter the date of that approval."
        )
        raise RuleViolationError(
            detail, errors=[FieldError("#/approved_on", detail, "before-prequalification")]
        )


def check_commitment_period(frame_year: int, start_year: int, end_year: int) -> None:
    """A commitment is given from a year's frame (seed 001: "i årene 2019–2026 inden for en
    årlig ramme på 380 mio. kr. kan give tilsagn"), so the effort it pays for starts in that
    year or later, never in the years before it (their statements would be due, or overdue,
    the day the commitment is given); and it ends no earlier than it starts."""
    if start_year < frame_year:
        raise RuleViolationError(
            f"The commitment period starts in {start_year}, before the case's frame year "
            f"{frame_year}: a commitment from the {frame_year} frame covers {frame_year} and "
            "later years. Start the period in the frame year or later."
        )
    if end_year < start_year:
        raise RuleViolationError(
            f"The commitment period ends ({end_year}) before it starts ({start_year})."
        )


def statement_years(start_year: int, end_year: int) -> list[int]:
    """The calendar years of a commitment period, each with its own statement."""
    if end_year < start_year:
        raise ValueError(f"period ends ({end_year}) before it starts ({start_year})")
    return list(range(start_year, end_year + 1))


def status_due(year: int) -> date:
    """The deadline of the yearly status for calendar ``year``: the yearly reporting deadline,
    the statement's day (see the module's notes)."""
    return statement_due(year)


@dataclass(frozen=True, slots=True)
class Statement:
    """A calendar year's reporting: the regulation-account statement and the yearly status."""

    year: int
    due_on: date
    received_on: date | None = None
    status_received_on: date | None = None
    # False: only the statement counts (the status part is not tracked by the caller).
    with_status: bool = False

    def is_overdue(self, today: date) -> bool:
        """The regulation-account statement is overdue."""
        return self.received_on is None and today > self.due_on

    def status_is_overdue(self, today: date) -> bool:
        """The yearly status is overdue (due on the same day)."""
        return self.with_status and self.status_received_on is None and today > self.due_on

    def report_overdue(self, today: date) -> bool:
        return self.is_overdue(today) or self.status_is_overdue(today)


def overdue_years(statements: Iterable[Statement], today: date) -> list[int]:
    """The years with an overdue report (the statement, or the status when tracked)."""
    return sorted(s.year for s in statements if s.report_overdue(today))


def review_due_from(statements: Iterable[Statement]) -> date | None:
    """The day the one-year review is due from: the first statement's receipt (None before)."""
    received = [s.received_on for s in statements if s.received_on is not None]
    return min(received) if received else None
