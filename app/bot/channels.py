"""Channels an organizer names: resolve them and check the bot's and the organizer's rights.

An organizer names a channel by `@username`, a `t.me/<username>` link, its numeric id,
or by forwarding one of its posts. The bot must be an administrator there: to check
subscriptions (required channels) or to post and edit the contest (target channels).
Organizers who are not bot admins must administer every channel they use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatMemberAdministrator, Message, MessageOriginChannel

from app.contests.channels import ChannelRef

_USERNAME = re.compile(
    r"^(?:@|(?:https?://)?(?:t\.me|telegram\.me)/)([A-Za-z][A-Za-z0-9_]{3,31})/?$"
)
_CHAT_ID = re.compile(r"^-100\d{5,16}$")
_ADMINS = (ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR)


class Purpose(StrEnum):
    required = "required"  # the bot checks subscriptions there
    target = "target"  # the bot posts the contest there


class ChannelProblem(Exception):
    """A channel cannot be used; `key` names the text explaining why, `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class Named:
    """What the organizer sent: a handle to look up, or a chat already known."""

    lookup: str | int


def named_in(message: Message) -> Named:
    """The channel a message points at (forwarded post, @username, link or id)."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        return Named(origin.chat.id)
    if message.forward_from_chat is not None:
        return Named(message.forward_from_chat.id)
    value = (message.text or "").strip()
    found = _USERNAME.match(value)
    if found:
        return Named("@" + found.group(1))
    if _CHAT_ID.match(value):
        return Named(int(value))
    if value.startswith(("https://t.me/+", "t.me/+", "https://t.me/joinchat")):
        raise ChannelProblem("organizer.channel_private_link")
    raise ChannelProblem("organizer.channel_unreadable")


async def resolve(
    bot: Bot, named: Named, purpose: Purpose, organizer_id: int, trusted: bool
) -> ChannelRef:
    """Look the channel up and check every right it needs; `ChannelProblem` says what is missing."""
    try:
        chat = await bot.get_chat(named.lookup)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        raise ChannelProblem("organizer.channel_not_found", name=str(named.lookup)) from exc
    if chat.type not in (ChatType.CHANNEL, ChatType.SUPERGROUP):
        raise ChannelProblem("organizer.channel_wrong_type")
    title = chat.title or str(chat.id)
    me = await bot.me()
    try:
        member = await bot.get_chat_member(chat.id, me.id)
    except TelegramAPIError as exc:
        raise ChannelProblem("organizer.bot_not_admin", title=title) from exc
    if (
        not isinstance(member, ChatMemberAdministrator)
        and member.status != ChatMemberStatus.CREATOR
    ):
        raise ChannelProblem("organizer.bot_not_admin", title=title)
    if purpose is Purpose.target and chat.type == ChatType.CHANNEL:
        assert isinstance(member, ChatMemberAdministrator)
        missing = [
            right
            for right in ("can_post_messages", "can_edit_messages")
            if not getattr(member, right, False)
        ]
        if missing:
            raise ChannelProblem(
                "organizer.bot_lacks_rights", title=title, rights=", ".join(missing)
            )
    if not trusted:
        try:
            organizer = await bot.get_chat_member(chat.id, organizer_id)
        except TelegramAPIError as exc:
            raise ChannelProblem("organizer.not_channel_admin", title=title) from exc
        if organizer.status not in _ADMINS:
            raise ChannelProblem("organizer.not_channel_admin", title=title)
    return ChannelRef(chat.id, title, chat.username, chat.invite_link)
