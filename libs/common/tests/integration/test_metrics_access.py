"""/metrics is for operations (issue 12, item 4): with a scrape token only with that bearer
token; without one only for clients on this host (the embedded run, a local Prometheus)."""

from __future__ import annotations

import httpx
import pytest

from common.auth import Role

METRICS = "/example/metrics"
REMOTE = ("203.0.113.5", 4711)


def from_elsewhere(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The same app, reached from another host."""
    app = client._transport.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, client=REMOTE)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_without_a_token_only_this_host_is_served(example_client):
    local = await example_client()
    assert (await local.get(METRICS)).status_code == 200
    async with from_elsewhere(local) as remote:
        response = await remote.get(METRICS)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "HOUSING_METRICS_TOKEN" in response.json()["detail"]
    assert "outbox_unpublished_events" not in response.text


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", "Basic c2NyYXBlLXRva2Vu", "Bearer "]
)
async def test_with_a_token_only_that_token_is_served(example_client, authorization):
    local = await example_client(metrics_token="scrape-token")
    headers = {"Authorization": authorization} if authorization else {}
    async with from_elsewhere(local) as remote:
        refused = await remote.get(METRICS, headers=headers)
        served = await remote.get(METRICS, headers={"Authorization": "Bearer scrape-token"})
    assert refused.status_code == 401
    assert "outbox_unpublished_events" not in refused.text
    assert served.status_code == 200
    assert "outbox_unpublished_events" in served.text
    # Also from this host: the token, once set, is the only way in.
    assert (await local.get(METRICS)).status_code == 401


async def test_a_platform_token_is_not_a_scrape_token(example_client, tokens):
    local = await example_client(metrics_token="scrape-token")
    response = await local.get(METRICS, headers=tokens.headers(Role.FUND))
    assert response.status_code == 401
