"""Two re-draws at once (the bot and the Mini App) both keep their exclusion."""

from __future__ import annotations

import asyncio

import pytest

from app.config import load_settings
from app.contests.channels import ChannelRef
from app.db import draws
from app.errors import FinalCheckUndecided
from app.telegram.client import make_bot
from app.telegram.membership import recheck_for
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import Environment, add_users, contest_with_participants

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def test_concurrent_redraws_keep_both_exclusions(
    environment: Environment, emulator: TelegramEmulator
) -> None:
    channel = emulator.create_channel("Required", username="required")
    emulator.set_bot_admin(channel.id)
    contest_id, user_ids = await contest_with_participants(
        40, channels=(ChannelRef(channel.id, "Required"),)
    )
    add_users(emulator, user_ids)
    for uid in user_ids:
        emulator.add_member(channel.id, uid)
    bot = make_bot(load_settings(telegram_api_url=environment.telegram_url))
    try:
        drawn = await draws.run(contest_id, recheck_for(bot, contest_id))
        first, second = drawn.winners[:2]
        await asyncio.gather(
            draws.replace_winner(contest_id, first, "no reply", 1, recheck_for(bot, contest_id)),
            draws.replace_winner(contest_id, second, "fake", 2, recheck_for(bot, contest_id)),
        )
    finally:
        await bot.session.close()
    row = await draws.get(contest_id)
    excluded = [item["user_id"] for item in row.excluded]
    print(f"\nconcurrent re-draws: winners {drawn.winners} -> {row.winners}, excluded {excluded}")
    assert sorted(excluded) == sorted([first, second])
    assert first not in row.winners and second not in row.winners
    assert len(row.winners) == 3


async def test_a_redraw_whose_recheck_gets_no_answer_changes_nothing(
    environment: Environment, emulator: TelegramEmulator
) -> None:
    channel = emulator.create_channel("Required", username="required")
    emulator.set_bot_admin(channel.id)
    contest_id, user_ids = await contest_with_participants(
        20, channels=(ChannelRef(channel.id, "Required"),), first_user=20_000
    )
    add_users(emulator, user_ids)
    for uid in user_ids:
        emulator.add_member(channel.id, uid)
    bot = make_bot(load_settings(telegram_api_url=environment.telegram_url))
    try:
        drawn = await draws.run(contest_id, recheck_for(bot, contest_id))
        emulator.revoke_bot_admin(channel.id)
        with pytest.raises(FinalCheckUndecided) as raised:
            await draws.replace_winner(
                contest_id, drawn.winners[0], "no reply", 1, recheck_for(bot, contest_id)
            )
    finally:
        await bot.session.close()
    row = await draws.get(contest_id)
    print(f"\nre-draw without admin rights: {raised.value}; winners {row.winners}")
    assert row.winners == drawn.winners and row.excluded == []
