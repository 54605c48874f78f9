"""The worker as deployed: ``serve_worker`` with the service's ``jobs`` and its consumer."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

from sqlalchemy import text

from common.events.contracts import PackageSentV1, to_envelope
from common.events.transport import KafkaBus
from common.testing.kafka import create_topic
from common.worker import serve_worker
from notifications import worker
from notifications.events.incoming import consumer


class TestWorker:
    def test_the_worker_has_the_consumer_of_every_notifying_topic(self):
        """…and of the register's organisations, for their names in messages."""
        (only,) = worker.CONSUMERS
        assert only.name == "notifications"
        assert only.topics == (
            "allocation.agreement.v1",
            "allocation.offer.v1",
            "allocation.subsidy.v1",
            "governance.package.v1",
            "governance.reminder.v1",
            "grants.application.v1",
            "grants.commitment.v1",
            "grants.payments.v1",
            "grants.plan.v1",
            "grants.report.v1",
            "legal-cases.case.v1",
            "legal-cases.owner.v1",
            "register.organisation.v1",
        )

    async def test_it_consumes_sends_and_stops_cleanly(
        self, notifications_db, settings_for, smtp_sink, infra, eventually
    ):
        topic = f"governance.package.w{uuid.uuid4().hex[:10]}.v1"
        # the settings carry this run's kafka_prefix: the worker reads the prefixed topic
        await create_topic(infra.kafka_bootstrap_servers, infra.kafka_topic(topic), partitions=1)
        async with notifications_db.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO recipients (kind, ref, addresses, version, updated_by) "
                    "VALUES ('municipality', '101', ARRAY['styringsdialog@kk.dk'], 1, 'test')"
                )
            )
        event = PackageSentV1.example().model_copy(update={"location_municipality_codes": []})
        bus = KafkaBus(infra.kafka_bootstrap_servers, prefix=infra.kafka_prefix)
        try:
            await bus.send_batch([dataclasses.replace(to_envelope(event), topic=topic)])
        finally:
            await bus.stop()
        settings = settings_for(sender_window_seconds=0.5)
        stop = asyncio.Event()
        running = asyncio.create_task(
            serve_worker(
                settings,
                stop,
                consumers=[consumer([topic], name=f"notifications-w-{uuid.uuid4().hex[:8]}")],
                jobs=worker.jobs,
            )
        )
        try:
            await eventually(lambda: len(smtp_sink.messages) == 1, timeout=60)
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=30)  # a window ends, offsets are committed
        assert smtp_sink.messages[0]["To"] == "styringsdialog@kk.dk"
