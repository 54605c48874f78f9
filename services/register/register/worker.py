"""The register service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m register.worker``.
"""

from common.events.consumer import Consumer
from common.worker import run_worker
from register.settings import RegisterSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = ()


def main() -> None:
    run_worker(RegisterSettings(), consumers=CONSUMERS)


if __name__ == "__main__":
    main()
