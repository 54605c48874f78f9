"""Async engine and sessions for one service's PostgreSQL database."""

from __future__ import annotations

import select
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import pq
from psycopg.abc import PQGen
from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

# A session's ``info`` key: the function that gives a read-only unit of work's own pooled
# psycopg connection, which ``driver_connection`` hands out while the session itself has not
# begun (``UnitOfWork(read_only=True)``).
OWN_CONNECTION = "common.db.own_connection"


class Database:
    """Owns the engine and the session factory; built in the lifespan, never at import time."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        pre_ping: bool = True,
        echo: bool = False,
        round_trip_ping: bool = False,
    ) -> None:
        """``pre_ping`` checks each pooled connection before use, so that a connection the
        server closed (a restart, a terminated backend) is replaced instead of failing the
        request: right for request handling; workers that retry on connection errors
        themselves turn it off. The check is local (:func:`_closed_by_server`: a socket the
        server has written to or closed while the connection sat idle in the pool), costing
        microseconds instead of a ``SELECT 1`` round trip per checkout (~0.2 ms of CPU);
        ``round_trip_ping`` asks for SQLAlchemy's round trip instead."""
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=pre_ping and round_trip_ping,
            pool_recycle=1800,
            echo=echo,
        )
        if pre_ping and not round_trip_ping:
            event.listen(self.engine.sync_engine.pool, "checkout", _refuse_closed_connection)
        event.listen(self.engine.sync_engine.pool, "checkin", _out_of_autocommit)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads without BEGIN/COMMIT: each statement is its own transaction, which under
        # PostgreSQL's READ COMMITTED (the platform's level) sees what a statement inside a
        # transaction would see — a fresh snapshot per statement — and saves two round trips.
        self.read_sessions = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    def session(self) -> AsyncSession:
        return self.sessions()

    def read_session(self) -> AsyncSession:
        """A session for a request that only reads (no transaction around its statements)."""
        return self.read_sessions()

    async def autocommit_connection(self) -> PoolProxiedConnection:
        """A pooled connection in autocommit, checked out of the pool itself — with the pool's
        checks (``_refuse_closed_connection`` or the round-trip ping) but without SQLAlchemy's
        ``Connection`` and session around it, ~0.15 ms of CPU less than a read session's
        ``connection()``, ``commit()`` and ``close()``. Give it back with
        :meth:`release_autocommit`."""
        pooled = await greenlet_spawn(self.engine.sync_engine.pool.connect)
        try:
            await pooled_driver(pooled).set_autocommit(True)
        except BaseException:
            await greenlet_spawn(pooled.close)
            raise
        return pooled

    async def release_autocommit(self, pooled: PoolProxiedConnection) -> None:
        """Back to the pool as the pool lends it: not in autocommit. One that could not be set
        back (interrupted, or left in a transaction) is marked to be replaced at its next
        checkout (a soft invalidation, no I/O): a writer never gets a connection in autocommit,
        whose statements would each commit on their own."""
        try:
            await pooled_driver(pooled).set_autocommit(False)
        except BaseException:
            pooled.invalidate(soft=True)
            raise
        finally:
            await greenlet_spawn(pooled.close)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _closed_by_server(driver: Any) -> bool:
    """Whether the server is gone from this idle connection, without a round trip.

    An idle connection in the pool has nothing to read: the server sends nothing unasked to a
    connection that is not listening for notifications. A readable socket means the server
    closed it (a restart or ``pg_terminate_backend`` sends a FATAL error, then closes) — or,
    rarely, sent something harmless, which only costs a new connection."""
    if not isinstance(driver, psycopg.AsyncConnection | psycopg.Connection):
        return False  # another driver: nothing to look at, the first statement will tell
    if driver.closed or driver.broken or driver.pgconn.status != pq.ConnStatus.OK:
        return True
    try:
        readable, _, _ = select.select([driver.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.OperationalError):
        return True
    return bool(readable)


def _refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Pool checkout hook: a connection the server closed is thrown away and the pool
    checks out (or opens) another (SQLAlchemy retries on ``DisconnectionError``)."""
    if _closed_by_server(getattr(dbapi_connection, "driver_connection", None)):
        raise exc.DisconnectionError("the server closed this pooled connection")


async def driver_connection(session: AsyncSession) -> psycopg.AsyncConnection[Any]:
    """The session's psycopg connection, in the session's transaction, for a fixed statement
    without SQLAlchemy's statement layer (~175 µs of CPU per statement on top of psycopg's,
    measured). Asked of the session every time, never cached: that is also what makes the
    session emit a SAVEPOINT it owes (``begin_nested`` emits it when the connection is next
    used). A read-only unit of work's session that has not begun gives the unit of work's own
    pooled connection instead (``OWN_CONNECTION``): no ORM transaction for fixed statements."""
    own = session.info.get(OWN_CONNECTION)
    if own is not None and not session.in_transaction():
        return await own()  # type: ignore[no-any-return]
    connection = await session.connection()
    return pooled_driver(await connection.get_raw_connection())


@asynccontextmanager
async def pipeline(session: AsyncSession) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """The session's psycopg connection (:func:`driver_connection`) in pipeline mode: the
    statements executed on it inside the block are sent together, their results read when the
    block ends. When the session's transaction has not begun on the server yet, its ``BEGIN``
    goes as the pipeline's first statement: psycopg would send it on its own and wait for its
    answer before the rest (a round trip). For that the connection is put in autocommit (no
    I/O while idle), so that psycopg sends no ``BEGIN`` of its own; the explicit one opens the
    transaction, which commits and rolls back as any other, and the pool takes the connection
    out of autocommit when it comes back (``_out_of_autocommit``)."""
    driver = await driver_connection(session)
    begin = not driver.autocommit and driver.pgconn.transaction_status == pq.TransactionStatus.IDLE
    if begin:
        await driver.set_autocommit(True)
    if driver._pipeline is None:  # psycopg's pipeline() enters the one the connection has
        driver._pipeline = _SentWhole(driver)
    async with driver.pipeline():
        if begin:
            await driver.execute("BEGIN")
        yield driver


class _SentWhole(psycopg.AsyncPipeline):
    """A pipeline whose statements are sent together when it ends (or syncs).

    psycopg's sends each statement as it is executed — a poll of the socket and a send per
    statement, and the server woken for each — and reads whatever results came back meanwhile.
    Here an executed statement only goes into libpq's output buffer; the pipeline's end sends
    them all with its Sync and reads the results, as psycopg's does. Measured: a pipeline of
    nine small statements ~0.08 ms of client CPU and ~0.06 ms of the server's less (half of
    its CPU for them). The results come when the pipeline ends, as before; a statement's error
    too (psycopg's may raise it at a later statement's execute in the block, if the answer was
    back by then). Built on psycopg's internals (a connection's ``_pipeline``, the pipeline's
    command queue and generators): ``TestAPipeline`` in the kit's tests pins what it does."""

    _queuing = True

    def _communicate_gen(self) -> PQGen[None]:
        if self._queuing:
            while self.command_queue:  # into libpq's buffer: no I/O
                self.command_queue.popleft()()
            return
        yield from super()._communicate_gen()

    def _sync_gen(self) -> PQGen[None]:
        self._queuing = False
        try:
            yield from super()._sync_gen()
        finally:
            self._queuing = True

    def _exit_gen(self) -> PQGen[None]:
        self._queuing = False
        yield from super()._exit_gen()


def _out_of_autocommit(dbapi_connection: Any, record: Any) -> None:
    """Pool checkin hook: a connection comes back to the pool as the pool lends it, not in
    autocommit (:func:`pipeline` leaves it there until its transaction ended); one that cannot
    be set back is replaced at its next checkout."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if not isinstance(driver, psycopg.AsyncConnection) or not driver.autocommit:
        return
    try:
        dbapi_connection.autocommit = False  # the adapter awaits psycopg's (no I/O when idle)
    except Exception:  # in a transaction still, or returned outside the event loop's greenlet
        record.invalidate(soft=True)


def pooled_driver(pooled: PoolProxiedConnection) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection of a pooled (async) connection."""
    driver: psycopg.AsyncConnection[Any] = pooled.driver_connection  # type: ignore[assignment]
    return driver


def libpq_dsn(url: str) -> str:
    """SQLAlchemy URL → a plain libpq URL for psycopg (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database_exists(url: str) -> bool:
    """Create the database named in ``url`` if it is missing; True when it was created."""
    parsed = make_url(url)
    name = parsed.database
    if not name:
        raise ValueError(f"no database name in {parsed.render_as_string()}")
    admin = libpq_dsn(parsed.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists:
            return False
        connection.execute(
            psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name))
        )
        return True
