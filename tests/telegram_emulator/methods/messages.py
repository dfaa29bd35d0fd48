"""sendMessage, the edits, deleteMessage, copyMessage, forwardMessage, sendChatAction."""

from __future__ import annotations

from typing import Any

from tests.telegram_emulator.errors import MESSAGE_NOT_MODIFIED, bad_request
from tests.telegram_emulator.models import Chat, Message

from . import Call, api_method
from .content import (
    MAX_CAPTION,
    apply_markup,
    read_caption,
    read_markup,
    read_reply_target,
    read_text,
)


def sending_chat(call: Call) -> Chat:
    chat = call.world.chat(call.params.chat_ref())
    call.world.check_can_send(call.bot, chat)
    return chat


def spend_flood(call: Call, chat: Chat) -> None:
    paid = call.params.bool("allow_paid_broadcast")
    call.core.flood.check(call.bot.id, chat.id, chat.type == "private", paid)


@api_method("sendMessage")
def send_message(call: Call) -> dict[str, Any]:
    chat = sending_chat(call)
    text, entities = read_text(call)
    markup = read_markup(call, chat)
    reply_to = read_reply_target(call, chat)
    spend_flood(call, chat)
    message = call.world.new_message(call.bot, chat, None)
    message.text, message.entities, message.reply_to = text, entities or None, reply_to
    apply_markup(message, markup)
    return message.to_api()


@api_method("sendChatAction")
def send_chat_action(call: Call) -> bool:
    sending_chat(call)
    if not call.params.str("action"):
        raise bad_request("action is empty")
    return True


def editable_message(call: Call) -> Message:
    params = call.params
    if params.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = call.world.chat(params.chat_ref())
    if not call.world.bot_can_see(call.bot, chat):
        raise bad_request("chat not found")
    message = call.world.message(call.bot, chat, params.required_int("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if message.sent_by_bot_id != call.bot.id:
        membership = chat.members.get(call.bot.id)
        if not (chat.type == "channel" and membership and membership.can("can_edit_messages")):
            raise bad_request("message can't be edited")
    return message


def edited_markup(call: Call, message: Message) -> dict[str, Any] | None:
    markup = read_markup(call, message.chat)
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup


EDITABLE_FIELDS = ("text", "entities", "caption", "caption_entities", "reply_markup")


def apply_edit(message: Message, **changes: Any) -> dict[str, Any]:
    """Change the message, or answer "not modified" when nothing would change."""
    current = message.content_key
    wanted = tuple(
        changes.get(name, value) for name, value in zip(EDITABLE_FIELDS, current, strict=True)
    )
    if wanted == current:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    message.record_edit()
    for name, value in changes.items():
        setattr(message, name, value)
    return message.to_api()


@api_method("editMessageText")
def edit_message_text(call: Call) -> dict[str, Any]:
    message = editable_message(call)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = read_text(call)
    markup = edited_markup(call, message)
    return apply_edit(message, text=text, entities=entities or None, reply_markup=markup)


@api_method("editMessageCaption")
def edit_message_caption(call: Call) -> dict[str, Any]:
    message = editable_message(call)
    if message.photo is None and message.document is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = read_caption(call)
    markup = edited_markup(call, message)
    return apply_edit(message, caption=caption, caption_entities=entities, reply_markup=markup)


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    message = editable_message(call)
    return apply_edit(message, reply_markup=edited_markup(call, message))


def delete_one(call: Call, chat: Chat, message_id: int) -> bool:
    message = call.world.message(call.bot, chat, message_id)
    if message is None:
        return False
    if chat.type != "private" and message.sent_by_bot_id != call.bot.id:
        membership = chat.members.get(call.bot.id)
        if membership is None or not membership.can("can_delete_messages"):
            raise bad_request("message can't be deleted")
    message.deleted = True
    return True


@api_method("deleteMessage")
def delete_message(call: Call) -> bool:
    chat = call.world.chat(call.params.chat_ref())
    if not call.world.bot_can_see(call.bot, chat):
        raise bad_request("chat not found")
    if not delete_one(call, chat, call.params.required_int("message_id")):
        raise bad_request("message to delete not found")
    return True


@api_method("deleteMessages")
def delete_messages(call: Call) -> bool:
    chat = call.world.chat(call.params.chat_ref())
    if not call.world.bot_can_see(call.bot, chat):
        raise bad_request("chat not found")
    message_ids = call.params.json("message_ids")
    if not isinstance(message_ids, list) or not 1 <= len(message_ids) <= 100:
        raise bad_request("message_ids is empty")
    for message_id in message_ids:
        delete_one(call, chat, int(message_id))
    return True


def source_message(call: Call, action: str) -> Message:
    source_chat = call.world.chat(call.params.chat_ref("from_chat_id"))
    if not call.world.bot_can_see(call.bot, source_chat):
        raise bad_request("chat not found")
    message = call.world.message(call.bot, source_chat, call.params.required_int("message_id"))
    if message is None:
        raise bad_request(f"message to {action} not found")
    return message


@api_method("copyMessage")
def copy_message(call: Call) -> dict[str, Any]:
    source = source_message(call, "copy")
    chat = sending_chat(call)
    markup = read_markup(call, chat)
    caption, caption_entities = source.caption, source.caption_entities
    if call.params.has("caption"):
        caption, caption_entities = read_caption(call)
    elif caption is not None and len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    reply_to = read_reply_target(call, chat)
    spend_flood(call, chat)
    message = call.world.new_message(call.bot, chat, None)
    message.text, message.entities = source.text, source.entities
    message.photo, message.document = source.photo, source.document
    if source.photo is not None or source.document is not None:
        message.caption, message.caption_entities = caption, caption_entities
    message.reply_to = reply_to
    apply_markup(message, markup)
    return {"message_id": message.message_id}


@api_method("forwardMessage")
def forward_message(call: Call) -> dict[str, Any]:
    source = source_message(call, "forward")
    chat = sending_chat(call)
    spend_flood(call, chat)
    message = call.world.new_message(call.bot, chat, None)
    message.text, message.entities = source.text, source.entities
    message.photo, message.document = source.photo, source.document
    message.caption, message.caption_entities = source.caption, source.caption_entities
    message.forward_origin = source.forward_origin or forward_origin_of(source)
    return message.to_api()


def forward_origin_of(source: Message) -> dict[str, Any]:
    if source.chat.type == "channel":
        return {
            "type": "channel",
            "chat": source.chat.to_api(),
            "message_id": source.message_id,
            "date": source.date,
        }
    if source.sender is not None:
        return {"type": "user", "sender_user": source.sender.to_api(), "date": source.date}
    return {"type": "hidden_user", "sender_user_name": "Deleted Account", "date": source.date}
