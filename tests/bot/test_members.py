"""The membership cache: chat_member updates keep it fresh, getChatMember "yes" answers
are reused briefly, and a check nobody could answer is never a "no"."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from app.contests.channels import ChannelRef
from app.telegram.member_cache import RedisMemberCache
from tests import servers
from tests.bot.flows import buttons, published_contest
from tests.bot.harness import running_bot

OWNER, ANN, BOB = 1000, 2001, 2002


def checks(h) -> int:  # type: ignore[no-untyped-def]
    return h.emu.call_counts().get("getChatMember", 0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_chat_member_updates_and_answers_feed_the_cache(db: str, state_dir: Path) -> None:
    async with running_bot(state_dir, "webhook") as h:
        assert "chat_member" in (h.emu.bot.allowed_updates or [])
        h.emu.create_user(OWNER, "Olga")
        channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
        h.emu.set_bot_admin(channel.id)
        required = [ChannelRef(channel.id, "Alpha", "alpha")]
        contest_id = await published_contest(h, OWNER, required, [channel.id])
        post = h.emu.bot_messages(channel.id)[0]
        data = buttons(post)[0]["callback_data"]
        h.emu.create_user(ANN, "Ann")
        h.emu.create_user(BOB, "Bob")

        h.emu.add_member(channel.id, ANN)  # a chat_member update reaches the bot
        await h.emu.wait_for(lambda: not len(h.emu.bot.queue), timeout=5)
        before = checks(h)
        answer, _ = await h.press(ANN, channel.id, post.message_id, data=data)
        assert answer.text.startswith("You're in")
        assert checks(h) == before  # the update said so; Telegram was not asked

        h.emu.remove_member(channel.id, ANN)
        await h.emu.wait_for(lambda: not len(h.emu.bot.queue), timeout=5)
        second = await published_contest(h, OWNER, required, [channel.id], title="Second")
        post2 = next(m for m in h.emu.bot_messages(channel.id) if "Second" in (m.text or ""))
        answer, _ = await h.press(
            ANN, channel.id, post2.message_id, data=buttons(post2)[0]["callback_data"]
        )
        assert answer.text.startswith("Not yet")  # the leave dropped the cached "yes"
        assert checks(h) == before + 1

        h.emu.inject_fault("server_error", 5, method="getChatMember")
        answer, _ = await h.press(BOB, channel.id, post.message_id, data=data)
        assert answer.text.startswith("I couldn't check")  # unknown is not "no"
        h.emu.faults.clear()
        h.emu.add_member(channel.id, BOB)
        await h.emu.wait_for(lambda: not len(h.emu.bot.queue), timeout=5)
        answer, _ = await h.press(BOB, channel.id, post.message_id, data=data)
        assert answer.text.startswith("You're in")
        assert contest_id != second


async def test_redis_cache_keeps_yes_forgets_leavers_and_misses_when_down(
    redis_server: servers.Redis,
) -> None:
    redis = Redis.from_url(redis_server.url)
    cache = RedisMemberCache(redis)
    try:
        assert not await cache.is_member(-100, 1)
        await cache.remember(-100, 1, 60)
        assert await cache.is_member(-100, 1)
        assert 0 < await redis.ttl("contest-bot:member:-100") <= 60
        await cache.forget(-100, 1)
        assert not await cache.is_member(-100, 1)
        await cache.remember(-100, 2, 60)
        await cache.forget_chat(-100)  # the bot is no longer an admin there
        assert not await cache.is_member(-100, 2)
        await cache.remember(-100, 3, -1)  # expired
        assert not await cache.is_member(-100, 3)
    finally:
        await redis.aclose()
    unreachable = RedisMemberCache(Redis.from_url("unix:///nonexistent/redis.sock"))
    assert not await unreachable.is_member(-100, 1)  # a miss: Telegram gets asked
    await unreachable.remember(-100, 1, 60)  # and nothing breaks
