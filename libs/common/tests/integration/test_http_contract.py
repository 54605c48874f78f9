"""What every service promises on the wire: problem+json errors, auth rules, idempotency keys.

Runs the example service against the real PostgreSQL test server.
"""

import asyncio
import json
import uuid

import pytest
from sqlalchemy import text

from common.auth import Principal, Role, TokenVerifier
from common.problems import PROBLEM_MEDIA_TYPE
from common.testing.fixtures import TokenFactory

THINGS = "/example/v1/things"


def thing(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": f"t-{uuid.uuid4().hex[:8]}",
        "organisation_id": "org-1",
        "name": "Blok A",
        "amount": "1250.50",
    }
    body.update(overrides)
    return body


KEY_7 = {"Idempotency-Key": "k-7"}


async def _stored(example_db, thing_id: str) -> tuple[str | None, int]:
    """The thing's stored name and the number of outbox events about it."""
    async with example_db.engine.connect() as connection:
        name = await connection.scalar(
            text("SELECT name FROM things WHERE id = :id"), {"id": thing_id}
        )
        events = await connection.scalar(
            text("SELECT count(*) FROM outbox WHERE key = :id"), {"id": thing_id}
        )
    return name, events


async def _key_scopes(example_db, key: str) -> list[str]:
    """The callers that hold ``key``."""
    async with example_db.engine.connect() as connection:
        scopes = await connection.scalars(
            text("SELECT scope FROM idempotency_keys WHERE key = :key ORDER BY scope"),
            {"key": key},
        )
        return list(scopes)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    return problem


class TestProblemDetails:
    async def test_malformed_json_is_a_400_problem(self, example_client, tokens: TokenFactory):
        client = await example_client()
        response = await client.post(
            THINGS,
            content=b'{"id": "x", "name": ',
            headers={
                **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
                "content-type": "application/json",
            },
        )
        problem = assert_problem(response, 400)
        assert problem["type"].endswith("malformed-json")

    async def test_invalid_field_gets_a_json_pointer(self, example_client, tokens: TokenFactory):
        client = await example_client()
        response = await client.post(
            THINGS,
            json=thing(name="", amount="12.345"),
            headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
        )
        problem = assert_problem(response, 422)
        pointers = {e["pointer"] for e in problem["errors"]}
        assert pointers == {"#/name", "#/amount"}

    async def test_missing_field_gets_a_json_pointer(self, example_client, tokens: TokenFactory):
        client = await example_client()
        body = thing()
        del body["organisation_id"]
        response = await client.post(
            THINGS, json=body, headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"])
        )
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["pointer"] == "#/organisation_id"

    async def test_oversized_body_is_refused_with_413(self, example_client, tokens: TokenFactory):
        client = await example_client(max_body_bytes=2048)
        response = await client.post(
            THINGS,
            json=thing(name="x" * 5000),
            headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
        )
        problem = assert_problem(response, 413)
        assert "2048" in problem["detail"]

    async def test_oversized_chunked_body_is_refused_with_413(
        self, example_client, tokens: TokenFactory
    ):
        client = await example_client(max_body_bytes=2048)

        async def chunks():
            for _ in range(10):
                yield b"x" * 1000

        response = await client.post(
            THINGS,
            content=chunks(),
            headers={
                **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
                "content-type": "application/json",
            },
        )
        assert_problem(response, 413)

    async def test_over_deep_json_is_refused_without_a_500(
        self, example_client, tokens: TokenFactory
    ):
        client = await example_client()
        deep = "[" * 100_000 + "]" * 100_000
        response = await client.post(
            THINGS,
            content=deep.encode(),
            headers={
                **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
                "content-type": "application/json",
            },
        )
        problem = assert_problem(response, 400)
        assert problem["type"].endswith("json-too-deep")

    async def test_brackets_inside_strings_do_not_count_as_depth(
        self, example_client, tokens: TokenFactory
    ):
        client = await example_client()
        response = await client.post(
            THINGS,
            json=thing(name="[[[[" * 40 + '"{{{'),
            headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
        )
        assert response.status_code == 201, response.text

    async def test_unknown_route_is_a_404_problem(self, example_client):
        client = await example_client()
        problem = assert_problem(await client.get("/example/v1/nothing-here"), 404)
        assert "OpenAPI" in problem["detail"]

    async def test_wrong_method_is_a_405_problem(self, example_client):
        client = await example_client()
        response = await client.delete("/example/health/live")
        assert_problem(response, 405)
        assert response.headers["allow"] == "GET"

    async def test_unhandled_error_is_a_500_without_internals(
        self, example_client, tokens: TokenFactory
    ):
        client = await example_client()
        response = await client.get("/example/v1/boom", headers={"X-Request-ID": "req-123"})
        problem = assert_problem(response, 500)
        assert "hunter2" not in response.text
        assert "RuntimeError" not in response.text
        assert problem["request_id"] == "req-123"

    async def test_non_utf8_body_is_a_client_error(self, example_client, tokens: TokenFactory):
        client = await example_client()
        response = await client.post(
            THINGS,
            content=b'{"id": "\xff\xfe"}',
            headers={
                **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
                "content-type": "application/json",
            },
        )
        assert 400 <= response.status_code < 500
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


class TestAuthentication:
    async def test_no_token_is_401_with_bearer_challenge(self, example_client):
        client = await example_client()
        response = await client.get("/example/v1/things/t-1")
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_token_signed_by_another_key_is_401(self, example_client):
        client = await example_client()
        stranger = TokenFactory()
        response = await client.get("/example/v1/things/t-1", headers=stranger.headers(Role.FUND))
        assert_problem(response, 401)

    async def test_expired_token_is_401(self, example_client, tokens: TokenFactory):
        client = await example_client()
        response = await client.get(
            "/example/v1/things/t-1", headers=tokens.headers(Role.FUND, ttl_seconds=-60)
        )
        problem = assert_problem(response, 401)
        assert "expired" in problem["detail"]

    async def test_garbage_token_is_401(self, example_client):
        client = await example_client()
        response = await client.get(
            "/example/v1/things/t-1", headers={"Authorization": "Bearer not.a.jwt"}
        )
        assert_problem(response, 401)

    async def test_wrong_role_is_403(self, example_client, tokens: TokenFactory):
        client = await example_client()
        response = await client.get(
            "/example/v1/fund-only", headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"])
        )
        problem = assert_problem(response, 403)
        assert "fund" in problem["detail"]

    async def test_right_role_passes(self, example_client, tokens: TokenFactory):
        client = await example_client()
        response = await client.get("/example/v1/fund-only", headers=tokens.headers(Role.FUND))
        assert response.status_code == 200
        assert response.json() == {"role": "fund"}


class TestObjectLevelAccess:
    async def test_another_organisations_object_is_404(self, example_client, tokens: TokenFactory):
        client = await example_client()
        body = thing(organisation_id="org-1")
        created = await client.post(
            THINGS, json=body, headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"])
        )
        assert created.status_code == 201
        other = await client.get(
            f"{THINGS}/{body['id']}", headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-2"])
        )
        problem = assert_problem(other, 404)
        assert "org-1" not in other.text
        missing = await client.get(
            f"{THINGS}/nope", headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-2"])
        )
        # Another organisation's object and a missing one look the same.
        assert problem["title"] == missing.json()["title"]

    async def test_owner_and_authorities_see_the_object(self, example_client, tokens: TokenFactory):
        client = await example_client()
        body = thing(organisation_id="org-1")
        await client.post(
            THINGS, json=body, headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"])
        )
        for headers in (
            tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]),
            tokens.headers(Role.ADMIN_ORG, orgs=["org-9", "org-1"]),
            tokens.headers(Role.FUND),
        ):
            response = await client.get(f"{THINGS}/{body['id']}", headers=headers)
            assert response.status_code == 200, response.text
            assert response.json()["organisation_id"] == "org-1"


class TestIdempotencyKey:
    async def test_same_key_and_body_replays_the_response(
        self, example_client, tokens: TokenFactory
    ):
        client = await example_client()
        headers = {
            **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"], subject="erp-1"),
            "Idempotency-Key": "k-1",
        }
        body = thing()
        first = await client.post(THINGS, json=body, headers=headers)
        second = await client.post(THINGS, json=body, headers=headers)
        assert first.status_code == second.status_code == 201, (first.text, second.text)
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers

    async def test_the_token_is_verified_once_per_request(
        self, example_client, tokens: TokenFactory, monkeypatch: pytest.MonkeyPatch
    ):
        """The middleware verifies the token to scope the key; the route reuses that result."""
        verified: list[str] = []
        original = TokenVerifier.verify

        async def counting(self: TokenVerifier, token: str) -> Principal:
            verified.append(token)
            return await original(self, token)

        monkeypatch.setattr(TokenVerifier, "verify", counting)
        client = await example_client()
        headers = {
            **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"], subject="erp-1"),
            "Idempotency-Key": "k-once",
        }
        response = await client.post(THINGS, json=thing(), headers=headers)
        assert response.status_code == 201, response.text
        assert len(verified) == 1

    async def test_replay_survives_a_new_token_for_the_same_caller(
        self, example_client, example_db, tokens: TokenFactory
    ):
        """A key belongs to the caller (the token's subject), not to one token: a retry with a
        freshly minted token is the same submission, while another caller's same key is not."""
        client = await example_client()
        body = thing()
        first_token = tokens.token(Role.ERP_CLIENT, orgs=["org-1"], subject="erp-7")
        new_token = tokens.token(Role.ERP_CLIENT, orgs=["org-1"], subject="erp-7", ttl_seconds=60)
        assert new_token != first_token

        first = await client.post(
            THINGS, json=body, headers={"Authorization": f"Bearer {first_token}", **KEY_7}
        )
        retry = await client.post(
            THINGS, json=body, headers={"Authorization": f"Bearer {new_token}", **KEY_7}
        )
        assert first.status_code == retry.status_code == 201, (first.text, retry.text)
        assert "idempotent-replayed" not in first.headers
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.json() == first.json()
        assert await _stored(example_db, body["id"]) == ("Blok A", 1)

        other_caller = await client.post(
            THINGS,
            json=body,
            headers={**tokens.headers(Role.ERP_CLIENT, orgs=["org-1"], subject="erp-8"), **KEY_7},
        )
        # Not a replay: the request ran, and found the thing the first caller created.
        assert "idempotent-replayed" not in other_caller.headers
        assert assert_problem(other_caller, 409)["type"].endswith(":conflict")
        assert await _stored(example_db, body["id"]) == ("Blok A", 1)
        assert await _key_scopes(example_db, "k-7") == ["erp-7", "erp-8"]

    async def test_the_change_is_applied_once(
        self, example_client, tokens: TokenFactory, databases
    ):
        client = await example_client()
        headers = {
            **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"], subject="erp-1"),
            "Idempotency-Key": "k-2",
        }
        body = thing()
        for _ in range(3):
            await client.post(THINGS, json=body, headers=headers)
        read = await client.get(f"{THINGS}/{body['id']}", headers=tokens.headers(Role.FUND))
        assert read.json()["version"] == 1
        # A plain resend without the key is a real duplicate and says so.
        plain = await client.post(
            THINGS, json=body, headers=tokens.headers(Role.HOUSING_ORG, orgs=["org-1"])
        )
        assert_problem(plain, 409)

    async def test_same_key_with_another_body_is_422(self, example_client, tokens: TokenFactory):
        client = await example_client()
        headers = {
            **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"], subject="erp-1"),
            "Idempotency-Key": "k-3",
        }
        await client.post(THINGS, json=thing(), headers=headers)
        response = await client.post(THINGS, json=thing(), headers=headers)
        problem = assert_problem(response, 422)
        assert problem["type"].endswith("idempotency-key-reused")

    async def test_keys_of_different_callers_do_not_collide(
        self, example_client, tokens: TokenFactory
    ):
        client = await example_client()
        for subject in ("erp-a", "erp-b"):
            headers = {
                **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"], subject=subject),
                "Idempotency-Key": "shared",
            }
            response = await client.post(THINGS, json=thing(), headers=headers)
            assert response.status_code == 201
            assert "idempotent-replayed" not in response.headers

    async def test_concurrent_duplicate_gets_409(self, example_client, tokens: TokenFactory):
        client = await example_client()
        headers = {
            **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"], subject="erp-1"),
            "Idempotency-Key": "k-4",
        }
        body = thing()
        slow = asyncio.create_task(client.post(f"{THINGS}?delay=1.0", json=body, headers=headers))
        await asyncio.sleep(0.3)
        duplicate = await client.post(f"{THINGS}?delay=1.0", json=body, headers=headers)
        problem = assert_problem(duplicate, 409)
        assert problem["type"].endswith("idempotency-in-progress")
        assert (await slow).status_code == 201
        replay = await client.post(f"{THINGS}?delay=1.0", json=body, headers=headers)
        assert replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"

    async def test_an_error_response_is_replayed_too(self, example_client, tokens: TokenFactory):
        client = await example_client()
        headers = {
            **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"], subject="erp-1"),
            "Idempotency-Key": "k-5",
        }
        body = thing(organisation_id="org-2")  # not the caller's organisation → 422
        first = await client.post(THINGS, json=body, headers=headers)
        second = await client.post(THINGS, json=body, headers=headers)
        assert first.status_code == second.status_code == 422
        assert json.loads(first.content) == json.loads(second.content)

    @pytest.mark.parametrize("key", ["", "x" * 300, "bad\tkey"])
    async def test_invalid_key_is_400(self, example_client, tokens: TokenFactory, key: str):
        client = await example_client()
        headers = {**tokens.headers(Role.HOUSING_ORG, orgs=["org-1"]), "Idempotency-Key": key}
        response = await client.post(THINGS, json=thing(), headers=headers)
        assert_problem(response, 400)


class TestIdempotencyKeyRetention:
    async def test_keys_are_forgotten_after_the_retention(
        self, example_client, tokens: TokenFactory, example_db
    ):
        from sqlalchemy import text

        from common.idempotency import purge_expired_keys

        client = await example_client()
        headers = {
            **tokens.headers(Role.HOUSING_ORG, orgs=["org-1"], subject="erp-1"),
            "Idempotency-Key": "old",
        }
        await client.post(THINGS, json=thing(), headers=headers)
        assert await purge_expired_keys(example_db) == 0  # still fresh
        async with example_db.engine.begin() as connection:
            await connection.execute(
                text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
            )
        assert await purge_expired_keys(example_db) == 1
        reused = await client.post(THINGS, json=thing(), headers=headers)
        assert reused.status_code == 201
        assert "idempotent-replayed" not in reused.headers
