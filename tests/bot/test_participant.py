"""A participant's commands: deep links, joining in the bot, language, time zone, my
contests, 'Did I win?', the proof, and deleting one's data."""

from __future__ import annotations

import pytest

from app.contests.channels import ChannelRef
from app.db import draws, participants, tickets, users
from tests.bot.flows import button_texts, buttons, published_contest
from tests.bot.harness import BotHarness

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OWNER, ANN, BOB = 1000, 2001, 2002


async def _contest(h: BotHarness) -> tuple[int, int]:
    h.emu.create_user(OWNER, "Olga")
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    contest_id = await published_contest(
        h, OWNER, [ChannelRef(channel.id, "Alpha", "alpha")], [channel.id], title="Bike"
    )
    return contest_id, channel.id


async def test_deep_link_card_and_join_in_private(harness: BotHarness) -> None:
    contest_id, channel_id = await _contest(harness)
    harness.emu.create_user(ANN, "Ann", language_code="ru-RU")
    (card,) = await harness.say(ANN, f"/start c{contest_id}")
    assert card.text.startswith("Bike")
    assert "Подпишитесь на: Alpha" in card.text
    assert button_texts(card) == ["Участвовать"]
    answer, _ = await harness.press(ANN, ANN, card.message_id, text="Участвовать")
    assert answer.text == "Пока нет: подпишитесь на Alpha и нажмите кнопку ещё раз."
    assert len(harness.emu.bot_messages(ANN)) == 1  # the card itself changed, no new message
    offered = await harness.emu.wait_for(
        lambda: (m := harness.emu.message(ANN, card.message_id)).history and m
    )
    assert [b.get("url") for b in buttons(offered)] == ["https://t.me/alpha", None]
    assert button_texts(offered) == ["Подписаться: Alpha", "Проверить снова"]
    answer, _ = await harness.press(ANN, ANN, card.message_id, text="Проверить снова")
    assert answer.text.startswith("Пока нет")  # pressing again changes nothing
    harness.emu.add_member(channel_id, ANN)
    answer, _ = await harness.press(ANN, ANN, card.message_id, text="Проверить снова")
    assert answer.text.startswith("Вы участвуете! Участников: 1")
    assert await participants.contests_of(ANN)
    (missing,) = await harness.say(ANN, "/start c999")
    assert missing.text == "Такого розыгрыша нет (больше нет)."


async def test_language_and_timezone(harness: BotHarness) -> None:
    harness.emu.create_user(ANN, "Ann", language_code="de")
    (menu,) = await harness.say(ANN, "/language")
    assert menu.text == "Choose your language:"
    _, (confirmed,) = await harness.press(ANN, ANN, menu.message_id, text="Русский", replies=1)
    assert confirmed.text == "Язык: русский."
    (help_,) = await harness.say(ANN, "/help")
    assert "выиграли" in help_.text or "итоги" in help_.text
    (zone,) = await harness.say(ANN, "/timezone")
    assert "Europe/Berlin" in zone.text  # the default from the settings
    (zone,) = await harness.say(ANN, "/timezone Mars/<b>")
    assert "«Mars/<b>»" in zone.text
    (zone,) = await harness.say(ANN, "/timezone Asia/Tokyo")
    assert "Asia/Tokyo" in zone.text
    assert (await users.get(ANN)).timezone == "Asia/Tokyo"


async def test_my_contests_did_i_win_and_proof(harness: BotHarness) -> None:
    contest_id, channel_id = await _contest(harness)
    for uid, name in ((ANN, "Ann"), (BOB, "Bob")):
        harness.emu.create_user(uid, name)
        harness.emu.add_member(channel_id, uid)
        post = harness.emu.bot_messages(channel_id)[0]
        await harness.press(
            uid, channel_id, post.message_id, data=buttons(post)[0]["callback_data"]
        )
    (listing,) = await harness.say(ANN, "/mycontests")
    assert "Bike — running" in listing.text
    (early,) = await harness.say(ANN, f"/proof {contest_id}")
    assert "has not been drawn" in early.text
    outcome = await draws.run(contest_id)
    (listing,) = await harness.say(ANN, "/mycontests")
    assert "Bike — finished" in listing.text
    for uid in (ANN, BOB):
        (listing,) = await harness.say(uid, "/mycontests")
        answer, _ = await harness.press(uid, uid, listing.message_id, text="Did I win? Bike")
        expected = "You won!" if uid in outcome.winners else "You are reserve #1"
        assert answer.text.startswith(expected), answer.text
    document, listed = await harness.say(ANN, f"/proof {contest_id}", replies=2)
    assert document.document.file_name == f"contest-{contest_id}-proof.json"
    assert listed.document.file_name == f"contest-{contest_id}-participants.txt.gz"
    (usage,) = await harness.say(ANN, "/proof abc")
    assert "/proof 12" in usage.text


async def test_forget_my_data(harness: BotHarness) -> None:
    contest_id, channel_id = await _contest(harness)
    harness.emu.create_user(ANN, "Ann")
    harness.emu.add_member(channel_id, ANN)
    post = harness.emu.bot_messages(channel_id)[0]
    await harness.press(ANN, channel_id, post.message_id, data=buttons(post)[0]["callback_data"])
    (question,) = await harness.say(ANN, "/forget")
    answer, _ = await harness.press(ANN, ANN, question.message_id, text="Keep it")
    assert answer.text == "Nothing was deleted."
    assert await participants.count(contest_id) == 1
    _, (done,) = await harness.press(
        ANN, ANN, question.message_id, text="Delete my data", replies=1
    )
    assert done.text == "Done: your data is deleted (entries removed: 1)."
    assert await participants.count(contest_id) == 0
    assert await users.get(ANN) is None


async def test_referral_link_and_boosts_give_tickets(harness: BotHarness) -> None:
    """Ann's link brings Bob in: Ann holds a ticket more; Bob's boost of the channel is
    counted at his join (getUserChatBoosts); both see their tickets in /mycontests."""
    h = harness
    h.emu.create_user(OWNER, "Olga")
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    contest_id = await published_contest(
        h,
        OWNER,
        [ChannelRef(channel.id, "Alpha", "alpha")],
        [channel.id],
        title="Bike",
        fields={"ticket_mode": "both", "referral_cap": 5, "boost_cap": 1},
    )
    for uid, name in ((ANN, "Ann"), (BOB, "Bob")):
        h.emu.create_user(uid, name)
        h.emu.add_member(channel.id, uid)
    h.emu.add_boost(channel.id, BOB)
    h.emu.add_boost(channel.id, BOB)  # two boosts; the cap is one
    (card,) = await h.say(ANN, f"/start c{contest_id}")
    await h.press(ANN, ANN, card.message_id, text="Join")
    (listing,) = await h.say(ANN, "/mycontests")
    link = f"https://t.me/{(await h.bot.me()).username}?start=c{contest_id}r{ANN}"
    assert "Your tickets: 1 (0 friends joined through your link, 0 channel boosts)" in listing.text
    assert link in listing.text

    (card,) = await h.say(BOB, f"/start c{contest_id}r{ANN}")
    await h.press(BOB, BOB, card.message_id, text="Join")
    assert await participants.is_participant(contest_id, BOB)
    (listing,) = await h.say(ANN, "/mycontests")
    assert "Your tickets: 2 (1 friends joined through your link" in listing.text
    (listing,) = await h.say(BOB, "/mycontests")
    assert "Your tickets: 2 (0 friends joined through your link, 2 channel boosts)" in listing.text
    # Bob opening Ann's link again, or his own, changes nothing but his boosts: pressing
    # Join again asks them again (one taken back: the cap of one still holds).
    h.emu.remove_boosts(channel.id, BOB)
    (card,) = await h.say(BOB, f"/start c{contest_id}r{BOB}")
    await h.press(BOB, BOB, card.message_id, text="Join")
    (listing,) = await h.say(BOB, "/mycontests")
    assert "Your tickets: 1 (0 friends joined through your link, 0 channel boosts)" in listing.text
    h.emu.add_boost(channel.id, BOB)
    await h.press(BOB, BOB, card.message_id, text="Join")
    (listing,) = await h.say(BOB, "/mycontests")
    assert "Your tickets: 2 (0 friends" in listing.text
    assert await tickets.invitees(contest_id) == {ANN: [BOB]}
