"""The bot role: webhook secret and health, unix socket, waiting for Telegram, FSM storage."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import stat
from pathlib import Path

import aiohttp
import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from app.bot import runner
from app.bot.dispatcher import create_dispatcher, make_storage
from app.bot.webhook import make_app, start_server
from app.config import load_settings
from app.retries import Policy
from app.telegram.client import make_bot
from tests import servers
from tests.bot.harness import WEBHOOK_SECRET, free_port, running_bot
from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import TelegramEmulator

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_webhook_is_registered_and_checks_the_secret(db: str, state_dir: Path) -> None:
    async with running_bot(state_dir, "webhook") as h:
        webhook = h.emu.bot.webhook
        assert webhook is not None
        assert webhook.url == f"http://127.0.0.1:{h.settings.bot_port}/telegram/webhook"
        assert webhook.secret_token == WEBHOOK_SECRET
        assert {"message", "callback_query"} <= set(h.emu.bot.allowed_updates or [])
        base = f"http://127.0.0.1:{h.settings.bot_port}"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": "/help",
            },
        }
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with http.post(
                    base + "/telegram/webhook", json=update, headers=headers
                ) as response:
                    assert response.status == 401
            async with http.get(base + "/healthz") as response:
                assert response.status == 200
                assert await response.json() == {"status": "ok"}
        h.emu.create_user(42, "Ann")
        (answer,) = await h.say(42, "/help")  # the emulator's own, signed delivery works
        assert "/mycontests" in answer.text


async def test_webhook_server_on_a_unix_socket(tmp_path: Path) -> None:
    socket_path = tmp_path / "run" / "bot.sock"
    settings = load_settings(
        bot_token=TEST_TOKEN,
        bot_mode="webhook",
        webhook_base_url="https://bot.example.org",
        webhook_secret=WEBHOOK_SECRET,
        bot_socket=socket_path,
        state_dir=tmp_path,
    )
    bot = make_bot(settings)
    app = make_app(settings, bot, create_dispatcher(settings))
    server = await start_server(settings, app)
    try:
        assert stat.S_IMODE(socket_path.stat().st_mode) == 0o660
        connector = aiohttp.UnixConnector(path=str(socket_path))
        async with (
            aiohttp.ClientSession(connector=connector) as http,
            http.get("http://bot/healthz") as response,
        ):
            assert response.status == 200
    finally:
        await server.cleanup()
        await bot.session.close()


async def test_waits_for_telegram_instead_of_crashing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    settings = load_settings(
        bot_token=TEST_TOKEN, telegram_api_url=f"http://127.0.0.1:{port}", state_dir=tmp_path
    )
    bot = make_bot(settings)
    try:
        with caplog.at_level(logging.INFO, logger="app.bot.runner"):
            reaching = asyncio.create_task(
                runner.reach_telegram(bot, policy=Policy(first_delay=0.05, max_delay=0.2))
            )
            await asyncio.sleep(0.5)
            assert not reaching.done()
            async with TelegramEmulator(token=TEST_TOKEN, port=port):
                me = await asyncio.wait_for(reaching, 10)
        assert me.username == "contest_test_bot"
        messages = [r.getMessage() for r in caplog.records]
        assert sum("Telegram is unreachable" in m for m in messages) == 1
        assert "Telegram is reachable again" in messages
    finally:
        await bot.session.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_bot_role_runs_and_stops(db: str, state_dir: Path) -> None:
    async with TelegramEmulator(token=TEST_TOKEN) as emu:
        settings = load_settings(
            bot_token=TEST_TOKEN, telegram_api_url=emu.base_url, state_dir=state_dir
        )
        role = asyncio.create_task(runner.run(settings))
        await emu.wait_for(lambda: emu.call_counts().get("deleteWebhook"), timeout=10)
        emu.create_user(42, "Ann")
        emu.user_sends(42, "/help")
        (answer,) = await emu.wait_for_bot_messages(42, 1)
        assert "/mycontests" in answer.text
        role.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await role
        assert emu.call_counts()["deleteWebhook"] == 1
        assert role.done()


async def test_wizard_state_in_redis(redis_server: servers.Redis, tmp_path: Path) -> None:
    settings = load_settings(bot_token=TEST_TOKEN, redis_url=redis_server.url, state_dir=tmp_path)
    storage = make_storage(settings)
    assert isinstance(storage, RedisStorage)
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    try:
        await storage.set_state(key, "Wizard:title")
        await storage.set_data(key, {"title": "x"})
        again = make_storage(settings)
        assert await again.get_state(key) == "Wizard:title"
        assert await again.get_data(key) == {"title": "x"}
        await again.close()
    finally:
        await storage.close()
