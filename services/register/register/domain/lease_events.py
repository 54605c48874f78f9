"""Which events a stored change of an accepted lease publishes.

Consumers (the benchmarks calculator, the vacancy listing's readers) keep their own picture of
each lease; the events are decided against what they last saw of it — the lease's latest
accepted version — not against the version stored just before, which may have been a draft or
a held lease nobody was told about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class LeaseEvent(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    TERMINATED = "terminated"
    VACANCY_CHANGED = "vacancy-changed"


@dataclass(frozen=True, slots=True)
class PublishedLease:
    """What decides a lease's next events: its end date and its two vacancy flags."""

    end_date: date | None
    vacancy_loss_flag: bool
    vacant_soon_flag: bool

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> PublishedLease:
        """From a history snapshot (``record_versions.data``: ISO dates, JSON booleans)."""
        end_date = data.get("end_date")
        return cls(
            end_date=None if end_date is None else date.fromisoformat(str(end_date)),
            vacancy_loss_flag=bool(data.get("vacancy_loss_flag")),
            vacant_soon_flag=bool(data.get("vacant_soon_flag")),
        )

    @property
    def flags(self) -> tuple[bool, bool]:
        return self.vacancy_loss_flag, self.vacant_soon_flag


def lease_events(
    published: PublishedLease | None, lease: PublishedLease, *, changed: bool
) -> list[LeaseEvent]:
    """The events of an accepted lease whose stored state is ``lease``, in publishing order.

    ``published`` is what consumers last saw (``None``: never published); ``changed`` whether
    the lease's own columns changed (a change of its housing expenses alone is no update).

    * first publication: *created*, and *vacancy changed* when a flag is set;
    * afterwards: *updated* if the lease changed, *terminated* when its end date is new
      (set or moved), *vacancy changed* when a flag differs from the published one.
    """
    if published is None:
        events = [LeaseEvent.CREATED]
        if any(lease.flags):
            events.append(LeaseEvent.VACANCY_CHANGED)
        return events
    events = []
    if changed:
        events.append(LeaseEvent.UPDATED)
    if lease.end_date is not None and lease.end_date != published.end_date:
        events.append(LeaseEvent.TERMINATED)
    if lease.flags != published.flags:
        events.append(LeaseEvent.VACANCY_CHANGED)
    return events
