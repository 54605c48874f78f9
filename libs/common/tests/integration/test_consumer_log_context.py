"""Every log line an event's handling writes names the event (issue 18: the consumer sets
the event being handled in one ContextVar per event instead of binding structlog context
variables per event; ``merge_event_context`` writes the ids into the lines)."""

import asyncio
import json

import structlog

from common.events.consumer import Consumer, InboxProcessor, Outcome
from common.observability import configure_logging, current_event_var
from common.testing.example.app import TOPIC, changed_event

log = structlog.get_logger("tests.consumer_log_context")


def lines_named(captured_stderr: str, event: str) -> list[dict]:
    return [
        json.loads(raw)
        for raw in captured_stderr.splitlines()
        if raw.startswith("{") and json.loads(raw).get("event") == event
    ]


def events_with_correlation_ids():
    return [
        changed_event("k1", 1, "a").caused(correlation_id="req-1"),
        changed_event("k1", 2, "b"),  # no correlation id
        changed_event("k2", 1, "c").caused(correlation_id="req-3"),
    ]


class TestEveryLineOfAHandlerNamesItsEvent:
    async def test_in_a_batch_each_line_has_its_own_events_ids_and_the_consumer(
        self, example_db, capfd
    ):
        configure_logging("INFO")  # what every service's app and worker do (idempotent)

        async def handler(session, envelope):
            log.warning("test.handling", name=envelope.data["name"])
            await asyncio.sleep(0)  # the handler awaits: the context stays its event's
            log.warning("test.handled", name=envelope.data["name"])

        processor = InboxProcessor(example_db, Consumer("log-context", (TOPIC,), handler))
        events = events_with_correlation_ids()
        capfd.readouterr()
        # as the Kafka runner calls it: with the ids the decoder had
        assert (
            await processor.apply_leading(events, [str(e.id) for e in events])
            == [Outcome.APPLIED] * 3
        )
        log.warning("test.after")
        err = capfd.readouterr().err
        expected = [(str(e.id), e.correlation_id, "log-context", e.data["name"]) for e in events]
        for name in ("test.handling", "test.handled"):
            assert [
                (line["event_id"], line["correlation_id"], line["consumer"], line["name"])
                for line in lines_named(err, name)
            ] == expected
        (after,) = lines_named(err, "test.after")
        assert "event_id" not in after
        assert "correlation_id" not in after
        assert "consumer" not in after
        assert current_event_var.get() is None

    async def test_without_ids_and_when_the_handler_fails_the_context_is_left_clean(
        self, example_db, capfd
    ):
        configure_logging("INFO")
        failing = events_with_correlation_ids()[1]

        async def handler(session, envelope):
            log.warning("test.handling")
            if envelope is failing:
                raise RuntimeError("boom")

        processor = InboxProcessor(example_db, Consumer("log-context-2", (TOPIC,), handler))
        events = events_with_correlation_ids()
        events[1] = failing
        capfd.readouterr()
        # the batch fails, is rolled back and applied again one event at a time up to the
        # failing one (the per-event path binds the ids as context variables)
        assert await processor.apply_leading(events) == [Outcome.APPLIED]
        log.warning("test.after")
        err = capfd.readouterr().err
        handled = [
            (line["event_id"], line["correlation_id"]) for line in lines_named(err, "test.handling")
        ]
        assert handled == [
            (str(events[0].id), "req-1"),
            (str(failing.id), None),
            (str(events[0].id), "req-1"),
            (str(failing.id), None),
        ]
        (after,) = lines_named(err, "test.after")
        assert "event_id" not in after
        assert current_event_var.get() is None

    def test_a_line_that_names_an_event_id_itself_keeps_it(self):
        from common.observability import merge_event_context

        envelope = changed_event("k1", 1, "a").caused(correlation_id="req-1")
        token = current_event_var.set(envelope)
        try:
            assert merge_event_context(None, "info", {"event": "x", "event_id": "other"}) == {
                "event": "x",
                "event_id": "other",
                "correlation_id": "req-1",
            }
            assert merge_event_context(None, "info", {"event": "x"}) == {
                "event": "x",
                "event_id": str(envelope.id),
                "correlation_id": "req-1",
            }
        finally:
            current_event_var.reset(token)
        assert merge_event_context(None, "info", {"event": "x"}) == {"event": "x"}
