"""Danish working days ("hverdage") and legal deadlines.

Danish administrative deadlines are counted in working days or in weeks. A working day is
a Monday-Friday that is neither

* a Danish public holiday, as listed by the ``holidays`` package's Denmark calendar
  (Nytårsdag, Skærtorsdag, Langfredag, Påskedag, 2. påskedag, Kristi himmelfartsdag,
  Pinsedag, 2. pinsedag, Juledag, 2. juledag; Store Bededag only up to and including 2023,
  it was abolished from 2024), nor
* one of the days public offices are closed although they are not public holidays:
  Grundlovsdag (5 June), juleaftensdag (24 December) and nytårsaftensdag (31 December).

Everything here is pure: no clock reads, no I/O. Holidays are looked up per year and
cached for the lifetime of the process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "DueDate",
    "Suspension",
    "add_weeks",
    "add_working_days",
    "closed_day_name",
    "closed_days",
    "is_working_day",
    "next_working_day",
    "previous_working_day",
    "this_or_next_working_day",
    "working_days_between",
]

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5

# Days public offices are closed that are not public holidays: (month, day) -> Danish name.
_OFFICE_CLOSING_DAYS: Mapping[tuple[int, int], str] = MappingProxyType(
    {
        (6, 5): "Grundlovsdag",
        (12, 24): "Juleaftensdag",
        (12, 31): "Nytårsaftensdag",
    }
)


DANISH_TIME: Final = ZoneInfo("Europe/Copenhagen")


def danish_date(moment: datetime | None = None) -> date:
    """The calendar day in Denmark at ``moment`` (now when left out): deadlines, reporting
    dates and fees are Danish days, whatever the server's time zone."""
    return (moment or datetime.now(UTC)).astimezone(DANISH_TIME).date()


@cache
def closed_days(year: int) -> Mapping[date, str]:
    """The closing days of ``year`` (whatever weekday they fall on) with their Danish names.

    Public holidays (from ``holidays``) plus Grundlovsdag, juleaftensdag and nytårsaftensdag.
    Cached per year; the returned mapping is read-only.
    """
    import holidays  # here: ~0.3 s of imports that a start-up without deadlines need not pay

    public = holidays.country_holidays("DK", years=year, language="da")
    days: dict[date, str] = {day: str(name) for day, name in public.items()}
    for (month, day), name in _OFFICE_CLOSING_DAYS.items():
        days.setdefault(date(year, month, day), name)
    return MappingProxyType(days)


def closed_day_name(d: date) -> str | None:
    """The Danish name of the holiday/closing day ``d`` falls on, or None.

    Weekends are not named: a plain Saturday returns None.
    """
    return closed_days(d.year).get(d)


def is_working_day(d: date) -> bool:
    """True if ``d`` is a hverdag: Monday-Friday and not a holiday or office closing day."""
    return d.weekday() < _SATURDAY and d not in closed_days(d.year)


def next_working_day(d: date) -> date:
    """The first working day strictly after ``d``."""
    d += _ONE_DAY
    while not is_working_day(d):
        d += _ONE_DAY
    return d


def previous_working_day(d: date) -> date:
    """The last working day strictly before ``d``."""
    d -= _ONE_DAY
    while not is_working_day(d):
        d -= _ONE_DAY
    return d


def this_or_next_working_day(d: date) -> date:
    """``d`` itself if it is a working day, otherwise the next working day.

    This is how a deadline that ends on a weekend or holiday is moved.
    """
    return d if is_working_day(d) else next_working_day(d)


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is never counted).

    * ``n > 0``: e.g. ``n=1`` is the next working day after ``start``.
    * ``n < 0``: counts backwards; ``n=-1`` is the last working day before ``start``.
    * ``n == 0``: ``start`` if it is a working day, else the next working day
      (same as :func:`this_or_next_working_day`), so the result is always a working day.

    For ``n > 0``: ``working_days_between(start, add_working_days(start, n)) == n``.
    """
    if n == 0:
        return this_or_next_working_day(start)
    step = next_working_day if n > 0 else previous_working_day
    d = start
    for _ in range(abs(n)):
        d = step(d)
    return d


def working_days_between(a: date, b: date) -> int:
    """The number of working days ``d`` with ``a < d <= b``.

    ``a`` is excluded and ``b`` included, matching :func:`add_working_days`. If ``b`` is
    before ``a`` the result is the negated count for ``(b, a]``; equal dates give 0.
    """
    if b < a:
        return -working_days_between(b, a)
    count = 0
    d = a + _ONE_DAY
    while d <= b:
        if is_working_day(d):
            count += 1
        d += _ONE_DAY
    return count


def add_weeks(start: date, weeks: int) -> date:
    """Deadline "within ``weeks`` weeks" from ``start``, as used in Danish law.

    The deadline is the same weekday ``weeks`` weeks later; if that day is not a working
    day (weekend, holiday, Grundlovsdag, 24 or 31 December) it moves forward to the next
    working day. ``weeks`` must be >= 0: for a deadline counted backwards ("no later than
    two weeks before the meeting") moving forward would be wrong, so compute it explicitly,
    e.g. with :func:`previous_working_day`.
    """
    if weeks < 0:
        raise ValueError(f"weeks must be >= 0, got {weeks}")
    return this_or_next_working_day(start + timedelta(weeks=weeks))


def _working_days_from(start: date, end: date) -> int:
    """Working days ``d`` with ``start <= d < end`` (0 if ``end <= start``)."""
    if end <= start:
        return 0
    return working_days_between(start - _ONE_DAY, end - _ONE_DAY)


@dataclass(frozen=True, slots=True)
class Suspension:
    """A period in which a case is suspended ("stillet i bero") and its deadline clock stops.

    ``start`` is the first day the clock is stopped. ``end`` is the day the case resumed,
    i.e. the first day the clock runs again (exclusive); ``None`` while still suspended.
    The suspension covers the working days ``start <= d < end``.
    """

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"suspension ends ({self.end}) before it starts ({self.start})")

    @property
    def is_open(self) -> bool:
        return self.end is None


@dataclass(frozen=True, slots=True)
class DueDate:
    """A deadline that is extended by the working days its case was suspended.

    Semantics of :meth:`effective_due` (``as_of`` is the day you ask on):

    * Suspensions starting after ``as_of`` have not taken effect yet and are ignored.
    * Suspensions are applied in start order. One that starts after the (already extended)
      due date is ignored: an expired deadline cannot be paused, so it stays overdue.
    * Every other closed suspension pushes the due date forward by the number of working
      days it covers (``start <= d < end``); overlapping periods are counted once.
    * If an open suspension (no ``end``) applies, the deadline is paused and there is no
      due date: ``None``. :meth:`is_overdue` is False while paused.

    A suspension starting on the due date itself counts: the due day is paused and the
    case gets that working day back after it resumes.
    """

    base_due: date
    suspensions: tuple[Suspension, ...] = field(default=())

    def __post_init__(self) -> None:
        if sum(1 for s in self.suspensions if s.is_open) > 1:
            raise ValueError("a due date can have at most one open suspension")

    def suspend(self, start: date) -> DueDate:
        """A copy with a new open suspension starting on ``start``."""
        return replace(self, suspensions=(*self.suspensions, Suspension(start)))

    def resume(self, end: date) -> DueDate:
        """A copy with the open suspension closed: the clock runs again from ``end``."""
        open_ = [s for s in self.suspensions if s.is_open]
        if not open_:
            raise ValueError("there is no open suspension to resume")
        closed = Suspension(open_[0].start, end)
        return replace(
            self,
            suspensions=tuple(closed if s.is_open else s for s in self.suspensions),
        )

    def is_suspended(self, as_of: date) -> bool:
        """True if an open suspension has started on or before ``as_of``."""
        return any(s.is_open and s.start <= as_of for s in self.suspensions)

    def effective_due(self, as_of: date) -> date | None:
        """The due date including suspensions in effect on ``as_of``; None while paused."""
        due = self.base_due
        counted_until = date.min  # suspended days before this have already been counted
        for suspension in sorted(self.suspensions, key=lambda s: s.start):
            if suspension.start > as_of or suspension.start > due:
                break  # sorted by start: every later suspension is ignored as well
            if suspension.end is None:
                return None
            extension = _working_days_from(max(suspension.start, counted_until), suspension.end)
            counted_until = max(counted_until, suspension.end)
            if extension:
                due = add_working_days(due, extension)
        return due

    def is_overdue(self, today: date) -> bool:
        """True if ``today`` is after the effective due date (the due day itself is in time)."""
        due = self.effective_due(today)
        return due is not None and today > due
