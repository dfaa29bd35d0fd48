"""Boosts given or taken back after joining count without pressing Participate again:
the bot follows Telegram's chat_boost / removed_chat_boost updates of a channel it
administers, and an update Telegram cannot answer about is delivered again."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from app.contests.channels import ChannelRef
from app.db import tickets
from tests.bot.flows import buttons, published_contest
from tests.bot.harness import BotHarness, running_bot

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

OWNER, FAN, OUTSIDER = 1000, 2001, 2002


async def _boosters(contest_id: int, expected: dict[int, int]) -> dict[int, int]:
    deadline = time.monotonic() + 15
    while (found := await tickets.boosters(contest_id)) != expected:
        if time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)
    return found


async def _joined_contest(h: BotHarness, ticket_mode: str = "boosts") -> tuple[int, int]:
    """A contest giving boost tickets, posted in a channel the bot administers, that FAN
    has entered without any boost: (contest, channel)."""
    for uid, name in ((OWNER, "Olga"), (FAN, "Fay"), (OUTSIDER, "Otto")):
        h.emu.create_user(uid, name, is_premium=True)
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    h.emu.add_member(channel.id, FAN)
    contest_id = await published_contest(
        h,
        OWNER,
        [ChannelRef(channel.id, "Alpha", "alpha")],
        [channel.id],
        fields={"ticket_mode": ticket_mode, "boost_cap": 3},
    )
    post = h.emu.bot_messages(channel.id)[-1]
    answer, _ = await h.press(
        FAN, channel.id, post.message_id, data=buttons(post)[0]["callback_data"]
    )
    assert (answer.text or "").startswith("You're in"), answer.text
    assert await tickets.boosters(contest_id) == {}
    return contest_id, channel.id


async def test_boosts_after_joining_count_and_taken_back_stop(harness: BotHarness) -> None:
    h = harness
    contest_id, channel_id = await _joined_contest(h)
    h.emu.add_boost(channel_id, FAN)
    assert await _boosters(contest_id, {FAN: 1}) == {FAN: 1}
    h.emu.add_boost(channel_id, FAN)
    assert await _boosters(contest_id, {FAN: 2}) == {FAN: 2}
    h.emu.add_boost(channel_id, OUTSIDER)  # boosts, but never entered
    h.emu.remove_boosts(channel_id, FAN)
    assert await _boosters(contest_id, {}) == {}
    asked = h.emu.call_counts().get("getUserChatBoosts", 0)
    print(f"\nboost updates: getUserChatBoosts asked {asked} times")
    assert await tickets.boosters(contest_id) == {}


async def test_a_contest_without_boost_tickets_ignores_boosts(harness: BotHarness) -> None:
    h = harness
    contest_id, channel_id = await _joined_contest(h, ticket_mode="referrals")
    before = h.emu.call_counts().get("getUserChatBoosts", 0)
    h.emu.add_boost(channel_id, FAN)
    await h.emu.wait_for(lambda: not h.emu.bot.queue, timeout=10)
    await asyncio.sleep(0.3)
    assert h.emu.call_counts().get("getUserChatBoosts", 0) == before
    assert await tickets.boosters(contest_id) == {}


async def test_a_boost_telegram_cannot_confirm_is_delivered_again(db: str, state_dir: Path) -> None:
    async with running_bot(state_dir, "webhook") as h:
        contest_id, channel_id = await _joined_contest(h)
        h.emu.inject_fault("server_error", 2, method="getUserChatBoosts")
        h.emu.add_boost(channel_id, FAN)
        found = await _boosters(contest_id, {FAN: 1})
        print(f"\nboost after two failed questions: {found}")
        assert found == {FAN: 1}
