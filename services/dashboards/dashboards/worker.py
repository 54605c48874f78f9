"""The dashboards' worker: the read model's consumer (and the kit's housekeeping).

Run it with ``python -m dashboards.worker``.
"""

from __future__ import annotations

from common.events.consumer import Consumer
from common.worker import run_worker
from dashboards.events.incoming import read_model_consumer
from dashboards.settings import DashboardsSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = (read_model_consumer(),)


def main() -> None:
    run_worker(DashboardsSettings(), consumers=CONSUMERS)


if __name__ == "__main__":
    main()
