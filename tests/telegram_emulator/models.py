"""The emulated Telegram objects and their Bot API JSON shapes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
    "can_manage_tags",
)
CHANNEL_ADMIN_RIGHTS = ("can_post_messages", "can_edit_messages", "can_manage_direct_messages")
GROUP_ADMIN_RIGHTS = ("can_pin_messages", "can_manage_topics")
RESTRICTED_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
PRESENT_STATUSES = frozenset({"creator", "administrator", "member"})


@dataclass(slots=True)
class User:
    """A Telegram account, a person or a bot."""

    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool = False
    profile_photos: list[list[StoredFile]] = field(default_factory=list)  # newest first
    photos_hidden: bool = False  # privacy: profile photos shown to nobody (bots see none)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data


@dataclass(slots=True)
class Membership:
    """Where one user stands in one group or channel."""

    status: str
    rights: dict[str, bool] = field(default_factory=dict)
    is_member: bool = True
    until_date: int = 0
    custom_title: str | None = None
    is_anonymous: bool = False
    promoted_by: int | None = None

    @property
    def is_present(self) -> bool:
        return self.status in PRESENT_STATUSES or (self.status == "restricted" and self.is_member)

    @property
    def is_admin(self) -> bool:
        return self.status in ("creator", "administrator")

    def can(self, right: str) -> bool:
        return self.status == "creator" or (
            self.status == "administrator" and self.rights.get(right, False)
        )

    def to_api(self, user: User, chat_type: str, viewer_id: int) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "user": user.to_api()}
        if self.status == "creator":
            data["is_anonymous"] = self.is_anonymous
            if self.custom_title:
                data["custom_title"] = self.custom_title
        elif self.status == "administrator":
            data["can_be_edited"] = self.promoted_by == viewer_id
            data["is_anonymous"] = self.is_anonymous
            extra = CHANNEL_ADMIN_RIGHTS if chat_type == "channel" else GROUP_ADMIN_RIGHTS
            for right in ADMIN_RIGHTS + extra:
                data[right] = self.rights.get(right, False)
            if self.custom_title:
                data["custom_title"] = self.custom_title
        elif self.status == "restricted":
            data["is_member"] = self.is_member
            for permission in RESTRICTED_PERMISSIONS:
                data[permission] = self.rights.get(permission, False)
            data["until_date"] = self.until_date
        elif self.status == "kicked":
            data["until_date"] = self.until_date
        return data


@dataclass(slots=True)
class Chat:
    """A private chat, group, supergroup or channel."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    description: str | None = None
    members: dict[int, Membership] = field(default_factory=dict)
    boosts: dict[int, list[ChatBoost]] = field(default_factory=dict)  # by booster's user id

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.username:
            data["username"] = self.username
        if self.first_name is not None:
            data["first_name"] = self.first_name
        if self.last_name:
            data["last_name"] = self.last_name
        return data

    def to_full_api(self) -> dict[str, Any]:
        """The ChatFullInfo shape answered by getChat."""
        data = self.to_api()
        data["accent_color_id"] = 0
        data["max_reaction_count"] = 11
        data["accepted_gift_types"] = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        if self.description:
            data["description"] = self.description
        return data

    def membership(self, user_id: int) -> Membership | None:
        return self.members.get(user_id)


@dataclass(slots=True)
class StoredFile:
    """An uploaded file: the bytes stay in memory so tests can read them back."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def to_api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }

    def document_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data

    def photo_api(self) -> list[dict[str, Any]]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.data),
                "width": self.width,
                "height": self.height,
            }
        ]


@dataclass(slots=True)
class Message:
    """One message in one chat, with its edit history."""

    message_id: int
    chat: Chat
    date: int
    sender: User | None = None
    sender_chat: Chat | None = None
    sent_by_bot_id: int | None = None
    text: str | None = None
    entities: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    reply_markup: dict[str, Any] | None = None
    reply_keyboard: dict[str, Any] | None = None
    reply_to: Message | None = None
    forward_origin: dict[str, Any] | None = None
    legacy_forward: dict[str, Any] | None = None
    edit_date: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def content_key(self) -> tuple[Any, ...]:
        return (self.text, self.entities, self.caption, self.caption_entities, self.reply_markup)

    def record_edit(self) -> None:
        self.history.append(
            {
                "text": self.text,
                "caption": self.caption,
                "reply_markup": self.reply_markup,
                "edit_date": self.edit_date,
            }
        )
        self.edit_date = int(time.time())

    def to_api(self, *, nested: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {"message_id": self.message_id}
        if self.sender is not None:
            data["from"] = self.sender.to_api()
        if self.sender_chat is not None:
            data["sender_chat"] = self.sender_chat.to_api()
        data["chat"] = self.chat.to_api()
        data["date"] = self.date
        if self.forward_origin is not None:
            data["forward_origin"] = self.forward_origin
            if self.legacy_forward:
                data.update(self.legacy_forward)
        if self.reply_to is not None and not nested:
            data["reply_to_message"] = self.reply_to.to_api(nested=True)
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.photo is not None:
            data["photo"] = self.photo.photo_api()
        if self.document is not None:
            data["document"] = self.document.document_api()
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        if self.reply_markup is not None:
            data["reply_markup"] = self.reply_markup
        return data

    def to_control(self) -> dict[str, Any]:
        """The test's view: the API shape plus what only the emulator knows."""
        data = self.to_api()
        data["edit_count"] = len(self.history)
        data["history"] = self.history
        data["deleted"] = self.deleted
        data["sent_by_bot_id"] = self.sent_by_bot_id
        if self.reply_keyboard is not None:
            data["reply_keyboard"] = self.reply_keyboard
        return data


@dataclass(slots=True)
class CallbackAnswer:
    """What the bot answered to one callback query."""

    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    answered_at: float

    def to_api(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
            "cache_time": self.cache_time,
        }


@dataclass(slots=True)
class CallbackQuery:
    """A button press, waiting for the bot's answer."""

    id: str
    bot_id: int
    user: User
    message: Message
    data: str | None
    created_at: float
    answer: CallbackAnswer | None = None

    def to_control(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "bot_id": self.bot_id,
            "user_id": self.user.id,
            "chat_id": self.message.chat.id,
            "message_id": self.message.message_id,
            "data": self.data,
            "answer": self.answer.to_api() if self.answer else None,
        }


@dataclass(slots=True)
class ChatBoost:
    """A boost a Premium user added to a channel or supergroup (Bot API `ChatBoost`, its
    source `ChatBoostSourcePremium`); active until `expiration_date`."""

    boost_id: str
    add_date: int
    expiration_date: int

    def is_active(self, now: float | None = None) -> bool:
        return self.expiration_date > (time.time() if now is None else now)

    def to_api(self, user: User) -> dict[str, Any]:
        return {
            "boost_id": self.boost_id,
            "add_date": self.add_date,
            "expiration_date": self.expiration_date,
            "source": {"source": "premium", "user": user.to_api()},
        }
