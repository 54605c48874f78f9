"""What the worker logs of its periodic jobs: a line per run that did something, not per idle run."""

import asyncio
from datetime import timedelta

import pytest
import structlog

from common.worker import PeriodicJob, did_something, repeat


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


class TestFreezeStartupObjects:
    def test_what_lives_at_startup_is_out_of_the_collectors_reach_and_later_objects_are_not(
        self,
    ):
        import gc

        from common.worker import freeze_startup_objects

        at_startup = [[i] for i in range(100)]
        try:
            frozen = freeze_startup_objects()
            later = [[i] for i in range(100)]
            tracked = {id(o) for o in gc.get_objects()}
            assert frozen == gc.get_freeze_count() >= 100
            assert not any(id(o) in tracked for o in at_startup)
            assert all(id(o) in tracked for o in later)
        finally:
            gc.unfreeze()
