"""The embedded run's mail catcher: a local SMTP server that keeps every message as a file.

`make run` has no mail relay, so without this the notification service's messages would wait
and retry for hours. The sink accepts every message on 127.0.0.1 and writes it, as received,
to ``<data folder>/mail/<time>-<Message-ID>.eml`` — open one with any mail program. A real
relay is used instead with ``HOUSING_MAIL_SINK=false`` and ``NOTIFICATIONS_SMTP_HOST`` / ``_PORT``.
"""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        message_id = BytesHeaderParser().parsebytes(content).get("Message-ID", "no-id")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
        name = f"{stamp}-{_UNSAFE.sub('_', message_id.strip('<> '))[:120]}.eml"
        (self.folder / name).write_bytes(content)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on ``host``:``port`` (0: a free port) saving messages under ``folder``."""

    def __init__(self, folder: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.host = host
        # The controller checks that it is up by connecting to its port, so it needs a real one.
        self.port = port or _free_port(host)
        self._controller = Controller(_SaveToFolder(folder), hostname=host, port=self.port)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
