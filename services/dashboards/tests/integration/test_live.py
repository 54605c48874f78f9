"""The live event stream on a real HTTP server (uvicorn): a page behind gets the revision at
once (resync), a page up to date gets the next one when an event is applied, and an open page
in a real browser catches up after the server restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from playwright.async_api import async_playwright, expect

from common.auth import Role
from common.testing.fixtures import service_settings, truncate_all_tables
from common.testing.infra import ensure_tool, free_port
from dashboards.main import create_app
from dashboards.settings import DashboardsSettings

from .factories import lease


@pytest.fixture
async def served(databases, tokens, dashboards_db) -> AsyncIterator[str]:
    settings = service_settings(
        DashboardsSettings, databases, tokens, package="dashboards", with_kafka=False
    )
    await asyncio.to_thread(truncate_all_tables, settings.effective_database_url)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(20):
        while not server.started:
            await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def next_event(lines: AsyncIterator[str]) -> dict[str, str]:
    """The next complete event of the stream (comments skipped)."""
    fields: dict[str, str] = {}
    async for line in lines:
        if line == "":
            if fields:
                return fields
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    raise AssertionError("the stream ended")


async def seen_by_the_watcher(served: str, tokens, revision: str) -> None:
    """Until the web process's watcher knows ``revision`` (a stream from 0 is sent it)."""
    async with (
        httpx.AsyncClient(base_url=served, headers=tokens.headers(Role.FUND)) as client,
        client.stream("GET", "/dashboards/live?since=0") as response,
    ):
        lines = response.aiter_lines()
        async with asyncio.timeout(10):
            while (await next_event(lines))["id"] != revision:
                pass


class TestLiveStream:
    async def test_a_page_behind_is_sent_the_revision_at_once(self, served, feed, tokens):
        await feed(lease(1))
        await feed(lease(2))
        async with (
            httpx.AsyncClient(base_url=served, headers=tokens.headers(Role.FUND)) as client,
            client.stream("GET", "/dashboards/live?since=0") as response,
        ):
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            async with asyncio.timeout(5):
                event = await next_event(lines)
                while event["id"] != "2":  # the watcher may not have seen the last batch yet
                    event = await next_event(lines)
        assert event == {"event": "revision", "id": "2", "data": "2", "retry": "1000"}

    async def test_a_page_up_to_date_is_sent_the_next_revision_when_an_event_lands(
        self, served, feed, tokens
    ):
        await feed(lease(1))
        await seen_by_the_watcher(served, tokens, "1")
        headers = {**tokens.headers(Role.MUNICIPALITY, municipality="101"), "Last-Event-ID": "1"}
        async with (
            httpx.AsyncClient(base_url=served, headers=headers) as client,
            client.stream("GET", "/dashboards/live?since=0") as response,
        ):
            waiting = asyncio.create_task(next_event(response.aiter_lines()))
            await asyncio.sleep(0.5)
            assert not waiting.done()  # Last-Event-ID 1 is the current revision: nothing new
            await feed(lease(2))
            async with asyncio.timeout(5):
                event = await waiting
        assert (event["event"], event["id"]) == ("revision", "2")


class TestRestart:
    async def test_an_open_page_catches_up_after_the_server_restarts(
        self, databases, tokens, dashboards_db, feed
    ):
        """Playwright drives Debian's chromium: the page's EventSource loses the server, a
        lease is applied while it is down, and once a new server listens on the same address
        the page reconnects (Last-Event-ID), is sent the newer revision at once and swaps in
        the new figures — without a reload."""
        settings = service_settings(
            DashboardsSettings, databases, tokens, package="dashboards", with_kafka=False
        )
        await asyncio.to_thread(truncate_all_tables, settings.effective_database_url)
        await feed(lease(1))
        port = free_port()

        async def serve() -> tuple[uvicorn.Server, asyncio.Task[None]]:
            server = uvicorn.Server(
                uvicorn.Config(
                    create_app(settings),
                    host="127.0.0.1",
                    port=port,
                    log_level="warning",
                    timeout_graceful_shutdown=1,  # the open event stream ends with the server
                )
            )
            task = asyncio.create_task(server.serve())
            async with asyncio.timeout(20):
                while not server.started:
                    await asyncio.sleep(0.05)
            return server, task

        chromium = ensure_tool("chromium", "chromium")
        server, task = await serve()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                context = await browser.new_context(extra_http_headers=tokens.headers(Role.FUND))
                page = await context.new_page()
                await page.goto(f"http://127.0.0.1:{port}/dashboards/register")
                state = page.locator("#live-state")
                await expect(state).to_have_text("Revision 1")
                rows = page.locator("#table-rent_bands tbody")
                before = await rows.inner_text()
                server.should_exit = True
                async with asyncio.timeout(20):
                    await task  # the stream is cut; the browser retries every second
                await feed(lease(2, rent="7000.00"))  # revision 2, applied while it is down
                server, task = await serve()
                await expect(state).to_have_text("Revision 2", timeout=10_000)
                assert await rows.inner_text() != before  # the new figures, swapped in
                assert page.url.endswith("/dashboards/register")  # never reloaded
            finally:
                await browser.close()
                server.should_exit = True
                async with asyncio.timeout(20):
                    await task
