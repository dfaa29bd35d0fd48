"""A channel post and a results announcement go out once when the database fails
right after Telegram accepted them.

Real worker process, PostgreSQL, Redis and the Bot API emulator: the emulator holds the
answer to the channel send for a few seconds (it has already posted), PostgreSQL is
stopped meanwhile and started again, so recording the sent message fails first.
"""

from __future__ import annotations

import asyncio

import pytest

from app.db import contests
from app.db.tables import Publication
from app.telegram import background
from tests import servers
from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import (
    WORKER_READY,
    Environment,
    Role,
    add_users,
    contest_with_participants,
    started,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

HELD_SECONDS = 3.0


async def _outage_while_answer_is_held(
    emulator: TelegramEmulator, pg_server: servers.Postgres, channel_id: int, before: int
) -> None:
    """Wait for the channel send to run, stop PostgreSQL, bring it back after the answer."""
    await wait_until(
        lambda: _async(len(emulator.bot_messages(channel_id)) > before), 30, "the channel send"
    )
    await asyncio.to_thread(pg_server.stop, "fast")
    await asyncio.sleep(HELD_SECONDS + 1.5)
    await asyncio.to_thread(pg_server.start)


async def _recorded(contest_id: int, kind: str) -> bool:
    try:
        rows = await Publication.select(Publication.message_id).where(
            (Publication.contest == contest_id) & (Publication.kind == kind)
        )
    except Exception:
        return False
    return bool(rows) and all(row["message_id"] is not None for row in rows)


async def test_post_and_results_once_when_the_database_fails_after_the_send(
    environment: Environment,
    emulator: TelegramEmulator,
    pg_server: servers.Postgres,
    client: object,
) -> None:
    channel = emulator.create_channel("Giveaways", username="giveaways")
    emulator.set_bot_admin(channel.id)
    contest_id, user_ids = await contest_with_participants(
        20, notify=False, targets=(channel.id,), first_user=50_000
    )
    add_users(emulator, user_ids)
    worker = Role("worker", environment)
    try:
        await started(worker, WORKER_READY)
        emulator.inject_fault("slow", method="sendMessage", token=TEST_TOKEN, delay=HELD_SECONDS)
        assert await background.queue().post_contest(contest_id)
        await _outage_while_answer_is_held(emulator, pg_server, channel.id, 0)
        await wait_until(lambda: _recorded(contest_id, "post"), 90, "the post recorded")
        posts = len(emulator.bot_messages(channel.id))

        emulator.inject_fault("slow", method="sendMessage", token=TEST_TOKEN, delay=HELD_SECONDS)
        assert await background.queue().draw(contest_id)
        await _outage_while_answer_is_held(emulator, pg_server, channel.id, posts)
        await wait_until(lambda: _recorded(contest_id, "results"), 90, "the results recorded")
        await asyncio.sleep(3)  # a second post or announcement would show up by now
    finally:
        worker.stop()
    messages = emulator.bot_messages(channel.id)
    kinds = ["results" if "Results" in (m.text or "") else "post" for m in messages]
    status = (await contests.get(contest_id)).status
    print(
        f"\ndatabase down after the channel send: posts per channel {{{channel.id}: "
        f"{kinds.count('post')}}}, results per channel {{{channel.id}: {kinds.count('results')}}}"
        f", contest {status}"
    )
    assert kinds == ["post", "results"], worker.output()[-3000:]
    assert status == "finished"


async def _async(value: bool) -> bool:
    return value
