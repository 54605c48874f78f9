"""``python -m register_synthetic``: the synthetic register as NDJSON, or its summary."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, TextIO

from register_synthetic.generator import SyntheticRegister, with_progress
from register_synthetic.shape import DEFAULT_RELET_YEAR, NATIONAL_DWELLINGS
from register_synthetic.summary import summary

_CENT: Final = Decimal("0.01")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(_CENT))
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_ndjson(
    register: SyntheticRegister, out: TextIO, progress: Callable[[int], None] | None
) -> None:
    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    for organisation in register.organisations:
        out.write(dumps({"entity_type": organisation.ENTITY, "data": organisation.as_row()}) + "\n")
    for bundle in with_progress(register.bundles(), progress):
        for record in bundle.records():
            out.write(dumps({"entity_type": record.ENTITY, "data": record.as_row()}) + "\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m register_synthetic",
        description=(
            "Generate a synthetic national rent register (organisations, departments, building "
            "sections, dwellings, leases, housing expenses), deterministic by seed, streamed. "
            "Shares follow seed 003: 78/14/8 % family/elderly/youth, family rents per Figure 4, "
            "~11 % of family dwellings re-let in the re-letting year per Table 1."
        ),
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--dwellings",
        type=int,
        default=NATIONAL_DWELLINGS,
        help=f"number of dwellings (default {NATIONAL_DWELLINGS:,}, the national stock)",
    )
    parser.add_argument(
        "--relet-year",
        type=int,
        default=DEFAULT_RELET_YEAR,
        help=f"year of the re-lettings; rents are as of 1 January after it (default {DEFAULT_RELET_YEAR})",
    )
    parser.add_argument(
        "--format",
        choices=("ndjson", "summary"),
        default="summary",
        help='"ndjson": one {"entity_type", "data"} record per line on stdout, in dependency '
        'order; "summary": a table of counts and shares against the seed figures (default)',
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()

    def progress(done: int) -> None:
        elapsed = time.perf_counter() - started
        print(f"{done:,} dwellings, {elapsed:.1f} s", file=sys.stderr, flush=True)

    if args.format == "ndjson":
        register = SyntheticRegister(args.seed, args.dwellings, args.relet_year)
        write_ndjson(register, sys.stdout, progress)
    else:
        result = summary(args.seed, args.dwellings, args.relet_year, progress=progress)
        print(result.as_text())
    elapsed = time.perf_counter() - started
    print(
        f"done: {args.dwellings:,} dwellings in {elapsed:.1f} s "
        f"({args.dwellings / elapsed:,.0f} dwellings/s)",
        file=sys.stderr,
    )
    return 0
