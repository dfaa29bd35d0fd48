"""Checking the channels an organizer names, through the bot.

A required channel needs the bot as an admin there (getChatMember about other users
only works for admins). A target channel needs the bot as an admin that may post
(`can_post_messages` in channels), and the organizer as one of its admins unless they
are a bot admin. Every refusal names the channel and what is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatFullInfo, ChatMemberAdministrator, ChatMemberOwner

from app.api.problems import ApiProblem
from app.api.schemas import ChannelHandle
from app.contests.channels import ChannelRef
from app.db.tables import Channel
from app.errors import TelegramUnavailable

_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


def _chat_key(handle: ChannelHandle) -> int | str:
    if isinstance(handle, int):
        if handle >= 0:
            raise ApiProblem(400, "invalid_channel", f"{handle} is not a channel id (negative)")
        return handle
    match = _USERNAME.match(handle.strip())
    if match is None:
        raise ApiProblem(
            400, "invalid_channel", f"{handle!r} is not a channel: give @username or its chat id"
        )
    return "@" + match.group(1)


def _name(chat: ChatFullInfo) -> str:
    return f"@{chat.username}" if chat.username else f"{chat.title} ({chat.id})"


async def _call(what: str, handle: object, coro):  # type: ignore[no-untyped-def]
    try:
        return await coro
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        raise ApiProblem(
            400,
            "channel_unavailable",
            f"channel {handle}: {what} failed ({exc.message}); "
            "add the bot to the channel as an admin and try again",
        ) from None
    except TelegramAPIError as exc:
        raise TelegramUnavailable(f"Telegram could not answer {what}: {exc.message}") from exc
    except Exception as exc:  # network errors: aiohttp, timeouts
        raise TelegramUnavailable(f"Telegram could not be reached for {what}") from exc


async def _lookup(bot: Bot, handle: ChannelHandle) -> ChatFullInfo:
    key = _chat_key(handle)
    chat = await _call("getChat", handle, bot.get_chat(key))
    if chat.type == ChatType.PRIVATE:
        raise ApiProblem(400, "invalid_channel", f"{handle} is a private chat, not a channel")
    return chat


async def _bot_rights(bot: Bot, chat: ChatFullInfo, *, post: bool) -> None:
    member = await _call("getChatMember", _name(chat), bot.get_chat_member(chat.id, bot.id))
    if isinstance(member, ChatMemberOwner):
        return
    if not isinstance(member, ChatMemberAdministrator):
        raise ApiProblem(
            400,
            "bot_not_admin",
            f"the bot is not an admin of {_name(chat)}: make it an admin"
            + (" with the right to post messages" if post else " so it can check subscriptions"),
        )
    if post and chat.type == ChatType.CHANNEL and not member.can_post_messages:
        raise ApiProblem(
            400,
            "bot_cannot_post",
            f"the bot is an admin of {_name(chat)} but lacks the right to post messages",
        )


async def _user_is_admin(bot: Bot, chat: ChatFullInfo, user_id: int) -> bool:
    admins = await _call("getChatAdministrators", _name(chat), bot.get_chat_administrators(chat.id))
    return any(admin.user.id == user_id for admin in admins)


async def _remember(chat: ChatFullInfo) -> None:
    values = {
        Channel.title: chat.title or "",
        Channel.username: chat.username,
        Channel.invite_link: chat.invite_link,
        Channel.bot_is_admin: True,
        Channel.checked_at: datetime.now(UTC),
    }
    updated = await Channel.update(values).where(Channel.id == chat.id).returning(Channel.id)
    if not updated:
        await Channel.insert(
            Channel(id=chat.id, **{column._meta.name: value for column, value in values.items()})
        ).on_conflict(action="DO NOTHING")


async def required(bot: Bot, handles: Iterable[ChannelHandle]) -> list[ChannelRef]:
    """The required channels, each checked to have the bot as an admin."""
    refs: list[ChannelRef] = []
    for handle in handles:
        chat = await _lookup(bot, handle)
        await _bot_rights(bot, chat, post=False)
        await _remember(chat)
        refs.append(ChannelRef(chat.id, chat.title or "", chat.username, chat.invite_link))
    return refs


async def targets(
    bot: Bot, handles: Iterable[ChannelHandle], user_id: int, is_bot_admin: bool
) -> list[int]:
    """The target channels' ids; the bot must be able to post and the user must be an admin."""
    chat_ids: list[int] = []
    for handle in handles:
        chat = await _lookup(bot, handle)
        await _bot_rights(bot, chat, post=True)
        if not is_bot_admin and not await _user_is_admin(bot, chat, user_id):
            raise ApiProblem(
                403,
                "not_channel_admin",
                f"you are not an admin of {_name(chat)}; only its admins may post contests there",
            )
        await _remember(chat)
        chat_ids.append(chat.id)
    return chat_ids
