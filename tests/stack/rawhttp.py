"""Raw HTTP/1.1 on a TCP connection, for requests a normal client would clean up.

httpx normalises `..` out of paths and always sends whole requests; these helpers send
exactly the bytes given, from a chosen local address (127.0.0.2 stands for the outside
world: not on nginx's loopback allow-list and not exempt from its rate limits).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

OUTSIDE = "127.0.0.2"


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


async def connect(
    port: int, source: str = OUTSIDE
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def read_response(reader: asyncio.StreamReader, timeout: float = 10) -> RawResponse:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await asyncio.wait_for(reader.readexactly(length), timeout) if length else b""
    return RawResponse(status, headers, body)


async def request(port: int, raw: bytes, source: str = OUTSIDE) -> RawResponse:
    """Send `raw` as is and read one response (Connection: close is up to the caller)."""
    reader, writer = await connect(port, source)
    try:
        writer.write(raw)
        await writer.drain()
        return await read_response(reader)
    finally:
        writer.close()


def get(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}Connection: close\r\n\r\n".encode()


async def closed_by_server(reader: asyncio.StreamReader, timeout: float) -> bytes:
    """Wait until the server closes the connection; returns whatever it sent before."""
    return await asyncio.wait_for(reader.read(), timeout)
