"""Leases: from which day the rent an event carries holds.

The register reads a lease's rent on its own "today" in Copenhagen, clamped into the lease
period, and since the contracts carry it says which day that was (``rent_day``). Events
recorded before then did not: for those the calculator keeps what it did then, the UTC date of
``recorded_at`` clamped the same way (it differs from Copenhagen's date for an hour or two
around midnight).
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def clamp(day: date, start: date, end: date | None) -> date:
    """``day`` moved into the lease period ``start`` … ``end`` (``None``: open-ended)."""
    if day < start:
        return start
    if end is not None and day > end:
        return end
    return day


def created_rent_day(start_date: date) -> date:
    """The rent a lease is reported with (``LeaseCreatedV1``) holds from its first day."""
    return start_date


def updated_rent_day(
    rent_day: date | None, recorded_at: datetime, start_date: date, end_date: date | None
) -> date:
    """The day an updated lease's current rent (``LeaseUpdatedV1``) holds from: the day the
    register read it, or for an older event without it, the UTC date of ``recorded_at``
    clamped into the lease."""
    if rent_day is not None:
        return rent_day
    return clamp(recorded_at.astimezone(UTC).date(), start_date, end_date)
