"""The API under uvicorn: unix socket permissions, the lifespan, the dev login on
loopback and the Mini App build with client-side routes."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api import init_data, server
from app.config import Settings
from tests.api.conftest import OUTSIDER, api_settings
from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import TelegramEmulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def running(settings: Settings, **options: Any) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(server.serve_in_loop(settings, **options))
    try:
        for _ in range(200):
            if task.done():
                task.result()
            try:
                async with _client(settings) as client:
                    if (await client.get("/healthz")).status_code == 200:
                        break
            except httpx.TransportError:
                await asyncio.sleep(0.02)
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _client(settings: Settings) -> httpx.AsyncClient:
    if settings.api_socket is not None:
        transport = httpx.AsyncHTTPTransport(uds=str(settings.api_socket))
        return httpx.AsyncClient(transport=transport, base_url="http://api")
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.api_port}")


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(token=TEST_TOKEN) as emu:
        emu.create_user(OUTSIDER, "Outsider")
        yield emu


async def test_unix_socket_is_group_only_and_removed_after(
    db: str, emulator: TelegramEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "run" / "api.sock"
    settings = api_settings(emulator, tmp_path / "state", api_socket=path)
    async with running(settings):
        assert stat.S_ISSOCK(path.stat().st_mode)
        assert stat.S_IMODE(path.stat().st_mode) == 0o660
        async with _client(settings) as client:
            ready = await client.get("/readyz")
            assert ready.json()["status"] == "ready"
            assert "server" not in ready.headers
    assert not path.exists()


async def test_dev_serves_login_and_miniapp_on_loopback(
    db: str, emulator: TelegramEmulator, tmp_path: Path
) -> None:
    build = tmp_path / "dist"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text("<!doctype html><title>Contest</title>")
    (build / "assets" / "app-1234.js").write_text("console.log(1)")
    settings = api_settings(
        emulator, tmp_path / "state", api_port=free_port(), dev_login=True, miniapp_dir=build
    )
    async with running(settings, miniapp=build), _client(settings) as client:
        signed = await client.get(
            "/api/dev/init-data", params={"userId": OUTSIDER, "firstName": "Olga", "language": "ru"}
        )
        assert signed.status_code == 200
        me = await client.get(
            "/api/me", headers={"Authorization": f"tma {signed.json()['initData']}"}
        )
        assert me.json()["user"] == {
            "id": OUTSIDER,
            "firstName": "Olga",
            "username": f"user{OUTSIDER}",
            "language": "ru",
            "timezone": "UTC",
        }
        index = await client.get("/")
        assert index.text.startswith("<!doctype html>")
        assert index.headers["cache-control"] == "no-cache"
        route = await client.get("/contests/5/results")
        assert route.status_code == 200 and "<title>Contest</title>" in route.text
        asset = await client.get("/assets/app-1234.js")
        assert "immutable" in asset.headers["cache-control"]
        assert (await client.get("/../../etc/passwd")).text == index.text
        missing_api = await client.get("/api/nothing-here")
        assert missing_api.status_code == 404
        assert missing_api.headers["content-type"] == "application/problem+json"
        docs = await client.get("/schema/swagger")
        assert docs.status_code == 200


async def test_dev_login_is_refused_off_loopback_and_absent_without_the_setting(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    from app.api.app import create_app

    settings = api_settings(emulator, tmp_path / "state", dev_login=True)
    transport = httpx.ASGITransport(app=create_app(settings), client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        refused = await client.get("/api/dev/init-data")
    assert refused.status_code == 403
    assert refused.json()["code"] == "dev_login_loopback_only"

    plain = api_settings(emulator, tmp_path / "state")
    transport = httpx.ASGITransport(app=create_app(plain), client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        absent = await client.get("/api/dev/init-data")
    assert absent.status_code == 404
    assert absent.json()["code"] == "not_found"


def test_dev_init_data_is_valid_for_the_configured_token() -> None:
    signed = init_data.sign(TEST_TOKEN, init_data.dev_user(5))
    assert init_data.validate(signed, TEST_TOKEN, 60).user.id == 5  # type: ignore[union-attr]


def test_api_role_serves_on_its_socket_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`contest-bot api` as production runs it: migrate, serve on the socket, SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time

    socket_path = tmp_path / "api.sock"
    env = {
        **os.environ,
        "BOT_TOKEN": TEST_TOKEN,
        "STATE_DIR": str(tmp_path / "state"),
        "API_SOCKET": str(socket_path),
        "LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "app.cli"]
    subprocess.run([*command, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    process = subprocess.Popen([*command, "api"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # importing aiogram is slow on a busy machine
        while not socket_path.exists() and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        transport = httpx.HTTPTransport(uds=str(socket_path))
        with httpx.Client(transport=transport, base_url="http://api") as client:
            assert client.get("/readyz").json() == {"status": "ready", "checks": {"database": "ok"}}
            assert client.get("/api/me").status_code == 401
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert not socket_path.exists()
    logs = process.stderr.read() if process.stderr else ""
    assert "Traceback" not in logs
