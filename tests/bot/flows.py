"""Reusable user journeys for the bot tests: an organizer's wizard, a published contest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.contests.channels import ChannelRef
from app.contests.rules import ContestFields
from app.db import contests
from app.telegram import publication
from tests.bot.harness import BotHarness
from tests.telegram_emulator import Message


def buttons(message: Message) -> list[dict]:
    markup = message.reply_markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button_texts(message: Message) -> list[str]:
    return [button["text"] for button in buttons(message)]


async def press_in_private(
    h: BotHarness, user_id: int, text: str, replies: int = 1
) -> list[Message]:
    """Press the button labelled `text` on the bot's latest message to `user_id`."""
    message = next(m for m in reversed(h.emu.bot_messages(user_id)) if text in button_texts(m))
    _, found = await h.press(user_id, user_id, message.message_id, text=text, replies=replies)
    return found


async def open_contest(h: BotHarness, user_id: int, title: str) -> Message:
    """/manage, then the contest titled `title`: its summary with the manage buttons."""
    (listing,) = await h.say(user_id, "/manage")
    label = next(t for t in button_texts(listing) if title in t)
    (summary,) = await press_in_private(h, user_id, label)
    return summary


async def wizard(
    h: BotHarness,
    organizer: int,
    *,
    title: str,
    required: list[str | tuple[int, int]],
    target: str,
    winners: int = 3,
    deadline: str = "in 2 days",
) -> int:
    """Create and publish a contest through the wizard; returns its id.

    `required` holds @usernames/links, or (chat_id, message_id) of a post to forward.
    """
    (asked,) = await h.say(organizer, "/new")
    assert "title" in asked.text
    (asked,) = await h.say(organizer, title)
    assert "description" in asked.text
    await h.say(organizer, "Win a <b>bike</b> & more")
    (asked,) = await press_in_private(h, organizer, "Skip")
    assert "winners" in asked.text
    (asked,) = await h.say(organizer, str(winners))
    assert "end" in asked.text
    (asked,) = await h.say(organizer, deadline)
    assert "Ends at" in asked.text, asked.text
    (asked,) = await press_in_private(h, organizer, "Skip")
    assert "subscribed" in asked.text
    for channel in required:
        if isinstance(channel, tuple):
            added = await h.forward(organizer, *channel)
        else:
            (added,) = await h.say(organizer, channel)
        assert added.text.startswith("Required channels"), added.text
    (asked,) = await press_in_private(h, organizer, "Done")
    assert "post" in asked.text
    (added,) = await h.say(organizer, target)
    assert added.text.startswith("The contest will be posted in"), added.text
    intro, card, actions = await press_in_private(h, organizer, "Done", replies=3)
    assert "Alpha News" in intro.text
    assert title in card.text
    assert "Publish now" in button_texts(actions)
    (done,) = await press_in_private(h, organizer, "Publish now")
    assert "is live" in done.text, done.text
    return int(done.text.split("#")[1].split()[0])


async def published_contest(
    h: BotHarness,
    owner_id: int,
    required: list[ChannelRef],
    targets: list[int],
    *,
    title: str = "Giveaway",
    description: str = "",
    winners: int = 1,
    fields: dict[str, object] | None = None,
    **options: object,
) -> int:
    """A contest stored, published and posted directly (what the wizard and worker do)."""
    contest = await contests.create(
        owner_id,
        ContestFields(
            title=title,
            description=description,
            winners_count=winners,
            ends_at=datetime.now(UTC) + timedelta(days=1),
            **(fields or {}),  # type: ignore[arg-type]
        ),
        required=required,
        targets=targets,
        **options,  # type: ignore[arg-type]
    )
    await contests.publish(contest.id, owner_id)
    await publication.post(h.bot, contest.id, h.settings)
    return contest.id
