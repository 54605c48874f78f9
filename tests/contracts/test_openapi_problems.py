"""What every service's OpenAPI document and HTTP layer say about errors (issue 12, item 4):
errors are documented as application/problem+json (never FastAPI's application/json 422), an
operation taking a body documents the 400 for a body that is not JSON, a 405 lists every method
the path accepts, and every response carries X-Content-Type-Options: nosniff."""

from __future__ import annotations

import httpx
import pytest

from common.problems import PROBLEM_MEDIA_TYPE
from housing.services import SERVICES


def openapi_of(entry) -> dict:
    return entry.create_app(entry.settings()).openapi()


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.name)
def test_every_error_is_documented_as_problem_json(entry) -> None:
    openapi = openapi_of(entry)
    wrong = [
        f"{method.upper()} {path} {status}: {sorted(response.get('content', {}))}"
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if str(status)[0] in "45" and set(response.get("content", {})) != {PROBLEM_MEDIA_TYPE}
    ]
    assert wrong == []
    assert "HTTPValidationError" not in str(openapi)


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.name)
def test_every_operation_with_a_body_documents_the_400(entry) -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, operations in openapi_of(entry)["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation and "400" not in operation["responses"]
    ]
    assert missing == []


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.name)
def test_every_list_with_a_cursor_documents_the_400(entry) -> None:
    """Cursors are signed: a forged one is a 400 naming the parameter (issue 12, item 4)."""
    paged = {
        f"{method.upper()} {path}": operation["responses"].get("400", {}).get("description")
        for path, operations in openapi_of(entry)["paths"].items()
        for method, operation in operations.items()
        if any(p["name"] == "cursor" for p in operation.get("parameters", []))
    }
    assert {k: v for k, v in paged.items() if not v} == {}
    if entry.name == "register":
        assert "invalid-cursor" in paged["GET /register/v1/leases"]


async def test_a_405_lists_every_method_of_the_path() -> None:
    """The register's leases path has a list (GET) and a create (POST) route."""
    from register.main import create_app

    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        collection = await client.delete("/register/v1/leases")
        item = await client.delete("/register/v1/leases/lk-1")
    assert collection.status_code == item.status_code == 405
    assert collection.headers["allow"] == "GET, POST"
    assert item.headers["allow"] == "GET, PUT"
    assert collection.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)


async def test_every_response_says_nosniff() -> None:
    from register.main import create_app

    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for response in (
            await client.get("/register/health/live"),
            await client.get("/register/v1/no-such-thing"),
        ):
            assert response.headers["x-content-type-options"] == "nosniff"
