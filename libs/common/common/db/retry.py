"""A request whose transaction PostgreSQL aborted as a deadlock victim (SQLSTATE 40P01) or a
serialization failure (40001) is run again — never answered with a 500.

Either failure means the transaction was rolled back whole and nothing of it is stored, so the
request can simply run again. :class:`TransientRetryMiddleware` does so, a bounded number of
times, while nothing has been answered yet and no unit of work of the request has committed
(a request that commits more than one transaction, e.g. a bulk submission in parts, is not run
again after its first commit: its stored parts would be applied twice). When the attempts are
used up, or a retry is not safe, the answer is a problem+json 503 with ``Retry-After``: the
client's retry will do what this one could not.

It sits outside the idempotency middleware: each attempt claims the key afresh (a failed
attempt releases it).
"""

from __future__ import annotations

import asyncio
import contextvars
import random
from dataclasses import dataclass
from typing import Final

import psycopg
import structlog
from sqlalchemy.exc import DBAPIError
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.problems import problem_response, replaying

# serialization_failure, deadlock_detected: the transaction was rolled back, retrying is safe
TRANSIENT_SQLSTATES: Final = frozenset({"40001", "40P01"})
ATTEMPTS: Final = 3
RETRY_AFTER_SECONDS: Final = 1

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class _Attempt:
    committed: bool = False


_attempt: contextvars.ContextVar[_Attempt | None] = contextvars.ContextVar(
    "transient_retry_attempt", default=None
)


def note_commit() -> None:
    """Called by a writing unit of work once it has committed: the request's attempt has
    stored something and must not run again."""
    attempt = _attempt.get()
    if attempt is not None:
        attempt.committed = True


def is_transient(error: BaseException) -> bool:
    """A deadlock or serialization failure, raised by psycopg or wrapped by SQLAlchemy (or by
    the caller, ``raise … from``)."""
    seen: BaseException | None = error
    while seen is not None:
        cause = seen.orig if isinstance(seen, DBAPIError) else seen
        if isinstance(cause, psycopg.Error) and cause.sqlstate in TRANSIENT_SQLSTATES:
            return True
        seen = seen.__cause__
    return False


class TransientRetryMiddleware:
    """Runs a request again (its body replayed) when it failed with a transient transaction
    error before anything was answered or committed; answers 503 with ``Retry-After`` when
    that keeps happening."""

    def __init__(self, app: ASGIApp, *, attempts: int = ATTEMPTS) -> None:
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body = await Request(scope, receive).body()
        except ClientDisconnect:  # the client went away before its request was read
            return
        for attempt_number in range(1, self.attempts + 1):
            started = False

            async def watched(message: Message) -> None:
                nonlocal started
                started = True
                await send(message)

            attempt = _Attempt()
            token = _attempt.set(attempt)
            try:
                await self.app(scope, replaying(body, receive), watched)
                return
            except Exception as error:
                if not is_transient(error) or started:
                    raise
                error_type = type(error).__name__
                if attempt.committed or attempt_number == self.attempts:
                    log.warning(
                        "http.transient_error", path=scope["path"], error_type=error_type,
                        attempts=attempt_number, committed=attempt.committed,
                    )  # fmt: skip
                    await _busy(scope, receive, send)
                    return
                log.info("http.transient_retry", path=scope["path"], error_type=error_type)
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt_number)
            finally:
                _attempt.reset(token)


async def _busy(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(
        503,
        title="Busy",
        detail="The request's transaction collided with concurrent ones and was rolled back; "
        "nothing of it was stored. Send it again.",
        code="transaction-conflict",
        request=Request(scope),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
    await response(scope, receive, send)
