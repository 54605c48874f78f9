"""Hostile and malformed input never gives a 5xx, and every error is problem+json."""

from __future__ import annotations

import schemathesis

from common.testing.fuzz import fuzz_operations

from .support import create, fund, master_data, municipality, org


@schemathesis.serializer("application/pdf")
def _pdf(ctx, value):
    """Uploads are raw bytes: send whatever was generated, as bytes (rarely a real PDF)."""
    return value if isinstance(value, bytes) else str(value).encode()


@schemathesis.serializer("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def _xlsx(ctx, value):
    return value if isinstance(value, bytes) else str(value).encode()


class TestHostileInput:
    async def test_no_operation_answers_5xx_or_a_non_problem_error(
        self, grants_client, grants_db, tokens
    ):
        client = await grants_client()
        await master_data(grants_db)
        await create(client, tokens)
        openapi = (await client.get("/grants/openapi.json")).json()
        openapi["paths"] = {p: item for p, item in openapi["paths"].items() if "/v1/" in p}
        for headers, examples in (
            (org(tokens, "o-1"), 3),
            (municipality(tokens, "101"), 1),
            (fund(tokens), 2),
        ):
            findings = await fuzz_operations(client, openapi, headers=headers, examples=examples)
            assert findings == []
