"""The reason an organizer types for a re-draw or an exclusion."""

from __future__ import annotations

from aiogram.types import Message

from app.contests import rules
from app.errors import ValidationError


def typed_in(message: Message) -> str | None:
    """The message's text as a reason (`rules.check_reason`), or None when it cannot be
    one: empty, too long, or a command (a command is the organizer moving on)."""
    text = (message.text or "").strip()
    if text.startswith("/"):
        return None
    try:
        return rules.check_reason(text)
    except ValidationError:
        return None
