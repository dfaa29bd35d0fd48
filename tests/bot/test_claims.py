"""The winner claim flow in the bot: the setting in /manage, Claim, the organizer's view,
handing a prize over, and what "Did I win?" says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.contests import rules
from app.contests.channels import ChannelRef
from app.contests.rules import ContestFields
from app.db import claims, contests, draws
from app.db.tables import Contest, WinnerClaim
from app.telegram import publication
from app.telegram.callbacks import ClaimButton, HandOverButton
from tests.bot.flows import button_texts, buttons, press_in_private, published_contest
from tests.bot.harness import BotHarness
from tests.bot.test_bad_input import forge_press
from tests.telegram_emulator import Message

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OWNER = 1000


async def test_claim_deadline_is_set_bounded_and_removed_in_manage(harness: BotHarness) -> None:
    """/manage sets the hours winners have to claim (the API's `claimHours`), refuses what
    `rules.check_fields` refuses, and «Winners need not claim» clears it."""
    h = harness
    h.emu.create_user(OWNER, "Olga")
    contest = await contests.create(
        OWNER, ContestFields(title="Claimed", ends_at=datetime.now(UTC) + timedelta(days=5))
    )
    (listing,) = await h.say(OWNER, "/manage")
    (summary,) = await press_in_private(
        h, OWNER, next(t for t in button_texts(listing) if "Claimed" in t)
    )
    assert "must claim" not in summary.text
    (asked,) = await press_in_private(h, OWNER, "🎁 Claim deadline")
    assert f"{rules.CLAIM_HOURS_MIN}–{rules.CLAIM_HOURS_MAX}" in asked.text
    assert "✖️ Winners need not claim" in button_texts(asked)
    (unreadable,) = await h.say(OWNER, "two days")
    assert "whole number" in unreadable.text
    (refused,) = await h.say(OWNER, str(rules.CLAIM_HOURS_MAX + 1))
    assert "claim deadline must be between 1 and 720 hours" in refused.text
    assert (await contests.get(contest.id)).claim_hours is None
    (saved,) = await h.say(OWNER, "48")
    assert saved.text.startswith("Saved.") and "Winners must claim within 48 h" in saved.text
    assert (await contests.get(contest.id)).claim_hours == 48

    await press_in_private(h, OWNER, "🎁 Claim deadline")
    (cleared,) = await press_in_private(h, OWNER, "✖️ Winners need not claim")
    assert cleared.text.startswith("Saved.") and "must claim" not in cleared.text
    assert (await contests.get(contest.id)).claim_hours is None


ANN, BOB = 2001, 2002


async def _joined_and_drawn(h: BotHarness) -> tuple[int, int, int, int]:
    """A one-winner contest where winners must claim within 48 h, Ann and Bob in it,
    drawn and announced; returns (contest, channel, winner, reserve)."""
    h.emu.create_user(OWNER, "Olga")
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    contest_id = await published_contest(
        h, OWNER, [ChannelRef(channel.id, "Alpha", "alpha")], [channel.id], title="Bike"
    )
    await Contest.update({Contest.claim_hours: 48}).where(Contest.id == contest_id)
    post = h.emu.bot_messages(channel.id)[0]
    for uid, name in ((ANN, "Ann"), (BOB, "Bob")):
        h.emu.create_user(uid, name)
        h.emu.add_member(channel.id, uid)
        await h.press(uid, channel.id, post.message_id, data=buttons(post)[0]["callback_data"])
    outcome = await draws.run(contest_id)
    await publication.announce(h.bot, contest_id, h.settings)
    return contest_id, channel.id, outcome.winners[0], outcome.reserves[0]


async def _told(h: BotHarness, user_id: int, words: str) -> Message:
    """The bot's message to `user_id` with `words` (once the outbox has sent it)."""

    def found() -> Message | None:
        return next((m for m in h.emu.bot_messages(user_id) if words in (m.text or "")), None)

    return await h.emu.wait_for(found)


async def _did_i_win(h: BotHarness, user_id: int) -> str:
    await h.say(user_id, "/mycontests")
    listing = await _told(h, user_id, "Your contests")
    answer, _ = await h.press(user_id, user_id, listing.message_id, text="Did I win? Bike")
    return answer.text or ""


async def test_an_unclaimed_prize_passes_on_and_the_organizer_hands_the_next_over(
    harness: BotHarness,
) -> None:
    """The winner's message carries the deadline and Claim; unclaimed by the deadline the
    reserve becomes the winner (results edited, both told); "Did I win?" and the
    organizer's prize list follow every step."""
    h = harness
    contest_id, channel_id, winner, reserve = await _joined_and_drawn(h)
    (told,) = (await h.emu.wait_for_bot_messages(winner, 1))[-1:]
    assert "Press <b>Claim my prize</b> by" in told.text or "Claim my prize" in told.text
    assert "🎁 Claim my prize" in button_texts(told)
    results = h.emu.bot_messages(channel_id)[-1]
    assert "within 48 h" in results.text
    assert (await _did_i_win(h, winner)).startswith("🎉 You won! Claim your prize by")

    await WinnerClaim.update({WinnerClaim.deadline: datetime.now(UTC)}).where(
        WinnerClaim.user_id == winner
    )
    assert await draws.pass_on(contest_id, winner)
    assert not await draws.pass_on(contest_id, winner)  # once
    await publication.announce(h.bot, contest_id, h.settings)
    edited = h.emu.message(channel_id, results.message_id)
    assert "Passed on (not claimed in time): 1" in edited.text
    await _told(h, winner, "did not claim your prize in Bike in time")
    promoted = await _told(h, reserve, "Claim my prize")
    assert "🎁 Claim my prize" in button_texts(promoted)

    answer, _ = await h.press(winner, winner, told.message_id, text="🎁 Claim my prize")
    assert answer.show_alert and "passed" in (answer.text or "")
    assert "did not claim the prize in time" in await _did_i_win(h, winner)
    assert (await _did_i_win(h, reserve)).startswith("🎉 You won! Claim your prize by")
    answer, _ = await h.press(reserve, reserve, promoted.message_id, text="🎁 Claim my prize")
    assert answer.text == "✅ Claimed! The organizer will contact you about your prize."
    assert "claimed your prize" in await _did_i_win(h, reserve)

    (listing,) = await h.say(OWNER, "/manage")
    await press_in_private(h, OWNER, next(t for t in button_texts(listing) if "Bike" in t))
    (prizes,) = await press_in_private(h, OWNER, "🎁 Prizes")
    assert "✅ claimed" in prizes.text and "↪️ passed on (not claimed in time)" in prizes.text
    hand = next(t for t in button_texts(prizes) if t.startswith("📦 Handed over"))
    assert str(reserve) in hand and len([t for t in button_texts(prizes) if "📦" in t]) == 1
    (after,) = await press_in_private(h, OWNER, hand)
    assert "📦 handed over" in after.text and not button_texts(after)
    assert "marked your prize as handed over" in await _did_i_win(h, reserve)
    row = await draws.get(contest_id)
    assert row.winners == [reserve]
    assert [(e["user_id"], e["code"]) for e in row.excluded] == [(winner, "not_claimed")]
    print(f"\nprize flow: results {edited.text!r}; prizes {after.text!r}")


async def test_a_stranger_cannot_claim_or_hand_over(harness: BotHarness) -> None:
    """Forged buttons: a reserve pressing Claim, a participant marking a prize handed over."""
    h = harness
    contest_id, _, winner, reserve = await _joined_and_drawn(h)
    await h.say(reserve, "/mycontests")
    listing = await _told(h, reserve, "Your contests")
    claim = ClaimButton(contest_id=contest_id).pack()
    answer = await forge_press(h, reserve, listing, claim)
    assert answer.text == "You are not a winner of this contest."
    forged = HandOverButton(contest_id=contest_id, user_id=winner).pack()
    answer = await forge_press(h, reserve, listing, forged)
    assert "not your contest" in (answer.text or "").lower() or answer.show_alert
    assert (await claims.of_winner(contest_id, winner)).state.value == "pending"
    assert (await claims.of_winner(contest_id, reserve)) is None
    print(f"\nforged hand-over answered: {answer.text!r}")
