"""Boost tickets: a participant's active boosts of the contest's channels (getUserChatBoosts).

Telegram answers getUserChatBoosts only to an administrator of the chat. The contest's
channels are the ones it is published in. A participant's boosts are asked when they
join, when they ask for their tickets again, and when Telegram tells the bot of a boost
added or taken back (`follow`), and stored (`tickets.record_boosts`); the freeze asks
again for everyone with boosts on record (`counter_for`), so a boost taken back before
the freeze no longer counts.
"""

from __future__ import annotations

import logging
import time

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter

from app.contests import rules
from app.db import contests, tickets
from app.db.tables import Contest
from app.errors import FinalCheckUndecided, TelegramUnavailable

log = logging.getLogger(__name__)


async def channels_of(contest_id: int) -> list[int]:
    """The chats whose boosts count: the channels the contest is published in."""
    return [row.chat_id for row in await contests.publications(contest_id)]


async def active_boosts(bot: Bot, chat_ids: list[int], user_id: int) -> int:
    """How many boosts of these chats the user has that have not expired.

    Raises `TelegramUnavailable` naming the chat when Telegram does not answer (the bot
    is no administrator there, a flood wait, the network).
    """
    now = time.time()
    total = 0
    for chat_id in chat_ids:
        try:
            found = await bot.get_user_chat_boosts(chat_id, user_id)
        except TelegramRetryAfter as exc:
            raise TelegramUnavailable(
                f"boosts of chat {chat_id}: Telegram asked to wait {exc.retry_after} s"
            ) from exc
        except (TelegramNetworkError, TelegramAPIError) as exc:
            raise TelegramUnavailable(f"boosts of chat {chat_id}: {exc}") from exc
        total += sum(1 for boost in found.boosts if boost.expiration_date.timestamp() > now)
    return total


async def refresh(bot: Bot, contest: Contest, user_id: int) -> bool:
    """Ask a participant's boosts again and store them; False when Telegram did not
    answer (what was on record stays) or the contest gives no boost tickets."""
    if not rules.counts_boosts(contest.ticket_mode):
        return False
    try:
        count = await active_boosts(bot, await channels_of(contest.id), user_id)
    except TelegramUnavailable as exc:
        log.warning("contest %s: boosts of %s unknown: %s", contest.id, user_id, exc)
        return False
    await tickets.record_boosts(contest.id, user_id, count)
    return True


async def follow(bot: Bot, chat_id: int, user_id: int) -> int:
    """A boost of `chat_id` by `user_id` was added or taken back (Telegram's chat_boost /
    removed_chat_boost): ask again in each running contest it counts in and store the
    answer; returns how many contests changed. Raises `TelegramUnavailable` when Telegram
    does not answer, so the update fails and is delivered again."""
    changed = 0
    for contest in await tickets.boost_contests(chat_id, user_id):
        count = await active_boosts(bot, await channels_of(contest.id), user_id)
        await tickets.record_boosts(contest.id, user_id, count)
        changed += 1
    return changed


def counter_for(bot: Bot, contest_id: int) -> tickets.ActiveBoosts:
    """The freeze's question for each booster on record; no answer makes the draw wait."""

    async def count(user_id: int) -> int:
        try:
            return await active_boosts(bot, await channels_of(contest_id), user_id)
        except TelegramUnavailable as exc:
            raise FinalCheckUndecided("boosts", str(exc)) from exc

    return count
