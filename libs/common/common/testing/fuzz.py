"""Hostile-input checks from a service's own OpenAPI document (schemathesis strategies).

For every operation, valid and deliberately invalid requests are generated and sent through the
test client with a real token; the service must never answer 5xx and every error must be
``application/problem+json``. Services' own test suites call :func:`fuzz_operations`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import schemathesis
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from common.problems import PROBLEM_MEDIA_TYPE


@dataclass(frozen=True)
class Finding:
    operation: str
    status: int
    content_type: str
    request: dict[str, Any]


async def fuzz_operations(
    client: httpx.AsyncClient,
    openapi: Mapping[str, Any],
    *,
    headers: Mapping[str, str],
    examples: int = 25,
    drop_query: Iterable[str] = (),
    skip_operations: Iterable[str] = (),
) -> list[Finding]:
    """Send ``examples`` valid and ``examples`` invalid requests per operation; return what
    broke the contract (a 5xx, or an error that is not problem+json)."""
    schema = schemathesis.openapi.from_dict(dict(openapi))
    dropped = set(drop_query)
    skipped = set(skip_operations)
    findings: list[Finding] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises here: a bad schema
        name = f"{operation.method.upper()} {operation.path}"
        if name in skipped:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            for _ in range(examples):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # .example() is meant for interactive use
                    try:
                        case = strategy.example()
                    except Unsatisfiable:  # e.g. no invalid request exists without parameters
                        break
                request = case.as_transport_kwargs(base_url=str(client.base_url))
                request.pop("cookies", None)
                request["headers"] = {**(request.get("headers") or {}), **headers}
                request["params"] = {
                    k: v for k, v in (request.get("params") or {}).items() if k not in dropped
                }
                response = await client.request(**request)
                content_type = response.headers.get("content-type", "")
                broken = response.status_code >= 500 or (
                    response.status_code >= 400 and content_type != PROBLEM_MEDIA_TYPE
                )
                if broken:
                    findings.append(
                        Finding(
                            name,
                            response.status_code,
                            content_type,
                            request,
                        )
                    )
    return findings
