"""The unit of work: the one owner of a transaction (architecture convention 3).

Use cases receive a unit of work, load and change aggregates through its session, record
outgoing events with :meth:`UnitOfWork.record_event`, and the caller commits once. Commit writes
the state change, the outbox rows and the idempotency marker in one PostgreSQL transaction, so
either all of it happened or none of it did.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg import pq
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import PoolProxiedConnection

from common.db.engine import OWN_CONNECTION, Database, pooled_driver
from common.db.retry import note_commit
from common.events.envelope import Envelope
from common.events.outbox import write_outbox

BeforeCommitHook = Callable[[AsyncSession], Awaitable[None]]

# Hooks every unit of work runs just before COMMIT, inside the transaction (e.g. the
# idempotency marker of the current request). Registered once at start-up.
_before_commit_hooks: list[BeforeCommitHook] = []

# A connection's transaction states that a rollback has to end.
_OPEN = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)


def register_before_commit_hook(hook: BeforeCommitHook) -> None:
    if hook not in _before_commit_hooks:
        _before_commit_hooks.append(hook)


class UnitOfWork:
    """``read_only``: for requests that only read — the session runs each statement on its own
    (no BEGIN/COMMIT round trips; under READ COMMITTED each statement sees a fresh snapshot
    either way), and recording an event is refused, as a read must change nothing. Its fixed
    statements (``common.db.engine.driver_connection``) run on a pooled connection it checks
    out itself (``Database.autocommit_connection``), without an ORM transaction — unless its
    session has begun (ORM statements first): then on the session's connection, one for all."""

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._events: list[Envelope] = []
        self._session: AsyncSession | None = None
        self._own: PoolProxiedConnection | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        if self._read_only:
            self._session = self._database.read_session()
            self._session.info[OWN_CONNECTION] = self._own_connection
        else:
            self._session = self._database.session()
        self._events = []
        return self

    async def _own_connection(self) -> psycopg.AsyncConnection[Any]:
        if self._own is None:
            self._own = await self._database.autocommit_connection()
        return pooled_driver(self._own)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                await _rollback(session)
        finally:
            try:
                # a session that never began holds nothing (a read that ran fixed statements only)
                if session.in_transaction() or session.identity_map:
                    await session.close()
            finally:
                if self._own is not None:
                    await self._database.release_autocommit(self._own)
                self._session = None
                self._own = None
                self._events = []

    def record_event(self, envelope: Envelope) -> None:
        """Queue an event; it is written to the outbox in the same transaction on commit."""
        if self._read_only:
            raise RuntimeError("a read-only unit of work records no events")
        self._events.append(envelope)

    async def commit(self) -> None:
        session = self.session
        if self._read_only:
            if session.in_transaction():
                if self._own is not None:
                    raise RuntimeError(
                        "a read-only unit of work ran ORM statements after fixed ones, holding "
                        "two pooled connections at once (requests doing so can exhaust the "
                        "pool waiting for their second): begin the session first "
                        "(await uow.session.connection()), and both share its connection"
                    )
                await session.commit()  # nothing to write: ends the session's autocommit use
            return
        if self._events:
            await write_outbox(session, self._events)
        for hook in _before_commit_hooks:
            await hook(session)
        await session.commit()
        self._events = []
        note_commit()

    async def rollback(self) -> None:
        await _rollback(self.session)
        self._events = []


async def _rollback(session: AsyncSession) -> None:
    """The session's transaction rolled back, its connection keeping its prepared statements.

    psycopg forgets every statement it prepared on a connection (and sends ``DEALLOCATE ALL``)
    at each ``ROLLBACK`` it sends or sees, as the rolled-back transaction might have created or
    dropped what they name; the next requests on that connection then plan and prepare them
    again. A unit of work changes no schema, and PostgreSQL keeps a session's prepared
    statements across a rollback, so the transaction is ended by a ``ROLLBACK`` psycopg is not
    watching for (``prepare_threshold`` off for that one statement), then the session is rolled
    back as before — the connection then has no transaction, so psycopg sends nothing. A
    session whose transaction failed in the ORM (a failed flush) is rolled back by itself."""
    transaction = session.sync_session.get_transaction()
    if transaction is not None and transaction.is_active:
        connection = await session.connection()
        if not connection.invalidated:  # else gone: the session's rollback deals with it
            driver = pooled_driver(await connection.get_raw_connection())
            if driver.pgconn.transaction_status in _OPEN:
                threshold = driver.prepare_threshold
                driver.prepare_threshold = None
                try:
                    await driver.execute("ROLLBACK")
                except psycopg.OperationalError:
                    pass  # the server went away meanwhile: as above
                finally:
                    driver.prepare_threshold = threshold
    await session.rollback()
