"""getChat and the member queries, with Telegram's visibility rules."""

from __future__ import annotations

import time
from typing import Any

from tests.telegram_emulator.errors import CHAT_NOT_FOUND, USER_NOT_FOUND, bad_request
from tests.telegram_emulator.models import Chat, Membership

from . import Call, api_method


def visible_chat(call: Call) -> Chat:
    """A chat the bot may ask about: private, one it is in, or a public one."""
    chat = call.world.chat(call.params.chat_ref())
    if chat.type != "private" and not call.world.bot_can_see(call.bot, chat) and not chat.username:
        raise bad_request(CHAT_NOT_FOUND)
    return chat


def check_member_list(call: Call, chat: Chat) -> None:
    """Channels show members only to admins; groups to members."""
    membership = chat.members.get(call.bot.id)
    present = membership is not None and membership.is_present
    if not present or (chat.type == "channel" and not membership.is_admin):
        raise bad_request("member list is inaccessible")


@api_method("getChat")
def get_chat(call: Call) -> dict[str, Any]:
    return visible_chat(call).to_full_api()


@api_method("getChatMember")
def get_chat_member(call: Call) -> dict[str, Any]:
    chat = visible_chat(call)
    user_id = call.params.required_int("user_id")
    user = call.world.users.get(user_id)
    if user is None:
        raise bad_request(USER_NOT_FOUND)
    if chat.type == "private":
        if user_id not in (chat.id, call.bot.id):
            raise bad_request(USER_NOT_FOUND)
        return {"status": "member", "user": user.to_api()}
    if user_id != call.bot.id:
        check_member_list(call, chat)
    membership = chat.members.get(user_id) or Membership("left")
    return membership.to_api(user, chat.type, call.bot.id)


@api_method("getUserChatBoosts")
def get_user_chat_boosts(call: Call) -> dict[str, Any]:
    """The user's active boosts of a channel or supergroup; the bot must be an admin there."""
    chat = visible_chat(call)
    user_id = call.params.required_int("user_id")
    user = call.world.users.get(user_id)
    if user is None:
        raise bad_request(USER_NOT_FOUND)
    membership = chat.members.get(call.bot.id)
    if chat.type not in ("channel", "supergroup"):
        raise bad_request("method is available only for supergroups and channel")
    if membership is None or not membership.is_present or not membership.is_admin:
        raise bad_request("CHAT_ADMIN_REQUIRED")
    now = time.time()
    return {
        "boosts": [
            boost.to_api(user) for boost in chat.boosts.get(user_id, []) if boost.is_active(now)
        ]
    }


@api_method("getChatAdministrators")
def get_chat_administrators(call: Call) -> list[dict[str, Any]]:
    chat = visible_chat(call)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    check_member_list(call, chat)
    return [
        membership.to_api(call.world.users[user_id], chat.type, call.bot.id)
        for user_id, membership in chat.members.items()
        if membership.is_admin and not call.world.users[user_id].is_bot
    ]


@api_method("getChatMemberCount")
def get_chat_member_count(call: Call) -> int:
    chat = visible_chat(call)
    if chat.type == "private":
        return 2
    return sum(1 for membership in chat.members.values() if membership.is_present)


@api_method("leaveChat")
def leave_chat(call: Call) -> bool:
    chat = visible_chat(call)
    membership = chat.members.get(call.bot.id)
    if chat.type == "private" or membership is None or not membership.is_present:
        raise bad_request(CHAT_NOT_FOUND)
    call.core.change_membership(chat, call.bot.user, Membership("left"), actor=call.bot.user)
    return True
