"""The emulated Telegram state: accounts, chats, message logs, files, callback queries."""

from __future__ import annotations

import itertools
import mimetypes
import secrets
import time
from dataclasses import dataclass, field

from .bots import BotAccount
from .errors import CHAT_NOT_FOUND, bad_request, forbidden
from .models import CallbackQuery, Chat, Message, StoredFile, User


@dataclass(slots=True)
class ChatLog:
    """The messages of one chat as seen by one bot (private) or by everyone (groups)."""

    messages: dict[int, Message] = field(default_factory=dict)
    next_id: int = 1
    sent_by_bots: dict[int, int] = field(default_factory=dict)

    def add(self, message: Message) -> None:
        self.messages[message.message_id] = message
        bot_id = message.sent_by_bot_id
        if bot_id is not None:
            self.sent_by_bots[bot_id] = self.sent_by_bots.get(bot_id, 0) + 1

    def take_id(self) -> int:
        message_id = self.next_id
        self.next_id += 1
        return message_id

    def get(self, message_id: int) -> Message | None:
        message = self.messages.get(message_id)
        if message is None or message.deleted:
            return None
        return message


class World:
    """Everything the emulator knows; the Bot API methods and the control API share it."""

    def __init__(self) -> None:
        self.bots_by_token: dict[str, BotAccount] = {}
        self.bots: dict[int, BotAccount] = {}
        self.users: dict[int, User] = {}
        self.private_chats: dict[int, Chat] = {}
        self.chats: dict[int, Chat] = {}
        self.chat_usernames: dict[str, int] = {}
        self.logs: dict[tuple[int, int], ChatLog] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.user_ids = itertools.count(7_000_000_001)
        self.channel_ids = itertools.count(1)
        self.file_numbers = itertools.count(1)

    # accounts and chats -------------------------------------------------------------

    def add_bot(self, bot: BotAccount) -> None:
        self.bots_by_token[bot.token] = bot
        self.bots[bot.id] = bot
        self.add_user(bot.user)

    def add_user(self, user: User) -> None:
        self.users[user.id] = user
        self.private_chats[user.id] = Chat(
            id=user.id,
            type="private",
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
        )

    def add_chat(self, chat: Chat) -> None:
        self.chats[chat.id] = chat
        if chat.username:
            self.chat_usernames[chat.username.lower()] = chat.id

    def next_chat_id(self, chat_type: str) -> int:
        number = next(self.channel_ids)
        if chat_type == "group":
            return -(4_000_000_000 + number)
        return -(1_002_000_000_000 + number)

    def find_chat(self, ref: int | str) -> Chat | None:
        if isinstance(ref, str):
            if ref.startswith("@"):
                chat_id = self.chat_usernames.get(ref[1:].lower())
                return self.chats.get(chat_id) if chat_id is not None else None
            try:
                ref = int(ref)
            except ValueError:
                return None
        if ref > 0:
            return self.private_chats.get(ref)
        return self.chats.get(ref)

    def chat(self, ref: int | str) -> Chat:
        chat = self.find_chat(ref)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def log(self, bot: BotAccount, chat: Chat) -> ChatLog:
        key = (bot.id if chat.type == "private" else 0, chat.id)
        log = self.logs.get(key)
        if log is None:
            log = self.logs[key] = ChatLog()
        return log

    # access rules --------------------------------------------------------------------

    def bot_can_see(self, bot: BotAccount, chat: Chat) -> bool:
        if chat.type == "private":
            return True
        membership = chat.members.get(bot.id)
        return membership is not None and membership.is_present

    def check_can_send(self, bot: BotAccount, chat: Chat) -> None:
        """Raise the error Telegram gives when this bot may not post to this chat."""
        if chat.type == "private":
            user = self.users[chat.id]
            if user.is_bot:
                raise forbidden("bot can't send messages to bots")
            if chat.id in bot.blocked_by:
                raise forbidden("bot was blocked by the user")
            if chat.id not in bot.started_by:
                raise forbidden("bot can't initiate conversation with a user")
            return
        membership = chat.members.get(bot.id)
        kind = f"{chat.type} chat"
        if chat.type == "channel":
            if membership is None or not membership.is_present:
                raise forbidden("bot is not a member of the channel chat")
            if not membership.can("can_post_messages"):
                raise bad_request("need administrator rights in the channel chat")
            return
        if membership is not None and membership.status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if membership is None or not membership.is_present:
            raise forbidden(f"bot is not a member of the {kind}")
        if membership.status == "restricted" and not membership.rights.get("can_send_messages"):
            raise bad_request("not enough rights to send text messages to the chat")

    # messages --------------------------------------------------------------------------

    def new_message(self, bot: BotAccount, chat: Chat, sender: User | None) -> Message:
        """A message sent by the bot (sender None means the bot) or by a user."""
        log = self.log(bot, chat)
        if sender is None:
            author: User | None = None if chat.type == "channel" else bot.user
            message = Message(
                message_id=log.take_id(),
                chat=chat,
                date=int(time.time()),
                sender=author,
                sender_chat=chat if chat.type == "channel" else None,
                sent_by_bot_id=bot.id,
            )
        else:
            message = Message(
                message_id=log.take_id(), chat=chat, date=int(time.time()), sender=sender
            )
        log.add(message)
        return message

    def message(self, bot: BotAccount, chat: Chat, message_id: int) -> Message | None:
        return self.log(bot, chat).get(message_id)

    # files -----------------------------------------------------------------------------

    def store_file(
        self,
        data: bytes,
        *,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        number = next(self.file_numbers)
        prefix = "AgAC" if kind == "photos" else "BQAC"
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        elif kind == "photos":
            extension = ".jpg"
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = StoredFile(
            file_id=f"{prefix}AgADAQAD{secrets.token_urlsafe(48)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(9)}",
            file_path=f"{kind}/file_{number}{extension}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored
