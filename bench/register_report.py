"""Markdown for the register benchmarks' results (sections of ``docs/benchmarks.md``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bench import _stats, register_bulk, register_common, register_single, register_statistics
from bench._report import _table, _verdict


def _times(ratio: float) -> str:
    return f"{ratio:.2f}×" if ratio < 1 else f"{ratio:,.0f}×"


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:,.1f}"


# --- bulk -------------------------------------------------------------------------------------


def bulk(result: register_bulk.Result, recorded: str) -> str:
    s = result.settings
    rows = [
        _rate_row("raw `COPY` (baseline)", [load.rate for load in result.copy]),
        _rate_row("webservice `POST /submissions`", [load.rate for load in result.webservice]),
    ]
    ratios = result.paired_ratios
    rows.append(
        (
            "**webservice / COPY** (median of paired rounds)",
            f"**{result.ratio:.4f}**",
            f"rounds {min(ratios):.4f}–{max(ratios):.4f}",
        )
    )
    outcomes = ", ".join(f"{k} {v:,}" for k, v in result.outcomes.items())
    side = ", ".join(f"`{k}` {v:,}" for k, v in result.side_rows.items())
    summary = (
        f"Synthetic register, seed {register_common.SEED}, **{s.dwellings:,} dwellings** "
        f"(national stock: 640,000) = {result.rows:,} rows in the six record tables; "
        f"{result.submissions} submission(s) of ≤ {s.records_per_submission:,} records (a lease "
        f"carries its expenses); {s.rounds} round(s) per side, alternating. Records per "
        f"webservice round: {outcomes}; besides the records it wrote {side}. "
        f"Goal webservice ≥ {register_bulk.GOAL_RATIO} × COPY: {_verdict(result.meets_goal)}."
    )
    header = ("", f"rows/s (median of {s.rounds})", "spread (min / max)")
    return f"{recorded}\n\n{summary}\n\n{_table(header, rows)}\n\n{_bulk_costs(result)}"


def _rate_row(name: str, rates: Sequence[float]) -> tuple[str, str, str]:
    return name, f"{_stats.median(rates):,.0f}", _stats.spread(rates)


def _bulk_costs(result: register_bulk.Result) -> str:
    def row(name: str, loads: list[register_bulk.Load]) -> tuple[str, ...]:
        def cell(pick: str) -> str:
            return f"{_stats.median([load.per_row_us(getattr(load, pick)) for load in loads]):,.0f}"

        return name, cell("seconds"), cell("server_cpu"), cell("postgres_cpu"), cell("client_cpu")

    intro = (
        "Where the time goes — per row, median of the rounds: wall time, and CPU time of the "
        "uvicorn process, of the database's PostgreSQL backends and of the client "
        "(`/proc/<pid>/stat`; the client sends one submission at a time, so the parties take "
        "turns):"
    )
    header = ("", "wall µs/row", "server CPU µs/row", "PostgreSQL CPU µs/row", "client CPU µs/row")
    rows = [row("COPY", result.copy), row("webservice", result.webservice)]
    return f"{intro}\n\n" + _table(header, rows)


# --- single submissions ----------------------------------------------------------------------


def single(result: register_single.Result, recorded: str) -> str:
    s = result.settings
    rows = [
        _closed_row(
            "minimal FastAPI + raw SQL, same token check and rows (baseline)", result.baseline
        ),
        _closed_row("register `POST /register/v1/leases`", result.register),
    ]
    ratios = result.paired_ratios
    rows.append(
        (
            "**register / baseline** (median of paired rounds)",
            f"**{result.ratio:.2f}**",
            f"pairs {min(ratios):.2f}–{max(ratios):.2f}; "
            f"{result.pairs_meeting_goal} of {len(ratios)} ≥ {register_single.GOAL_RATIO}",
            "",
            "",
            "",
        )
    )
    summary = (
        f"{result.leases:,} synthetic leases (on {s.dwellings:,} pre-created dwellings; "
        f"{result.expenses_per_lease:.1f} expenses per lease), closed loop over "
        f"{s.connections} keep-alive connections, {s.seconds:.0f} s × {s.rounds} rounds per "
        "side in pairs, the side that goes first alternating from pair to pair. Goal register "
        f"≥ {register_single.GOAL_RATIO} × baseline (median of the pairs' ratios): "
        f"{_verdict(result.meets_goal)}."
    )
    header = (
        "closed loop",
        f"requests/s (median of {s.rounds})",
        "spread (min / max)",
        "server CPU ms/request",
        "PostgreSQL CPU ms/request",
        "errors",
    )
    return f"{recorded}\n\n{summary}\n\n{_table(header, rows)}\n\n{_open(result)}"


def _closed_row(name: str, side: register_single.Side) -> tuple[str, ...]:
    cpu = _stats.median([c.server_cpu_ms for c in side.closed])
    postgres_cpu = _stats.median([c.postgres_cpu_ms for c in side.closed])
    errors = sum(c.errors for c in side.closed)
    return (
        name,
        f"{_stats.median(side.rates):,.0f}",
        _stats.spread(side.rates),
        f"{cpu:.2f}",
        f"{postgres_cpu:.2f}",
        str(errors),
    )


def _open(result: register_single.Result) -> str:
    s = result.settings
    rows = [
        _open_row(name, run)
        for name, side in (("baseline", result.baseline), ("register", result.register))
        for run in side.open
    ]
    rows.sort(key=lambda row: (-float(row[1]), row[0]))
    intro = (
        f"Open loop: requests due at a fixed rate for {s.open_seconds:.0f} s (first "
        f"{s.warmup:.0f} s discarded), latency from the due time to the answer, up to "
        f"{register_single.MAX_CONNECTIONS} connections; what was still unanswered "
        f"{register_single.DRAIN:.0f} s after the last request was due is abandoned and counted. "
        "A rate is sustained when the achieved rate matches it (within 5 %), nothing is left "
        "unanswered and the median latency of the last quarter is at most twice the first's "
        "(+ 5 ms)."
    )
    highest = [
        f"{name} {_highest_sustained(side.open)}"
        for name, side in (("baseline", result.baseline), ("register", result.register))
    ]
    intro += f" Highest rate sustained: {', '.join(highest)}:"
    header = (
        "side",
        "offered /s",
        "achieved /s",
        "p50 ms",
        "p99 ms",
        "p50 first → last ¼",
        "answered",
        "unanswered",
        "sustained",
    )
    return f"{intro}\n\n" + _table(header, rows)


def _highest_sustained(runs: list[register_single.Open]) -> str:
    kept = [run.target for run in runs if run.sustained]
    return f"{max(kept):g}/s" if kept else "none of the rates offered"


def _open_row(name: str, run: register_single.Open) -> tuple[str, ...]:
    first, last = run.trend
    return (
        name,
        f"{run.target:g}",
        f"{run.achieved:,.0f}",
        _ms(run.p(50)),
        _ms(run.p(99)),
        f"{_ms(first)} → {_ms(last)}",
        f"{len(run.latencies_ms):,}",
        f"{run.unanswered:,}",
        "yes" if run.sustained else "no",
    )


# --- statistics -------------------------------------------------------------------------------


def statistics(result: register_statistics.Result, recorded: str) -> str:
    s = result.settings
    base = result.sql_baseline.p(50)

    def ratio(ms: float) -> str:
        if math.isnan(ms):
            return "–"
        return f"{ms / base:.2f}×" if ms < base else f"{ms / base:,.1f}×"

    rows: list[tuple[str, ...]] = [
        (result.sql_baseline.name, "–", _ms(base), "–", "1.0×", "–", "–", "–", "–"),
        (
            result.health.name, "–", _ms(result.health.p(50)), "–",
            ratio(result.health.p(50)), "–", "–", "–", f"{result.health.size:,}",
        ),
    ]  # fmt: skip
    for st in result.statistics:
        cube = st.cube.p(50)
        verdict = "–"
        if st.goal is not None:
            verdict = f"≤ {st.goal:g}×: " + ("**met**" if cube / base <= st.goal else "missed")
        rows.append(
            (
                st.name,
                _ms(st.reference.p(50)),
                _ms(cube),
                ratio(st.reference.p(50)),
                f"**{ratio(cube)}**",
                verdict,
                ratio(st.after_change.p(50)),
                ratio(st.first_ms),
                f"{st.cube.size:,}",
            )
        )
    summary = (
        f"Synthetic register, seed {register_common.SEED}, **{s.dwellings:,} dwellings** "
        f"in {result.departments:,} departments = {result.rows:,} rows, generated and copied in "
        f"with `COPY` in {result.load_seconds:.0f} s (database "
        f"{result.database_bytes / 2**20:,.0f} MiB after `ANALYZE` and the runs); municipality "
        f"{register_statistics.MUNICIPALITY} has {result.dwellings_in_municipality:,} of the "
        f"dwellings. {s.rounds} rounds, each request once per round, one after the other (plus "
        "a warm-up round). *today*: a server with `REGISTER_STATISTICS_CUBE=false` (the "
        "reference queries, as before the cube); *cube*: the server as deployed, its kept rows "
        "valid; *after a change*: the cube server right after one lease of one of "
        f"{register_statistics.MUNICIPALITY}'s departments was rewritten (that department is "
        "computed again, the data sheet rendered again); *first request*: the cube server's "
        "first request for the date or year (computes every department's kept row; once, in "
        "the warm-up round). Ratios are p50 ÷ the `count(*)` p50 of the same run."
    )
    header = (
        "request",
        "today p50 ms",
        "cube p50 ms",
        "today ÷ `count(*)`",
        "cube ÷ `count(*)`",
        "goal (issue 17)",
        "after a change ÷ `count(*)`",
        "first request ÷ `count(*)`",
        "answer bytes",
    )
    return f"{recorded}\n\n{summary}\n\n" + _table(header, rows)
