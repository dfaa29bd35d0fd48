"""The captcha in the bot's chat: a join from a channel post that needs one is recorded
only after the picture question is answered; wrong answers get a new question; the
pending join survives a restart of the bot; the answer is not in the buttons."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import pytest

from app.bot import runner
from app.bot.dispatcher import create_dispatcher
from app.contests import suspicion
from app.contests.captcha import OPTIONS, PICTURES
from app.contests.channels import ChannelRef
from app.db import participants
from app.db.tables import CaptchaChallenge, Referral
from tests.bot.flows import buttons, published_contest
from tests.bot.harness import BotHarness
from tests.telegram_emulator import Message

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OWNER, ANN, BOB, CARL = 1000, 2001, 2002, 2003


async def _contest(h: BotHarness, mode: str) -> tuple[int, int, Message]:
    h.emu.create_user(OWNER, "Olga")
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    h.emu.create_user(ANN, "Ann", username="ann")
    h.emu.create_user(BOB, "Bob", username="bob", started=False)
    h.emu.add_member(channel.id, ANN)
    h.emu.add_member(channel.id, BOB)
    contest_id = await published_contest(
        h, OWNER, [ChannelRef(channel.id, "Alpha", "alpha")], [channel.id], captcha_mode=mode
    )
    (post,) = await h.emu.wait_for_bot_messages(channel.id, 1, timeout=10)
    return contest_id, channel.id, post


async def _positions(user_id: int) -> tuple[str, int, int]:
    """The pending question's token, its right position and a wrong one (from the DB)."""
    row = await CaptchaChallenge.objects().get(CaptchaChallenge.user_id == user_id)
    assert row is not None
    return row.token, row.answer, (row.answer + 1) % OPTIONS


async def test_a_channel_join_waits_for_the_answer_in_the_chat(harness: BotHarness) -> None:
    h = harness
    contest_id, channel_id, post = await _contest(h, "everyone")
    data = buttons(post)[0]["callback_data"]

    answer, (question,) = await h.press(ANN, channel_id, post.message_id, data=data, replies=1)
    asked = question.text
    assert answer.show_alert and "sent you a question" in (answer.text or "")
    assert asked.startswith("Quick check before you join")
    assert not await participants.is_participant(contest_id, ANN)
    shown = [button["text"] for button in buttons(question)]
    assert len(shown) == 6 and set(shown) <= set(PICTURES.values())
    token, right, wrong = await _positions(ANN)
    # the buttons carry the token and a position only: nothing tells the right one apart
    assert {b["callback_data"].rsplit(":", 1)[0] for b in buttons(question)} == {f"v1q:{token}"}

    answer, _ = await h.press(ANN, ANN, question.message_id, data=f"v1q:{token}:{wrong}")
    assert (answer.text or "").startswith("Not that one")
    assert not await participants.is_participant(contest_id, ANN)
    new_token, right, _ = await _positions(ANN)
    assert new_token != token

    answer, _ = await h.press(ANN, ANN, question.message_id, data=f"v1q:{new_token}:{right}")
    assert (answer.text or "").startswith("You're in")
    assert await participants.is_participant(contest_id, ANN)
    done = h.emu.message(ANN, question.message_id)
    assert done.text.startswith("You're in") and not buttons(done)
    again, _ = await h.press(ANN, channel_id, post.message_id, data=data)
    assert (again.text or "").startswith("You are already taking part")
    print(f"\ncaptcha in chat: {asked!r}; wrong → new question; right → joined")


async def test_someone_who_never_started_the_bot_is_sent_to_its_chat(
    harness: BotHarness,
) -> None:
    h = harness
    contest_id, channel_id, post = await _contest(h, "everyone")
    data = buttons(post)[0]["callback_data"]
    answer, _ = await h.press(BOB, channel_id, post.message_id, data=data)
    assert answer.url == f"https://t.me/{(await h.bot.me()).username}?start=c{contest_id}"
    assert not await participants.is_participant(contest_id, BOB)


async def test_only_suspicious_accounts_are_asked_under_suspicious_only(
    harness: BotHarness,
) -> None:
    h = harness
    contest_id, channel_id, post = await _contest(h, "suspicious")
    data = buttons(post)[0]["callback_data"]
    # Ann: an old id with a username, not asked
    answer, _ = await h.press(ANN, channel_id, post.message_id, data=data)
    assert (answer.text or "").startswith("You're in")
    now = datetime.now(UTC)  # a new account (by its id) without a username: flagged
    fresh = next(
        uid
        for uid in range(8_000_000_000, 99_000_000_000, 10_000_000)
        if suspicion.is_new_account(uid, now)
    )
    h.emu.create_user(fresh, "New")
    h.emu.add_member(channel_id, fresh)
    answer, (question,) = await h.press(fresh, channel_id, post.message_id, data=data, replies=1)
    assert "sent you a question" in (answer.text or "")
    assert question.text.startswith("Quick check")
    assert not await participants.is_participant(contest_id, fresh)


async def test_the_pending_join_survives_a_restart_of_the_bot(harness: BotHarness) -> None:
    h = harness
    contest_id, channel_id, post = await _contest(h, "everyone")
    data = buttons(post)[0]["callback_data"]
    _, (question,) = await h.press(ANN, channel_id, post.message_id, data=data, replies=1)

    await h.dp.stop_polling()  # the bot process stops; a new one starts with fresh memory
    h.serving.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await h.serving
    dp = create_dispatcher(h.settings)
    h.serving = asyncio.create_task(runner.run_polling(h.settings, h.bot, dp))
    h.dp = dp

    token, right, _ = await _positions(ANN)
    answer, _ = await h.press(ANN, ANN, question.message_id, data=f"v1q:{token}:{right}")
    assert (answer.text or "").startswith("You're in")
    assert await participants.is_participant(contest_id, ANN)


async def test_a_referred_join_keeps_its_referrer_through_the_captcha(
    harness: BotHarness,
) -> None:
    """The pending join remembers the link it came through: once the answer lets it in,
    the referral is recorded as for any referred join."""
    h = harness
    contest_id, channel_id, post = await _contest(h, "everyone")
    data = buttons(post)[0]["callback_data"]
    _, (question,) = await h.press(ANN, channel_id, post.message_id, data=data, replies=1)
    token, right, _ = await _positions(ANN)
    await h.press(ANN, ANN, question.message_id, data=f"v1q:{token}:{right}")
    assert await participants.is_participant(contest_id, ANN)

    h.emu.create_user(CARL, "Carl", username="carl")
    h.emu.add_member(channel_id, CARL)
    (card,) = await h.say(CARL, f"/start c{contest_id}r{ANN}")
    answer, (asked,) = await h.press(
        CARL, CARL, card.message_id, data=buttons(card)[0]["callback_data"], replies=1
    )
    assert "answer the question" in (answer.text or "")
    token, right, _ = await _positions(CARL)
    answer, _ = await h.press(CARL, CARL, asked.message_id, data=f"v1q:{token}:{right}")
    assert (answer.text or "").startswith("You're in")
    referred = await Referral.objects().where(Referral.invitee_id == CARL)
    assert [(r.referrer_id, r.contest) for r in referred] == [(ANN, contest_id)]
