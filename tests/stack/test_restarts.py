"""Every part of the stack restarted in turn while a contest runs: api, bot, both workers,
scheduler, Redis, PostgreSQL, and a worker killed with -9 just before the deadline.

People keep joining throughout, as people do: a press the bot could not handle (it was
down for longer than Telegram waits, or the database was restarting) is answered with
"try again" or not at all, and the person presses again. At the end each of them is a
participant exactly once, the draw verifies, and every participant got exactly one
result message (winners: the winner message), with one announcement in the channel.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from app.contests import proof as proofs
from app.locales import text
from tests.drand_emulator import DrandEmulator
from tests.stack.conftest import ORGANIZER_ID
from tests.stack.launcher import Stack
from tests.stack.scenario import (
    ApiUser,
    ContestWorld,
    make_world,
    mentions,
    press_join,
    private_messages,
    public_proof,
    publish_contest,
    wait_for_status,
)
from tests.telegram_emulator import TelegramEmulator

pytestmark = pytest.mark.nginx

TITLE = "Restart-proof giveaway"
PEOPLE = 30
DEADLINE_SECONDS = 80
LAST_PRESS_BEFORE_DEADLINE = 8
# presses spread over the contest, so some land while a role is down
PRESS_GAP = (DEADLINE_SECONDS - 15) / PEOPLE
ANSWER_WAIT = 20


def _template(key: str) -> re.Pattern[str]:
    return re.compile(re.escape(text("en", key, count=999)).replace("999", r"\d+"))


JOINED = _template("bot.join_joined")
ALREADY = _template("bot.join_already_joined")


async def join_until_in(world: ContestWorld, user_id: int, retries: list[int]) -> None:
    """Press Participate until the bot says 'you're in' (or 'already in': an earlier press
    got through after all); a failed press is counted in `retries`."""
    while True:
        try:
            answer = await press_join(world, user_id, timeout=ANSWER_WAIT)
        except TimeoutError:
            answer = None
        if answer is not None and (
            JOINED.fullmatch(answer.text or "") or ALREADY.fullmatch(answer.text or "")
        ):
            return
        retries.append(user_id)
        await asyncio.sleep(1)


async def keep_joining(
    world: ContestWorld, people: list[int], stop_at: float, joined: list[int], retries: list[int]
) -> None:
    for user_id in people:
        if time.monotonic() > stop_at:
            return
        await join_until_in(world, user_id, retries)
        joined.append(user_id)
        await asyncio.sleep(PRESS_GAP)


async def test_contest_survives_every_restart(
    stack: Stack, emulator: TelegramEmulator, drand: DrandEmulator
) -> None:
    world = make_world(emulator, stack, ORGANIZER_ID, members=PEOPLE + 1, outsiders=0)
    people, app_user = world.members[:PEOPLE], world.members[PEOPLE]
    await publish_contest(world, title=TITLE, deadline_in=DEADLINE_SECONDS, winners=3, notify=True)
    before = {uid: len(private_messages(world, uid)) for uid in world.members}
    deadline = time.monotonic() + DEADLINE_SECONDS - 5
    joined: list[int] = []
    retries: list[int] = []
    joiner = asyncio.create_task(
        keep_joining(world, people, deadline - LAST_PRESS_BEFORE_DEADLINE, joined, retries)
    )

    restarted: dict[str, int | None] = {}
    for name in ("api", "bot", "worker-1", "worker-2", "scheduler"):
        restarted[name] = await stack.restart(name)
        if name == "api":
            answer = await ApiUser(stack, app_user).ok(
                "POST", f"/api/contests/{world.contest_id}/join"
            )
            assert answer["status"] == "joined", answer
    await stack.restart_redis()
    await asyncio.sleep(2)
    await stack.restart_postgres()
    assert restarted == dict.fromkeys(restarted, 0), restarted

    await joiner
    assert len(joined) >= PEOPLE // 2, f"only {len(joined)} joins before the deadline"
    participants = {*joined, app_user}

    await asyncio.sleep(max(0.0, deadline - time.monotonic() - 1))
    await stack.kill("worker-1")
    stats = await wait_for_status(world, "finished", timeout=90)
    await stack.start_role("worker-1")

    proof, listed = await public_proof(world)
    assert proofs.verify(proof, listed, frozenset({drand.public_key})) == []
    assert len(listed.ids) == len(set(listed.ids))
    assert set(listed.ids) == participants, (
        f"lost: {participants - set(listed.ids)}, unexpected: {set(listed.ids) - participants}"
    )
    assert stats["participantCount"] == len(participants)

    channel_posts = emulator.bot_messages(world.channel.id)
    assert len(channel_posts) == 2, [m.text for m in channel_posts]

    await emulator.wait_for(
        lambda: all(len(private_messages(world, uid)) > before[uid] for uid in participants),
        timeout=60,
    )
    await asyncio.sleep(3)  # a duplicate would arrive now
    for user_id in participants:
        new = private_messages(world, user_id)[before[user_id] :]
        assert len(new) == 1, (user_id, [m.text for m in new])
        assert mentions(new[0], TITLE)
    winner_start = text("en", "notifications.winner", title=TITLE, link="")[:20]
    for user_id in proof.winners:
        message = private_messages(world, user_id)[-1].text or ""
        assert message.startswith(winner_start), message
    stack.check_alive()
    print(f"restart test: {len(participants)} participants, {len(retries)} presses retried")
