"""Channels an organizer names: parse, look up, check the rights, remember.

An organizer names a channel by `@username`, a `t.me/<username>` link or its numeric
chat id (the bot also takes a forwarded post, see `app.bot.channels.named_in`). One rule
set serves the bot's wizard and the organizer API:

- the chat is a channel or a supergroup, and the bot is an admin there (getChatMember
  about other users only works for admins);
- in a target channel the bot may also post and edit messages (the contest post and
  its live counter);
- the organizer administers the chat, unless they are a bot admin (`trusted`).

Every refusal is a `ChannelProblem` naming the chat and what is missing. A chat that
passes is remembered in the database as Telegram described it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Iterable
from enum import StrEnum
from typing import TypeVar

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatFullInfo, ChatMemberAdministrator

from app.contests.channels import ChannelRef
from app.db import channels as stored
from app.errors import ChannelProblem, TelegramUnavailable

_USERNAME = re.compile(
    r"^(?:@|(?:https?://)?(?:t\.me|telegram\.me)/)?([A-Za-z][A-Za-z0-9_]{3,31})/?$"
)
_CHAT_ID = re.compile(r"^-\d{1,18}$")  # fits in int64
_INVITE_LINK = re.compile(r"^(?:https?://)?(?:t\.me|telegram\.me)/(?:\+|joinchat/)")
_ADMINS = (ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR)
_TARGET_RIGHTS = ("can_post_messages", "can_edit_messages")

Handle = str | int
"""A channel as an organizer names it: `@username`, a t.me link, or the chat id."""

T = TypeVar("T")


class Purpose(StrEnum):
    required = "required"  # the bot checks subscriptions there
    target = "target"  # the bot posts the contest there


def chat_key(handle: Handle) -> str | int:
    """What getChat takes for `handle`: `@username` or a (negative) chat id."""
    if isinstance(handle, int):
        if handle >= 0:
            raise ChannelProblem(
                f"{handle} is not a channel id (channel ids are negative)",
                "invalid_channel",
                "organizer.channel_unreadable",
            )
        return handle
    value = handle.strip()
    if _CHAT_ID.match(value):
        return int(value)
    found = _USERNAME.match(value)
    if found:
        return "@" + found.group(1)
    if _INVITE_LINK.match(value):
        raise ChannelProblem(
            f"{value!r} is an invite link, which the bot cannot look up: "
            "give the channel's @username or its chat id",
            "invalid_channel",
            "organizer.channel_private_link",
        )
    raise ChannelProblem(
        f"{value!r} is not a channel: give @username, a t.me link or its chat id",
        "invalid_channel",
        "organizer.channel_unreadable",
    )


def _name(chat: ChatFullInfo) -> str:
    return f"@{chat.username}" if chat.username else f"{chat.title} ({chat.id})"


async def _ask(method: str, call: Awaitable[T], refused: ChannelProblem) -> T:
    """Telegram's answer; `refused` when it says no, TelegramUnavailable when it cannot."""
    try:
        return await call
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        raise refused from exc
    except TelegramAPIError as exc:
        raise TelegramUnavailable(f"Telegram could not answer {method}: {exc.message}") from exc
    except Exception as exc:  # network errors: aiohttp, timeouts
        raise TelegramUnavailable(f"Telegram could not be reached for {method}") from exc


async def _look_up(bot: Bot, key: str | int) -> ChatFullInfo:
    refused = ChannelProblem(
        f"channel {key} cannot be found: add the bot to the channel as an admin and try again",
        "channel_unavailable",
        "organizer.channel_not_found",
        name=str(key),
    )
    chat = await _ask("getChat", bot.get_chat(key), refused)
    if chat.type not in (ChatType.CHANNEL, ChatType.SUPERGROUP):
        raise ChannelProblem(
            f"{key} is a {chat.type} chat, not a channel or supergroup",
            "invalid_channel",
            "organizer.channel_wrong_type",
        )
    return chat


async def _check_bot(bot: Bot, chat: ChatFullInfo, title: str, purpose: Purpose) -> None:
    needs = (
        " with the rights to post messages and edit messages"
        if purpose is Purpose.target
        else " so it can check subscriptions"
    )
    not_admin = ChannelProblem(
        f"the bot is not an admin of {_name(chat)}: make it an admin{needs}",
        "bot_not_admin",
        "organizer.bot_not_admin",
        title=title,
    )
    member = await _ask("getChatMember", bot.get_chat_member(chat.id, bot.id), not_admin)
    if member.status == ChatMemberStatus.CREATOR:
        return
    if not isinstance(member, ChatMemberAdministrator):
        raise not_admin
    if purpose is Purpose.target and chat.type == ChatType.CHANNEL:
        missing = [right for right in _TARGET_RIGHTS if not getattr(member, right, False)]
        if missing:
            rights = ", ".join(missing)
            raise ChannelProblem(
                f"the bot is an admin of {_name(chat)} but lacks these rights: {rights}",
                "bot_cannot_post" if "can_post_messages" in missing else "bot_cannot_edit",
                "organizer.bot_lacks_rights",
                title=title,
                rights=rights,
            )


async def _check_organizer(bot: Bot, chat: ChatFullInfo, title: str, organizer_id: int) -> None:
    refused = ChannelProblem(
        f"you are not an admin of {_name(chat)}; only its admins may use it in a contest",
        "not_channel_admin",
        "organizer.not_channel_admin",
        title=title,
    )
    member = await _ask("getChatMember", bot.get_chat_member(chat.id, organizer_id), refused)
    if member.status not in _ADMINS:
        raise refused


async def resolve(
    bot: Bot, handle: Handle, purpose: Purpose, organizer_id: int, trusted: bool
) -> ChannelRef:
    """The channel `handle` names, checked for `purpose` and remembered.

    `trusted` (a bot admin) skips the check that the organizer administers the channel.
    """
    chat = await _look_up(bot, chat_key(handle))
    title = chat.title or str(chat.id)
    await _check_bot(bot, chat, title, purpose)
    if not trusted:
        await _check_organizer(bot, chat, title, organizer_id)
    ref = ChannelRef(chat.id, title, chat.username, chat.invite_link)
    await stored.remember(ref.chat_id, ref.title, ref.username, ref.invite_link, True)
    return ref


async def resolve_all(
    bot: Bot, handles: Iterable[Handle], purpose: Purpose, organizer_id: int, trusted: bool
) -> list[ChannelRef]:
    """Every channel in `handles`, in order; the first refusal stops the check."""
    return [await resolve(bot, handle, purpose, organizer_id, trusted) for handle in handles]
