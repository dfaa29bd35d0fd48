"""The launcher itself: migrate gates everything, readiness, kill -9. (Restarts with
SIGTERM and their clean exit status are exercised in test_restarts.)"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_TOKEN
from tests.stack.launcher import Stack, StackOptions
from tests.stack.roles import RoleFailed
from tests.telegram_emulator import TelegramEmulator

pytestmark = pytest.mark.nginx


async def test_nothing_serves_when_migrate_fails(emulator: TelegramEmulator, log_dir: Path) -> None:
    broken = StackOptions(
        telegram_api_url=emulator.base_url,
        bot_token=TEST_TOKEN,
        log_dir=log_dir,
        extra_env={"DATABASE_URL": "postgresql://postgres@/absent?host=/nonexistent"},
    )
    stack = Stack(broken)
    with pytest.raises(RoleFailed, match=r"migrate exited with status [1-9]"):
        await stack.start()
    assert not (log_dir / "api.log").exists()
    assert not stack.api_socket.exists()
    assert stack.nginx.pid is None
    assert "migrate" in (log_dir / "migrate.log").read_text()


async def test_every_role_is_ready_behind_nginx(stack: Stack) -> None:
    expected = {"api", "bot", "scheduler", *stack.worker_names}
    assert set(stack.roles) == expected
    assert all(role.alive for role in stack.roles.values())
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get("/healthz")).status_code == 200
        index = await client.get("/")
    assert index.status_code == 200
    assert "<html" in index.text.lower()


async def test_kill_9_of_a_role_is_survived(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        assert await stack.kill("api") == -9
        down = await client.get("/api/me")
        assert down.status_code == 502
        await stack.start_role("api")
        assert (await client.get("/readyz")).status_code == 200
    assert await stack.kill("worker-2") == -9
    await asyncio.sleep(0.2)
    await stack.start_role("worker-2")
    stack.check_alive()
