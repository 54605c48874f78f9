"""A request whose transaction was a deadlock victim or a serialization failure runs again;
when that keeps happening, or it had committed, the answer is a 503 with Retry-After."""

from __future__ import annotations

import httpx
import psycopg
import pytest
from sqlalchemy.exc import OperationalError
from starlette.types import Receive, Scope, Send

from common.db.retry import ATTEMPTS, TransientRetryMiddleware, note_commit
from common.problems import PROBLEM_MEDIA_TYPE


class FailingApp:
    """Fails its first ``failures`` calls with ``error``, then echoes the body."""

    def __init__(self, failures: int, error: Exception, *, commit_first: bool = False) -> None:
        self.failures = failures
        self.error = error
        self.commit_first = commit_first
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        self.bodies.append(message["body"])
        if len(self.bodies) <= self.failures:
            if self.commit_first:
                note_commit()
            raise self.error
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": message["body"]})


async def post(app: FailingApp) -> httpx.Response:
    transport = httpx.ASGITransport(app=TransientRetryMiddleware(app), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/things", content=b'{"a": 1}')


def wrapped(error: psycopg.Error) -> OperationalError:
    return OperationalError("INSERT …", {}, error)


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        wrapped(psycopg.errors.DeadlockDetected("deadlock detected")),
    ],
)
async def test_a_transient_failure_runs_the_request_again_with_its_body(error):
    app = FailingApp(ATTEMPTS - 1, error)
    response = await post(app)
    assert response.status_code == 201
    assert response.content == b'{"a": 1}'
    assert app.bodies == [b'{"a": 1}'] * ATTEMPTS


async def test_when_the_attempts_are_used_up_the_answer_is_503_with_retry_after():
    app = FailingApp(ATTEMPTS, psycopg.errors.DeadlockDetected("deadlock detected"))
    response = await post(app)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "urn:housing:problem:transaction-conflict"
    assert len(app.bodies) == ATTEMPTS


async def test_a_request_that_committed_is_not_run_again():
    app = FailingApp(1, psycopg.errors.DeadlockDetected("deadlock detected"), commit_first=True)
    response = await post(app)
    assert response.status_code == 503
    assert len(app.bodies) == 1


async def test_other_errors_are_not_retried():
    app = FailingApp(1, psycopg.errors.UniqueViolation("duplicate key"))
    with pytest.raises(psycopg.errors.UniqueViolation):
        await post(app)
    assert len(app.bodies) == 1
