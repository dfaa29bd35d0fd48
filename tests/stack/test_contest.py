"""A whole contest on the production stack: published through the API, joined from the
channel post (webhook updates through nginx) and from the Mini App in Chromium, drawn at
its deadline by the scheduler and workers, announced in the channel and to the winners.
"""

from __future__ import annotations

import asyncio

import pytest

from app.contests import draw
from app.contests import proof as proofs
from tests.drand_emulator import DrandEmulator
from tests.stack import browser
from tests.stack.conftest import ORGANIZER_ID
from tests.stack.launcher import Stack
from tests.stack.scenario import (
    make_world,
    mentions,
    press_join,
    private_messages,
    public_proof,
    publish_contest,
    wait_for_status,
)
from tests.telegram_emulator import TelegramEmulator

pytestmark = [pytest.mark.nginx, pytest.mark.browser]

TITLE = "Stack giveaway"


async def test_full_contest_through_nginx(
    stack: Stack, emulator: TelegramEmulator, drand: DrandEmulator
) -> None:
    world = make_world(emulator, stack, ORGANIZER_ID, members=6, outsiders=2)
    failed_answers = emulator.failure_counts().get("answerCallbackQuery", 0)
    post = await publish_contest(world, title=TITLE, deadline_in=30, winners=2, notify=False)
    assert mentions(post, TITLE)
    assert post.reply_markup is not None and "v1j:" in str(post.reply_markup)

    bot_joiners, app_joiner = world.members[:-1], world.members[-1]
    for user_id in bot_joiners:
        answer = await press_join(world, user_id)
        assert answer.text, f"user {user_id} got an empty answer"
    again = await press_join(world, bot_joiners[0])
    for user_id in world.outsiders:
        await press_join(world, user_id)
    before_draw = {uid: len(private_messages(world, uid)) for uid in world.members}

    joined = await browser.join_in_mini_app(stack, app_joiner, world.contest_id)
    assert joined["status"] == "joined", joined
    participants = {*bot_joiners, app_joiner}

    stats = await wait_for_status(world, "finished", timeout=75)
    assert stats["participantCount"] == len(participants)

    proof, listed = await public_proof(world)
    assert proof.algorithm == draw.V2  # the production roles draw with the beacon
    assert proof.drand is not None
    assert proofs.verify(proof, listed, frozenset({drand.public_key})) == []
    assert any(f"/public/{proof.drand.round}" in path for path in drand.requests)
    assert set(listed.ids) == participants
    assert len(proof.winners) == 2
    assert set(proof.winners) <= participants

    results = await world.organizer.ok("GET", f"/api/contests/{world.contest_id}/results")
    assert results["winners"] == list(proof.winners)

    shown = emulator.message(world.channel.id, post.message_id)  # edited at the freeze
    assert proof.list_hash in shown.text
    assert f"round {proof.drand.round}" in shown.text
    assert "v1j:" not in str(shown.reply_markup)  # no Participate button once entries close
    # the announcement waits its turn at the channel's rate limit after the freeze edit
    deadline = asyncio.get_running_loop().time() + 30
    while len(emulator.bot_messages(world.channel.id)) < 2:
        assert asyncio.get_running_loop().time() < deadline, "no announcement in 30 s"
        await asyncio.sleep(0.2)
    channel_posts = emulator.bot_messages(world.channel.id)
    assert len(channel_posts) == 2, [m.text for m in channel_posts]
    announcement = channel_posts[1]
    assert f"drand round {proof.drand.round}" in announcement.text
    assert announcement.reply_to is not None
    assert announcement.reply_to.message_id == post.message_id

    def told(user_id: int) -> int:
        return len(private_messages(world, user_id)) - before_draw[user_id]

    while not all(told(uid) for uid in proof.winners):  # the outbox sends them shortly
        assert asyncio.get_running_loop().time() < deadline, "winners not told in 30 s"
        await asyncio.sleep(0.2)
    for user_id in participants:
        new = private_messages(world, user_id)[before_draw[user_id] :]
        expected = 1 if user_id in proof.winners else 0
        assert len(new) == expected, (user_id, [m.text for m in new])
        if expected:
            assert mentions(new[0], TITLE)
    for user_id in world.outsiders:
        assert user_id not in proof.participants
    assert again.text != world.answers[bot_joiners[0]][0].text
    assert emulator.failure_counts().get("answerCallbackQuery", 0) == failed_answers
