"""A 429 for one busy channel pauses that channel only: private messages keep flowing.

Real worker process, PostgreSQL, Redis and the Bot API emulator: the counter edit in
the channel gets 429 retry_after=8; the winners' messages queued right after must not
wait for it, and the edit goes through once the wait is over.
"""

from __future__ import annotations

import time

import pytest

from app.db import participants
from app.db.tables import Participant, Publication, TelegramUser
from app.telegram import background, outbox
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import (
    WORKER_READY,
    Environment,
    Role,
    add_users,
    contest_with_participants,
    messages_per_user,
    started,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

RETRY_AFTER = 8
RECIPIENTS = list(range(60_000, 60_020))


async def test_a_channel_flood_wait_does_not_stall_private_messages(
    environment: Environment, emulator: TelegramEmulator, client: object
) -> None:
    channel = emulator.create_channel("Busy channel", username="busy")
    emulator.set_bot_admin(channel.id)
    contest_id, user_ids = await contest_with_participants(
        5, notify=False, targets=(channel.id,), first_user=61_000
    )
    add_users(emulator, [*user_ids, *RECIPIENTS])
    worker = Role("worker", environment)
    try:
        await started(worker, WORKER_READY)
        assert await background.queue().post_contest(contest_id)
        await wait_until(lambda: _shown(contest_id, 5), 30, "the post")
        emulator.inject_fault("flood", method="editMessageReplyMarkup", retry_after=RETRY_AFTER)
        await TelegramUser.insert(TelegramUser(id=61_999, first_name="Late"))
        await Participant.insert(Participant(contest=contest_id, user_id=61_999))
        await participants.recount(contest_id)
        assert await background.queue().refresh_counter(contest_id)
        await wait_until(
            lambda: _async("flood control on editMessageReplyMarkup" in worker.output()),
            30,
            "the 429 on the counter edit",
        )
        flooded = time.monotonic()
        for uid in RECIPIENTS:
            await outbox.enqueue(f"winner:0:{uid}", uid, "winner", {"text": f"you won {uid}"})

        async def all_sent() -> bool:
            return (await outbox.counts()).get(outbox.SENT, 0) == len(RECIPIENTS)

        await wait_until(all_sent, 60, "the private messages")
        private_after = time.monotonic() - flooded
        await wait_until(lambda: _shown(contest_id, 6), 60, "the counter edit after the wait")
        edit_after = time.monotonic() - flooded
    finally:
        worker.stop()
    per_chat = messages_per_user(emulator, RECIPIENTS)
    print(
        f"\n429 retry_after={RETRY_AFTER}s on a channel edit: {len(RECIPIENTS)} private "
        f"messages sent {private_after:.1f} s after it (messages per chat "
        f"{set(per_chat.values())}), the channel edit went through after {edit_after:.1f} s"
    )
    assert set(per_chat.values()) == {1}
    assert private_after < RETRY_AFTER / 2, "private messages waited for the channel's flood"
    assert edit_after >= RETRY_AFTER - 1.5  # the channel itself did wait


async def _shown(contest_id: int, count: int) -> bool:
    rows = await Publication.select(Publication.shown_count).where(
        (Publication.contest == contest_id) & (Publication.kind == "post")
    )
    return bool(rows) and rows[0]["shown_count"] == count


async def _async(value: bool) -> bool:
    return value
