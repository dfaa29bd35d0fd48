"""chat_member updates keep the membership cache fresh and the membership history.

Telegram sends them for chats where the bot is an administrator, once `chat_member` is
in allowed_updates (aiogram lists it because this router handles it): someone who
just subscribed finds their "yes" waiting when they press Participate, and someone who
left is asked about again. When the bot itself stops being an administrator
(my_chat_member), the updates stop, so the chat's cached answers go.

A change between subscribed and not subscribed of a required channel is also recorded
with the update's time (`app.db.memberships`), for the "new subscribers only" and
"leavers are excluded" rules. It is recorded before the handler returns: if the database
cannot take it, the update fails and Telegram sends it again (webhook mode).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated, Update

from app.db import memberships
from app.telegram.member_cache import UPDATE_SECONDS, MemberCache
from app.telegram.membership import is_subscribed


async def member_changed(
    update: ChatMemberUpdated, member_cache: MemberCache, event_update: Update
) -> None:
    user_id = update.new_chat_member.user.id
    subscribed = is_subscribed(update.new_chat_member)
    # The cache first: updates are handled concurrently, and a my_chat_member update
    # right after this one (the bot lost its rights) must find the entry to drop.
    if subscribed:
        await member_cache.remember(update.chat.id, user_id, UPDATE_SECONDS)
    else:
        await member_cache.forget(update.chat.id, user_id)
    if subscribed != is_subscribed(update.old_chat_member):
        await memberships.record(
            update.chat.id, user_id, subscribed, update.date, event_update.update_id
        )


async def bot_status_changed(update: ChatMemberUpdated, member_cache: MemberCache) -> None:
    if update.new_chat_member.status not in (
        ChatMemberStatus.ADMINISTRATOR,
        ChatMemberStatus.CREATOR,
    ):
        await member_cache.forget_chat(update.chat.id)


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="members")
    router.chat_member.register(member_changed)
    router.my_chat_member.register(bot_status_changed)
    return router
