"""chat_boost and removed_chat_boost updates: a boost given or taken back after joining
counts without the participant pressing Participate again (`app.telegram.boosts.follow`).

Telegram sends them for chats where the bot is an administrator (it must be, for the
boost tickets to be checked at all). A boost whose source names no user (a giveaway's
unclaimed boost) belongs to nobody's tickets. When Telegram cannot say how many boosts
the user now has, the handler fails and the update is delivered again (webhook mode).
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import ChatBoostRemoved, ChatBoostSource, ChatBoostUpdated

from app.telegram import boosts


def _booster(source: ChatBoostSource) -> int | None:
    user = getattr(source, "user", None)
    return None if user is None else user.id


async def boost_added(update: ChatBoostUpdated, bot: Bot) -> None:
    if (user_id := _booster(update.boost.source)) is not None:
        await boosts.follow(bot, update.chat.id, user_id)


async def boost_removed(update: ChatBoostRemoved, bot: Bot) -> None:
    if (user_id := _booster(update.source)) is not None:
        await boosts.follow(bot, update.chat.id, user_id)


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="boosts")
    router.chat_boost.register(boost_added)
    router.removed_chat_boost.register(boost_removed)
    return router
