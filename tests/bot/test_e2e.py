"""The whole contest through the emulator, in polling and in webhook mode.

An organizer creates and publishes a contest with two required channels through the
wizard; 300 users join from the channel post, 60 of them not subscribed to one channel
(they are told what is missing, subscribe, press 'Check again' and get in); the deadline
passes; the draw re-checks the would-be winners (one has left a channel and is skipped);
the results are posted under the channel post and each winner is messaged once;
then a winner who left is replaced from the reserve with a logged reason, the post is
updated and the new winner is messaged.
"""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.contests import draw as algorithm
from app.contests import frozen as frozen_file
from app.contests import proof as proofs
from app.db import audit, contests, draws, participants
from app.db.tables import Contest, Notification
from app.telegram import background
from tests.bot.flows import button_texts, buttons, press_in_private, wizard
from tests.bot.harness import BotHarness, running_bot

ORGANIZER = 1000
PEOPLE = 300
UNSUBSCRIBED = 60
FIRST_USER = 10_001
PRESSING_AT_ONCE = 5


@pytest.mark.parametrize(
    ("mode", "database_url"),
    [("polling", "sqlite"), ("webhook", "sqlite"), ("polling", "postgres")],
    indirect=["database_url"],
)
async def test_contest_from_wizard_to_redraw(db: str, state_dir: Path, mode: str) -> None:
    async with running_bot(state_dir, mode) as h:
        await _scenario(h)


async def _scenario(h: BotHarness) -> None:
    emu = h.emu
    emu.create_user(ORGANIZER, "Olga", username="olga")
    alpha = emu.create_channel("Alpha News", username="alpha_news", creator=ORGANIZER)
    beta = emu.create_channel("Beta Deals", username="beta_deals", creator=ORGANIZER)
    emu.set_bot_admin(alpha.id)
    emu.set_bot_admin(beta.id)
    beta_post = emu.channel_post(beta.id, "Welcome to Beta Deals")

    contest_id = await wizard(
        h,
        ORGANIZER,
        title="Summer giveaway",
        required=["@alpha_news", (beta.id, beta_post.message_id)],
        target="https://t.me/alpha_news",
    )
    post = await _channel_post(h, alpha.id)
    assert "Win a <b>bike</b> & more" in post.text  # organizer's text shown literally
    assert button_texts(post)[0] == "Participate (0)"
    assert (await contests.get(contest_id)).status == "active"

    users = list(range(FIRST_USER, FIRST_USER + PEOPLE))
    late = set(users[:: PEOPLE // UNSUBSCRIBED])
    for uid in users:
        emu.create_user(uid, f"User{uid}", username=f"user{uid}" if uid % 2 else None)
        emu.add_member(alpha.id, uid)
        if uid not in late:
            emu.add_member(beta.id, uid)

    answers = await _press_all(h, users, alpha.id, post.message_id)
    # Every answer inside Telegram's 15 s window for callback answers (later ones are lost
    # to the user); speed itself is the benchmarks' job (on an idle 2-core machine: median
    # ~0.1 s, max ~0.3 s; under a loaded shared machine single answers took 5-11 s).
    latencies = sorted(latency for _, latency in answers.values())
    p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
    slowest = latencies[-1]
    print(f"\n{len(latencies)} answers: p50 {p50:.3f} s, p95 {p95:.3f} s, max {slowest:.3f} s")
    assert latencies[-1] < 15.0, latencies[-20:]
    for uid, (answer, _) in answers.items():
        assert answer.show_alert
        if uid in late:
            assert "subscribe to Beta Deals" in answer.text, answer.text
        else:
            assert answer.text.startswith("You're in!"), answer.text

    # The unsubscribed were told privately, with a button per missing channel.
    for uid in late:
        (explained,) = await emu.wait_for_bot_messages(uid, 1)
        assert "subscribe to these channels" in explained.text
        urls = [b.get("url") for b in buttons(explained)]
        assert urls[0] == "https://t.me/beta_deals"
        emu.add_member(beta.id, uid)
        (joined, _) = await h.press(uid, uid, explained.message_id, text="Check again")
        assert joined.text.startswith("You're in!"), joined.text
    assert await participants.count(contest_id) == PEOPLE

    # The counter catches up by throttled edits, not one edit per join.
    await emu.wait_for(
        lambda: (
            button_texts(emu.message(alpha.id, post.message_id))[0] == f"Participate ({PEOPLE})"
        ),
        timeout=15,
    )
    assert emu.call_counts().get("editMessageReplyMarkup", 0) <= 10

    # The deadline passes; the first would-be winner has left a required channel.
    await Contest.update({Contest.ends_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Contest.id == contest_id
    )
    contest = await contests.get(contest_id)
    frozen = algorithm.freeze(users)
    leaver = algorithm.ranking(contest.seed, contest_id, frozen, 1)[0]
    emu.remove_member(beta.id, leaver)
    await background.queue().draw(contest_id)
    results = await _reply_to(h, alpha.id, post.message_id)

    drawn = await draws.get(contest_id)
    assert len(drawn.winners) == 3
    assert leaver not in drawn.winners
    assert [item["user_id"] for item in drawn.excluded] == [leaver]
    assert "re-check failed" in drawn.excluded[0]["reason"]
    assert "Results: Summer giveaway" in results.text
    assert f"Participants: {PEOPLE}" in results.text
    for uid in drawn.winners:
        assert (f"@user{uid}" if uid % 2 else f"User{uid}") in results.text
    expected = {f"winner:{contest_id}:{uid}" for uid in drawn.winners}
    expected |= {f"owner_results:{contest_id}:0"}
    assert await _eventually(lambda: _queued(contest_id), expected)
    for uid in drawn.winners:
        await emu.wait_for(lambda uid=uid: _congratulations(h, uid), timeout=10)

    # The proof link in the post leads to the bot, which sends a document that verifies.
    links = [e["url"] for e in results.entities or [] if e.get("type") == "text_link"]
    assert links[-1] == f"https://t.me/contest_test_bot?start=proof_{contest_id}"
    document, listed = await h.say(FIRST_USER, f"/start proof_{contest_id}", replies=2)
    proof = proofs.decode(emu.file_bytes(document.document.file_id))
    ids = gzip.decompress(emu.file_bytes(listed.document.file_id)).split(b"\n")
    assert proofs.verify(proof, frozen_file.of(int(uid) for uid in ids)) == []
    assert proof.winners == drawn.winners

    # A winner left after the draw: the organizer replaces them with a reason.
    gone = drawn.winners[0]
    emu.remove_member(alpha.id, gone)
    (listing,) = await h.say(ORGANIZER, "/manage")
    (summary,) = await press_in_private(h, ORGANIZER, button_texts(listing)[0])
    assert "Participants: 300" in summary.text
    (choose,) = await press_in_private(h, ORGANIZER, "🔁 Re-draw a winner")
    await press_in_private(h, ORGANIZER, next(t for t in button_texts(choose) if str(gone) in t))
    (done,) = await h.say(ORGANIZER, "left @alpha_news after the draw")
    assert done.text.startswith("Done. Winners now:"), done.text

    redrawn = await draws.get(contest_id)
    assert gone not in redrawn.winners
    assert redrawn.winners[:2] == drawn.winners[1:]
    assert redrawn.winners[2] == drawn.reserves[0]
    logged = [e for e in await audit.entries(contest_id) if e["action"] == "redraw"]
    assert logged[0]["details"]["reason"] == "left @alpha_news after the draw"
    assert logged[0]["actor_id"] == ORGANIZER
    await emu.wait_for(
        lambda: (
            str(redrawn.winners[2])
            in _names(emu.message(alpha.id, results.message_id).text, redrawn.winners[2])
        ),
        timeout=10,
    )
    expected |= {
        f"winner:{contest_id}:{redrawn.winners[2]}",
        f"replaced:{contest_id}:{gone}",
        f"owner_results:{contest_id}:1",
    }
    assert await _eventually(lambda: _queued(contest_id), expected)  # nobody is messaged twice
    await emu.wait_for(lambda: _congratulations(h, redrawn.winners[2]), timeout=10)
    await asyncio.sleep(0.5)
    for uid in {*drawn.winners, *redrawn.winners}:
        assert len(_congratulations(h, uid)) == 1, uid


def _congratulations(h: BotHarness, uid: int) -> list:  # type: ignore[type-arg]
    return [m for m in h.emu.bot_messages(uid) if "Congratulations" in (m.text or "")]


def _names(text: str | None, uid: int) -> str:
    """The text, with the user's mention turned into their id when present."""
    mention = f"@user{uid}" if uid % 2 else f"User{uid}"
    return (text or "").replace(mention, str(uid))


async def _channel_post(h: BotHarness, chat_id: int):  # type: ignore[no-untyped-def]
    (post,) = await h.emu.wait_for_bot_messages(chat_id, 1, timeout=10)
    return post


async def _reply_to(h: BotHarness, chat_id: int, message_id: int):  # type: ignore[no-untyped-def]
    def found():  # type: ignore[no-untyped-def]
        return next(
            (
                m
                for m in h.emu.bot_messages(chat_id)
                if m.reply_to is not None and m.reply_to.message_id == message_id
            ),
            None,
        )

    return await h.emu.wait_for(found, timeout=15)


async def _press_all(h: BotHarness, users: list[int], chat_id: int, message_id: int):  # type: ignore[no-untyped-def]
    """Everyone presses Participate, five at any moment; answers and their latency.

    A closed loop: the next person presses when one of the five got their answer, so the
    latency measures the bot under concurrent presses rather than a queue that grows when
    the shared build machine is slower than the arrival rate.
    """
    data = buttons(h.emu.message(chat_id, message_id))[0]["callback_data"]
    pressing = asyncio.Semaphore(PRESSING_AT_ONCE)
    answers = {}

    async def press(uid: int) -> None:
        async with pressing:
            query = h.emu.press_button(uid, chat_id, message_id, data=data)
            answer = await h.emu.wait_for_answer(query.id, timeout=30)
            answers[uid] = (answer, answer.answered_at - query.created_at)

    async with asyncio.TaskGroup() as group:
        for uid in users:
            group.create_task(press(uid))
    return answers


async def _eventually(probe, expected, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    """Wait until `await probe()` equals `expected`; returns whether it did."""
    deadline = time.monotonic() + timeout
    while (found := await probe()) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{found} != {expected}")
        await asyncio.sleep(0.05)
    return True


async def _queued(contest_id: int) -> set[str]:
    rows = await Notification.select(Notification.key).where(
        Notification.key.like(f"%:{contest_id}:%")
    )
    return {row["key"] for row in rows}
