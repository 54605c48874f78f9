"""What the dashboards count and how they name it (in Danish): the package status a package's
events add up to, the rent bands of the sector's statistics, allocation types' names, and the
reporting windows. Pure functions, no framework."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

ALLOCATION_LABELS: Final[Mapping[str, str]] = {
    "external_waiting_list": "Ekstern venteliste",
    "exchange": "Bytning",
    "organisation_internal": "Organisationsintern",
    "department_internal": "Afdelingsintern",
    "housing_guarantee": "Boliggarantibevis",
    "public_advertisement": "Offentlig annoncering",
    "flexible_letting": "Fleksibel udlejning",
    "combined_letting": "Kombineret udlejning",
    "municipal_allocation": "Kommunal anvisning",
}
"""Seed 003, Table 1: re-lettings by allocation type, in the table's order."""

MUNICIPAL_ALLOCATION: Final = "municipal_allocation"

RENT_BAND_EDGES: Final = (Decimal("3500"), Decimal("4500"), Decimal("6500.01"))
"""Lower edges of the bands after the first (seed 003, Figure 4: monthly rent bands)."""
RENT_BAND_LABELS: Final = (
    "Under 3.500 kr.",
    "3.500–4.499 kr.",
    "4.500–6.500 kr.",
    "Over 6.500 kr.",
)


def rent_band(monthly_rent: Decimal) -> int:
    """The band (index into :data:`RENT_BAND_LABELS`) of a monthly rent."""
    return sum(1 for edge in RENT_BAND_EDGES if monthly_rent >= edge)


class PackageState(StrEnum):
    """Where a documentation package stands, as its events tell it: its status before sending
    (``governance.package.status_changed``), then sent, sent back, meeting, statement."""

    READY = "ready"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    RETURNED = "returned"
    SENT = "sent"
    MEETING_HELD = "meeting_held"
    STATEMENT_SUBMITTED = "statement_submitted"

    @property
    def label(self) -> str:
        return PACKAGE_STATE_LABELS[self]

    @property
    def delivered(self) -> bool:
        """Sent to the municipalities (and not sent back since)."""
        return self in (
            PackageState.SENT,
            PackageState.MEETING_HELD,
            PackageState.STATEMENT_SUBMITTED,
        )


PACKAGE_STATE_LABELS: Final[Mapping[PackageState, str]] = {
    PackageState.READY: "Klar til udarbejdelse",
    PackageState.IN_PROGRESS: "Under udarbejdelse",
    PackageState.COMPLETE: "Helt udfyldt",
    PackageState.RETURNED: "Sendt tilbage (under udarbejdelse)",
    PackageState.SENT: "Fremsendt",
    PackageState.MEETING_HELD: "Møde afholdt",
    PackageState.STATEMENT_SUBMITTED: "Redegørelse afgivet",
}
PACKAGE_STATE_ORDER: Final = tuple(PackageState)


def package_state(
    *,
    sent_at: datetime | None,
    returned_at: datetime | None,
    meeting_held_on: date | None,
    statement_at: datetime | None,
    editing_status: str | None = None,
    editing_at: datetime | None = None,
) -> PackageState | None:
    """The state the package's events add up to, whatever order they arrived in; ``None`` for a
    package of which only a supplementary fact is known. A package sent back shows the status
    its editing reached after the return, if any (governance publishes the status it is back in
    as of the return itself, so at the same time counts)."""
    if statement_at is not None:
        return PackageState.STATEMENT_SUBMITTED
    if meeting_held_on is not None:
        return PackageState.MEETING_HELD
    if sent_at is not None and (returned_at is None or returned_at < sent_at):
        return PackageState.SENT
    editing = PackageState(editing_status) if editing_status else None
    if returned_at is not None:
        if editing is not None and editing_at is not None and editing_at >= returned_at:
            return editing
        return PackageState.RETURNED
    return editing


@dataclass(frozen=True, slots=True)
class Window:
    """The days a daily series covers: ``days`` days ending on ``last``."""

    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def daily_window(year: int, today: date, days: int = 30) -> Window:
    """The last ``days`` days of ``year`` up to ``today`` (a past year: its last days)."""
    last = min(today, date(year, 12, 31))
    if last.year < year:  # a future year: its first days
        last = date(year, 1, days)
    return Window(last - timedelta(days=days - 1), last)


def reference_day(year: int, today: date) -> date:
    """The day whose running leases a year's rent bands show: today in the current year, the
    year's last day for a past year, its first for a future one."""
    if year == today.year:
        return today
    return date(year, 12, 31) if year < today.year else date(year, 1, 1)


def share(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent with one decimal; ``None`` of nothing."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def danish_number(value: int | Decimal | None, decimals: int = 0) -> str:
    """``12.345`` / ``11,6``: Danish thousands and decimal separators; ``–`` for none."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "§").replace(".", ",").replace("§", ".")


# --- grants ----------------------------------------------------------------------------------

GRANTS_FRAME: Final = Decimal("380000000.00")
GRANTS_FRAME_YEARS: Final = range(2019, 2027)
"""The § 91a frame: 380 mDKK a year in 2019–2026 (lov nr. 1561 af 18. december 2018). The
statute sets it, no event carries it; the grants service seeds the same figure."""


class GrantStatus(StrEnum):
    """Where a grant case stands, as its events tell it (a case whose producer published no
    assessment or sent plan — events from before those existed — counts with the status
    before them)."""

    SUBMITTED = "submitted"
    UNDER_ASSESSMENT = "under_assessment"
    REJECTED = "rejected"
    PREQUALIFIED = "prequalified"
    PLAN_APPROVED = "plan_approved"
    PLAN_SENT = "plan_sent"
    COMMITTED = "committed"

    @property
    def label(self) -> str:
        return GRANT_STATUS_LABELS[self]


GRANT_STATUS_LABELS: Final[Mapping[GrantStatus, str]] = {
    GrantStatus.SUBMITTED: "Fremsendt",
    GrantStatus.UNDER_ASSESSMENT: "Under behandling",
    GrantStatus.REJECTED: "Afslag",
    GrantStatus.PREQUALIFIED: "Prækvalificeret",
    GrantStatus.PLAN_APPROVED: "Helhedsplan godkendt",
    GrantStatus.PLAN_SENT: "Helhedsplan fremsendt",
    GrantStatus.COMMITTED: "Tilsagn givet",
}
GRANT_STATUS_ORDER: Final = tuple(GrantStatus)


def grant_status(
    *,
    submitted: bool,
    rejected: bool,
    prequalified: bool,
    plan_approved: bool,
    committed: bool,
    under_assessment: bool = False,
    plan_sent: bool = False,
) -> GrantStatus | None:
    """The status a case's facts add up to, whatever order they came in (the lifecycle only
    moves forward: sent → under assessment → prequalified or rejected → plan approved → plan
    sent → committed)."""
    if committed:
        return GrantStatus.COMMITTED
    if plan_sent:
        return GrantStatus.PLAN_SENT
    if plan_approved:
        return GrantStatus.PLAN_APPROVED
    if prequalified:
        return GrantStatus.PREQUALIFIED
    if rejected:
        return GrantStatus.REJECTED
    if under_assessment:
        return GrantStatus.UNDER_ASSESSMENT
    if submitted:
        return GrantStatus.SUBMITTED
    return None


def payments_stopped(stopped_at: datetime | None, resumed_at: datetime | None) -> bool:
    return stopped_at is not None and (resumed_at is None or resumed_at < stopped_at)


def million(amount: Decimal | None) -> Decimal | None:
    """DKK as mio. kr. with one decimal."""
    if amount is None:
        return None
    return (amount / Decimal(1_000_000)).quantize(Decimal("0.1"))


# --- allocation ------------------------------------------------------------------------------

OFFER_AGE_BANDS: Final = ((0, 2), (3, 5), (6, 7), (8, None))
"""Open offers' age in Danish working days since they were opened; the answer is due within 7
working days (the offer's own ``answer_due`` says whether it is overdue)."""


def offer_age_band(age: int) -> int:
    """The band (index into :data:`OFFER_AGE_BANDS`) of an age in working days."""
    for n, (low, high) in enumerate(OFFER_AGE_BANDS):
        if age >= low and (high is None or age <= high):
            return n
    return 0  # opened "after" today (a clock ahead): the youngest band


def offer_age_label(band: int) -> str:
    low, high = OFFER_AGE_BANDS[band]
    if high is None:
        return f"{low} arbejdsdage eller mere"
    return f"{low}–{high} arbejdsdage"


# --- tribunal --------------------------------------------------------------------------------


class DeadlineState(StrEnum):
    OVERDUE = "overdue"
    DUE_THIS_WEEK = "due_this_week"
    LATER = "later"
    SUSPENDED = "suspended"  # its deadlines are stopped until it is resumed
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return DEADLINE_STATE_LABELS[self]


DEADLINE_STATE_LABELS: Final[Mapping[DeadlineState, str]] = {
    DeadlineState.OVERDUE: "Overskredet",
    DeadlineState.DUE_THIS_WEEK: "Frist denne uge",
    DeadlineState.LATER: "Senere frist",
    DeadlineState.SUSPENDED: "Stillet i bero",
    DeadlineState.UNKNOWN: "Frist ukendt",
}
DEADLINE_STATE_ORDER: Final = tuple(DeadlineState)


def case_deadline(
    *,
    notify_due: date | None,
    notified_on: date | None,
    reply_due: date | None,
    question_due: date | None = None,
) -> date | None:
    """An open case's current deadline: the counterpart's reply once notified (§ 82(3)),
    before that the tribunal's own deadline to notify the counterpart — or an open question's
    deadline to answer (§ 83(4), the earliest open one), when that is earlier."""
    case_due = reply_due if notified_on is not None or reply_due is not None else notify_due
    dues = [d for d in (case_due, question_due) if d is not None]
    return min(dues) if dues else None


def deadline_state(due: date | None, today: date) -> DeadlineState:
    """Overdue before today; due this week up to Sunday of today's week; later after."""
    if due is None:
        return DeadlineState.UNKNOWN
    if due < today:
        return DeadlineState.OVERDUE
    if due <= today + timedelta(days=6 - today.weekday()):
        return DeadlineState.DUE_THIS_WEEK
    return DeadlineState.LATER
