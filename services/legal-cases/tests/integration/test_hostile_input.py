"""Hostile and malformed input never gives a 5xx, and every error is problem+json."""

from __future__ import annotations

from common.testing.fuzz import fuzz_operations

from .support import file_case, fund, party, tribunal


class TestHostileInput:
    async def test_no_operation_answers_5xx_or_a_non_problem_error(self, legal_client, tokens):
        client = await legal_client()
        await file_case(client, tokens)
        openapi = (await client.get("/legal-cases/openapi.json")).json()
        openapi["paths"] = {p: item for p, item in openapi["paths"].items() if "/v1/" in p}
        for headers, examples in ((tribunal(tokens), 3), (party(tokens), 2), (fund(tokens), 1)):
            findings = await fuzz_operations(client, openapi, headers=headers, examples=examples)
            assert findings == []
