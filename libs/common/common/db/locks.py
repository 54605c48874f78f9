"""Named transaction-scoped advisory locks, against write skew between two transactions that
each read what the other is writing.

Under READ COMMITTED a transaction that derives rows from some state and a concurrent one that
changes that state (and brings only the rows that already exist up to date) miss each other's
uncommitted rows, and the derived rows stay wrong. Both take :func:`advisory_xact_lock` on the
same ``(scope, key)`` before their first read of the state: the side that creates the rows
exclusively, the sides that only change the state ``shared=True`` if they may run side by
side. The lock is released when the transaction ends (commit or rollback); a read that must see
what the other side committed is a statement after the one taking the lock (a statement's
snapshot is taken when it starts).

``scope`` names the kind of thing locked (e.g. ``"legal_cases.owner_reports"``), each key the
thing (an id). They are hashed to PostgreSQL's two-integer lock key, a key space apart from the
one-bigint keys other locks use; two names hashing alike only serialise a little more.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession


def _locking(function: str) -> TextClause:
    # the keys once each and in one order, so two transactions locking several never deadlock
    return text(
        f"SELECT {function}(hashtext(:scope), hashtext(k)) "  # noqa: S608 - a fixed name
        "FROM (SELECT DISTINCT k FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k) AS sorted"
    )


_EXCLUSIVE = _locking("pg_advisory_xact_lock")
_SHARED = _locking("pg_advisory_xact_lock_shared")


async def advisory_xact_lock(
    session: AsyncSession, scope: str, keys: str | Collection[str], *, shared: bool = False
) -> None:
    """Wait for and take the advisory lock ``(scope, key)`` of each of ``keys`` (one key or
    several, taken in one statement) until the transaction ends."""
    await session.execute(
        _SHARED if shared else _EXCLUSIVE,
        {"scope": scope, "keys": [keys] if isinstance(keys, str) else list(keys)},
    )
