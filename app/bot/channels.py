"""The channel an organizer's message points at: a forwarded post or a typed handle.

Checking it is shared with the organizer API: `app.telegram.channels.resolve`.
"""

from __future__ import annotations

from aiogram.types import Message, MessageOriginChannel

from app.telegram.channels import Handle, chat_key


def named_in(message: Message) -> Handle:
    """The channel a message points at (forwarded post, @username, t.me link or id)."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        return origin.chat.id
    if message.forward_from_chat is not None:
        return message.forward_from_chat.id
    return chat_key(message.text or "")
