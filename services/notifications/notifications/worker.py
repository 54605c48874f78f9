"""The notifications service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m notifications.worker``.
"""

from common.events.consumer import Consumer
from common.worker import run_worker
from notifications.settings import NotificationsSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = ()


def main() -> None:
    run_worker(NotificationsSettings(), consumers=CONSUMERS)


if __name__ == "__main__":
    main()
