"""Profile the register's read path with py-spy: a flame graph (SVG) and a per-layer budget.

``python -m bench.register_read_profile OUT_DIR [--label NAME] [--seconds N]`` loads the
synthetic register (as ``bench.register_read`` does), starts the register service in uvicorn,
drives authenticated ``GET /register/v1/leases/{id}`` (or ``/health/live`` with
``--health``, the first page of ``GET /register/v1/leases?limit=100`` with ``--page``) over keep-alive connections and records the server process with
``py-spy record`` twice under the same load: once as a flame graph
(``OUT_DIR/<label>.svg``), once as collapsed stacks, which are sorted into the stack's layers
(ASGI middlewares, auth, dependency solving, DB checkout, query, response serialisation,
logging, metrics, tracing, …; :data:`LAYERS`). Each layer's share of the samples times the
server CPU per request measured meanwhile (``/proc/<pid>/stat``) gives its budget in ms.

py-spy is not a dependency of the project: put it on ``PATH`` (or name it with ``PY_SPY``),
e.g. from a throwaway virtual environment outside the repository.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg

from bench._machine import cpu_seconds
from bench._setup import start_infra
from bench.register_common import (
    Server,
    Tokens,
    organisation_ids,
    register_database,
    register_server,
)
from bench.register_http import Connection
from bench.register_read import FULL, HOST, _get, _load
from common.db.engine import libpq_dsn

# How a sample (a stack of frames "function (file:line)") is given to a layer. First, the layers
# that own everything below them: the first of these with a frame anywhere in the stack wins (a
# psycopg call made by the pool's pre-ping is the checkout's, not the query's). Otherwise the
# innermost frame that matches one of the other layers decides.
OWNING: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("DB checkout (pool, pre-ping)", ("sqlalchemy/pool/", "_do_ping", "do_ping", "pool_pre_ping")),
    ("auth (token check, scope)", ("jwt/", "common/auth.py", "common/access.py")),
    ("logging (structlog)", ("structlog/",)),
    ("metrics (prometheus)", ("prometheus_client/",)),
    (
        "response serialisation",
        (
            "serialize_response",
            "jsonable_encoder",
            "_out (",
            "_listed (",
            "Response.__init__",
            "Response.render",
        ),
    ),
)
INNERMOST: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        # py-spy names files relative to their package root: opentelemetry's show as
        # asgi/__init__.py, trace/…, context/… (and its FastAPI instrumentor as fastapi/__init__.py)
        "tracing (OpenTelemetry)",
        (
            "opentelemetry/",
            "asgi/__init__.py",
            "_semconv.py",
            "attributes/__init__.py",
            "context/",
            "propagate/",
            "trace/",
            "util/__init__.py",
            "fastapi/__init__.py",
            "composite.py",
            "http/__init__.py",
            "fastapi/telemetry/",
            "_decorator.py",
        ),
    ),
    (
        "query (SQLAlchemy ORM/Core + psycopg)",
        ("sqlalchemy/", "psycopg/", "register/", "common/db/"),
    ),
    ("dependency solving (FastAPI)", ("fastapi/dependencies/",)),
    (
        "ASGI middlewares (common)",
        ("common/observability.py", "common/problems.py", "common/idempotency.py", "common/app.py"),
    ),
    ("routing (Starlette/FastAPI)", ("starlette/", "fastapi/")),
    ("HTTP server (uvicorn)", ("uvicorn/", "httptools", "h11/")),
)
LAYERS = OWNING + INNERMOST
OTHER = "other (event loop, asyncio, interpreter)"


def classify(stack: str) -> str:
    frames = stack.split(";")
    for layer, needles in OWNING:
        if any(needle in frame for frame in frames for needle in needles):
            return layer
    for frame in reversed(frames):
        for layer, needles in INNERMOST:
            if any(needle in frame for needle in needles):
                return layer
    return OTHER


def budget(collapsed: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            counts[classify(stack)] += int(count)
    return counts


def _py_spy() -> str:
    found = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy not found: install it outside the project and set PY_SPY")
    return found


async def _load_for(server: Server, requests: list[bytes], seconds: float) -> int:
    connections = [await Connection.open(HOST, server.port) for _ in range(4)]
    deadline = time.monotonic() + seconds
    answered = 0

    async def worker(connection: Connection, offset: int) -> None:
        nonlocal answered
        i = offset
        while time.monotonic() < deadline:
            reply = await connection.send(requests[i % len(requests)])
            if reply.status != 200:
                raise RuntimeError(f"answered {reply.status}")
            answered += 1
            i += 4

    await asyncio.gather(*(worker(c, n) for n, c in enumerate(connections)))
    await asyncio.gather(*(c.close() for c in connections))
    return answered


def _record(server: Server, requests: list[bytes], seconds: float, args: list[str]) -> float:
    """py-spy on the server while the load runs; returns server CPU ms per request."""
    spy = subprocess.Popen(
        [_py_spy(), "record", "--pid", str(server.pid), "--rate", "200", "--nonblocking",
         "--duration", str(int(seconds)), *args],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)  # py-spy attaches
    before = cpu_seconds(server.pid)
    answered = asyncio.run(_load_for(server, requests, seconds - 2))
    cpu = cpu_seconds(server.pid) - before
    spy.wait()
    return cpu / answered * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--label", default="register-read")
    parser.add_argument("--seconds", type=float, default=14.0)
    parser.add_argument("--health", action="store_true", help="profile /health/live instead")
    parser.add_argument(
        "--page", action="store_true", help="profile the first page of GET …/leases?limit=100"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    infra = start_infra()
    tokens = Tokens.new()
    token = tokens.writer(organisation_ids(FULL.dwellings))
    with register_database(infra, "profile") as url:
        _load(url, FULL.dwellings)
        with psycopg.connect(libpq_dsn(url)) as connection:
            rows = connection.execute("SELECT id FROM leases ORDER BY md5(id) LIMIT 1000")
            ids = [str(row[0]) for row in rows.fetchall()]
        with register_server(tokens, url) as server:
            if args.health:
                requests = [_get(server.port, "/register/health/live", None)]
            elif args.page:
                requests = [_get(server.port, "/register/v1/leases?limit=100", token)]
            else:
                requests = [_get(server.port, f"/register/v1/leases/{i}", token) for i in ids]
            asyncio.run(_load_for(server, requests, 3.0))  # warm-up
            svg = args.out / f"{args.label}.svg"
            _record(
                server, requests, args.seconds, ["--output", str(svg), "--format", "flamegraph"]
            )
            raw = Path(f"/tmp/{args.label}.collapsed")
            cpu_ms = _record(
                server, requests, args.seconds, ["--output", str(raw), "--format", "raw"]
            )
    counts = budget(raw)
    total = sum(counts.values())
    print(f"server CPU {cpu_ms:.3f} ms/request; {total} samples; flame graph {svg}")
    print("| layer | share | ms/request |\n|---|---|---|")
    for layer, count in counts.most_common():
        print(f"| {layer} | {count / total:.0%} | {cpu_ms * count / total:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
