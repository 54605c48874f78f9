"""The vacancy duty (seed 004 § 5) and the invitation round (§ 52), and refund quarters (§ 55(2)).

* § 5(2): a dwelling vacant for **more than 6 weeks** must be reported to the municipality by its
  owner; § 5(3): after that the municipality may allocate a home seeker; § 5(5): it may grant the
  owner a further deadline (the owner has agreed a later hand-over, or the dwelling is being
  rebuilt).
* § 52: the municipality invites every private landlord in the municipality at the same time, to
  answer by the same deadline on the same basis; offers are binding; after the deadline it picks
  or rejects any or all.
* § 55(2): refunds are paid quarterly in arrears on a statement of the quarter's expenses.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from allocation.domain.errors import NoticeRuleError

DUTY_WEEKS = 6


class ReportStatus(StrEnum):
    REPORTED = "reported"
    ALLOCATED = "allocated"  # § 5(3)
    EXTENDED = "extended"  # § 5(5)


def duty_arises(vacant_since: date) -> date:
    """The first day the dwelling has been vacant for more than 6 weeks (the report is due)."""
    return vacant_since + timedelta(weeks=DUTY_WEEKS, days=1)


def check_reportable(vacant_since: date, today: date) -> None:
    if vacant_since > today:
        raise NoticeRuleError("A dwelling cannot be reported vacant from a future day.")
    if today < duty_arises(vacant_since):
        raise NoticeRuleError(
            f"§ 5(2): the duty to report arises when the dwelling has been vacant for more than "
            f"6 weeks, i.e. from {duty_arises(vacant_since)}; report it then."
        )


def age_days(vacant_since: date, today: date) -> int:
    return (today - vacant_since).days


def check_decision(status: ReportStatus, extended_until: date | None, today: date) -> None:
    if status is not ReportStatus.REPORTED:
        raise NoticeRuleError(f"The report was already decided ({status.value}).")
    if extended_until is not None and extended_until <= today:
        raise NoticeRuleError("A further deadline (§ 5(5)) must lie after today.")


def check_round_open(deadline: date, today: date) -> None:
    """§ 52(1): offers are given by the round's deadline (the deadline day included)."""
    if today > deadline:
        raise NoticeRuleError(
            f"§ 52: the invitation's deadline was {deadline}; offers can no longer be given."
        )


def check_round_decidable(deadline: date, today: date) -> None:
    """§ 52(2): the municipality chooses among the offers received — after the deadline, so
    every landlord had the same time."""
    if today <= deadline:
        raise NoticeRuleError(
            f"§ 52: offers may still arrive until {deadline}; decide after the deadline."
        )


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a calendar quarter."""
    if not 1 <= quarter <= 4:
        raise NoticeRuleError(f"A quarter is 1–4, got {quarter}.")
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def check_in_arrears(year: int, quarter: int, today: date) -> None:
    """§ 55(2): a quarter's statement is made in arrears, once the quarter has ended."""
    _, last = quarter_bounds(year, quarter)
    if today <= last:
        raise NoticeRuleError(
            f"Q{quarter} {year} ends on {last}; its refund statement is made in arrears, "
            "from the day after."
        )
