"""The kit's request stack in fewer layers (issue 17): one middleware for the kit's three, and
the scope dependency in one call instead of ``HTTPBearer`` → ``current_principal`` → scope —
with the same answers, errors and OpenAPI document as before."""

from typing import Annotated, Any

import httpx
import psycopg
import pytest
from fastapi import APIRouter, Depends, FastAPI, Path, WebSocket
from starlette.types import Receive, Scope, Send

from common.access import Scope as AccessScope
from common.access import scope_dependency
from common.app import ServiceMiddleware, create_service_app
from common.auth import CurrentPrincipal, DevSigningKey, Principal, Role, TokenVerifier
from common.db.retry import TransientRetryMiddleware
from common.idempotency import IdempotencyMiddleware
from common.observability import ServiceMetrics
from common.problems import BodyGuardMiddleware, document_problems, install_problem_handlers
from common.testing.example.app import ExampleSettings

ISSUER = "issuer-1"
AUDIENCE = "housing"


class TestServiceMiddleware:
    @staticmethod
    def _app(calls: list[tuple[str, bytes]]) -> ServiceMiddleware:
        async def inner(scope: Scope, receive: Receive, send: Send) -> None:
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            calls.append((scope["method"], body))
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"done"})

        return ServiceMiddleware(
            inner,
            metrics=ServiceMetrics("probe"),
            live_path="/probe/health/live",
            max_bytes=64,
            max_depth=3,
        )

    def test_reads_go_straight_to_the_app_and_writes_through_the_guard_retry_and_keys(self):
        calls: list[tuple[str, bytes]] = []
        app = self._app(calls)
        inner = app.app
        assert isinstance(app.body_app, BodyGuardMiddleware)
        assert isinstance(app.body_app.app, TransientRetryMiddleware)
        assert isinstance(app.body_app.app.app, IdempotencyMiddleware)
        assert app.body_app.app.app.app is inner
        assert (app.body_app.max_bytes, app.body_app.max_depth) == (64, 3)

    @pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
    async def test_a_body_over_the_limit_is_refused_with_the_request_ids(self, method: str):
        calls: list[tuple[str, bytes]] = []
        transport = httpx.ASGITransport(app=self._app(calls))
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            response = await client.request(
                method, "/probe/v1/things", content=b"x" * 65, headers={"X-Request-ID": "r-1"}
            )
        assert calls == []
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "urn:housing:problem:body-too-large"
        assert response.json()["request_id"] == "r-1"
        assert response.headers["x-request-id"] == "r-1"

    async def test_json_nested_too_deeply_is_refused_and_a_fitting_body_reaches_the_app(self):
        calls: list[tuple[str, bytes]] = []
        transport = httpx.ASGITransport(app=self._app(calls))
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            deep = await client.post("/probe/v1/things", json=[[[[1]]]])
            fine = await client.post("/probe/v1/things", json=[[1]])
        assert deep.status_code == 400
        assert deep.json()["type"] == "urn:housing:problem:json-too-deep"
        assert fine.status_code == 200
        assert calls == [("POST", b"[[1]]")]

    @pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "DELETE"])
    async def test_bodyless_requests_reach_the_app_with_ids_and_metrics(self, method: str):
        calls: list[tuple[str, bytes]] = []
        app = self._app(calls)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            response = await client.request(
                method, "/probe/v1/things", headers={"X-Request-ID": "r-2"}
            )
        assert calls == [(method, b"")]
        assert response.status_code == 200
        assert response.headers["x-request-id"] == "r-2"
        assert response.headers["x-content-type-options"] == "nosniff"
        sample = app.metrics.registry.get_sample_value(
            "http_requests_total",
            {"service": "probe", "method": method, "route": "unmatched", "status": "200"},
        )
        assert sample == 1.0

    async def test_a_delete_whose_transaction_was_a_deadlock_victim_runs_again(self):
        """A DELETE writes: it goes through the transaction retry, as POST, PUT and PATCH do."""
        attempts: list[str] = []

        async def deleting(scope: Scope, receive: Receive, send: Send) -> None:
            attempts.append(scope["method"])
            if len(attempts) == 1:
                raise psycopg.errors.DeadlockDetected("deadlock detected")
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        app = ServiceMiddleware(
            deleting,
            metrics=ServiceMetrics("probe"),
            live_path=None,
            max_bytes=64,
            max_depth=3,
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            response = await client.delete("/probe/v1/things/1")
        assert response.status_code == 204
        assert attempts == ["DELETE", "DELETE"]


# --- the scope dependency in one call ---------------------------------------------------------

ALL_ROLES = frozenset(Role)


def _app(key: DevSigningKey) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(
        issuer=ISSUER, audience=AUDIENCE, algorithms=["ES256"], public_key=key.public_pem()
    )
    everyone = Annotated[AccessScope, Depends(scope_dependency(ALL_ROLES, "read this"))]
    fund_only = Annotated[AccessScope, Depends(scope_dependency(frozenset({Role.FUND}), "do it"))]

    @app.get("/scope")
    async def scoped(scope: everyone) -> dict[str, Any]:
        return {
            "subject": scope.subject,
            "role": scope.role.value,
            "organisation_ids": sorted(scope.organisation_ids or ()),
            "municipality_code": scope.municipality_code,
        }

    @app.get("/principal")
    async def principal(principal: CurrentPrincipal) -> dict[str, Any]:
        return {
            "subject": principal.subject,
            "role": principal.role.value,
            "organisation_ids": sorted(principal.organisation_ids),
            "municipality_code": None,
        }

    @app.get("/fund")
    async def fund(scope: fund_only) -> dict[str, str]:
        return {"subject": scope.subject}

    return app


def _mint(key: DevSigningKey, role: Role = Role.ERP_CLIENT, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "role": role,
        "organisation_ids": ["org-2", "org-1"],
        "subject": "erp-1",
        "issuer": ISSUER,
        "audience": AUDIENCE,
    }
    values.update(overrides)
    return key.mint(**values)


class TestScopeDependencyInOneCall:
    async def test_the_scope_and_the_errors_are_those_of_the_principal_dependency(self):
        key = DevSigningKey.generate()
        good = _mint(key)
        variants: list[dict[str, str]] = [
            {},
            {"Authorization": ""},
            {"Authorization": "Bearer"},
            {"Authorization": "Bearer "},
            {"Authorization": "Bearer    "},
            {"Authorization": "Basic dXNlcjpwdw=="},
            {"Authorization": f"Token {good}"},
            {"Authorization": f" Bearer {good}"},
            {"Authorization": f"Bearer {good}"},
            {"Authorization": f"bearer {good}"},
            {"Authorization": f"BEARER   {good}  "},
            {"Authorization": "Bearer not-a-jwt"},
            {"Authorization": f"Bearer {good[:-4]}AAAA"},
            {"Authorization": f"Bearer {_mint(key, ttl_seconds=-60)}"},
            {"Authorization": f"Bearer {_mint(DevSigningKey.generate())}"},
            {"Authorization": f"Bearer {_mint(key, audience='other')}"},
        ]
        transport = httpx.ASGITransport(app=_app(key))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for headers in variants:
                scoped = await client.get("/scope", headers=headers)
                reference = await client.get("/principal", headers=headers)
                answer, expected = scoped.json(), reference.json()
                if "instance" in expected:  # a problem names the path it answers
                    assert (answer["instance"], expected["instance"]) == ("/scope", "/principal")
                    answer["instance"] = expected["instance"]
                assert (scoped.status_code, answer, scoped.headers["content-type"]) == (
                    reference.status_code,
                    expected,
                    reference.headers["content-type"],
                ), headers
        accepted = await _get(key, "/scope", {"Authorization": f"BEARER   {good}  "})
        assert accepted.json() == {
            "subject": "erp-1",
            "role": "erp_client",
            "organisation_ids": ["org-1", "org-2"],
            "municipality_code": None,
        }
        refused = await _get(key, "/scope", {})
        assert refused.status_code == 401
        assert refused.json()["detail"] == "Send a bearer token in the Authorization header."

    async def test_a_role_not_admitted_is_403_naming_the_roles_that_would_do(self):
        key = DevSigningKey.generate()
        response = await _get(key, "/fund", {"Authorization": f"Bearer {_mint(key)}"})
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == (
            "Your role 'erp_client' may not do it; it needs one of: fund."
        )
        fund = await _get(key, "/fund", {"Authorization": f"Bearer {_mint(key, Role.FUND)}"})
        assert fund.json() == {"subject": "erp-1"}

    def test_openapi_documents_the_same_bearer_scheme_as_the_principal_dependency(self):
        schema = _app(DevSigningKey.generate()).openapi()
        assert schema["components"]["securitySchemes"] == {
            "HTTPBearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "OAuth2 bearer JWT from the identity provider",
            }
        }
        paths = schema["paths"]
        for path in ("/scope", "/principal", "/fund"):
            assert paths[path]["get"]["security"] == [{"HTTPBearer": []}], path

    async def test_the_token_is_verified_once_per_request_and_the_principal_kept(self):
        key = DevSigningKey.generate()
        app = _app(key)
        seen: list[Principal] = []

        @app.get("/state")
        async def state(
            scope: Annotated[AccessScope, Depends(scope_dependency(ALL_ROLES, "read"))],
        ) -> dict[str, str]:
            return {"subject": scope.subject}

        verifier: TokenVerifier = app.state.token_verifier
        original = verifier.verify

        async def counting(token: str) -> Principal:
            principal = await original(token)
            seen.append(principal)
            return principal

        verifier.verify = counting  # type: ignore[method-assign]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/state", headers={"Authorization": f"Bearer {_mint(key)}"})
        assert response.json() == {"subject": "erp-1"}
        assert [p.subject for p in seen] == ["erp-1"]


async def _get(key: DevSigningKey, path: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(key))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path, headers=headers)


class TestServiceRoutes:
    """``create_service_app`` adds a router's path operations to the app itself (FastAPI's
    included router matched every request against them twice): the same operations, answers
    and OpenAPI paths as ``include_router``."""

    @staticmethod
    def _router() -> APIRouter:
        router = APIRouter(prefix="/items", tags=["items"])

        @router.get("/{item_id}", summary="Read an item", responses={404: {"description": "No"}})
        async def read_item(item_id: Annotated[int, Path(ge=1)]) -> dict[str, int]:
            return {"id": item_id}

        @router.put("/{item_id}", status_code=202, deprecated=True, operation_id="put-item")
        async def put_item(item_id: int) -> dict[str, int]:
            return {"id": item_id}

        return router

    def test_the_openapi_paths_are_those_of_an_included_router(self):
        served = create_service_app(
            ExampleSettings(), title="t", description="d", routers=[self._router()]
        )
        included = FastAPI()
        included.include_router(self._router(), prefix="/example/v1")
        expected = document_problems(included.openapi())["paths"]  # as the kit documents them
        paths = served.openapi()["paths"]
        assert {path: paths[path] for path in expected} == expected

    async def test_the_routes_answer_under_the_prefix(self):
        app = create_service_app(
            ExampleSettings(), title="t", description="d", routers=[self._router()]
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            read = await client.get("/example/v1/items/7")
            put = await client.put("/example/v1/items/7")
            deleted = await client.delete("/example/v1/items/7")
            invalid = await client.get("/example/v1/items/0")
            unknown = await client.get("/example/v1/nothing")
        assert (read.status_code, read.json()) == (200, {"id": 7})
        assert put.status_code == 202
        assert (deleted.status_code, deleted.headers["allow"]) == (405, "GET, PUT")
        assert (invalid.status_code, unknown.status_code) == (422, 404)

    def test_a_router_with_anything_but_path_operations_is_refused(self):
        router = APIRouter()

        @router.websocket("/socket")
        async def socket(websocket: WebSocket) -> None:
            await websocket.close()

        with pytest.raises(TypeError, match="path operations only"):
            create_service_app(ExampleSettings(), title="t", description="d", routers=[router])
