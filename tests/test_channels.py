"""The shared channel check (app.telegram.channels) against the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from app.config import load_settings
from app.db import channels as stored
from app.errors import ChannelProblem, TelegramUnavailable
from app.telegram.channels import Purpose, chat_key, resolve, resolve_all
from app.telegram.client import make_bot
from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import TelegramEmulator

OWNER = 500
STRANGER = 501


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(token=TEST_TOKEN) as emulator:
        for user_id in (OWNER, STRANGER):
            emulator.create_user(user_id)
        yield emulator


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    bot = make_bot(load_settings(telegram_api_url=emu.base_url))
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest.mark.parametrize(
    ("handle", "key"),
    [
        ("@news", "@news"),
        ("news", "@news"),
        (" https://t.me/news/ ", "@news"),
        ("t.me/news", "@news"),
        ("http://telegram.me/News_2", "@News_2"),
        ("-1001234567890", -1001234567890),
        (-1001234567890, -1001234567890),
    ],
)
def test_handles_an_organizer_may_type(handle: str | int, key: str | int) -> None:
    assert chat_key(handle) == key


@pytest.mark.parametrize(
    ("handle", "text_key"),
    [
        (5, "organizer.channel_unreadable"),
        ("12345", "organizer.channel_unreadable"),
        ("not a channel", "organizer.channel_unreadable"),
        ("@abc", "organizer.channel_unreadable"),
        ("https://t.me/+AbCdEf", "organizer.channel_private_link"),
        ("t.me/joinchat/AbCdEf", "organizer.channel_private_link"),
    ],
)
def test_unreadable_handles_are_refused_by_name(handle: str | int, text_key: str) -> None:
    with pytest.raises(ChannelProblem) as caught:
        chat_key(handle)
    assert (caught.value.code, caught.value.key) == ("invalid_channel", text_key)
    assert str(handle).strip() in str(caught.value)


async def test_a_checked_channel_is_remembered(db: object, emu: TelegramEmulator, bot: Bot) -> None:
    chat = emu.create_channel("News", username="news", creator=OWNER)
    emu.set_bot_admin(chat.id)
    ref = await resolve(bot, "https://t.me/news", Purpose.target, OWNER, trusted=False)
    assert (ref.chat_id, ref.title, ref.username) == (chat.id, "News", "news")
    row = await stored.get(chat.id)
    assert row is not None and (row.title, row.username, row.bot_is_admin) == (
        "News",
        "news",
        True,
    )
    await stored.remember(chat.id, "News, renamed", None, "https://t.me/+x", False)
    row = await stored.get(chat.id)
    assert row is not None
    assert (row.title, row.username, row.invite_link, row.bot_is_admin) == (
        "News, renamed",
        None,
        "https://t.me/+x",
        False,
    )
    assert await stored.get(-1) is None


async def test_the_organizer_must_administer_every_channel_unless_trusted(
    db: object, emu: TelegramEmulator, bot: Bot
) -> None:
    chat = emu.create_channel("Foreign", username="foreign", creator=STRANGER)
    emu.set_bot_admin(chat.id)
    for purpose in Purpose:
        with pytest.raises(ChannelProblem) as caught:
            await resolve(bot, chat.id, purpose, OWNER, trusted=False)
        assert caught.value.code == "not_channel_admin"
        assert caught.value.params == {"title": "Foreign"}
        assert "@foreign" in str(caught.value)
        assert (await resolve(bot, chat.id, purpose, OWNER, trusted=True)).title == "Foreign"


async def test_targets_need_the_rights_to_post_and_edit(
    db: object, emu: TelegramEmulator, bot: Bot
) -> None:
    chat = emu.create_channel("Quiet", username="quiet", creator=OWNER)
    emu.set_bot_admin(chat.id, {"can_post_messages": True, "can_edit_messages": False})
    with pytest.raises(ChannelProblem) as caught:
        await resolve(bot, "@quiet", Purpose.target, OWNER, trusted=False)
    problem = caught.value
    assert (problem.code, problem.key) == ("bot_cannot_edit", "organizer.bot_lacks_rights")
    assert problem.params == {"title": "Quiet", "rights": "can_edit_messages"}
    assert await stored.get(chat.id) is None
    ref = await resolve(bot, "@quiet", Purpose.required, OWNER, trusted=False)
    assert ref.chat_id == chat.id


async def test_only_channels_and_supergroups_with_the_bot_as_admin(
    db: object, emu: TelegramEmulator, bot: Bot
) -> None:
    group = emu.create_group("Old group", creator=OWNER, supergroup=False)
    emu.set_bot_admin(group.id)
    with pytest.raises(ChannelProblem) as caught:
        await resolve(bot, group.id, Purpose.required, OWNER, trusted=False)
    assert (caught.value.code, caught.value.key) == (
        "invalid_channel",
        "organizer.channel_wrong_type",
    )

    chat = emu.create_channel("Closed", username="closed", creator=OWNER)
    supergroup = emu.create_group("Chat", username="chatters", creator=OWNER)
    emu.set_bot_admin(supergroup.id, {"can_manage_chat": True})
    with pytest.raises(ChannelProblem) as caught:
        await resolve_all(bot, ["@chatters", "@closed"], Purpose.target, OWNER, trusted=False)
    assert (caught.value.code, caught.value.params) == ("bot_not_admin", {"title": "Closed"})
    assert "post messages" in str(caught.value)
    with pytest.raises(ChannelProblem) as caught:
        await resolve(bot, chat.id, Purpose.required, OWNER, trusted=True)
    assert "check subscriptions" in str(caught.value)

    with pytest.raises(ChannelProblem) as caught:
        await resolve(bot, "@nosuchchannel", Purpose.required, OWNER, trusted=True)
    assert (caught.value.code, caught.value.params) == (
        "channel_unavailable",
        {"name": "@nosuchchannel"},
    )


async def test_telegram_failing_is_not_a_refusal(
    db: object, emu: TelegramEmulator, bot: Bot
) -> None:
    chat = emu.create_channel("News", username="news", creator=OWNER)
    emu.set_bot_admin(chat.id)
    emu.inject_fault("server_error", method="getChatMember")
    with pytest.raises(TelegramUnavailable, match="getChatMember"):
        await resolve(bot, "@news", Purpose.required, OWNER, trusted=False)
