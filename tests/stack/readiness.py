"""When each role of the stack counts as ready (what systemd's readiness would wait for).

- api: its unix socket answers `GET /readyz` with 200 (database reachable and migrated);
- bot: its unix socket answers `GET /healthz` with 200 and Telegram (getWebhookInfo)
  has the stack's webhook URL;
- worker: its outbox sender keeps a heartbeat key (`sender:<host>-<pid>-…`); the task
  receiver starts in the same task group. (Redis 7 lists a stream consumer only once
  it has been handed a message, so the group's consumer list cannot tell.)
- scheduler: it holds the scheduler lease (`scheduler:leader` = `<host>-<pid>-…`);
- nginx: `GET /readyz` through nginx answers 200.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.stack.probes import PROBE_TIMEOUT_SECONDS, http_status
from tests.stack.roles import RoleProcess

if TYPE_CHECKING:
    from tests.stack.launcher import Stack

Check = Callable[["Stack", RoleProcess], Awaitable[bool]]

SCHEDULER_LEASE = "contest-bot:scheduler:leader"
SENDER_HEARTBEATS = "contest-bot:sender:*"


async def api_ready(stack: Stack, role: RoleProcess) -> bool:
    return await http_status(stack.api_sockets[role.name], "/readyz") == 200


async def bot_ready(stack: Stack, role: RoleProcess) -> bool:
    if await http_status(stack.bot_sockets[role.name], "/healthz") != 200:
        return False
    api = stack.options.telegram_api_url.rstrip("/")
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS) as client:
        info = await client.get(f"{api}/bot{stack.options.bot_token}/getWebhookInfo")
    return info.status_code == 200 and info.json()["result"].get("url") == stack.webhook_url


async def worker_ready(stack: Stack, role: RoleProcess) -> bool:
    prefix = f"contest-bot:sender:{os.uname().nodename}-{role.pid}-"
    try:
        async with Redis.from_url(stack.redis_url, socket_timeout=PROBE_TIMEOUT_SECONDS) as redis:
            keys = [_text(key) async for key in redis.scan_iter(match=SENDER_HEARTBEATS)]
    except RedisError:
        return False
    return any(key.startswith(prefix) for key in keys)


async def scheduler_ready(stack: Stack, role: RoleProcess) -> bool:
    try:
        async with Redis.from_url(stack.redis_url, socket_timeout=PROBE_TIMEOUT_SECONDS) as redis:
            holder = await redis.get(SCHEDULER_LEASE)
    except RedisError:
        return False
    return holder is not None and _text(holder).startswith(f"{os.uname().nodename}-{role.pid}-")


async def wait_for_nginx(stack: Stack, timeout: float = 10.0) -> None:
    """nginx reaches the api: `/readyz` through it answers 200 (from loopback)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=PROBE_TIMEOUT_SECONDS) as client:
        while True:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"nginx at {stack.base_url} did not reach the api in {timeout} s"
                )
            await asyncio.sleep(0.05)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
