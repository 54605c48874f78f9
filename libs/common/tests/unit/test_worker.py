"""What the worker logs of its periodic jobs: a line per run that did something, not per idle
run; and the event loop it runs on."""

import asyncio
import gc
from datetime import timedelta

import pytest
import structlog
import uvloop

from common.events import consumer
from common.worker import (
    GC_THRESHOLDS,
    PeriodicJob,
    collect_in_bulk,
    did_something,
    repeat,
    run_event_loop,
)


class TestIdleRuns:
    @pytest.mark.parametrize("result", [None, 0, [], {}, {"sent": 0, "failed": 0}])
    def test_nothing_done_is_idle(self, result):
        assert did_something(result) is False

    @pytest.mark.parametrize("result", [3, ["dep-1"], {"sent": 0, "failed": 1}, "round 101"])
    def test_something_done_is_not(self, result):
        assert did_something(result) is True


class TestRepeat:
    async def test_only_a_busy_run_is_an_info_line(self):
        results = iter([{"sent": 0}, {"sent": 2}])
        stop = asyncio.Event()

        async def run() -> dict[str, int]:
            result = next(results)
            if result["sent"]:
                stop.set()
            return result

        with structlog.testing.capture_logs() as logs:
            await repeat(PeriodicJob("mail", timedelta(0), run), stop)
        # The idle run is a debug line, or nothing where logging is configured at INFO.
        ran = [(e["log_level"], e["result"]) for e in logs if e["event"] == "job.ran"]
        assert [result for level, result in ran if level != "debug"] == [{"sent": 2}]

    async def test_a_job_cancelled_inside_its_driver_ends_without_a_failure(self):
        """A database driver may turn the cancellation of a stop into an error of its own: that
        is the stop, not a failure to log with a traceback, and the job's task ends cancelled."""
        started, stop = asyncio.Event(), asyncio.Event()

        async def run() -> None:
            if started.is_set():  # run again: the cancellation was swallowed
                stop.set()
                return
            started.set()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                raise RuntimeError("pipeline aborted") from None

        with structlog.testing.capture_logs() as logs:
            task = asyncio.create_task(repeat(PeriodicJob("purge", timedelta(0), run), stop))
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert [e["event"] for e in logs if e["event"].startswith("job.")] == ["job.cancelled"]

    async def test_a_failing_job_is_logged_and_tried_again(self):
        runs = 0
        stop = asyncio.Event()

        async def run() -> None:
            nonlocal runs
            runs += 1
            if runs == 2:
                stop.set()
            raise RuntimeError("no connection")

        with structlog.testing.capture_logs() as logs:
            await repeat(PeriodicJob("purge", timedelta(0), run), stop)
        assert runs == 2
        assert [e["event"] for e in logs if e["event"].startswith("job.")] == ["job.failed"] * 2


class TestEventLoop:
    def test_a_worker_runs_on_uvloop_as_the_api_processes_do(self):
        async def loop_type() -> type:
            return type(asyncio.get_running_loop())

        assert run_event_loop(loop_type()) is uvloop.Loop


def test_the_collector_goes_in_larger_steps_over_the_frozen_startup(monkeypatch):
    """What ``serve_worker`` does once set up (issue 14: the collector's cost per event)."""
    monkeypatch.setattr(consumer, "_startup_objects_frozen", False)
    thresholds = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)  # CPython's defaults (another test may have set ours)
    try:
        collect_in_bulk()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 1000  # the modules, classes and functions loaded so far
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
