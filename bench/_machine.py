"""What the figures were measured on."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import psycopg

from bench._setup import Infra
from common.testing import infra as infrastructure

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_field(path: str, name: str) -> str | None:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def _memory() -> str:
    total = _proc_field("/proc/meminfo", "MemTotal")  # "24683628 kB"
    if total is None:
        return "unknown"
    return f"{int(total.split()[0]) / 1024 / 1024:.1f} GiB"


def _postgres(admin_dsn: str) -> str:
    names = ("server_version", "fsync", "synchronous_commit", "shared_buffers")
    with psycopg.connect(admin_dsn) as connection:
        values = [connection.execute(f"SHOW {name}").fetchone() for name in names]
    version, *settings = (row[0] if row else "?" for row in values)
    details = ", ".join(f"{name}={value}" for name, value in zip(names[1:], settings, strict=True))
    return f"{version} ({details})"


def _kafka() -> str:
    if infrastructure.kafka_pid() is not None:
        return f"{infrastructure.KAFKA_VERSION} (single KRaft broker of common.testing.infra)"
    return "external broker (version not known here)"


# --- CPU time of processes --------------------------------------------------------------------


def proc_stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (empty when it is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (0 when it is gone, not readable or not known)."""
    fields = proc_stat(pid) if pid is not None else []
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if fields else 0.0  # utime, stime


def total_cpu_seconds(pids: Sequence[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_since(before: tuple[int, int]) -> str:
    """How busy the whole machine (every process, not only ours) was since ``before``."""
    busy, total = cpu_ticks()
    if total <= before[1]:
        return "unknown"
    return f"{(busy - before[0]) / (total - before[1]) * 100:.0f}%"


def _fixed_workload() -> None:
    rows = [
        {"id": i, "name": f"lease-{i}", "rent": i * 1.25, "tags": ["a", "b"]} for i in range(2_000)
    ]
    for _ in range(4):
        decoded = json.loads(json.dumps(rows))
        decoded.sort(key=lambda row: row["rent"], reverse=True)
        sum(len(row["name"]) for row in decoded)


def host_speed_ms(repeats: int = 5) -> float:
    """CPU milliseconds of a fixed pure-Python workload, best of ``repeats``.

    The shared hosts' speed swings (the same baseline has cost 1.1 ms one night and 2.3 ms the
    next), so absolute figures of two runs compare only when this figure does too.
    """
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        _fixed_workload()
        best = min(best, time.thread_time() - start)
    return best * 1000


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def describe(infra: Infra) -> list[tuple[str, str]]:
    libraries = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("aiokafka", "SQLAlchemy", "psycopg")
    )
    return [
        ("CPU", _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"),
        ("Cores (nproc)", str(len(os.sched_getaffinity(0)))),
        ("Memory", _memory()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("PostgreSQL", _postgres(infra.admin_dsn)),
        ("Kafka", _kafka()),
        ("Libraries", libraries),
    ]
