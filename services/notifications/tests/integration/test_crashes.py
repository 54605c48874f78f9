"""kill -9 of a real notification worker at each step: no message lost, none sent twice.

The worker (``tests/crash_worker.py``: the service's consumer and sender job) runs as a
subprocess against the real PostgreSQL, the real Kafka broker (a topic and consumer group of
this test alone) and the test's SMTP server, kills itself with SIGKILL at one step, and a
fresh worker takes over. PostgreSQL and Kafka are never restarted here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from common.db.engine import Database
from common.db.tables import outbox
from common.events.contracts import DeliveryFailedV1, PackageSentV1, to_envelope
from common.events.envelope import Envelope
from common.events.transport import KafkaBus
from common.testing.kafka import create_topic
from notifications.db.models import DeliveryRow

CRASH_WORKER = Path(__file__).resolve().parent.parent / "crash_worker.py"
KK = "styringsdialog@kk.dk"
FRB = "boliger@frederiksberg.dk"


class Worker:
    def __init__(self, log: Path, *args: str) -> None:
        self.log = log
        self.handle = log.open("a")
        self.process = subprocess.Popen(
            [sys.executable, str(CRASH_WORKER), *args],
            stdout=self.handle,
            stderr=subprocess.STDOUT,
        )

    async def killed(self, timeout: float = 90.0) -> None:
        code = await asyncio.to_thread(self.process.wait, timeout)
        assert code == -signal.SIGKILL, f"exited with {code}; see {self.log}"
        assert "crash" in self.log.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()


@dataclasses.dataclass
class Stage:
    database: Database
    url: str
    kafka: str
    topic: str
    group: str
    sink: object
    tmp_path: Path
    workers: list[Worker] = dataclasses.field(default_factory=list)

    def worker(self, crash_at: str | None = None) -> Worker:
        args = [
            "--database-url", self.url,
            "--kafka", self.kafka,
            "--topic", self.topic,
            "--group", self.group,
            "--smtp-port", str(self.sink.port),
            "--probe-url", self.sink.probe_url,
        ]  # fmt: skip
        if crash_at:
            args += ["--crash-at", crash_at]
        started = Worker(self.tmp_path / f"worker-{len(self.workers)}.log", *args)
        self.workers.append(started)
        return started

    async def publish(self, envelope: Envelope) -> None:
        bus = KafkaBus(self.kafka)
        try:
            await bus.send_batch([dataclasses.replace(envelope, topic=self.topic)])
        finally:
            await bus.stop()

    async def deliveries(self) -> list[DeliveryRow]:
        async with self.database.session() as session:
            return list(
                await session.scalars(select(DeliveryRow).order_by(DeliveryRow.recipient_ref))
            )

    async def settled(self, eventually, expected: int, timeout: float = 90.0) -> None:
        async def done() -> bool:
            rows = await self.deliveries()
            return len(rows) == expected and all(r.status in ("sent", "failed") for r in rows)

        await eventually(done, timeout=timeout)


@pytest.fixture
async def stage(
    notifications_db, notifications_db_url, infra, smtp_sink, tmp_path
) -> Iterator[Stage]:
    topic = f"governance.package.crash{uuid.uuid4().hex[:10]}.v1"
    await create_topic(infra.kafka_bootstrap_servers, topic, partitions=1)
    async with notifications_db.engine.begin() as connection:
        for code, address in (("101", KK), ("147", FRB)):
            await connection.execute(
                text(
                    "INSERT INTO recipients (kind, ref, addresses, version, updated_by) "
                    "VALUES ('municipality', :ref, :addresses, 1, 'test')"
                ),
                {"ref": code, "addresses": [address]},
            )
    staged = Stage(
        notifications_db,
        notifications_db_url,
        infra.kafka_bootstrap_servers,
        topic,
        f"notifications-crash-{uuid.uuid4().hex[:8]}",
        smtp_sink,
        tmp_path,
    )
    yield staged
    for worker in staged.workers:
        worker.stop()


def package_sent() -> Envelope:
    return to_envelope(
        PackageSentV1.example().model_copy(
            update={
                "package_id": f"pkg-{uuid.uuid4().hex[:8]}",
                "location_municipality_codes": ["147"],
            }
        )
    )


def count_to(sink, address: str) -> int:
    return len(sink.messages_to(address))


class TestWorkerKilled:
    async def test_after_the_consumer_committed_before_the_offset_commit(self, stage, eventually):
        envelope = package_sent()
        await stage.publish(envelope)
        await stage.worker(crash_at="consumed").killed()
        rows = await stage.deliveries()
        assert [r.status for r in rows] == ["pending", "pending"]
        assert stage.sink.messages == []

        stage.worker()  # Kafka redelivers the event: the inbox knows it
        await stage.settled(eventually, expected=2)

        assert count_to(stage.sink, KK) == count_to(stage.sink, FRB) == 1
        async with stage.database.engine.connect() as connection:
            inbox = (await connection.execute(text("SELECT count(*) FROM inbox"))).scalar_one()
        assert inbox == 1

    async def test_after_claiming_before_handing_over(self, stage, eventually):
        await stage.publish(package_sent())
        await stage.worker(crash_at="claimed").killed()
        assert {r.status for r in await stage.deliveries()} == {"sending"}
        assert stage.sink.messages == []

        stage.worker()  # after the lease: interrupted, the probe has not seen it → sent
        await stage.settled(eventually, expected=2)

        assert count_to(stage.sink, KK) == count_to(stage.sink, FRB) == 1
        assert {r.status for r in await stage.deliveries()} == {"sent"}

    async def test_after_the_server_accepted_before_recording_it(self, stage, eventually):
        await stage.publish(package_sent())
        await stage.worker(crash_at="accepted").killed()
        rows = await stage.deliveries()
        assert {r.status for r in rows} == {"sending"}
        (accepted,) = stage.sink.messages  # the first one got through, then the worker died

        stage.worker()  # the probe finds the accepted one: recorded, not sent again
        await stage.settled(eventually, expected=2)

        assert count_to(stage.sink, KK) == count_to(stage.sink, FRB) == 1
        rows = {r.address: r for r in await stage.deliveries()}
        confirmed = rows[accepted["To"]]
        assert confirmed.smtp_response == "accepted before the interruption (probe)"
        assert confirmed.attempts == 2

    async def test_after_a_refusal_before_recording_it(self, stage, eventually):
        stage.sink.handler.refuse[FRB] = "550 5.1.1 mailbox unavailable"
        await stage.publish(package_sent())
        await stage.worker(crash_at="refused").killed()
        assert (await stage.deliveries())[1].status == "sending"  # 147's

        stage.worker()
        await stage.settled(eventually, expected=2)

        rows = {r.recipient_ref: r for r in await stage.deliveries()}
        assert rows["101"].status == "sent"
        assert rows["147"].status == "failed"
        assert count_to(stage.sink, KK) == 1
        # Once before the crash, once more because its answer was never recorded; no storm.
        assert stage.sink.handler.rcpt_attempts[FRB] == 2
        async with stage.database.engine.connect() as connection:
            announced = (await connection.execute(select(outbox.c.envelope))).all()
        (failed,) = [
            DeliveryFailedV1.from_envelope(Envelope.from_structured(r.envelope)) for r in announced
        ]
        assert failed.recipient_ref == "147"
