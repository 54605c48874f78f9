"""The legal-cases service's worker: outbox relay, consumers and scheduled jobs.

Run it with ``python -m legal_cases.worker``.
"""

from common.events.consumer import Consumer
from common.worker import run_worker
from legal_cases.settings import LegalCasesSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = ()


def main() -> None:
    run_worker(LegalCasesSettings(), consumers=CONSUMERS)


if __name__ == "__main__":
    main()
