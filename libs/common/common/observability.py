"""Logs as events (structlog, JSON), request and correlation ids, Prometheus metrics, traces.

Every request gets a request id (``X-Request-ID``, taken from the caller or made here) and a
correlation id (``X-Correlation-ID``, defaulting to the request id). Both are bound to every log
line of the request and travel on into event envelopes and Kafka headers.
"""

from __future__ import annotations

import contextvars
import logging
import os
import sys
import time
from typing import Any, Protocol, TextIO, cast

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
CORRELATION_ID_HEADER = "x-correlation-id"

correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


class HandledEvent(Protocol):
    """What :func:`merge_event_context` reads of the event being handled (an ``Envelope``)."""

    @property
    def id(self) -> object: ...

    @property
    def correlation_id(self) -> str | None: ...


# The event a consumer is handling in this task, if any: the Kafka runner sets it per event
# (one ContextVar.set, where binding event and correlation id as structlog context variables
# cost ~2.3 µs per event); merge_event_context puts its ids into every log line written
# meanwhile.
current_event_var: contextvars.ContextVar[HandledEvent | None] = contextvars.ContextVar(
    "current_event", default=None
)


def merge_event_context(
    logger: Any, method_name: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """``event_id`` and ``correlation_id`` of the event being handled (see
    :data:`current_event_var`), unless the line names them itself. Runs before
    ``merge_contextvars``, so the event's ids win over ids bound around the handling (as
    binding them per event did)."""
    event = current_event_var.get()
    if event is not None:
        if "event_id" not in event_dict:
            event_dict["event_id"] = str(event.id)
        if "correlation_id" not in event_dict:
            event_dict["correlation_id"] = event.correlation_id
    return event_dict


_configured = False


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is when a line is written, not when logging was
    configured: logging is configured once per process, and a redirection made later (a test's
    output capture, a supervisor swapping the stream) must still receive the lines."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO", *, json_logs: bool = True) -> None:
    """Idempotent: the embedded run configures once for all services."""
    global _configured
    if _configured:
        return
    _configured = True
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper())
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            merge_event_context,
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=True,
    )


def current_correlation_id() -> str | None:
    return correlation_id_var.get()


class ServiceMetrics:
    """One registry per service, so the embedded run serves each service's own metrics."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests handled",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            registry=self.registry,
        )
        self.outbox_lag = Gauge(
            "outbox_oldest_unpublished_age_seconds",
            "Age of the oldest outbox row not yet published (relay lag)",
            ["service"],
            registry=self.registry,
        )
        self.outbox_unpublished = Gauge(
            "outbox_unpublished_events",
            "Outbox rows waiting for the relay",
            ["service"],
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "dead_letters_open",
            "Dead-lettered events not yet redriven",
            ["service"],
            registry=self.registry,
        )
        self.service = service


_REQUEST_ID_BYTES = REQUEST_ID_HEADER.encode()
_CORRELATION_ID_BYTES = CORRELATION_ID_HEADER.encode()
# One logger for the request lines, made once: structlog caches the bound logger on its first
# use (cache_logger_on_first_use), which a logger made per request never reaches.
_http_log = structlog.get_logger("http")


def _route_template(scope: Scope) -> str:
    """The path with its parameters named (``/x/v1/things/{thing_id}``), so metric labels stay
    few; requests that matched no route share one label."""
    if "endpoint" not in scope:
        return "unmatched"
    path = str(scope["path"])
    for name, value in scope.get("path_params", {}).items():
        path = path.replace(f"/{value}", f"/{{{name}}}", 1)
    return path


# Methods that only read: they skip the kit's write-path middlewares (``body_app``).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_LIVE_BODY = b'{"status":"ok"}'
_LIVE_START: Message = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-length", str(len(_LIVE_BODY)).encode()),
        (b"content-type", b"application/json"),
    ],
}


class RequestContextMiddleware:
    """Binds request/correlation ids, logs one line per request, records metrics.

    With ``live_path``, a ``GET`` of that path (the liveness probe) is answered here, with the
    same body as the route of that path (which stays for the OpenAPI document), the same ids,
    log line and metrics — without routing, dependency solving and the inner middlewares, which
    were most of its cost."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: ServiceMetrics,
        live_path: str | None = None,
        body_app: ASGIApp | None = None,
    ) -> None:
        self.app = app
        # With ``body_app``, requests of a method that writes (POST, PUT, PATCH, DELETE, …) go
        # to it instead of ``app``: the kit's body guard, transaction retry and idempotency wrap
        # ``app`` there, and GET, HEAD and OPTIONS skip them.
        self.body_app = app if body_app is None else body_app
        self.metrics = metrics
        self.live_path = live_path
        # The labelled series of each (method, route, status), looked up once: few routes ×
        # methods × statuses, bounded by the app's routes ("unmatched" for the rest).
        self._series_of: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _series(self, method: str, route: str, status: int) -> tuple[Any, Any]:
        key = (method, route, status)
        series = self._series_of.get(key)
        if series is None:
            service = self.metrics.service
            series = (
                self.metrics.requests.labels(service, method, route, str(status)),
                self.metrics.latency.labels(service, method, route),
            )
            self._series_of[key] = series
        return series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given_request_id = given_correlation_id = None
        for raw_name, value in scope["headers"]:  # the last one wins, as before
            name = raw_name.lower()
            if name == _REQUEST_ID_BYTES:
                given_request_id = value.decode("latin-1")
            elif name == _CORRELATION_ID_BYTES:
                given_correlation_id = value.decode("latin-1")
        request_id = _safe_id(given_request_id) or _new_request_id()
        correlation_id = _safe_id(given_correlation_id) or request_id
        scope.setdefault("state", {})["request_id"] = request_id
        token = correlation_id_var.set(correlation_id)
        structlog.contextvars.bind_contextvars(
            request_id=request_id, correlation_id=correlation_id, service=self.metrics.service
        )
        status = 500
        started = time.perf_counter()

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    (b"x-correlation-id", correlation_id.encode()),
                    # Downloads (PDF, XLSX, CSV) are opened as what they say they are, never
                    # sniffed into something a browser would run.
                    (b"x-content-type-options", b"nosniff"),
                ]
            await send(message)

        method = scope["method"]
        live = method == "GET" and scope["path"] == self.live_path
        try:
            if live:
                await send_with_ids(dict(_LIVE_START, headers=list(_LIVE_START["headers"])))
                await send_with_ids({"type": "http.response.body", "body": _LIVE_BODY})
            elif method in READ_METHODS:
                await self.app(scope, receive, send_with_ids)
            else:
                await self.body_app(scope, receive, send_with_ids)
        finally:
            elapsed = time.perf_counter() - started
            route = scope["path"] if live else _route_template(scope)
            counter, histogram = self._series(method, route, status)
            counter.inc()
            histogram.observe(elapsed)
            _http_log.info(
                "http.request",
                method=method,
                path=scope["path"],
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id", "correlation_id", "service")
            correlation_id_var.reset(token)


def _new_request_id() -> str:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` makes it, without building
    a ``UUID`` object (a few µs of every request)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _safe_id(value: str | None) -> str | None:
    """Accept caller-supplied ids only when short and plain, so logs cannot be forged."""
    if (
        value
        and len(value) <= 128
        and all(c.isascii() and (c.isalnum() or c in "-_.:") for c in value)
    ):
        return value
    return None


def tracing_ratio(otlp_endpoint: str | None, sample_ratio: float | None) -> float:
    """The share of requests traced: as configured, else all with an OTLP endpoint to send the
    spans to and none without one."""
    if sample_ratio is not None:
        return sample_ratio
    return 1.0 if otlp_endpoint else 0.0


def configure_tracing(
    app: object, *, service: str, otlp_endpoint: str | None, sample_ratio: float | None = None
) -> None:
    """OpenTelemetry server spans for a share of the requests (:func:`tracing_ratio`; above 0,
    a caller's sampled trace context is continued whatever the ratio), exported over OTLP when
    an endpoint is set. At a ratio of 0 the app is not instrumented at all: the instrumentation
    cost ~0.2 ms of CPU per request (docs/benchmarks.md, register-read)."""
    ratio = tracing_ratio(otlp_endpoint, sample_ratio)
    if ratio <= 0.0:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    provider = TracerProvider(
        resource=Resource.create({"service.name": f"housing-{service}"}),
        sampler=ParentBased(TraceIdRatioBased(ratio)),
    )
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    FastAPIInstrumentor.instrument_app(
        app,  # type: ignore[arg-type]
        tracer_provider=provider,
        excluded_urls=f"{service}/health,{service}/metrics",
        # One server span per request (route, method, status, duration). The per-message
        # "http send" / "http receive" child spans tripled the spans of every request and
        # say nothing the server span does not.
        exclude_spans=["receive", "send"],
    )
