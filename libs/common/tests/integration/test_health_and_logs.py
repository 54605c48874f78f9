"""What operators see of a service: health probes, one JSON log line per request, traces.

Runs the example service against the real PostgreSQL test server and the real Kafka broker;
"down" dependencies are addresses where nothing listens.
"""

import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan

from common.app import create_service_app
from common.auth import Role
from common.events.transport import EventBus
from common.observability import tracing_ratio
from common.problems import PROBLEM_MEDIA_TYPE
from common.testing.example.app import ExampleSettings, create_app
from common.testing.fixtures import service_settings

NOTHING_LISTENS = "127.0.0.1:1"
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

OpenApp = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def example_without_dependencies(databases, tokens) -> AsyncIterator[OpenApp]:
    """The example app on settings of our choosing, database included (``example_client``
    empties the configured database first, so it cannot point at one that does not answer)."""
    async with AsyncExitStack() as stack:

        async def open_app(**overrides: Any) -> httpx.AsyncClient:
            settings = service_settings(
                ExampleSettings, databases, tokens, package="common.testing.example", **overrides
            )
            manager = await stack.enter_async_context(LifespanManager(create_app(settings)))
            transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://testserver")
            )

        yield open_app


def request_log_lines(captured_stderr: str) -> list[dict[str, Any]]:
    """The ``http.request`` lines among everything written to stderr (each must be JSON)."""
    lines = []
    for raw in captured_stderr.splitlines():
        if '"http.request"' not in raw:
            continue
        line = json.loads(raw)
        if line["event"] == "http.request":
            lines.append(line)
    return lines


class TestReadiness:
    async def test_ready_when_the_database_and_the_broker_answer(self, example_client):
        client = await example_client()
        response = await client.get("/example/health/ready")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "status": "ok",
            "checks": {"database": "ok", "event_bus": "ok"},
        }

    async def test_a_broker_that_does_not_answer_makes_it_a_503_naming_the_event_bus(
        self, example_client
    ):
        client = await example_client(kafka_bootstrap_servers=NOTHING_LISTENS)
        response = await client.get("/example/health/ready")
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        problem = response.json()
        assert problem["status"] == 503
        assert "event_bus" in problem["detail"]
        assert "database" not in problem["detail"]
        assert problem["checks"]["database"] == "ok"
        assert problem["checks"]["event_bus"].startswith("failed: ")

    async def test_the_app_still_serves_while_the_broker_is_away(self, example_client):
        client = await example_client(kafka_bootstrap_servers=NOTHING_LISTENS)
        assert (await client.get("/example/health/ready")).status_code == 503
        live = await client.get("/example/health/live")
        assert live.status_code == 200
        assert live.json() == {"status": "ok"}

    async def test_a_database_that_does_not_answer_makes_it_a_503_naming_the_database(
        self, example_without_dependencies
    ):
        client = await example_without_dependencies(
            database_url=f"postgresql+psycopg://housing:not-dev@{NOTHING_LISTENS}/example"
        )
        response = await client.get("/example/health/ready")
        assert response.status_code == 503, response.text
        problem = response.json()
        assert "database" in problem["detail"]
        assert problem["checks"]["event_bus"] == "ok"
        assert problem["checks"]["database"].startswith("failed: ")

    async def test_liveness_never_touches_the_database_or_the_broker(
        self, example_without_dependencies
    ):
        client = await example_without_dependencies(
            database_url=f"postgresql+psycopg://housing:not-dev@{NOTHING_LISTENS}/example",
            kafka_bootstrap_servers=NOTHING_LISTENS,
        )
        for _ in range(3):
            live = await client.get("/example/health/live")
            assert live.status_code == 200
            assert live.json() == {"status": "ok"}
        ready = await client.get("/example/health/ready")
        assert ready.status_code == 503
        assert set(ready.json()["checks"]) == {"database", "event_bus"}
        assert "ok" not in ready.json()["checks"].values()


class TestRequestLogs:
    async def test_one_json_line_per_request_with_its_request_and_correlation_ids(
        self, example_client, tokens, capfd
    ):
        client = await example_client()
        capfd.readouterr()  # start-up lines are not requests
        responses = [
            await client.get(
                "/example/v1/fund-only",
                headers={**tokens.headers(Role.FUND), "X-Correlation-ID": f"corr-{n}"},
            )
            for n in range(2)
        ]
        lines = request_log_lines(capfd.readouterr().err)
        assert len(lines) == 2
        for n, (response, line) in enumerate(zip(responses, lines, strict=True)):
            assert response.status_code == 200
            assert UUID_PATTERN.match(response.headers["x-request-id"])
            assert line["request_id"] == response.headers["x-request-id"]
            assert line["correlation_id"] == f"corr-{n}"
            assert response.headers["x-correlation-id"] == f"corr-{n}"
            assert line["service"] == "example"
            assert line["method"] == "GET"
            assert line["path"] == "/example/v1/fund-only"
            assert line["status"] == 200
            assert line["level"] == "info"
            assert isinstance(line["duration_ms"], float)
        assert lines[0]["request_id"] != lines[1]["request_id"]

    async def test_a_plain_caller_request_id_is_kept_and_is_the_default_correlation_id(
        self, example_client, capfd
    ):
        client = await example_client()
        capfd.readouterr()
        response = await client.get(
            "/example/health/live", headers={"X-Request-ID": "lb-7f3a:2.1_x"}
        )
        (line,) = request_log_lines(capfd.readouterr().err)
        assert response.headers["x-request-id"] == "lb-7f3a:2.1_x"
        assert response.headers["x-correlation-id"] == "lb-7f3a:2.1_x"
        assert line["request_id"] == line["correlation_id"] == "lb-7f3a:2.1_x"

    async def test_error_responses_are_logged_with_their_status(self, example_client, capfd):
        client = await example_client()
        capfd.readouterr()
        response = await client.get("/example/v1/fund-only")  # no token
        (line,) = request_log_lines(capfd.readouterr().err)
        assert response.status_code == 401
        assert line["status"] == 401
        assert line["request_id"] == response.headers["x-request-id"]

    @pytest.mark.parametrize(
        "hostile",
        ["a b;c", "x" * 200, '{"event":"forged"}', b"id\xe9"],
        ids=["spaces-and-semicolon", "200-chars", "json", "non-ascii"],
    )
    async def test_a_hostile_caller_id_is_replaced_by_a_generated_one(
        self, example_client, capfd, hostile
    ):
        client = await example_client()
        capfd.readouterr()
        response = await client.get(
            "/example/health/live",
            headers={"X-Request-ID": hostile, "X-Correlation-ID": hostile},
        )
        captured = capfd.readouterr().err
        (line,) = request_log_lines(captured)
        generated = response.headers["x-request-id"]
        assert UUID_PATTERN.match(generated)
        assert response.headers["x-correlation-id"] == generated
        assert line["request_id"] == line["correlation_id"] == generated
        shown = hostile.decode("latin-1") if isinstance(hostile, bytes) else hostile
        assert shown not in captured
        assert json.dumps(shown)[1:-1] not in captured

    async def test_a_hostile_correlation_id_alone_falls_back_to_the_request_id(
        self, example_client, capfd
    ):
        client = await example_client()
        capfd.readouterr()
        response = await client.get(
            "/example/health/live",
            headers={"X-Request-ID": "req-1", "X-Correlation-ID": "a b;c"},
        )
        (line,) = request_log_lines(capfd.readouterr().err)
        assert response.headers["x-correlation-id"] == "req-1"
        assert line["correlation_id"] == "req-1"


# --- traces ------------------------------------------------------------------------------------

probe = APIRouter()


@probe.get("/span")
async def current_span() -> dict[str, Any]:
    """What OpenTelemetry says is running while a route handles a request."""
    span = trace.get_current_span()
    context = span.get_span_context()
    if not isinstance(span, ReadableSpan):  # the no-op span: nothing traces this request
        return {"recording": span.is_recording(), "valid": context.is_valid}
    return {
        "recording": span.is_recording(),
        "valid": context.is_valid,
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "kind": span.kind.name,
        "name": span.name,
        "service": span.resource.attributes.get("service.name"),
    }


def create_probe_app(settings: ExampleSettings, *, bus: EventBus | None = None) -> FastAPI:
    return create_service_app(
        settings, title="Probe", description="Reports the current span", routers=[probe], bus=bus
    )


class TestTraces:
    async def test_without_an_otlp_endpoint_or_a_ratio_requests_are_not_traced(
        self, service_client
    ):
        client = await service_client(
            create_probe_app, ExampleSettings, package="common.testing.example"
        )
        span = (await client.get("/example/v1/span")).json()
        assert span["valid"] is False
        assert span["recording"] is False

    def test_the_ratio_follows_the_settings(self):
        assert tracing_ratio(None, None) == 0.0
        assert tracing_ratio("http://collector:4318/v1/traces", None) == 1.0
        assert tracing_ratio("http://collector:4318/v1/traces", 0.25) == 0.25
        assert tracing_ratio(None, 0.5) == 0.5

    async def test_a_request_runs_inside_an_opentelemetry_server_span(self, service_client):
        client = await service_client(
            create_probe_app,
            ExampleSettings,
            package="common.testing.example",
            otel_traces_sample_ratio=1.0,
        )
        span = (await client.get("/example/v1/span")).json()
        assert span["valid"] is True
        assert span["recording"] is True
        assert span["kind"] == "SERVER"
        assert span["name"] == "GET /example/v1/span"
        assert span["service"] == "housing-example"
        assert span["parent_span_id"] is None

    async def test_each_request_gets_its_own_trace(self, service_client):
        client = await service_client(
            create_probe_app,
            ExampleSettings,
            package="common.testing.example",
            otel_traces_sample_ratio=1.0,
        )
        first = (await client.get("/example/v1/span")).json()
        second = (await client.get("/example/v1/span")).json()
        assert first["trace_id"] != second["trace_id"]

    async def test_the_callers_w3c_trace_context_is_continued(self, service_client):
        client = await service_client(
            create_probe_app,
            ExampleSettings,
            package="common.testing.example",
            otel_traces_sample_ratio=1.0,
        )
        trace_id, parent_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
        span = (
            await client.get(
                "/example/v1/span", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"}
            )
        ).json()
        assert span["kind"] == "SERVER"
        assert span["trace_id"] == trace_id
        assert span["parent_span_id"] == parent_id
        assert span["span_id"] != parent_id
