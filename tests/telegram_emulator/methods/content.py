"""Parameter pieces shared by the sending and editing methods."""

from __future__ import annotations

from typing import Any

from tests.telegram_emulator.errors import bad_request
from tests.telegram_emulator.formatting import format_text
from tests.telegram_emulator.markup import validate_reply_markup
from tests.telegram_emulator.models import Chat, Message

from . import Call

MAX_TEXT = 4096
MAX_CAPTION = 1024


def read_text(call: Call) -> tuple[str, list[dict[str, Any]]]:
    params = call.params
    source = params.str("text")
    if not source:
        raise bad_request("message text is empty")
    text, entities = format_text(source, params.str("parse_mode"), params.json("entities"))
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def read_caption(call: Call) -> tuple[str | None, list[dict[str, Any]] | None]:
    params = call.params
    source = params.str("caption")
    if not source:
        return None, None
    text, entities = format_text(source, params.str("parse_mode"), params.json("caption_entities"))
    if len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return (text or None), (entities or None)


def read_markup(call: Call, chat: Chat) -> dict[str, Any] | None:
    markup = call.params.json("reply_markup")
    if markup is None:
        return None
    return validate_reply_markup(markup, chat.type)


def read_reply_target(call: Call, chat: Chat) -> Message | None:
    params = call.params
    reply = params.json("reply_parameters")
    if isinstance(reply, dict):
        message_id, allow_missing = (
            reply.get("message_id"),
            reply.get("allow_sending_without_reply"),
        )
    else:
        message_id = params.int("reply_to_message_id")
        allow_missing = params.bool("allow_sending_without_reply")
    if message_id is None:
        return None
    target = call.world.message(call.bot, chat, int(message_id))
    if target is None and not allow_missing:
        raise bad_request("message to be replied not found")
    return target


def apply_markup(message: Message, markup: dict[str, Any] | None) -> None:
    if markup is not None and "inline_keyboard" in markup:
        message.reply_markup = markup
    elif markup is not None and "keyboard" in markup:
        message.reply_keyboard = markup
