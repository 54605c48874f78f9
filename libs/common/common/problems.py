"""RFC 9457 problem details for every error a service can return.

One place turns domain errors, FastAPI's validation errors, unknown routes and unexpected
exceptions into ``application/problem+json``. A 500 never carries internals, only the request id
that finds the traceback in the logs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DomainError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionRequiredError,
    RuleViolationError,
    StaleVersionError,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:housing:problem:"

log = structlog.get_logger(__name__)

_STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (BadRequestError, 400),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (StaleVersionError, 412),
    (PreconditionRequiredError, 428),
    (ConflictError, 409),
    (RuleViolationError, 422),
)


def status_for(error: DomainError) -> int:
    for error_type, status in _STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 422


def problem_response(
    status: int,
    *,
    title: str,
    detail: str,
    code: str | None = None,
    errors: Sequence[dict[str, Any]] = (),
    request: Request | None = None,
    headers: Mapping[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """An RFC 9457 response; ``extra`` adds extension members (e.g. ``checks``)."""
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}" if code else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    if errors:
        body["errors"] = list(errors)
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_responses(descriptions: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses, each documented as problem+json."""
    return {
        status: {"description": description, "content": {PROBLEM_MEDIA_TYPE: {}}}
        for status, description in descriptions.items()
    }


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details. `type` names the problem "
    f"(`{PROBLEM_TYPE_PREFIX}<code>`), `errors` lists each field's problem with a JSON pointer "
    "(body) or a parameter name.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_MALFORMED_BODY = {
    "description": "The body is not valid JSON, or too deeply nested",
    "content": _PROBLEM_CONTENT,
}
_FOREIGN_CURSOR = {
    "description": "The cursor is not one this service issued (invalid-cursor)",
    "content": _PROBLEM_CONTENT,
}


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the service sends: every error response is
    ``application/problem+json`` (FastAPI documents its 422 as ``application/json``), every
    operation with a body may answer 400 for a body that is not JSON, and every list with a
    ``cursor`` 400 for a cursor the service did not issue."""
    openapi.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    openapi["components"]["schemas"].pop("HTTPValidationError", None)
    openapi["components"]["schemas"].pop("ValidationError", None)
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            for status, response in responses.items():
                if str(status)[0] in "45":
                    response["content"] = _PROBLEM_CONTENT
            if "requestBody" in operation:
                responses.setdefault("400", _MALFORMED_BODY)
            if any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
                responses.setdefault("400", _FOREIGN_CURSOR)  # signed cursors (common.paging)
    return openapi


def field_errors_as_json(errors: Sequence[FieldError]) -> list[dict[str, Any]]:
    return [
        {"pointer": e.pointer, "detail": e.detail, "code": e.code}
        if e.location == "body"
        else {"parameter": e.pointer, "in": e.location, "detail": e.detail, "code": e.code}
        for e in errors
    ]


def json_pointer(location: Sequence[str | int]) -> str:
    """``("body", "leases", 0, "rent")`` → ``#/leases/0/rent`` (RFC 6901 escaping)."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in location]
    return "#/" + "/".join(parts)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    rendered = []
    for error in exc.errors():
        location = list(error.get("loc", ()))
        source = str(location.pop(0)) if location else "body"
        item: dict[str, Any] = {"detail": error.get("msg", "invalid"), "code": error.get("type")}
        if source == "body":
            item["pointer"] = json_pointer(location)
        else:
            item["parameter"] = ".".join(str(p) for p in location)
            item["in"] = source
        rendered.append(item)
    return rendered


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem_response(
        status,
        title=exc.title,
        detail=exc.detail,
        code=exc.code,
        errors=field_errors_as_json(exc.errors),
        request=request,
        headers=headers,
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    if any(e.get("code") == "json_invalid" for e in errors):
        return problem_response(
            400,
            title="Malformed JSON",
            detail="The request body is not valid JSON: " + errors[0]["detail"],
            code="malformed-json",
            request=request,
        )
    return problem_response(
        422,
        title="The request is not valid",
        detail=f"{len(errors)} field(s) failed validation; see 'errors' for each field.",
        code="validation-failed",
        errors=errors,
        request=request,
    )


_HTTP_DETAILS = {
    404: "No resource at this address. Check the path against the service's OpenAPI document.",
    405: "This address does not accept this method. See the 'Allow' header.",
}


def allowed_methods(app: Any, scope: Mapping[str, Any]) -> list[str]:
    """Every method some route of ``app`` accepts at the request's path (Starlette's 405 names
    only those of the first route matching the path, though several routes may share it)."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**scope, "method": method})[0] is Match.FULL
            for route in getattr(app, "routes", [])
        )
    ]


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if detail in ("Not Found", "Method Not Allowed"):
        detail = _HTTP_DETAILS[exc.status_code]
    title = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}.get(
        exc.status_code, "Request failed"
    )
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
    return problem_response(
        exc.status_code, title=title, detail=detail, request=request, headers=headers or None
    )


async def _on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("http.unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return problem_response(
        500,
        title="Internal error",
        detail="The service failed to handle the request. Quote the request_id when you "
        "report it; nothing about the failure is shown here.",
        code="internal-error",
        request=request,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected_error)


# --- request body guard ------------------------------------------------------------------------

_NOT_BRACKETS_OR_QUOTES = bytes(b for b in range(256) if b not in b'[]{}"')
_DEPTH_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes


def json_nesting_depth(body: bytes) -> int:
    """Deepest nesting of arrays/objects, ignoring brackets inside strings.

    Python's json parser would recurse (and fail with a 500) on hostile nesting, so the guard
    measures depth first, in C for multi-MiB bodies: escaped backslashes and quotes go first
    (``\\\\`` before ``\\"``, so a string ending in a backslash still ends), then everything but
    quotes and brackets; what is left between quote pairs is inside strings. The brackets left
    become steps of +1 (opening) and -1 (closing) whose running sum is the depth: its maximum,
    summed in C too (a Python loop over them was ~2-3% of a bulk submission's CPU, a regular
    expression for whole strings ~0.1 s per MiB). On a body that is not JSON the parser stops
    where this can stop agreeing with it; up to there, backslashes occur only inside strings,
    so the depth it reaches is counted.
    """
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in body else body
    # Two adjacent quotes go first, which leaves every bracket as inside or outside a string
    # as it was (the quotes before it lose a pair): nearly every string of a document, so
    # little is left to split into pieces.
    quoted = unescaped.translate(None, _NOT_BRACKETS_OR_QUOTES).replace(b'""', b"")
    structure = b"".join(quoted.split(b'"')[::2])
    steps = memoryview(structure.translate(_DEPTH_STEPS)).cast("b")
    return max(itertools.accumulate(steps, initial=0))


def replaying(body: bytes, receive: Receive) -> Receive:
    """An ASGI ``receive`` giving a buffered request body once, then the connection's own
    messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class BodyGuardMiddleware:
    """Refuses bodies over ``max_bytes`` (413) and JSON nested deeper than ``max_depth`` (400).

    The body is buffered (bounded by ``max_bytes``) and replayed to the app unchanged.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_depth: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse_size(request, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse_size(request, scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = request.headers.get("content-type", "")
        if "json" in content_type and json_nesting_depth(body) > self.max_depth:
            response = problem_response(
                400,
                title="JSON nested too deeply",
                detail=f"The body nests arrays/objects deeper than {self.max_depth} levels.",
                code="json-too-deep",
                request=request,
            )
            await response(scope, receive, send)
            return

        await self.app(scope, replaying(body, receive), send)

    async def _refuse_size(
        self, request: Request, scope: Scope, receive: Receive, send: Send
    ) -> None:
        response = problem_response(
            413,
            title="Request body too large",
            detail=f"The body exceeds this endpoint's limit of {self.max_bytes} bytes; "
            "split the submission into smaller requests.",
            code="body-too-large",
            request=request,
        )
        await response(scope, receive, send)
