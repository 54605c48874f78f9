"""The governance service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m governance.worker``.
"""

from common.events.consumer import Consumer
from common.worker import run_worker
from governance.settings import GovernanceSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = ()


def main() -> None:
    run_worker(GovernanceSettings(), consumers=CONSUMERS)


if __name__ == "__main__":
    main()
