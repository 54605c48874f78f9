"""Relay replicas with lanes (issue 18, item 1): N relay processes side by side on one outbox,
against a bare aiokafka producer sending the same records from this process, in one run.

For each configuration — 1 process with one publishing loop (no lanes: the shared claim, as
every relay ran before lanes), then with lanes (16) 1 process × 2 publishing loops, 2 and 4
processes × 2 loops — the relay processes (``python -m common.testing.witness relay``, the
worker's relay: no pre-ping, batches of 500) are started first against an empty outbox and
given time to share the lanes; then E events over 1,000 keys are committed to the outbox in
ONE transaction (so all appear at once), and the clock runs from that commit until no row is
unpublished. The CPU time the relay processes spent meanwhile (utime + stime from /proc) gives
CPU per event. Each round is paired with a bare-producer run over the same records.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text

from bench import _stats
from bench._machine import cpu_seconds
from bench._setup import Infra, example_database, new_topic
from bench.relay_throughput import encode, make_envelopes, send_all
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.transport import KafkaBus

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Config:
    label: str
    processes: int
    lanes: int
    loops: int


CONFIGS = (
    Config("1 process, no lanes (shared claim)", 1, 0, 1),
    Config("1 process, 16 lanes, 2 publishing loops", 1, 16, 2),
    Config("2 processes, 16 lanes, 2 loops each", 2, 16, 2),
    Config("4 processes, 16 lanes, 2 loops each", 4, 16, 2),
)


@dataclass(frozen=True)
class Settings:
    events: int = 20_000
    rounds: int = 3
    keys: int = 1_000


FULL = Settings()
QUICK = Settings(events=4_000, rounds=1)


@dataclass
class Measured:
    config: Config
    relay: list[float] = field(default_factory=list)  # events/s
    baseline: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)  # relay processes' CPU µs per event

    @property
    def ratios(self) -> list[float]:
        return [r / b for r, b in zip(self.relay, self.baseline, strict=True)]


@dataclass
class Result:
    settings: Settings
    measured: list[Measured] = field(default_factory=list)


def _start(url: str, bootstrap: str, config: Config) -> list[subprocess.Popen[str]]:
    processes = []
    for _ in range(config.processes):
        process = subprocess.Popen(
            [
                sys.executable, "-m", "common.testing.witness", "relay",
                "--database-url", url, "--kafka", bootstrap, "--batch-size", "500",
                "--lanes", str(config.lanes), "--concurrency", str(config.loops),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        assert process.stdout is not None
        if process.stdout.readline().strip() != "started":
            raise RuntimeError("a relay process did not start")
        # the rest of its output ("sent N" per batch) is not needed: drop it
        processes.append(process)
    return processes


def _drain_output(processes: list[subprocess.Popen[str]]) -> None:
    import threading

    for process in processes:
        threading.Thread(target=lambda p=process: p.stdout.read(), daemon=True).start()


async def _unpublished(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int(
            (
                await connection.execute(
                    text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                )
            ).scalar_one()
        )


async def _round(
    database: Database, infra: Infra, topic: str, config: Config, settings: Settings,
    version: int, baseline_bus: KafkaBus, measured: Measured,
) -> None:  # fmt: skip
    envelopes = make_envelopes(settings.events, settings.keys, topic, version)
    records = encode(envelopes)
    producer = await baseline_bus.producer()
    started = time.perf_counter()
    await send_all(producer, records)
    measured.baseline.append(len(records) / (time.perf_counter() - started))

    processes = _start(database.url, infra.bootstrap, config)
    _drain_output(processes)
    try:
        await asyncio.sleep(2.0)  # the lanes shared out (each relay checks every 0.2 s)
        async with UnitOfWork(database) as uow:
            for envelope in envelopes:
                uow.record_event(envelope)
            await uow.commit()
        committed = time.perf_counter()
        cpu_before = sum(cpu_seconds(p.pid) for p in processes)
        while await _unpublished(database):
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - committed
        cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_before
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    measured.relay.append(settings.events / elapsed)
    measured.cpu_us.append(cpu / settings.events * 1e6)


async def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    result = Result(settings)
    async with example_database(infra) as url:
        database = Database(url, pre_ping=False)
        baseline_bus = KafkaBus(infra.bootstrap, client_id="bench-replicas-baseline")
        topic = await new_topic(infra, "relay-replicas")
        version = 1
        try:
            result.measured = [Measured(config) for config in CONFIGS]
            for number in range(1, settings.rounds + 1):
                for measured in result.measured:  # interleaved: a slow moment hits all
                    await _round(
                        database, infra, topic, measured.config, settings, version,
                        baseline_bus, measured,
                    )  # fmt: skip
                    version += settings.events // settings.keys + 1
                    progress(
                        f"relay-replicas round {number}: {measured.config.label}: "
                        f"{measured.relay[-1]:,.0f}/s (baseline {measured.baseline[-1]:,.0f}/s)"
                    )
        finally:
            await baseline_bus.stop()
            await database.dispose()
    return result


def report(result: Result, recorded: str) -> str:
    s = result.settings
    one = next(m for m in result.measured if m.config.processes == 1 and m.config.lanes)
    one_rate = _stats.median(one.relay)
    rows = [
        "| relays | events/s (median) | × bare producer (paired, median; rounds) "
        "| × 1 process with lanes | relay CPU µs per event |",
        "|---|---:|---:|---:|---:|",
    ]
    for m in result.measured:
        ratios = m.ratios
        rows.append(
            f"| {m.config.label} | {_stats.median(m.relay):,.0f} | "
            f"{_stats.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}) | "
            f"{_stats.median(m.relay) / one_rate:.2f} | {_stats.median(m.cpu_us):.0f} |"
        )
    return "\n".join(
        [
            "### Relay replicas with lanes",
            "",
            f"{s.events:,} events over {s.keys:,} keys committed at once, drained by the "
            f"relay processes; {s.rounds} rounds, configurations interleaved; each paired with "
            "a bare aiokafka producer sending the same records from the benchmark process.",
            "",
            *rows,
            "",
            recorded,
        ]
    )
