"""The dashboards' worker: the read model's consumer (and the kit's housekeeping).

Run it with ``python -m dashboards.worker``.
"""

from __future__ import annotations

from common.db.engine import Database
from common.events.consumer import Consumer
from common.worker import run_worker
from dashboards.events.incoming import CONSUMER_NAME, read_model_consumer
from dashboards.services.rebuild import reset_read_model
from dashboards.settings import DashboardsSettings

# Handlers of other services' events; each runs as its own consumer group.
CONSUMERS: tuple[Consumer, ...] = (read_model_consumer(),)


async def rebuild(database: Database) -> None:
    """Empty the read model and forget the applied events, so that replayed events are
    applied again (``housing events replay --service dashboards``)."""
    async with database.session() as session, session.begin():
        await reset_read_model(session, CONSUMER_NAME)


def main() -> None:
    run_worker(DashboardsSettings, consumers=CONSUMERS)


if __name__ == "__main__":
    main()
