"""A minimal HTTP/1.1 keep-alive client for the register benchmarks' load generators.

Requests are encoded once, before the clock starts; a request costs the client one write and
one read of the response (``Content-Length`` bodies only, which is what uvicorn sends for JSON).
That keeps the client's CPU per request far below httpx's, which matters on a two-core machine
where client, server and PostgreSQL share the cores — the same client drives every side.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


def encode_post(host: str, path: str, token: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass(frozen=True)
class Reply:
    status: int
    seconds: float  # send → last byte of the response


class Connection:
    """One keep-alive connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> Reply:
        started = time.monotonic()
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        await self.reader.readexactly(_content_length(head))
        return Reply(int(head[9:12]), time.monotonic() - started)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def _content_length(head: bytes) -> int:
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    raise ValueError("a response without Content-Length")
