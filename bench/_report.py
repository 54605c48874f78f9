"""Markdown for the results, and rewriting their sections of ``docs/benchmarks.md``.

Each section sits between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``; running one
benchmark rewrites its own section (and the machine's) and leaves the others alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench import _stats, event_latency, relay_throughput


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _verdict(met: bool) -> str:
    return "**met**" if met else "**missed**"


def machine(details: Sequence[tuple[str, str]], recorded: str) -> str:
    return f"{recorded}\n\n" + _table(("", ""), details)


def relay(result: relay_throughput.Result, recorded: str) -> str:
    s = result.settings
    rates = [
        ("bare aiokafka producer (baseline)", result.baseline),
        (f"bare producer, stop-and-wait per {s.batch_size} (diagnostic)", result.stop_and_wait),
        ("`OutboxRelay.publish_once()` until drained", result.relay),
    ]
    rows = [(name, f"{_stats.median(v):,.0f}", _stats.spread(v)) for name, v in rates]
    ratios = result.paired_ratios
    rows.append(
        (
            "**relay / baseline** (median of paired rounds)",
            f"**{result.ratio:.2f}**",
            f"rounds {min(ratios):.2f}–{max(ratios):.2f}",
        )
    )
    summary = (
        f"{s.events:,} events × {s.rounds} rounds over {s.keys} keys, relay batch {s.batch_size}; "
        f"outbox written {s.events_per_transaction:,} events per transaction at "
        f"{_stats.median(result.fill):,.0f} events/s (not timed). "
        f"Goal relay ≥ {relay_throughput.GOAL_RATIO} × baseline: {_verdict(result.meets_goal)}."
    )
    table = _table(("", f"events/s (median of {s.rounds})", "spread (min / max)"), rows)
    return f"{recorded}\n\n{summary}\n\n{table}\n\n{_phases(result)}"


def _phases(result: relay_throughput.Result) -> str:
    phases = result.phases
    rows = [
        (name, f"{seconds / phases.total * 100:.0f}%", f"{seconds / phases.events * 1e6:.1f}")
        for name, seconds in phases.rows()
    ]
    rows.append(("**publish_once total**", "100%", f"**{phases.total / phases.events * 1e6:.1f}**"))
    intro = (
        f"Where the relay's time goes — one more drain of {phases.events:,} events in "
        f"{phases.batches} batches with timing hooks attached "
        f"({result.profiled_rate:,.0f} events/s with the hooks):"
    )
    return f"{intro}\n\n" + _table(("phase", "share", "µs per event"), rows)


def latency_paths_table(paths: list[tuple[str, event_latency.Series]]) -> str:
    """The latency benchmarks' table of paths: percentiles, rounds, rates, losses."""
    rows = [
        (
            name,
            *(f"{series.p(q):.1f}" for q in (50, 95, 99, 100)),
            " / ".join(f"{p:.1f}" for p in series.round_p99s),
            " / ".join(f"{first:.0f} → {last:.0f}" for first, last in series.round_trends),
            f"{_stats.median(series.rates):.0f}",
            f"{len(series.latencies_ms):,}",
            str(series.lost),
        )
        for name, series in paths
    ]
    header = (
        "path",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "p99 per round",
        "p50 first → last ¼ per round",
        "achieved events/s",
        "events",
        "lost",
    )
    return _table(header, rows)


def latency(result: event_latency.Result, recorded: str) -> str:
    s = result.settings
    paths = [
        ("baseline: bare producer → bare consumer", result.baseline),
        ("outbox: commit → relay → Kafka → inbox consumer", result.outbox),
    ]
    summary = (
        f"{s.rate:.0f} events/s for {s.seconds:.0f} s × {s.rounds} rounds per path "
        f"(first {s.warmup:.0f} s of each discarded), {s.keys:,} keys. "
        f"Goal p99 ≤ {event_latency.GOAL_P99_MS:.0f} ms: {_verdict(result.meets_goal)} "
        f"(outbox p99 {result.outbox.p(99):.1f} ms; baseline p99 {result.baseline.p(99):.1f} ms)."
    )
    stages = event_latency.stages_table(result.outbox)
    return (
        f"{recorded}\n\n{summary}\n\n"
        + latency_paths_table(paths)
        + "\n\n"
        + _legs(paths)
        + (f"\n\n{stages}" if stages else "")
    )


def _legs(paths: Sequence[tuple[str, event_latency.Series]]) -> str:
    def cell(series: event_latency.Series, leg: str) -> str:
        return " / ".join(f"{series.p(q, leg):.1f}" for q in (50, 95, 99))

    rows = [
        (
            name,
            cell(s, "to_kafka_ms"),
            cell(s, "from_kafka_ms"),
            f"{_stats.median(s.sender_cpu_ms):.2f}",
            f"{_stats.median(s.relay_cpu_ms):.2f}" if s.relay_cpu_ms else "–",
            f"{_stats.median(s.consumer_cpu_ms):.2f}",
            f"{_stats.median(s.events_per_batch):.1f}" if s.events_per_batch else "–",
            _backlog(s),
            _gc_pauses(s),
        )
        for name, s in paths
    ]
    intro = (
        "The two legs, split where Kafka acknowledged the event (the outbox: when the relay's "
        "`send_batch` returned; the baseline: when the producer's future resolved), and the CPU "
        "time each process spent per event (sender: the writer or the bare producer; relay; "
        "consumer: the inbox consumer or the bare one). The last column is the consumer's wall "
        "time per event while events were queueing for it (gaps between consecutive handler "
        "stamps whose later event had already been acknowledged) — 1000 ÷ it is what one "
        "consumer can sustain; then the consumer's garbage-collector pauses (a full collection "
        "stops its event loop):"
    )
    header = (
        "path",
        "commit / send → acked: p50 / p95 / p99 ms",
        "acked → handler: p50 / p95 / p99 ms",
        "CPU ms/event: sender",
        "relay",
        "consumer",
        "events per relay batch",
        "consumer ms/event under backlog (median, n)",
        "consumer GC: collections / total ms / longest ms",
    )
    return f"{intro}\n\n" + _table(header, rows)


def _gc_pauses(series: event_latency.Series) -> str:
    if not series.consumer_gc:
        return "–"
    return " / ".join(
        f"{sum(r[k] for r in series.consumer_gc):.0f}"
        if k != "max_ms"
        else f"{max(r[k] for r in series.consumer_gc):.1f}"
        for k in ("collections", "total_ms", "max_ms")
    )


def _backlog(series: event_latency.Series) -> str:
    gaps = series.backlogged_ms
    return f"{_stats.median(gaps):.2f} ({len(gaps):,})" if gaps else "– (0)"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def rewrite(path: Path, sections: dict[str, str]) -> None:
    """Replace each named section of the Markdown file (appending any that is missing)."""
    document = path.read_text() if path.exists() else "# Benchmarks\n"
    for name, body in sections.items():
        start, end = _markers(name)
        block = f"{start}\n{body}\n{end}"
        before, found, rest = document.partition(start)
        after = rest.partition(end)[2] if found and end in rest else None
        if after is not None:
            document = before + block + after
        else:
            document = document.rstrip("\n") + f"\n\n{block}\n"
    path.write_text(document)
