"""Readiness probes: HTTP over a role's unix socket, and Redis keys the workers write."""

from __future__ import annotations

from pathlib import Path

import httpx
from redis.asyncio import Redis

PROBE_TIMEOUT_SECONDS = 2.0


async def unix_get(socket: Path, path: str) -> httpx.Response:
    """GET `path` from the HTTP server on a unix socket (raises OSError/httpx errors)."""
    transport = httpx.AsyncHTTPTransport(uds=str(socket))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://localhost", timeout=PROBE_TIMEOUT_SECONDS
    ) as client:
        return await client.get(path)


async def http_status(socket: Path, path: str) -> int | None:
    """The status `path` answers with over `socket`, or None while nothing answers."""
    if not socket.exists():
        return None
    try:
        response = await unix_get(socket, path)
    except (httpx.TransportError, OSError):
        return None
    return response.status_code


async def redis_keys(url: str, pattern: str) -> list[str]:
    """Keys matching `pattern` (a heartbeat or lease the worker roles keep)."""
    async with Redis.from_url(url, socket_timeout=PROBE_TIMEOUT_SECONDS) as redis:
        return [key.decode() async for key in redis.scan_iter(match=pattern, count=1000)]
