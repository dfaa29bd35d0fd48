"""A draw kicked like the bot kicks it, run by a real worker process, announced exactly once."""

from __future__ import annotations

import pytest

from app.db import draws
from app.telegram import background, outbox
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import (
    WORKER_READY,
    Environment,
    Role,
    add_users,
    contest_with_participants,
    delivery_figures,
    messages_per_user,
    started,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def test_draw_announce_and_messages(
    environment: Environment, emulator: TelegramEmulator, client: object
) -> None:
    channel = emulator.create_channel("Giveaways", username="giveaways")
    emulator.set_bot_admin(channel.id)
    contest_id, user_ids = await contest_with_participants(50, targets=(channel.id,))
    add_users(emulator, user_ids)
    worker = Role("worker", environment)
    try:
        await started(worker, WORKER_READY)
        assert await background.queue().post_contest(contest_id)
        await wait_until(lambda: _has_posts(emulator, channel.id, 1), 20, "the contest post")
        assert await background.queue().draw(contest_id)
        assert await background.queue().draw(contest_id)  # delivered twice: drawn once
        await wait_until(lambda: _settled(len(user_ids)), 30, "every message settled")
    finally:
        worker.stop()
    per_user = messages_per_user(emulator, user_ids)
    figures = delivery_figures(per_user, user_ids)
    print(f"pipeline: {figures}")
    assert figures["exactly_once"] == len(user_ids), worker.output()[-3000:]
    outcome = await draws.get(contest_id)
    assert len(outcome.winners) == 3
    channel_messages = emulator.bot_messages(channel.id)
    assert len(channel_messages) == 2  # the post and the results
    # The finished contest's post no longer invites to participate: it links the results.
    post = channel_messages[0]
    buttons = [b for row in (post.reply_markup or {}).get("inline_keyboard", []) for b in row]
    print(f"post buttons after the draw: {buttons}")
    assert [b["text"] for b in buttons] == ["🏁 Results and proof"]
    assert buttons[0]["url"].endswith(f"start=proof_{contest_id}")


async def _has_posts(emu: TelegramEmulator, chat_id: int, count: int) -> bool:
    return len(emu.bot_messages(chat_id)) >= count


async def _settled(count: int) -> bool:
    states = await outbox.counts()
    return states.get("sent", 0) == count
