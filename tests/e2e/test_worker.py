"""A service's worker process (`python -m <package>.worker`) against the real database and broker."""

import asyncio
import os
import signal
import subprocess
import sys
import uuid

from sqlalchemy import select

from common.db.engine import Database
from common.db.tables import outbox
from common.db.uow import UnitOfWork
from common.events.envelope import Envelope
from common.testing.fixtures import truncate_all_tables
from common.testing.kafka import create_topic, read_topic


def worker_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOUSING_", "REGISTER_"))}
    env.update(HOUSING_ENV="dev", **extra)
    return env


class TestWorker:
    async def test_it_relays_committed_events_and_stops_cleanly_on_sigterm(
        self, databases, infra, tmp_path
    ):
        url = databases.url("register", "register")
        await asyncio.to_thread(truncate_all_tables, url)
        topic = f"worker.t{uuid.uuid4().hex[:10]}.v1"
        # the worker runs with this test run's HOUSING_KAFKA_PREFIX: the prefixed topic
        await create_topic(infra.kafka_bootstrap_servers, infra.kafka_topic(topic))
        database = Database(url)
        envelope = Envelope(
            type="register.test.happened",
            source="/housing/register",
            subject="agg-1",
            topic=topic,
            data={"n": 1},
        )
        async with UnitOfWork(database) as uow:
            uow.record_event(envelope)
            await uow.commit()

        worker = subprocess.Popen(
            [sys.executable, "-m", "register.worker"],
            env=worker_env(
                REGISTER_DATABASE_URL=url,
                HOUSING_KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap_servers,
                HOUSING_KAFKA_PREFIX=infra.kafka_prefix,
                HOUSING_DATA_DIR=str(tmp_path),
            ),
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            async with asyncio.timeout(60):
                while not (
                    records := await read_topic(
                        infra.kafka_bootstrap_servers, infra.kafka_topic(topic)
                    )
                ):
                    await asyncio.sleep(0.3)
            worker.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.to_thread(worker.communicate, timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == 0, stderr
        assert "worker.started" in stderr
        assert "worker.stopped" in stderr
        (record,) = records
        assert dict(record.headers)["ce_id"].decode() == str(envelope.id)
        async with database.engine.connect() as connection:
            published_at = (await connection.execute(select(outbox.c.published_at))).scalar_one()
        assert published_at is not None
        await database.dispose()

    def test_it_refuses_to_start_without_a_broker(self, tmp_path):
        result = subprocess.run(
            [sys.executable, "-m", "register.worker"],
            env=worker_env(HOUSING_DATA_DIR=str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 1
        assert "HOUSING_KAFKA_BOOTSTRAP_SERVERS" in result.stderr
