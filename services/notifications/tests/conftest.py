"""Fixtures of the notification service's tests: its migrated database, a real SMTP server in
the test process (aiosmtpd) that can refuse addresses, defer or be down, and a
Mailpit-compatible search API over what that server received (the sender's probe)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from aiosmtpd.controller import Controller

from common.db.engine import Database
from common.events.consumer import InboxProcessor
from common.events.contracts import Contract, to_envelope
from common.events.envelope import Envelope
from common.testing.fixtures import (
    ServiceClientFactory,
    ServiceDatabases,
    TokenFactory,
    service_settings,
    truncate_all_tables,
)
from common.testing.infra import free_port
from notifications.events.incoming import consumer
from notifications.main import create_app
from notifications.services.sender import Sender
from notifications.settings import NotificationsSettings

API = "/notifications/v1"


@dataclass
class SinkHandler:
    """What the SMTP server does: accept, refuse an address (5xx) or defer (4xx)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    defer: str | None = None
    rcpt_attempts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts[address.lower()] += 1
        refusal = self.refuse.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.defer:
            return self.defer
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 2.0.0 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that can be stopped and started on the same port."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self._controller: Controller | None = None
        self.api_port = free_port()
        self._api = ThreadingHTTPServer(("127.0.0.1", self.api_port), self._api_handler())
        threading.Thread(target=self._api.serve_forever, daemon=True).start()

    @property
    def probe_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def start(self) -> None:
        if self._controller is None:
            controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            controller.start()
            self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def close(self) -> None:
        self.stop()
        self._api.shutdown()
        self._api.server_close()

    def _api_handler(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Search(BaseHTTPRequestHandler):
            """``GET /api/v1/search?query=message-id:<id>`` as Mailpit answers it."""

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query).get("query", [""])[0]
                wanted = query.removeprefix("message-id:").strip().strip("<>")
                found = [
                    {"MessageID": str(m["Message-ID"]).strip("<>"), "Subject": str(m["Subject"])}
                    for m in sink.messages
                    if url.path == "/api/v1/search" and str(m["Message-ID"]).strip("<>") == wanted
                ]
                body = json.dumps({"messages": found, "messages_count": len(found)}).encode()
                self.send_response(200 if url.path == "/api/v1/search" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        return Search


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.close()


@pytest.fixture
def notifications_db_url(databases: ServiceDatabases) -> str:
    return databases.url("notifications", "notifications")


@pytest.fixture
async def notifications_db(notifications_db_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(truncate_all_tables, notifications_db_url)
    database = Database(notifications_db_url)
    yield database
    await database.dispose()


@pytest.fixture
def settings_for(
    databases: ServiceDatabases, tokens: TokenFactory, smtp_sink: SmtpSink
) -> Callable[..., NotificationsSettings]:
    """Test settings pointing at the sink, with backoff in tenths of seconds."""

    def make(**overrides: Any) -> NotificationsSettings:
        values: dict[str, Any] = {
            "smtp_port": smtp_sink.port,
            "smtp_timeout_seconds": 2.0,
            "sender_lease_seconds": 3.0,
            "retry_base_seconds": 0.1,
            "retry_cap_seconds": 0.4,
            "sender_poll_seconds": 0.05,
            "sender_window_seconds": 0.2,
            "mail_from": "Test <noreply@housing.invalid>",
        }
        values.update(overrides)
        return service_settings(
            NotificationsSettings, databases, tokens, package="notifications", **values
        )

    return make


@pytest.fixture
def sender_for(
    notifications_db: Database, settings_for: Callable[..., NotificationsSettings]
) -> Callable[..., Sender]:
    def make(**kwargs: Any) -> Sender:
        overrides = kwargs.pop("settings", {})
        return Sender(notifications_db, settings_for(**overrides), **kwargs)

    return make


EventApplier = Callable[[Contract | Envelope], Awaitable[Envelope]]


@pytest.fixture
def apply_event(notifications_db: Database) -> EventApplier:
    """Hand an event to the service's consumer, as the Kafka runner does (inbox + handler in
    one transaction). Returns the envelope, so a test can hand the same one in again."""
    processor = InboxProcessor(notifications_db, consumer(), max_attempts=1)

    async def apply(event: Contract | Envelope) -> Envelope:
        envelope = event if isinstance(event, Envelope) else to_envelope(event)
        await processor.apply(envelope)
        return envelope

    return apply


@pytest.fixture
def notifications_client(service_client: ServiceClientFactory, smtp_sink: SmtpSink):
    async def open_client(**overrides: Any) -> httpx.AsyncClient:
        return await service_client(
            create_app,
            NotificationsSettings,
            package="notifications",
            smtp_port=smtp_sink.port,
            **overrides,
        )

    return open_client


async def _eventually(check: Callable[[], Any], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.fixture
def eventually() -> Callable[..., Awaitable[None]]:
    """``await eventually(lambda: condition, timeout=...)`` (the check may be async)."""
    return _eventually
