"""The bot under test: the real dispatcher and runner against the Bot API emulator.

`running_bot(...)` starts the emulator, the in-process task broker (so joins refresh
counters and draws announce, as the worker would), the worker's outbox sender, and the
bot in polling or webhook mode, and hands back a `BotHarness` whose helpers act as
users and wait for answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher

from app.bot import runner
from app.bot.dispatcher import create_dispatcher
from app.config import Settings, load_settings
from app.telegram.client import make_bot
from app.telegram.limits import MemoryLimiter, RateLimitMiddleware, Rates
from app.worker import broker, enqueue
from app.worker.delivery import Deliverer
from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import CallbackAnswer, Message, TelegramEmulator

WEBHOOK_SECRET = "test-webhook-secret_0123"
BOT_ADMIN = 1  # ADMIN_IDS of the test bot
# The tests type faster than a person and post more often than an organizer would.
TEST_RATES = Rates(private_per_second=20.0, group_per_minute=600.0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class BotHarness:
    emu: TelegramEmulator
    bot: Bot
    dp: Dispatcher
    settings: Settings
    worker: broker.Worker
    serving: asyncio.Task[None]  # run_polling or run_webhook

    async def say(self, user_id: int, text: str, *, replies: int = 1) -> list[Message]:
        """Send `text` in the private chat and return the bot's next `replies` messages."""
        before = len(self.emu.bot_messages(user_id))
        self.emu.user_sends(user_id, text)
        found = await self.emu.wait_for_bot_messages(user_id, before + replies, timeout=10)
        return found[before:]

    async def forward(self, user_id: int, chat_id: int | str, message_id: int) -> Message:
        before = len(self.emu.bot_messages(user_id))
        self.emu.user_forwards(user_id, chat_id, message_id)
        return (await self.emu.wait_for_bot_messages(user_id, before + 1, timeout=10))[before]

    async def press(
        self,
        user_id: int,
        chat_id: int | str,
        message_id: int,
        *,
        text: str | None = None,
        data: str | None = None,
        replies: int = 0,
    ) -> tuple[CallbackAnswer, list[Message]]:
        """Tap a button; returns the callback answer and the next `replies` private messages."""
        before = len(self.emu.bot_messages(user_id))
        query = self.emu.press_button(user_id, chat_id, message_id, text=text, data=data)
        answer = await self.emu.wait_for_answer(query.id, timeout=10)
        if not replies:
            return answer, []
        found = await self.emu.wait_for_bot_messages(user_id, before + replies, timeout=10)
        return answer, found[before:]

    def last_message(self, chat_id: int | str) -> Message:
        return self.emu.bot_messages(chat_id)[-1]


def make_settings(state_dir: Path, emu: TelegramEmulator, mode: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TEST_TOKEN,
        "telegram_api_url": emu.base_url,
        "state_dir": state_dir,
        "default_language": "en",
        "default_timezone": "Europe/Berlin",
        "admin_ids": frozenset({BOT_ADMIN}),
    }
    if mode == "webhook":
        port = free_port()
        values |= {
            "bot_mode": "webhook",
            "webhook_base_url": f"http://127.0.0.1:{port}",
            "webhook_secret": WEBHOOK_SECRET,
            "bot_port": port,
        }
    return load_settings(**(values | overrides))


@contextlib.asynccontextmanager
async def running_bot(
    state_dir: Path, mode: str = "polling", **overrides: Any
) -> AsyncIterator[BotHarness]:
    """The emulator plus a running bot; the database must already be bound (`db`)."""
    async with TelegramEmulator(token=TEST_TOKEN) as emu:
        settings = make_settings(state_dir, emu, mode, **overrides)
        bot = make_bot(settings, RateLimitMiddleware(MemoryLimiter(TEST_RATES)))
        dp = create_dispatcher(settings)
        worker = enqueue.install(broker.build(settings))
        worker.use_bot(bot)
        emu.set_flood_limits(private_rate=20.0, private_burst=20.0)
        serve = runner.run_polling if mode == "polling" else runner.run_webhook
        task = asyncio.create_task(serve(settings, bot, dp))
        sender = asyncio.create_task(Deliverer(worker, senders=2).run())
        harness = BotHarness(emu, bot, dp, settings, worker, task)
        try:
            if mode == "polling":
                await emu.wait_for(lambda: emu.call_counts().get("deleteWebhook"), timeout=10)
            else:
                await emu.wait_for(lambda: emu.bot.webhook is not None, timeout=10)
            yield harness
        finally:
            # A test may restart the bot (a new dispatcher and serving task on the
            # harness): stop whichever runs now, or its polling outlives the test.
            if mode == "polling":
                with contextlib.suppress(RuntimeError):  # polling had not started
                    await harness.dp.stop_polling()
            for running in (harness.serving, sender):
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
            await broker.stop()
            await bot.session.close()
    pollers = [t for t in asyncio.all_tasks() if "start_polling" in repr(t.get_coro())]
    assert not pollers, f"a polling dispatcher outlived its test: {pollers}"
