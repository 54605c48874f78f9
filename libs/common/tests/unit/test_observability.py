"""Request ids made by the request-context middleware."""

import uuid

import httpx
from starlette.types import Receive, Scope, Send

from common.observability import RequestContextMiddleware, ServiceMetrics, _new_request_id


def test_a_new_request_id_is_a_random_version_4_uuid_in_its_usual_text_form():
    ids = {_new_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


class TestLivenessAnsweredByTheMiddleware:
    """``GET <live_path>`` is answered by the request-context middleware, before anything
    inside it (routing, dependencies, the inner middlewares) runs."""

    @staticmethod
    def _client(inner_calls: list[str]) -> tuple[httpx.AsyncClient, ServiceMetrics]:
        async def inner(scope: Scope, receive: Receive, send: Send) -> None:
            inner_calls.append(scope["path"])
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        metrics = ServiceMetrics("probe")
        app = RequestContextMiddleware(inner, metrics=metrics, live_path="/probe/health/live")
        transport = httpx.ASGITransport(app=app)
        return httpx.AsyncClient(transport=transport, base_url="http://probe"), metrics

    async def test_the_live_path_is_answered_without_the_app_with_ids_and_metrics(self):
        calls: list[str] = []
        client, metrics = self._client(calls)
        async with client:
            response = await client.get(
                "/probe/health/live", headers={"X-Request-ID": "lb-probe-1"}
            )
        assert calls == []
        assert response.status_code == 200
        assert response.content == b'{"status":"ok"}'
        assert response.headers["content-type"] == "application/json"
        assert response.headers["content-length"] == "15"
        assert response.headers["x-request-id"] == "lb-probe-1"
        assert response.headers["x-correlation-id"] == "lb-probe-1"
        assert response.headers["x-content-type-options"] == "nosniff"
        sample = metrics.registry.get_sample_value(
            "http_requests_total",
            {"service": "probe", "method": "GET", "route": "/probe/health/live", "status": "200"},
        )
        assert sample == 1.0

    async def test_other_methods_and_paths_go_to_the_app(self):
        calls: list[str] = []
        client, _ = self._client(calls)
        async with client:
            assert (await client.delete("/probe/health/live")).status_code == 204
            assert (await client.get("/probe/health/live/x")).status_code == 204
            assert (await client.get("/probe/health/ready")).status_code == 204
        assert calls == ["/probe/health/live", "/probe/health/live/x", "/probe/health/ready"]

    async def test_without_a_live_path_everything_goes_to_the_app(self):
        calls: list[str] = []

        async def inner(scope: Scope, receive: Receive, send: Send) -> None:
            calls.append(scope["path"])
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        app = RequestContextMiddleware(inner, metrics=ServiceMetrics("probe"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            assert (await client.get("/probe/health/live")).status_code == 204
        assert calls == ["/probe/health/live"]
