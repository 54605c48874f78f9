"""Named transaction-scoped advisory locks, against write skew between two transactions that
each read what the other is writing.

Under READ COMMITTED a transaction that derives rows from some state and a concurrent one that
changes that state (and brings only the rows that already exist up to date) miss each other's
uncommitted rows, and the derived rows stay wrong. Both take :func:`advisory_xact_lock` on the
same ``(scope, key)`` before their first read of the state: the side that creates the rows
exclusively, the sides that only change the state ``shared=True`` if they may run side by
side. The lock is released when the transaction ends (commit or rollback).

``scope`` names the kind of thing locked (e.g. ``"legal_cases.owner_reports"``), ``key`` the
thing (an id). Both are hashed to PostgreSQL's two-integer lock key, a key space apart from the
one-bigint keys other locks use; two names hashing alike only serialise a little more.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_EXCLUSIVE = text("SELECT pg_advisory_xact_lock(hashtext(:scope), hashtext(:key))")
_SHARED = text("SELECT pg_advisory_xact_lock_shared(hashtext(:scope), hashtext(:key))")


async def advisory_xact_lock(
    session: AsyncSession, scope: str, key: str, *, shared: bool = False
) -> None:
    """Wait for and take the advisory lock ``(scope, key)`` until the transaction ends."""
    await session.execute(_SHARED if shared else _EXCLUSIVE, {"scope": scope, "key": key})
