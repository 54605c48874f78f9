"""``Idempotency-Key`` on POST: a retried submission is applied once.

* same key, same body → the stored response is replayed (``Idempotent-Replayed: true``);
* same key, another body → 422;
* same key while the first request still runs → 409.

A key belongs to the caller: the verified token's subject (``sub``), never to one token, so a
retry with a freshly issued token is replayed. The subject is the right owner, rather than the
organisation: keys are chosen by the client that sends them, and an identity provider gives each
client (an ERP system's client-credentials registration, a person) one stable ``sub`` across all
its tokens, while one organisation may be served by several clients whose keys must not collide
(an ERP vendor numbering its keys 1, 2, 3 would otherwise replay another vendor's responses, or
get 422s for requests it never sent). Dev tokens from ``housing token`` have a stable subject per
role, organisations and municipality for the same reason.

The key is claimed in its own short transaction before the request runs. The request's unit of
work marks the key ``effects_committed`` in the *same* transaction as its state change (a
before-commit hook), so after a crash we know whether the change happened: if it did not, a
retry after the lease expires runs the request again; if it did, the retry is told so (409)
instead of applying it twice.
"""

from __future__ import annotations

import contextvars
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.auth import TokenVerifier, remember_verified
from common.db.engine import Database
from common.db.tables import idempotency_keys
from common.db.uow import register_before_commit_hook
from common.errors import AuthenticationError
from common.problems import problem_response, replaying

IDEMPOTENCY_HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
LEASE = timedelta(seconds=60)
RETENTION = timedelta(hours=24)  # how long a key protects against a retried submission

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ClaimedKey:
    scope: str
    key: str


_current_key: contextvars.ContextVar[ClaimedKey | None] = contextvars.ContextVar(
    "idempotency_key", default=None
)


async def mark_effects_committed(session: AsyncSession) -> None:
    """Before-commit hook: ties the key to the transaction that applies the request."""
    claimed = _current_key.get()
    if claimed is None:
        return
    await session.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.scope == claimed.scope, idempotency_keys.c.key == claimed.key)
        .values(effects_committed=True)
    )


register_before_commit_hook(mark_effects_committed)


def request_fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            response = problem_response(
                400,
                title="Invalid Idempotency-Key",
                detail=f"The Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters; "
                "a UUID is a good choice.",
                code="invalid-idempotency-key",
                request=request,
            )
            await response(scope, receive, send)
            return
        caller = await self._caller(request)
        if caller is None:  # no valid token: the route answers 401 without touching the key
            await self.app(scope, receive, send)
            return

        body = await request.body()
        fingerprint = request_fingerprint(
            scope["method"], scope["path"], scope.get("query_string", b"").decode(), body
        )
        database: Database = scope["app"].state.database
        claimed = ClaimedKey(scope=caller, key=key)
        outcome = await self._claim(database, claimed, scope, fingerprint)
        if outcome is not None:
            await outcome(scope, receive, send)
            return

        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        token = _current_key.set(claimed)
        try:
            await self.app(scope, replaying(body, receive), capture)
        except BaseException:
            await self._release(database, claimed)
            raise
        finally:
            _current_key.reset(token)
        await self._store(database, claimed, messages)
        for message in messages:
            await send(message)

    async def _caller(self, request: Request) -> str | None:
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        verifier: TokenVerifier = request.app.state.token_verifier
        try:
            principal = await verifier.verify(token)
        except AuthenticationError:
            return None
        remember_verified(request.scope, token, principal)
        return principal.subject

    async def _claim(
        self, database: Database, claimed: ClaimedKey, scope: Scope, fingerprint: str
    ) -> ASGIApp | None:
        """Claim the key; returns None to proceed, or a response to send instead."""
        request = Request(scope)
        now = datetime.now(UTC)
        async with database.engine.begin() as connection:
            inserted = await connection.execute(
                pg_insert(idempotency_keys)
                .values(
                    scope=claimed.scope,
                    key=claimed.key,
                    method=scope["method"],
                    path=scope["path"],
                    request_hash=fingerprint,
                    state="in_progress",
                    locked_until=now + LEASE,
                )
                .on_conflict_do_nothing()
                .returning(idempotency_keys.c.key)
            )
            if inserted.first() is not None:
                return None
            row = (
                await connection.execute(
                    select(idempotency_keys)
                    .where(
                        idempotency_keys.c.scope == claimed.scope,
                        idempotency_keys.c.key == claimed.key,
                    )
                    .with_for_update()
                )
            ).one()
            if row.request_hash != fingerprint:
                return problem_response(
                    422,
                    title="Idempotency-Key reused with another request",
                    detail="This Idempotency-Key was already used for a different request "
                    "(method, path or body differ). Use a new key for a new request.",
                    code="idempotency-key-reused",
                    request=request,
                )
            if row.state == "completed":
                headers = dict(row.response_headers or {})
                headers["idempotent-replayed"] = "true"
                return _StoredResponse(row.response_status, headers, row.response_body or b"")
            if row.effects_committed:
                return problem_response(
                    409,
                    title="Request already applied",
                    detail="A request with this Idempotency-Key was applied, but its response "
                    "was not recorded. Read the resource to see the result; do not resend.",
                    code="idempotency-applied-response-lost",
                    request=request,
                )
            if row.locked_until > now:
                return problem_response(
                    409,
                    title="Request in progress",
                    detail="A request with this Idempotency-Key is still being processed. "
                    "Wait for it, then retry to receive its response.",
                    code="idempotency-in-progress",
                    request=request,
                    headers={"Retry-After": "1"},
                )
            # The earlier attempt died before applying anything: take the key over.
            await connection.execute(
                update(idempotency_keys)
                .where(
                    idempotency_keys.c.scope == claimed.scope,
                    idempotency_keys.c.key == claimed.key,
                )
                .values(locked_until=now + LEASE)
            )
            return None

    async def _store(
        self, database: Database, claimed: ClaimedKey, messages: list[Message]
    ) -> None:
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        if start is None:
            await self._release(database, claimed)
            return
        status = int(start["status"])
        async with database.engine.begin() as connection:
            condition = (idempotency_keys.c.scope == claimed.scope) & (
                idempotency_keys.c.key == claimed.key
            )
            if status >= 500:
                # Nothing to replay for a failure: the client may retry with the same key.
                await connection.execute(
                    delete(idempotency_keys).where(
                        condition, idempotency_keys.c.effects_committed.is_(False)
                    )
                )
                return
            headers = {
                k.decode("latin-1"): v.decode("latin-1")
                for k, v in start.get("headers", [])
                if k.lower() not in (b"content-length", b"date", b"server")
            }
            body = b"".join(
                m.get("body", b"") for m in messages if m["type"] == "http.response.body"
            )
            await connection.execute(
                update(idempotency_keys)
                .where(condition)
                .values(
                    state="completed",
                    response_status=status,
                    response_headers=headers,
                    response_body=body,
                )
            )

    async def _release(self, database: Database, claimed: ClaimedKey) -> None:
        async with database.engine.begin() as connection:
            await connection.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.scope == claimed.scope,
                    idempotency_keys.c.key == claimed.key,
                    idempotency_keys.c.effects_committed.is_(False),
                )
            )


class _StoredResponse:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        raw_headers.append((b"content-length", str(len(self.body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": self.body})


async def purge_expired_keys(database: Database, retention: timedelta = RETENTION) -> int:
    """Forget keys older than ``retention`` (a periodic job of every worker)."""
    async with database.engine.begin() as connection:
        purged = await connection.execute(
            delete(idempotency_keys)
            .where(idempotency_keys.c.created_at < datetime.now(UTC) - retention)
            .returning(idempotency_keys.c.key)
        )
        return len(purged.all())
