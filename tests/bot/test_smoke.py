"""Smoke: the bot answers /start, /help and unknown commands through the emulator."""

from __future__ import annotations

import pytest

from tests.bot.harness import BotHarness

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_start_and_unknown_command(harness: BotHarness) -> None:
    user = harness.emu.create_user(first_name="Ann", language_code="ru")
    (welcome,) = await harness.say(user.id, "/start")
    assert "розыгрыш" in welcome.text
    (unknown,) = await harness.say(user.id, "/frobnicate")
    assert "не знаю такой команды" in unknown.text
