"""Boost tickets against the emulated Bot API: active boosts counted, expired ones not,
and an unanswerable question makes the freeze wait instead of counting zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from app.contests.rules import ContestFields
from app.db import contests, participants, tickets
from app.errors import FinalCheckUndecided
from app.telegram import boosts
from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import TelegramEmulator

OWNER, FAN, OTHER = 1000, 2001, 2002


async def test_boosts_are_counted_refreshed_and_asked_again(db: str) -> None:
    async with TelegramEmulator(token=TEST_TOKEN) as emu:
        for uid in (OWNER, FAN, OTHER):
            emu.create_user(uid, f"User{uid}", is_premium=True)
        channel = emu.create_channel("Alpha", username="alpha", creator=OWNER)
        emu.set_bot_admin(channel.id)
        emu.add_boost(channel.id, FAN)
        emu.add_boost(channel.id, FAN)
        emu.add_boost(channel.id, FAN, days=-1)  # expired
        api = TelegramAPIServer.from_base(emu.base_url)
        async with Bot(TEST_TOKEN, session=AiohttpSession(api=api)) as bot:
            contest = await contests.create(
                OWNER,
                ContestFields(
                    title="Boosts",
                    ends_at=datetime.now(UTC) + timedelta(days=1),
                    ticket_mode="boosts",
                    boost_cap=5,
                ),
                targets=[channel.id],
            )
            await contests.publish(contest.id, OWNER)
            contest = await contests.get(contest.id)
            await participants.join(contest.id, FAN, [])
            assert await boosts.refresh(bot, contest, FAN)
            assert await tickets.boosters(contest.id) == {FAN: 2}
            count = boosts.counter_for(bot, contest.id)
            emu.remove_boosts(channel.id, FAN)
            assert await count(FAN) == 0  # taken back before the freeze
            assert await count(OTHER) == 0
            emu.revoke_bot_admin(channel.id)
            with pytest.raises(FinalCheckUndecided, match="CHAT_ADMIN_REQUIRED"):
                await count(FAN)
            # At the join nothing waits: the count on record stays as it was.
            assert not await boosts.refresh(bot, contest, FAN)
            assert await tickets.boosters(contest.id) == {FAN: 2}
