"""``python -m bench [all|relay|latency|register|register-…] [--quick] [--rate N]
[--output docs/benchmarks.md]``."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    _machine,
    _report,
    allocation_vacancies,
    benchmarks_catchup,
    benchmarks_lag,
    consumer_throughput,
    dashboards_latency,
    debezium_outbox,
    event_latency,
    governance_packages,
    grants_case_list,
    keyfigures_latency,
    legal_cases_worklist,
    make_run,
    platform_latency,
    register_bulk,
    register_read,
    register_report,
    register_single,
    register_statistics,
    relay_replicas,
    relay_throughput,
)
from bench._setup import Infra, delete_created_topics, quiet_logging, server_pids, start_infra

EVENT_BENCHMARKS = ("relay", "latency", "consumers", "relay-replicas", "latency-platform")
REGISTER_BENCHMARKS = (
    "register-bulk",
    "register-single",
    "register-statistics",
    "register-read",
)
CALCULATOR_BENCHMARKS = ("benchmarks-lag", "benchmarks-catchup", "keyfigures-latency")
GOVERNANCE_BENCHMARKS = ("governance-packages",)
LEGAL_CASES_BENCHMARKS = ("legal-cases-worklist",)
GRANTS_BENCHMARKS = ("grants-case-list",)
ALLOCATION_BENCHMARKS = ("allocation-vacancies",)
DASHBOARDS_BENCHMARKS = ("dashboards-latency",)
DEBEZIUM_BENCHMARKS = ("debezium",)
MAKE_RUN_BENCHMARKS = ("make-run",)
BENCHMARKS = (
    *EVENT_BENCHMARKS,
    *REGISTER_BENCHMARKS,
    *CALCULATOR_BENCHMARKS,
    *GOVERNANCE_BENCHMARKS,
    *LEGAL_CASES_BENCHMARKS,
    *GRANTS_BENCHMARKS,
    *ALLOCATION_BENCHMARKS,
    *DASHBOARDS_BENCHMARKS,
    *DEBEZIUM_BENCHMARKS,
    *MAKE_RUN_BENCHMARKS,
)
GROUPS = {
    "all": BENCHMARKS,
    "register": REGISTER_BENCHMARKS,
    "calculator": CALCULATOR_BENCHMARKS,
    "governance": GOVERNANCE_BENCHMARKS,
    "legal-cases": LEGAL_CASES_BENCHMARKS,
    "grants": GRANTS_BENCHMARKS,
    "allocation": ALLOCATION_BENCHMARKS,
    "dashboards": DASHBOARDS_BENCHMARKS,
}
ATTEMPTS = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Event-backbone and register benchmarks against real PostgreSQL and Kafka (started "
            "through common.testing.infra when not running). Every figure comes with a baseline "
            "measured side by side in the same run. Results go to stdout as Markdown."
        ),
        epilog=(
            "relay: OutboxRelay throughput vs a bare aiokafka producer (goal ≥ 0.5×). "
            "latency: commit-to-consumer latency at 200 events/s vs bare producer → consumer "
            "(goal p99 ≤ 25 ms). register-bulk: bulk webservice vs COPY (goal ≥ 0.5×). "
            "register-single: single lease POSTs vs a minimal FastAPI + raw SQL endpoint (goal "
            "≥ 0.8×; latency at 500 requests/s). register-statistics: a municipality's "
            "statistics on a national-scale register vs a trivial query. register-read: one "
            "lease by id, /health/live and a first and a 10,000-deep page (of the register's "
            "leases, governance's packages and notifications' deliveries) vs a minimal FastAPI "
            "+ raw SQL service with the same token check (goals ≤ 1 ms and ≥ 0.8×, ≤ 0.15 ms, "
            "≥ 0.8× and ≤ 1.2× the first page; CPU per request). 'register' runs the four. "
            "benchmarks-lag: register commit → key figure updated at 200 leases/s vs the "
            "platform's commit → consumer path. benchmarks-catchup: consuming the synthetic "
            "national register's events vs a raw aiokafka read (goal ≥ 0.3×), then a "
            "department's figures (p99). keyfigures-latency: register commit → the figures in "
            "governance's form for lone changes vs the one-hop path (goal p99 ≤ 1 s). "
            "'calculator' runs the three. allocation-vacancies: a year of vacancy events (58,000) "
            "through the allocation service's consumer vs the platform's no-op consumer (goal "
            "≥ 0.5×). dashboards-latency: register commit → lease visible in the dashboards' "
            "read model at 200 leases/s vs the no-op consumer, then the register page's first "
            "load on the synthetic register (--dwellings). debezium: Debezium's outbox engine on "
            "Kafka Connect vs our relay vs the bare producer (throughput and latency, one run). "
            "make-run: `housing run` cold, warm and warm again — first answer, demo seed, "
            "Ctrl-C → exit, CPU of the process tree — vs a bare import of the web stack and a "
            "bare embedded-PostgreSQL start. latency-platform: the register's vacancy events "
            "written through its outbox in its own transactions at 200/s with every service's "
            "worker running, commit → the benchmark's inbox consumer and → the platform's "
            "consumers of the dwelling topic vs bare producer → consumer (goal p99 ≤ 25 ms; "
            "CPU per event of every process). See docs/benchmarks.md."
        ),
    )
    parser.add_argument(
        "benchmark",
        nargs="?",
        default="all",
        choices=(*GROUPS, *BENCHMARKS),
        help="default: all",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="short smoke run (well under a minute); figures are rough",
    )
    parser.add_argument(
        "--dwellings",
        type=int,
        default=None,
        help="scale of benchmarks-catchup's synthetic register (default: 640,000; --quick 5,000); "
        "register-bulk: load this many dwellings once per side instead (recorded apart, in "
        "the register-bulk-scale section)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=event_latency.RATE,
        help=f"events/s of the latency benchmark (default {event_latency.RATE:g}, the goal's)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="MARKDOWN",
        help="also rewrite the results sections of this file, e.g. docs/benchmarks.md",
    )
    return parser


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class Recorder:
    """The line saying when, how, and on how busy a machine a benchmark ran."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.started = time.monotonic()
        self.load_before = _machine.load_average()
        self.ticks_before = _machine.cpu_ticks()
        self.host_speed_before = _machine.host_speed_ms()

    def line(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"_Recorded {stamp} by `{self.command}` in {time.monotonic() - self.started:.0f} s. "
            f"Whole machine (all processes) {_machine.busy_since(self.ticks_before)} CPU-busy "
            f"meanwhile; load average (1/5/15 min) {self.load_before} before, "
            f"{_machine.load_average()} after. Host speed (`bench._machine.host_speed_ms`, a "
            f"fixed Python workload, lower is faster): {self.host_speed_before:.1f} ms before, "
            f"{_machine.host_speed_ms():.1f} ms after._"
        )


def _run_register(name: str, infra: Infra, args: argparse.Namespace) -> str:
    recorder = Recorder(f"python -m bench {name}{' --quick' if args.quick else ''}")
    if name == "register-bulk":
        bulk = register_bulk.QUICK if args.quick else register_bulk.FULL
        if args.dwellings is not None:  # e.g. the national register: one round per side
            bulk = register_bulk.Settings(dwellings=args.dwellings, rounds=1)
            recorder.command += f" --dwellings {args.dwellings}"
        return register_report.bulk(register_bulk.run(infra, bulk, _progress), recorder.line())
    if name == "register-single":
        single = register_single.QUICK if args.quick else register_single.FULL
        result = register_single.run(infra, single, _progress)
        return register_report.single(result, recorder.line())
    if name == "register-read":
        read = register_read.QUICK if args.quick else register_read.FULL
        return register_read.report(register_read.run(infra, read, _progress), recorder.line())
    statistics = register_statistics.QUICK if args.quick else register_statistics.FULL
    result_s = register_statistics.run(infra, statistics, _progress)
    return register_report.statistics(result_s, recorder.line())


def _run_calculator(name: str, infra: Infra, args: argparse.Namespace) -> str:
    quick = " --quick" if args.quick else ""
    if name == "keyfigures-latency":
        recorder = Recorder(f"python -m bench keyfigures-latency{quick}")
        latency = keyfigures_latency.QUICK if args.quick else keyfigures_latency.FULL
        latency_result = asyncio.run(keyfigures_latency.run(infra, latency, _progress))
        return keyfigures_latency.report(latency_result, recorder.line())
    if name == "benchmarks-lag":
        rate = f" --rate {args.rate:g}" if args.rate != benchmarks_lag.RATE else ""
        recorder = Recorder(f"python -m bench benchmarks-lag{quick}{rate}")
        lag = benchmarks_lag.QUICK if args.quick else benchmarks_lag.FULL
        lag = dataclasses.replace(lag, rate=args.rate)
        lag_result = asyncio.run(benchmarks_lag.run(infra, lag, _progress))
        return benchmarks_lag.report(lag_result, recorder.line())
    catchup = benchmarks_catchup.QUICK if args.quick else benchmarks_catchup.FULL
    scale = ""
    if args.dwellings is not None:
        catchup = dataclasses.replace(catchup, dwellings=args.dwellings)
        scale = f" --dwellings {args.dwellings}"
    recorder = Recorder(f"python -m bench benchmarks-catchup{quick}{scale}")
    catchup_result = asyncio.run(benchmarks_catchup.run(infra, catchup, _progress))
    return benchmarks_catchup.report(catchup_result, recorder.line())


def _run_one(name: str, infra: Infra, args: argparse.Namespace) -> str:
    quick = " --quick" if args.quick else ""
    _progress(f"{name}: started")
    if name in REGISTER_BENCHMARKS:
        return _run_register(name, infra, args)
    if name in CALCULATOR_BENCHMARKS:
        return _run_calculator(name, infra, args)
    if name in GOVERNANCE_BENCHMARKS:
        recorder = Recorder(f"python -m bench {name}{quick}")
        governance = governance_packages.QUICK if args.quick else governance_packages.FULL
        result_g = governance_packages.run(infra, governance, _progress)
        return governance_packages.report(result_g, recorder.line())
    if name in LEGAL_CASES_BENCHMARKS:
        recorder = Recorder(f"python -m bench {name}{quick}")
        legal = legal_cases_worklist.QUICK if args.quick else legal_cases_worklist.FULL
        result_l = legal_cases_worklist.run(infra, legal, _progress)
        return legal_cases_worklist.report(result_l, recorder.line())
    if name in GRANTS_BENCHMARKS:
        recorder = Recorder(f"python -m bench {name}{quick}")
        grants = grants_case_list.QUICK if args.quick else grants_case_list.FULL
        result_c = grants_case_list.run(infra, grants, _progress)
        return grants_case_list.report(result_c, recorder.line())
    if name in ALLOCATION_BENCHMARKS:
        recorder = Recorder(f"python -m bench {name}{quick}")
        allocation = allocation_vacancies.QUICK if args.quick else allocation_vacancies.FULL
        result_a = asyncio.run(allocation_vacancies.run(infra, allocation, _progress))
        return allocation_vacancies.report(result_a, recorder.line())
    if name == "relay-replicas":
        recorder = Recorder(f"python -m bench relay-replicas{quick}")
        replicas = relay_replicas.QUICK if args.quick else relay_replicas.FULL
        replicas_result = asyncio.run(relay_replicas.run(infra, replicas, _progress))
        return relay_replicas.report(replicas_result, recorder.line())
    if name == "consumers":
        recorder = Recorder(f"python -m bench consumers{quick}")
        consumers = consumer_throughput.QUICK if args.quick else consumer_throughput.FULL
        consumer_result = asyncio.run(consumer_throughput.run(infra, consumers, _progress))
        return consumer_throughput.report(consumer_result, recorder.line())
    if name in DASHBOARDS_BENCHMARKS:
        scale = f" --dwellings {args.dwellings}" if args.dwellings is not None else ""
        recorder = Recorder(f"python -m bench {name}{quick}{scale}")
        dashboards = dashboards_latency.QUICK if args.quick else dashboards_latency.FULL
        if args.dwellings is not None:
            dashboards = dataclasses.replace(dashboards, dwellings=args.dwellings)
        result_d = asyncio.run(dashboards_latency.run(infra, dashboards, _progress))
        return dashboards_latency.report(result_d, recorder.line())
    if name in DEBEZIUM_BENCHMARKS:
        debezium = debezium_outbox.QUICK if args.quick else debezium_outbox.FULL
        latency = dataclasses.replace(debezium.latency, rate=args.rate)
        debezium = dataclasses.replace(debezium, latency=latency)
        rate = f" --rate {args.rate:g}" if args.rate != event_latency.RATE else ""
        recorder = Recorder(f"python -m bench debezium{quick}{rate}")
        result_z = asyncio.run(debezium_outbox.run(infra, debezium, _progress))
        return debezium_outbox.report(result_z, recorder.line())
    if name in MAKE_RUN_BENCHMARKS:
        recorder = Recorder(f"python -m bench {name}{quick}")
        startup = make_run.QUICK if args.quick else make_run.FULL
        return make_run.report(make_run.run(startup, _progress), recorder.line())
    if name == "latency-platform":
        rate = f" --rate {args.rate:g}" if args.rate != event_latency.RATE else ""
        recorder = Recorder(f"python -m bench latency-platform{quick}{rate}")
        platform = platform_latency.QUICK if args.quick else platform_latency.FULL
        platform = dataclasses.replace(platform, rate=args.rate)
        platform_result = asyncio.run(platform_latency.run(infra, platform, _progress))
        return platform_latency.report(platform_result, recorder.line())
    if name == "relay":
        recorder = Recorder(f"python -m bench relay{quick}")
        settings = relay_throughput.QUICK if args.quick else relay_throughput.FULL
        relay_result = asyncio.run(relay_throughput.run(infra, settings, _progress))
        return _report.relay(relay_result, recorder.line())
    rate = f" --rate {args.rate:g}" if args.rate != event_latency.RATE else ""
    recorder = Recorder(f"python -m bench latency{quick}{rate}")
    latency_settings = event_latency.QUICK if args.quick else event_latency.FULL
    latency_settings = dataclasses.replace(latency_settings, rate=args.rate)
    latency_result = asyncio.run(event_latency.run(infra, latency_settings, _progress))
    return _report.latency(latency_result, recorder.line())


def _run_undisturbed(name: str, infra: Infra, args: argparse.Namespace) -> str:
    """Run a benchmark; run it again when PostgreSQL or Kafka restarted meanwhile (the servers
    are shared with test runs, some of which restart them on purpose)."""
    for attempt in range(1, ATTEMPTS + 1):
        before = server_pids()
        try:
            section: str | None = _run_one(name, infra, args)
        except Exception:
            if server_pids() == before:
                raise
            section = None
        if section is not None and server_pids() == before:
            return section
        _progress(f"{name}: PostgreSQL or Kafka restarted during attempt {attempt}; discarded")
        infra = start_infra()
    raise SystemExit(f"{name}: the servers restarted during every attempt; nothing recorded")


def _section(name: str, args: argparse.Namespace) -> str:
    """The results section a run writes: a bulk load at another scale keeps the usual one."""
    if name == "register-bulk" and args.dwellings is not None:
        return "register-bulk-scale"
    return name


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    quiet_logging()
    infra = start_infra()
    names = GROUPS.get(args.benchmark, (args.benchmark,))
    recorded = f"_Machine of the run of {datetime.now(UTC):%Y-%m-%d %H:%M UTC}._"
    sections = {"machine": _report.machine(_machine.describe(infra), recorded)}
    try:
        for name in names:
            sections[_section(name, args)] = _run_undisturbed(name, infra, args)
    finally:
        asyncio.run(delete_created_topics(infra))
    for body in sections.values():
        print(f"{body}\n")
    if args.output is not None:
        _report.rewrite(args.output, sections)
        _progress(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
