"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port): keeps every message it
accepts, can refuse an address for good (5xx) or defer everything (4xx). The same kind of sink
the notification service's tests use, for any service that sends mail itself (legal-cases
writes to persons)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from common.testing.infra import free_port


@dataclass
class _Handler:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    defer: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:  # fmt: skip
        refusal = self.refuse.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.defer:
            return self.defer
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 2.0.0 Message accepted for delivery"


class SmtpSink:
    """``sink.port``; ``sink.messages``; ``sink.refuse["a@b.dk"] = "550 5.1.1 no such user"``;
    ``sink.defer = "451 4.3.0 try later"``."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    @property
    def refuse(self) -> dict[str, str]:
        return self.handler.refuse

    @property
    def defer(self) -> str | None:
        return self.handler.defer

    @defer.setter
    def defer(self, value: str | None) -> None:
        self.handler.defer = value

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def start(self) -> None:
        if self._controller is None:
            controller = Controller(self.handler, hostname=self.host, port=self.port)
            controller.start()
            self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()
