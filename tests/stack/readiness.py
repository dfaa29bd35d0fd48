"""When each role of the stack counts as ready (what systemd's readiness would wait for).

- api: its unix socket answers `GET /readyz` with 200 (database reachable and migrated);
- bot: its unix socket answers `GET /healthz` with 200;
- worker: its Redis stream consumer (`<host>-<pid>`) has joined the workers' group,
  i.e. it is reading tasks;
- scheduler: it holds the scheduler lease in Redis;
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

TASK_STREAM = "contest-bot:tasks"
WORKER_GROUP = "contest-bot-workers"
SCHEDULER_LEASE = "contest-bot:scheduler:lease"


async def api_ready(stack: Stack, _: RoleProcess) -> bool:
    return await http_status(stack.api_socket, "/readyz") == 200


async def bot_ready(stack: Stack, _: RoleProcess) -> bool:
    return await http_status(stack.bot_socket, "/healthz") == 200


async def worker_ready(stack: Stack, role: RoleProcess) -> bool:
    consumer = f"{os.uname().nodename}-{role.pid}"
    try:
        async with Redis.from_url(stack.redis_url, socket_timeout=PROBE_TIMEOUT_SECONDS) as redis:
            consumers = await redis.xinfo_consumers(TASK_STREAM, WORKER_GROUP)
    except RedisError:
        return False
    return any(_text(entry["name"]) == consumer for entry in consumers)


async def scheduler_ready(stack: Stack, role: RoleProcess) -> bool:
    try:
        async with Redis.from_url(stack.redis_url, socket_timeout=PROBE_TIMEOUT_SECONDS) as redis:
            holder = await redis.get(SCHEDULER_LEASE)
    except RedisError:
        return False
    return holder is not None and str(role.pid) in _text(holder)


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
