"""The notifications service's worker: outbox relay, the consumer of the events that notify,
and the sender job.

Run it with ``python -m notifications.worker``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from common.db.engine import Database
from common.events.consumer import Consumer
from common.settings import ServiceSettings
from common.worker import PeriodicJob, run_worker
from notifications.events.incoming import consumer
from notifications.services.sender import Sender
from notifications.settings import NotificationsSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = (consumer(),)


def jobs(database: Database, settings: ServiceSettings) -> Sequence[PeriodicJob]:
    """The sender: each run drains due deliveries for ``sender_window_seconds`` (polling every
    ``sender_poll_seconds``) and reports what it did, so the log gets one line per window."""
    if not isinstance(settings, NotificationsSettings):
        settings = NotificationsSettings()
    sender = Sender(database, settings)
    pause = timedelta(seconds=settings.sender_poll_seconds)  # between windows, and after a failure
    return [PeriodicJob("notifications.send_due", pause, sender.run_window)]


def main() -> None:
    run_worker(NotificationsSettings, consumers=CONSUMERS, jobs=jobs)


if __name__ == "__main__":
    main()
