"""Hostile and malformed input never gives a 5xx, and every error is problem+json."""

from __future__ import annotations

from common.testing.fuzz import fuzz_operations

from .support import apply, fund, landlord, municipality, org, vacancy


class TestHostileInput:
    async def test_no_operation_answers_5xx_or_a_non_problem_error(
        self, allocation_client, allocation_db, tokens
    ):
        client = await allocation_client()
        await apply(allocation_db, vacancy("dw-1"))
        openapi = (await client.get("/allocation/openapi.json")).json()
        openapi["paths"] = {p: item for p, item in openapi["paths"].items() if "/v1/" in p}
        for headers, examples in (
            (municipality(tokens, "101"), 3),
            (landlord(tokens, "LL-1"), 2),
            (org(tokens, "BO-1"), 1),
            (fund(tokens), 2),
        ):
            findings = await fuzz_operations(client, openapi, headers=headers, examples=examples)
            assert findings == []
