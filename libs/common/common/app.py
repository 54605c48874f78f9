"""The FastAPI application every service is built on.

A service's ``create_app()`` hands its settings and routers to :func:`create_service_app`, which
adds what all services share: problem+json errors, the body guard, idempotency keys, request ids,
metrics, traces, health endpoints and a lifespan that opens the database and the event bus.
Routes live under ``/<service>/v1``; the same URLs are served by the embedded run and by each
service on its own.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.types import ASGIApp

from common.auth import TokenVerifier
from common.db.engine import Database
from common.db.retry import TransientRetryMiddleware
from common.db.uow import UnitOfWork
from common.errors import AuthenticationError, PermissionDeniedError
from common.events import asyncapi
from common.events.transport import EventBus, bus_from_settings
from common.idempotency import IdempotencyMiddleware
from common.observability import (
    RequestContextMiddleware,
    ServiceMetrics,
    configure_logging,
    configure_tracing,
)
from common.paging import use_cursor_signing_key
from common.problems import (
    BodyGuardMiddleware,
    document_problems,
    install_problem_handlers,
    problem_response,
    problem_responses,
)
from common.settings import ServiceSettings

log = structlog.get_logger(__name__)

# Extra start-up work of a service (e.g. its in-process consumers), run inside the lifespan.
LifespanHook = Callable[[FastAPI, AsyncExitStack], Awaitable[None]]


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    bus: EventBus | None = None,
    on_startup: Sequence[LifespanHook] = (),
    version: str = "0.1.0",
) -> FastAPI:
    service = settings.service_name
    prefix = f"/{service}"
    configure_logging(settings.log_level, json_logs=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            database = Database(
                settings.effective_database_url, pool_size=settings.database_pool_size
            )
            stack.push_async_callback(database.dispose)
            app.state.database = database
            event_bus = bus or bus_from_settings(settings)
            app.state.bus = event_bus
            if bus is None:  # a shared bus is started and stopped by whoever made it
                await event_bus.start()
                stack.push_async_callback(event_bus.stop)
            for hook in on_startup:
                await hook(app, stack)
            log.info("service.started", service=service)
            yield
        log.info("service.stopped", service=service)

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs",
        redoc_url=f"{prefix}/redoc",
        swagger_ui_oauth2_redirect_url=f"{prefix}/docs/oauth2-redirect",
    )
    app.state.settings = settings
    use_cursor_signing_key(settings.cursor_signing_key)
    app.state.token_verifier = TokenVerifier.from_settings(settings)
    metrics = ServiceMetrics(service)
    app.state.metrics = metrics

    install_problem_handlers(app)
    app.add_middleware(
        ServiceMiddleware,
        metrics=metrics,
        live_path=f"{prefix}/health/live",
        max_bytes=settings.max_body_bytes,
        max_depth=settings.max_json_depth,
    )
    configure_tracing(
        app,
        service=service,
        otlp_endpoint=settings.otel_exporter_otlp_endpoint,
        sample_ratio=settings.otel_traces_sample_ratio,
    )

    _add_routes(app, _operations_router(prefix, metrics))
    for router in routers:
        _add_routes(app, router, f"{prefix}/v1")
    _document_problems_in_openapi(app)
    return app


def _add_routes(app: FastAPI, router: APIRouter, prefix: str = "") -> None:
    """The router's routes as the app's own, under ``prefix`` — what ``app.include_router``
    did before FastAPI kept an included router as one route of the app (``_IncludedRouter``):
    that matches a request against the router's routes twice (once to pick the router, once
    to pick its route, each an effective-route lookup per route tried), ~0.1 ms per request
    for a route twenty deep. The operations, their order and the OpenAPI document are the
    same (the kit's routers have no router-level dependencies, responses or callbacks; their
    ``prefix`` and ``tags`` are already on each route)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r}: a service's routers hold path operations only")
        app.router.add_api_route(
            prefix + route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=route.dependencies,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
        )


class ServiceMiddleware(RequestContextMiddleware):
    """The kit's middlewares as one: request ids, the log line, metrics and the liveness answer
    (``RequestContextMiddleware``) for every request; then a request of a method that writes
    goes on through the body guard (``BodyGuardMiddleware``, which passes a DELETE on), the
    retry of a transaction PostgreSQL aborted as a deadlock victim (``TransientRetryMiddleware``)
    and the idempotency keys (``IdempotencyMiddleware``, POST only), while GET, HEAD and OPTIONS
    go straight to the app: one middleware call on a read instead of four."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: ServiceMetrics,
        live_path: str | None,
        max_bytes: int,
        max_depth: int,
    ) -> None:
        guarded = BodyGuardMiddleware(
            TransientRetryMiddleware(IdempotencyMiddleware(app)),
            max_bytes=max_bytes,
            max_depth=max_depth,
        )
        super().__init__(app, metrics=metrics, live_path=live_path, body_app=guarded)


def _document_problems_in_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = build()
        return document_problems(schema) if first else schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operations_router(prefix: str, metrics: ServiceMetrics) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["operations"])
    asyncapi_doc = asyncapi.document()

    @router.get("/health/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/health/ready",
        summary="The service can serve: its database and the event bus answer",
        responses=problem_responses({503: "A dependency is down"}),
    )
    async def ready(request: Request) -> Any:
        checks: dict[str, str] = {}
        database: Database = request.app.state.database
        bus: EventBus = request.app.state.bus
        for name, probe in (("database", database.ping), ("event_bus", bus.ping)):
            try:
                await probe()
                checks[name] = "ok"
            except Exception as exc:  # a readiness probe reports, it does not raise
                log.warning("health.check_failed", check=name, error=str(exc))
                checks[name] = f"failed: {type(exc).__name__}"
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ok", "checks": checks})
        failed = ", ".join(k for k, v in checks.items() if v != "ok")
        return problem_response(
            503,
            title="Not ready",
            detail=f"Dependencies not answering: {failed}.",
            code="not-ready",
            request=request,
            extra={"checks": checks},
        )

    @router.get("/asyncapi.json", summary="The platform's event catalogue (AsyncAPI 3.0)")
    async def asyncapi_document() -> dict[str, Any]:
        return asyncapi_doc

    @router.get(
        "/metrics",
        summary="Prometheus metrics (operations only)",
        description="With `HOUSING_METRICS_TOKEN` set, only with `Authorization: Bearer "
        "<that token>`; without it, only to clients on this host.",
        response_class=Response,
        responses=problem_responses({401: "No or a wrong scrape token", 403: "Not this host"}),
    )
    async def prometheus_metrics(request: Request) -> Response:
        _ensure_scraper(request, request.app.state.settings)
        await _refresh_event_gauges(request.app.state.database, metrics)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def _ensure_scraper(request: Request, settings: ServiceSettings) -> None:
    """Metrics name tables, backlogs and error rates: for operations, not the public."""
    expected = settings.metrics_token
    if expected is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.encode(), expected.get_secret_value().encode()
        ):
            raise AuthenticationError(
                "/metrics needs Authorization: Bearer <the scrape token> (HOUSING_METRICS_TOKEN)."
            )
        return
    host = request.client.host if request.client else ""
    if host not in _LOOPBACK:
        raise PermissionDeniedError(
            "/metrics is served to this host only; set HOUSING_METRICS_TOKEN to scrape it "
            "from elsewhere with that bearer token."
        )


_EVENT_BACKLOG = text(
    "SELECT"
    " (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)"
    "  FROM outbox WHERE published_at IS NULL) AS lag,"
    " (SELECT count(*) FROM outbox WHERE published_at IS NULL) AS unpublished,"
    " (SELECT count(*) FROM dead_letters WHERE redriven_at IS NULL) AS dead_letters"
)


async def _refresh_event_gauges(database: Database, metrics: ServiceMetrics) -> None:
    """Relay lag and dead letters are read from the service's own tables at scrape time, so
    they are right whichever process (or replica) runs the relay and the consumers."""
    try:
        async with database.engine.connect() as connection:
            row = (await connection.execute(_EVENT_BACKLOG)).one()
    except Exception as exc:  # metrics must still be served when the database is away
        log.warning("metrics.event_backlog_unavailable", error=repr(exc))
        return
    metrics.outbox_lag.labels(metrics.service).set(float(row.lag))
    metrics.outbox_unpublished.labels(metrics.service).set(row.unpublished)
    metrics.dead_letters.labels(metrics.service).set(row.dead_letters)


# --- dependencies shared by all routes ---------------------------------------------------------


async def _unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """The request's transaction: committed when the route returns, rolled back when it raises.

    The route owns no commit (architecture convention 3), so a write route cannot forget one.
    ``scope="function"`` ends the dependency before the response is sent: a failing commit is
    the request's error, and the client never sees a success that was not stored. A use case
    that must keep nothing (validate-only) calls ``uow.rollback()`` itself."""
    async with UnitOfWork(request.app.state.database) as uow:
        yield uow
        await uow.commit()


UnitOfWorkDep = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]


async def _read_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """A read-only request's unit of work (``UnitOfWork(read_only=True)``): its statements run
    without BEGIN/COMMIT, and it records no events. For GET routes only."""
    async with UnitOfWork(request.app.state.database, read_only=True) as uow:
        yield uow
        await uow.commit()


ReadUnitOfWorkDep = Annotated[UnitOfWork, Depends(_read_unit_of_work, scope="function")]
