"""The notification worker as the crash tests run it: a real subprocess with the service's
consumer (on the test's own topic and group) and its sender job, which kills itself with
SIGKILL at a named step:

* ``consumed`` — right after the consumer's transaction committed the deliveries, before the
  Kafka offset is committed;
* ``claimed`` — after a delivery was marked 'sending', before it is handed to the SMTP server;
* ``accepted`` — after the SMTP server accepted it, before it is recorded as sent;
* ``refused`` — after the SMTP server refused it (5xx), before that is recorded.

    python services/notifications/tests/crash_worker.py --database-url URL --kafka HOST:PORT \
        --topic T --group G --smtp-port N [--probe-url URL] [--crash-at STEP]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from common.db.engine import Database
from common.events.consumer import Consumer, KafkaConsumerRunner
from common.events.envelope import Envelope
from common.worker import PeriodicJob, repeat
from notifications.events.incoming import handle
from notifications.services.sender import Sender
from notifications.settings import NotificationsSettings


def die(*_: Any) -> None:
    print("crash", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--kafka", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--probe-url")
    parser.add_argument("--crash-at", choices=["consumed", "claimed", "accepted", "refused"])
    args = parser.parse_args()

    settings = NotificationsSettings(
        database_url=args.database_url,
        kafka_bootstrap_servers=args.kafka,
        smtp_port=args.smtp_port,
        smtp_timeout_seconds=1.0,
        sender_lease_seconds=3.0,
        sender_poll_seconds=0.05,
        sender_window_seconds=1.0,
        retry_base_seconds=0.2,
        retry_cap_seconds=1.0,
        sent_probe_url=args.probe_url,
        log_json=True,
    )

    async def consume(session: AsyncSession, envelope: Envelope) -> None:
        await handle(session, envelope)
        if args.crash_at == "consumed":
            # after_commit fires for savepoints too; only the outermost COMMIT counts.
            def after_commit(sync_session: Any) -> None:
                current = sync_session._transaction  # the one committing right now
                if current is not None and current.parent is None:
                    die()

            event.listen(session.sync_session, "after_commit", after_commit)

    def on_step(step: str, delivery: object) -> None:
        if step == args.crash_at:
            die()

    consumer = Consumer(name=args.group, topics=(args.topic,), handler=consume)

    async def run() -> None:
        # The worker's consumer and sender job, as common.worker.serve_worker runs them; the
        # outbox relay is left out so that DeliveryFailedV1 stays in the outbox for the test
        # to read (and never reaches the shared broker's real topic).
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        database = Database(settings.effective_database_url, pre_ping=False)
        sender = Sender(database, settings, on_step=on_step)
        job = PeriodicJob("notifications.send_due", timedelta(0), sender.run_window)
        runner = KafkaConsumerRunner(database, args.kafka, consumer)
        print("started", flush=True)
        try:
            await asyncio.gather(runner.run(stop), repeat(job, stop))
        finally:
            await database.dispose()

    asyncio.run(run())


if __name__ == "__main__":
    main()
