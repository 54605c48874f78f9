"""The benchmarks service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m benchmarks.worker``.
"""

from benchmarks.settings import BenchmarksSettings
from common.events.consumer import Consumer
from common.worker import run_worker

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = ()


def main() -> None:
    run_worker(BenchmarksSettings(), consumers=CONSUMERS)


if __name__ == "__main__":
    main()
