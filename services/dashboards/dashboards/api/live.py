"""Live updates by Server-Sent Events: ``GET /dashboards/live`` sends ``event: revision``
with the read model's revision as the event id whenever the figures change. A page re-fetches
its figures block on each. A client that reconnects (after a network break or a server
restart) sends ``Last-Event-ID`` (or the page's ``?since=``); a revision other than the one it
saw is sent at once, so the page resyncs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from common.access import Scope
from dashboards.api.deps import any_dashboard_scope

router = APIRouter(tags=["live"])

RETRY_MS = 1000


def _revision(value: str | None) -> int | None:
    if value is None or not value.strip().lstrip("-").isdigit() or len(value) > 20:
        return None
    return int(value)


@router.get(
    "/live",
    response_class=EventSourceResponse,
    summary="Server-Sent Events: the read model's revision, whenever it changes",
)
async def live(
    request: Request,
    _scope: Annotated[Scope, Depends(any_dashboard_scope)],
    since: Annotated[int | None, Query(description="The revision the page shows")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> AsyncIterator[ServerSentEvent]:
    watcher = request.app.state.watcher
    keepalive: float = request.app.state.settings.live_keepalive_seconds
    seen = _revision(last_event_id)
    if seen is None:
        seen = since if since is not None else -1
    while True:
        current = await watcher.wait_for_change(seen, keepalive)
        if current != seen:
            seen = current
            yield ServerSentEvent(event="revision", id=str(current), data=current, retry=RETRY_MS)
        else:
            yield ServerSentEvent(comment="keepalive")
        if await request.is_disconnected():
            return
