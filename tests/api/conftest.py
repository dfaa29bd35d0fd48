"""Fixtures for the API tests: the Bot API emulator, a Telegram world, and a client.

The API runs in the test's event loop (httpx's ASGI transport; Litestar's test client
would run it in another thread, away from the emulator) against a migrated database on
each engine (`db`), with its Bot pointed at the emulator and background tasks run
in place by the in-process broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiogram import Bot
from litestar import Litestar

from app.api import init_data
from app.api.app import create_app
from app.config import Settings, load_settings
from app.telegram.client import make_bot
from app.telegram.join_limits import JoinLimits
from app.telegram.member_cache import make_cache
from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import TelegramEmulator

ADMIN = 1  # a bot admin (ADMIN_IDS)
ORGANIZER = 100  # creator of @news
PARTICIPANT = 200
OUTSIDER = 300


def auth_header(user_id: int, *, token: str = TEST_TOKEN, **options: Any) -> dict[str, str]:
    signed = init_data.sign(token, init_data.dev_user(user_id, f"User{user_id}"), **options)
    return {"Authorization": f"tma {signed}"}


@dataclass
class Api:
    client: httpx.AsyncClient
    app: Litestar
    emulator: TelegramEmulator
    settings: Settings
    bot: Bot

    def as_user(self, user_id: int) -> dict[str, str]:
        return auth_header(user_id)

    async def create_contest(self, user_id: int = ORGANIZER, **fields: Any) -> dict[str, Any]:
        body = {
            "title": "Win a bike",
            "description": "Join and win",
            "winnersCount": 1,
            "reserveCount": 1,
            "endsAt": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
            "requiredChannels": ["@news"],
            "targetChannels": ["@news"],
            **fields,
        }
        response = await self.client.post(
            "/api/organizer/contests", json=body, headers=self.as_user(user_id)
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def published_contest(self, **fields: Any) -> int:
        contest_id = (await self.create_contest(**fields))["id"]
        response = await self.client.post(
            f"/api/organizer/contests/{contest_id}/publish", headers=self.as_user(ORGANIZER)
        )
        assert response.status_code == 200, response.text
        return contest_id


def populate(emu: TelegramEmulator) -> None:
    """Users, and @news: created by ORGANIZER, the bot an admin there."""
    for user_id in (ADMIN, ORGANIZER, PARTICIPANT, OUTSIDER):
        emu.create_user(user_id, f"User{user_id}", username=f"user{user_id}")
    emu.create_channel("News", username="news", creator=ORGANIZER)
    emu.set_bot_admin("@news")
    emu.create_channel("Other", username="other_channel", creator=OUTSIDER)
    emu.set_bot_admin("@other_channel")


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(token=TEST_TOKEN) as emu:
        populate(emu)
        yield emu


def api_settings(emu: TelegramEmulator, state_dir: Path, **overrides: Any) -> Settings:
    """Cards are read fresh (the tests look right after a change); test_card_cache.py
    turns the cache on."""
    return load_settings(
        telegram_api_url=emu.base_url,
        state_dir=state_dir,
        admin_ids=str(ADMIN),
        **{"card_cache_seconds": 0, **overrides},
    )


async def _cancel_background_tasks(task_broker: object) -> None:
    """Stop tasks the in-process broker still runs (e.g. a delayed counter refresh), so
    none outlives its test and reaches the next test's database or emulator."""
    running = list(getattr(task_broker, "_running_tasks", ()))
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)


@pytest.fixture
def make_client(emulator: TelegramEmulator, state_dir: Path) -> Callable[..., AsyncIterator[Api]]:
    from contextlib import asynccontextmanager

    from app.worker import broker, enqueue

    @asynccontextmanager
    async def build(database_url: str | None = None, **overrides: Any) -> AsyncIterator[Api]:
        settings = api_settings(emulator, state_dir, database_url=database_url, **overrides)
        bot = make_bot(settings)
        worker = enqueue.install(broker.build(settings, in_place=False))
        worker.use_bot(bot)
        try:
            app = create_app(
                settings, bot=bot, member_cache=make_cache(None), join_limits=JoinLimits(settings)
            )
            # What the lifespan does (entering app.lifespan() here would leave its cancel
            # scope in another task); test_server.py runs the real lifespan under uvicorn.
            app.state.bot = bot
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
                yield Api(client, app, emulator, settings, bot)
        finally:
            await _cancel_background_tasks(worker.broker)
            await broker.stop()
            await bot.session.close()

    return build


@pytest.fixture
async def api(
    db: str, database_url: str | None, make_client: Callable[..., Any]
) -> AsyncIterator[Api]:
    """A client for the API on a migrated database (SQLite and PostgreSQL)."""
    async with make_client(database_url) as built:
        yield built
