"""Hostile and malformed input never gives a 5xx, and every error is problem+json."""

from __future__ import annotations

import schemathesis

from common.testing.fuzz import fuzz_operations

from .support import YEAR, apply, department, fund, municipality, open_year, org, organisation


@schemathesis.serializer("application/pdf")
def _pdf(ctx, value):
    """Uploads are raw bytes: send whatever was generated, as bytes (rarely a real PDF)."""
    return value if isinstance(value, bytes) else str(value).encode()


class TestHostileInput:
    async def test_no_operation_answers_5xx_or_a_non_problem_error(
        self, governance_client, governance_db, tokens
    ):
        client = await governance_client()
        await apply(governance_db, organisation("BO-1", "101"), department("d1", "BO-1", "101"))
        await open_year(client, tokens, YEAR)
        openapi = (await client.get("/governance/openapi.json")).json()
        openapi["paths"] = {p: item for p, item in openapi["paths"].items() if "/v1/" in p}
        # The organisation drives most operations; the other roles get a lighter pass.
        for headers, examples in (
            (org(tokens, "BO-1"), 3),
            (municipality(tokens, "101"), 1),
            (fund(tokens), 1),
        ):
            findings = await fuzz_operations(client, openapi, headers=headers, examples=examples)
            assert findings == []
