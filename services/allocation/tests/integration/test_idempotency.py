"""A retried POST with the same Idempotency-Key is applied once and its response replayed."""

from __future__ import annotations

import uuid

from .support import API, municipality, outbox, sql


class TestIdempotentPosts:
    async def test_a_retried_agreement_is_made_once(
        self, allocation_client, allocation_db_url, tokens
    ):
        client = await allocation_client()
        headers = {**municipality(tokens), "Idempotency-Key": str(uuid.uuid4())}
        body = {
            "organisation_id": "BO-1",
            "kind": "quota",
            "share": "1/4",
            "valid_from": "2027-01-01",
        }
        first = await client.post(f"{API}/agreements", json=body, headers=headers)
        second = await client.post(f"{API}/agreements", json=body, headers=headers)
        assert (first.status_code, second.status_code) == (201, 201)
        assert second.json()["id"] == first.json()["id"]
        assert second.headers.get("Idempotent-Replayed") == "true"
        assert sql(allocation_db_url, "SELECT count(*) FROM agreements") == [(1,)]
        assert len(outbox(allocation_db_url, "allocation.agreement.signed")) == 1
        other = await client.post(
            f"{API}/agreements", json={**body, "share": "1/5"}, headers=headers
        )
        assert other.status_code == 422
        assert other.headers["content-type"] == "application/problem+json"
