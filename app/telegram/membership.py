"""Channel subscription checks through getChatMember.

Telegram answers getChatMember about other users only when the bot is an admin of the
chat. Every answer that is not a clear yes or no (bot not admin, chat gone, network)
becomes `MembershipUnknown`, so the condition fails closed with a reason.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import ChatMember, ChatMemberRestricted

from app.contests.channels import ChannelRef
from app.contests.conditions import (
    ChannelSubscription,
    CheckResult,
    Condition,
    Membership,
    MembershipUnknown,
    evaluate,
)
from app.db import contests
from app.db.draws import Recheck
from app.telegram.member_cache import CHECKED_SECONDS, MemberCache

log = logging.getLogger(__name__)

_MEMBER_STATUSES = frozenset(
    {ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}
)


class TelegramMembership:
    """A `MembershipChecker` asking Telegram, unless `cache` knows a recent "yes"."""

    def __init__(self, bot: Bot, cache: MemberCache | None = None) -> None:
        self.bot = bot
        self.cache = cache

    async def membership(self, chat_id: int, user_id: int) -> Membership:
        if self.cache is not None and await self.cache.is_member(chat_id, user_id):
            return Membership.member
        answer = await self._ask(chat_id, user_id)
        if answer is Membership.member and self.cache is not None:
            await self.cache.remember(chat_id, user_id, CHECKED_SECONDS)
        return answer

    async def _ask(self, chat_id: int, user_id: int) -> Membership:
        try:
            member = await self.bot.get_chat_member(chat_id, user_id)
        except TelegramBadRequest as exc:
            if "user not found" in exc.message.lower() or "participant_id_invalid" in (
                exc.message.lower()
            ):
                return Membership.not_member
            raise self._unknown(chat_id, f"Telegram refused the check: {exc.message}") from exc
        except TelegramForbiddenError as exc:
            raise self._unknown(chat_id, "the bot is not an admin of the channel") from exc
        except TelegramRetryAfter as exc:
            raise self._unknown(chat_id, f"Telegram asked to wait {exc.retry_after} s") from exc
        except (TelegramNetworkError, TelegramAPIError) as exc:
            raise self._unknown(chat_id, f"Telegram could not be reached: {exc}") from exc
        return Membership.member if is_subscribed(member) else Membership.not_member

    @staticmethod
    def _unknown(chat_id: int, reason: str) -> MembershipUnknown:
        log.warning("membership check in chat %s failed: %s", chat_id, reason)
        return MembershipUnknown(reason)


def is_subscribed(member: ChatMember) -> bool:
    """Creator, administrator, member, or restricted but still in the chat."""
    if member.status in _MEMBER_STATUSES:
        return True
    return isinstance(member, ChatMemberRestricted) and bool(member.is_member)


def subscription_conditions(
    bot: Bot, channels: list[ChannelRef], cache: MemberCache | None = None
) -> list[Condition]:
    """One subscription condition per required channel; `cache` spares repeat checks."""
    checker = TelegramMembership(bot, cache)
    return [
        ChannelSubscription(ref.chat_id, ref.title, checker, ref.username, ref.invite_link)
        for ref in channels
    ]


def recheck_for(bot: Bot, contest_id: int) -> Recheck:
    """A draw's re-check of a would-be winner: every required channel, asked again
    (never from the cache)."""

    async def recheck(user_id: int) -> list[CheckResult]:
        required = await contests.required_channels(contest_id)
        return list((await evaluate(subscription_conditions(bot, required), user_id)).results)

    return recheck
