"""The test-facing control API: make accounts and chats, act as users, read what bots did."""

from __future__ import annotations

import secrets
import time
from typing import Any

from .bots import BotAccount
from .core import EmulatorCore
from .errors import EmulatorUsageError
from .flood import FloodLimits
from .formatting import format_text
from .images import jpeg_header
from .markup import find_button
from .methods.messages import forward_origin_of
from .models import (
    ADMIN_RIGHTS,
    CHANNEL_ADMIN_RIGHTS,
    GROUP_ADMIN_RIGHTS,
    CallbackAnswer,
    CallbackQuery,
    Chat,
    ChatBoost,
    Membership,
    Message,
    User,
)
from .world import World

PROFILE_PHOTO_SIDES = (160, 320, 640)

BotRef = BotAccount | str | int | None


def full_admin_rights(chat_type: str) -> dict[str, bool]:
    extra = CHANNEL_ADMIN_RIGHTS if chat_type == "channel" else GROUP_ADMIN_RIGHTS
    rights = dict.fromkeys(ADMIN_RIGHTS + extra, True)
    rights["can_promote_members"] = False
    return rights


class ControlApi(EmulatorCore):
    """What a test may do to the emulated Telegram (also served under /_emulator/)."""

    # accounts and chats --------------------------------------------------------------

    def create_user(
        self,
        user_id: int | None = None,
        first_name: str = "Test",
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
        is_premium: bool = False,
        started: bool = True,
    ) -> User:
        """A person; `started` means they have pressed Start in the default bot."""
        user_id = user_id or next(self.world.user_ids)
        if user_id in self.world.users:
            raise EmulatorUsageError(f"account {user_id} already exists")
        user = User(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        self.world.add_user(user)
        if started:
            self.bot.started_by.add(user_id)
        self.notify()
        return user

    def _new_chat(
        self,
        chat_type: str,
        title: str,
        username: str | None,
        chat_id: int | None,
        creator: int | None,
    ) -> Chat:
        chat_id = chat_id or self.world.next_chat_id(chat_type)
        if chat_id in self.world.chats or chat_id > 0:
            raise EmulatorUsageError(f"chat id {chat_id} is taken or not a group/channel id")
        chat = Chat(id=chat_id, type=chat_type, title=title, username=username)
        self.world.add_chat(chat)
        if creator is not None:
            chat.members[creator] = Membership("creator")
        self.notify()
        return chat

    def create_channel(
        self,
        title: str,
        *,
        username: str | None = None,
        chat_id: int | None = None,
        creator: int | None = None,
    ) -> Chat:
        return self._new_chat("channel", title, username, chat_id, creator)

    def create_group(
        self,
        title: str,
        *,
        username: str | None = None,
        chat_id: int | None = None,
        creator: int | None = None,
        supergroup: bool = True,
    ) -> Chat:
        return self._new_chat(
            "supergroup" if supergroup else "group", title, username, chat_id, creator
        )

    def set_profile_photos(self, user_id: int, count: int, *, hidden: bool = False) -> User:
        """Give a user `count` profile photos (each in Telegram's three sizes); `hidden`
        is the privacy setting that shows them to nobody."""
        user = self._user(user_id)
        user.profile_photos = [
            [
                self.world.store_file(
                    jpeg_header(side, side), kind="photos", width=side, height=side
                )
                for side in PROFILE_PHOTO_SIDES
            ]
            for _ in range(count)
        ]
        user.photos_hidden = hidden
        self.notify()
        return user

    def _user(self, user_id: int) -> User:
        user = self.world.users.get(user_id)
        if user is None:
            raise EmulatorUsageError(f"no such user: {user_id}")
        return user

    def _group(self, chat_id: int | str) -> Chat:
        chat = self.world.find_chat(chat_id)
        if chat is None or chat.type == "private":
            raise EmulatorUsageError(f"no such group or channel: {chat_id}")
        return chat

    def set_member(
        self,
        chat_id: int | str,
        user_id: int,
        status: str = "member",
        *,
        rights: dict[str, bool] | None = None,
        is_member: bool = True,
        custom_title: str | None = None,
        until_date: int = 0,
    ) -> None:
        """Put a user (or bot) in a chat with a status: creator, administrator, member,
        restricted, left or kicked. Sends my_chat_member/chat_member updates."""
        chat = self._group(chat_id)
        user = self._user(user_id)
        if status not in ("creator", "administrator", "member", "restricted", "left", "kicked"):
            raise EmulatorUsageError(f"unknown member status {status!r}")
        if status == "administrator" and rights is None:
            rights = full_admin_rights(chat.type)
        membership = Membership(
            status,
            dict(rights or {}),
            is_member=is_member,
            until_date=until_date,
            custom_title=custom_title,
        )
        actor = next(
            (self.world.users[uid] for uid, m in chat.members.items() if m.status == "creator"),
            user,
        )
        self.change_membership(chat, user, membership, actor=actor)

    def add_member(self, chat_id: int | str, user_id: int) -> None:
        self.set_member(chat_id, user_id, "member")

    def remove_member(self, chat_id: int | str, user_id: int, *, kicked: bool = False) -> None:
        self.set_member(chat_id, user_id, "kicked" if kicked else "left")

    def add_boost(self, chat_id: int | str, user_id: int, *, days: float = 30) -> str:
        """A Premium user boosts a channel or supergroup for `days` (negative: a boost that
        has expired); returns the boost's id."""
        chat = self._group(chat_id)
        self._user(user_id)
        now = int(time.time())
        boost = ChatBoost(
            f"boost-{chat.id}-{user_id}-{len(chat.boosts.get(user_id, [])) + 1}",
            now,
            now + int(days * 86400),
        )
        chat.boosts.setdefault(user_id, []).append(boost)
        if boost.is_active():
            self.push_to_admins(chat, "chat_boost", {"boost": boost.to_api(self._user(user_id))})
        return boost.boost_id

    def remove_boosts(self, chat_id: int | str, user_id: int) -> None:
        """The user takes back every boost of the chat (a removed_chat_boost each)."""
        chat = self._group(chat_id)
        user = self._user(user_id)
        for boost in chat.boosts.pop(user_id, []):
            source = boost.to_api(user)["source"]
            self.push_to_admins(
                chat,
                "removed_chat_boost",
                {"boost_id": boost.boost_id, "remove_date": int(time.time()), "source": source},
            )

    def set_bot_admin(
        self, chat_id: int | str, rights: dict[str, bool] | None = None, *, bot: BotRef = None
    ) -> None:
        """Make the bot an administrator (all usual rights unless `rights` is given)."""
        self.set_member(chat_id, self.bot_for(bot).id, "administrator", rights=rights)

    def revoke_bot_admin(
        self, chat_id: int | str, *, bot: BotRef = None, leave: bool = False
    ) -> None:
        """Demote the bot to a plain member, or take it out of the chat."""
        self.set_member(chat_id, self.bot_for(bot).id, "left" if leave else "member")

    def block_bot(self, user_id: int, *, bot: BotRef = None) -> None:
        self._user(user_id)
        self.bot_for(bot).blocked_by.add(user_id)
        self.notify()

    def unblock_bot(self, user_id: int, *, bot: BotRef = None) -> None:
        self.bot_for(bot).blocked_by.discard(user_id)
        self.notify()

    # users act -----------------------------------------------------------------------

    def _incoming(
        self, user_id: int, chat_id: int | str | None, bot: BotRef
    ) -> tuple[BotAccount, User, Chat]:
        account = self.bot_for(bot)
        user = self._user(user_id)
        if chat_id is None:
            chat = self.world.private_chats[user_id]
            account.blocked_by.discard(user_id)
            account.started_by.add(user_id)
        else:
            chat = self._group(chat_id)
            membership = chat.members.get(user_id)
            if chat.type == "channel" or membership is None or not membership.is_present:
                raise EmulatorUsageError(f"user {user_id} can't write to chat {chat_id}")
        return account, user, chat

    def _deliver(self, account: BotAccount, message: Message) -> Message:
        chat = message.chat
        if chat.type == "private":
            self.push_update(account, "message", message.to_api())
            return message
        payload = message.to_api()
        for bot in self.world.bots.values():
            membership = chat.members.get(bot.id)
            if (
                membership is not None
                and membership.is_present
                and bot.id != (message.sender.id if message.sender else None)
            ):
                self.push_update(bot, "message", payload)
        return message

    def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | str | None = None,
        bot: BotRef = None,
        reply_to: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> Message:
        """A user writes to the bot (private chat) or in a group the bot is in."""
        account, user, chat = self._incoming(user_id, chat_id, bot)
        message = self.world.new_message(account, chat, user)
        message.text, found = format_text(text, None, entities)
        message.entities = found or None
        if reply_to is not None:
            message.reply_to = self.world.message(account, chat, reply_to)
        return self._deliver(account, message)

    def user_sends_command(
        self, user_id: int, command: str, args: str | None = None, *, bot: BotRef = None
    ) -> Message:
        """`/command args` in the private chat, e.g. user_sends_command(1, "start", "ref42")."""
        text = "/" + command.lstrip("/") + (f" {args}" if args else "")
        return self.user_sends(user_id, text, bot=bot)

    def user_sends_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        bot: BotRef = None,
    ) -> Message:
        account, user, chat = self._incoming(user_id, None, bot)
        stored = self.world.store_file(
            data, kind="documents", file_name=file_name, mime_type=mime_type
        )
        message = self.world.new_message(account, chat, user)
        message.document = stored
        if caption:
            message.caption, entities = format_text(caption, None, None)
            message.caption_entities = entities or None
        return self._deliver(account, message)

    def channel_post(self, chat_id: int | str, text: str) -> Message:
        """A post written in the channel by its staff; admin bots get a channel_post update."""
        chat = self._group(chat_id)
        if chat.type != "channel":
            raise EmulatorUsageError(f"{chat_id} is not a channel")
        log = self.world.log(self.bot, chat)
        text_value, entities = format_text(text, None, None)
        message = Message(
            message_id=log.take_id(),
            chat=chat,
            date=int(time.time()),
            sender_chat=chat,
            text=text_value,
            entities=entities or None,
        )
        log.add(message)
        payload = message.to_api()
        for bot in self.world.bots.values():
            membership = chat.members.get(bot.id)
            if membership is not None and membership.is_admin:
                self.push_update(bot, "channel_post", payload)
        return message

    def user_forwards(
        self, user_id: int, from_chat_id: int | str, message_id: int, *, bot: BotRef = None
    ) -> Message:
        """A user forwards a channel post (or any chat message they can see) to the bot."""
        account, user, chat = self._incoming(user_id, None, bot)
        source_chat = self._group(from_chat_id)
        source = self.world.logs.get((0, source_chat.id))
        original = source.get(message_id) if source else None
        if original is None:
            raise EmulatorUsageError(f"no message {message_id} in chat {from_chat_id}")
        message = self.world.new_message(account, chat, user)
        message.text, message.entities = original.text, original.entities
        message.photo, message.document = original.photo, original.document
        message.caption, message.caption_entities = original.caption, original.caption_entities
        message.forward_origin = forward_origin_of(original)
        message.legacy_forward = {
            "forward_from_chat": source_chat.to_api(),
            "forward_from_message_id": original.message_id,
            "forward_date": original.date,
        }
        return self._deliver(account, message)

    def press_button(
        self,
        user_id: int,
        chat_id: int | str,
        message_id: int,
        *,
        data: str | None = None,
        text: str | None = None,
        bot: BotRef = None,
    ) -> CallbackQuery:
        """A user taps an inline callback button (found by callback data or by its text)."""
        account = self.bot_for(bot)
        user = self._user(user_id)
        chat = self.world.find_chat(chat_id)
        if chat is None:
            raise EmulatorUsageError(f"no such chat: {chat_id}")
        if chat.type == "private" and chat.id != user_id:
            raise EmulatorUsageError("a user can only press buttons in their own private chat")
        if chat.type != "private" and not chat.username:
            membership = chat.members.get(user_id)
            if membership is None or not membership.is_present:
                raise EmulatorUsageError(f"user {user_id} can't see chat {chat_id}")
        message = self.world.message(account, chat, message_id)
        if message is None:
            raise EmulatorUsageError(f"no message {message_id} in chat {chat_id}")
        button = find_button(message.reply_markup, data=data, text=text)
        if button is None or "callback_data" not in button:
            raise EmulatorUsageError(
                f"message {message_id} has no callback button {data or text!r}"
            )
        query = CallbackQuery(
            id=str(secrets.randbits(62)),
            bot_id=account.id,
            user=user,
            message=message,
            data=button["callback_data"],
            created_at=time.monotonic(),
        )
        self.world.callbacks[query.id] = query
        self.push_update(
            account,
            "callback_query",
            {
                "id": query.id,
                "from": user.to_api(),
                "message": message.to_api(),
                "chat_instance": str((account.id * 1_000_003 ^ chat.id) & (2**62 - 1)),
                "data": query.data,
            },
        )
        return query

    # reading -------------------------------------------------------------------------

    def messages(
        self, chat_id: int | str, *, bot: BotRef = None, include_deleted: bool = False
    ) -> list[Message]:
        """Every message of a chat in order (for a private chat: the one with this bot)."""
        chat = self.world.find_chat(chat_id)
        if chat is None:
            raise EmulatorUsageError(f"no such chat: {chat_id}")
        log = self.world.logs.get((self.bot_for(bot).id if chat.type == "private" else 0, chat.id))
        if log is None:
            return []
        return [m for m in log.messages.values() if include_deleted or not m.deleted]

    def bot_messages(self, chat_id: int | str, *, bot: BotRef = None) -> list[Message]:
        """Messages the bot sent to a chat, in order."""
        account = self.bot_for(bot)
        return [m for m in self.messages(chat_id, bot=account) if m.sent_by_bot_id == account.id]

    def messages_to_user(self, user_id: int, *, bot: BotRef = None) -> list[Message]:
        return self.bot_messages(user_id, bot=bot)

    def message(self, chat_id: int | str, message_id: int, *, bot: BotRef = None) -> Message:
        chat = self.world.find_chat(chat_id)
        found = self.world.logs.get(
            (self.bot_for(bot).id if chat and chat.type == "private" else 0, chat.id if chat else 0)
        )
        message = found.messages.get(message_id) if found else None
        if message is None:
            raise EmulatorUsageError(f"no message {message_id} in chat {chat_id}")
        return message

    def callback_query(self, query_id: str) -> CallbackQuery:
        query = self.world.callbacks.get(query_id)
        if query is None:
            raise EmulatorUsageError(f"no callback query {query_id}")
        return query

    def callback_answers(self, *, bot: BotRef = None) -> list[CallbackQuery]:
        account = self.bot_for(bot)
        return [q for q in self.world.callbacks.values() if q.bot_id == account.id and q.answer]

    def file_bytes(self, file_id: str) -> bytes:
        stored = self.world.files.get(file_id)
        if stored is None:
            raise EmulatorUsageError(f"no file {file_id}")
        return stored.data

    def call_counts(self, *, bot: BotRef = None) -> dict[str, int]:
        """Calls per Bot API method, failed ones included."""
        return dict(self.bot_for(bot).calls)

    def failure_counts(self, *, bot: BotRef = None) -> dict[str, int]:
        return dict(self.bot_for(bot).failures)

    async def wait_for_bot_messages(
        self, chat_id: int | str, count: int = 1, *, bot: BotRef = None, timeout: float = 5.0
    ) -> list[Message]:
        """Wait until the bot has sent `count` messages to the chat (deleted ones count too);
        returns the ones still there."""
        account = self.bot_for(bot)
        chat = self.world.find_chat(chat_id)
        if chat is None:
            raise EmulatorUsageError(f"no such chat: {chat_id}")
        log = self.world.log(account, chat)
        await self.wait_for(lambda: log.sent_by_bots.get(account.id, 0) >= count, timeout)
        return self.bot_messages(chat_id, bot=account)

    async def wait_for_answer(self, query_id: str, timeout: float = 5.0) -> CallbackAnswer:
        """Wait for the bot's answerCallbackQuery to this press."""
        query = self.callback_query(query_id)
        return await self.wait_for(lambda: query.answer, timeout)

    # knobs ---------------------------------------------------------------------------

    def set_flood_limits(self, **limits: Any) -> FloodLimits:
        """Change flood limits (fields of FloodLimits, e.g. enabled=False, private_burst=1)."""
        current = self.flood.limits
        updated = FloodLimits(
            **{**{name: getattr(current, name) for name in current.__slots__}, **limits}
        )
        self.flood.configure(updated)
        return updated

    def inject_fault(self, kind: str, count: int = 1, **options: Any) -> None:
        """Make the next matching calls fail; see faults.Fault for kinds and options."""
        self.faults.inject(kind, count, **options)

    async def reset(self) -> None:
        """Forget everything but the default bot (same token), and undo knob changes."""
        await self.stop_webhooks()
        self.interrupt_polling("Conflict: terminated by emulator reset")
        self.flood.configure(self.initial_flood)
        self.callback_timeout = self.initial_callback_timeout
        token, username, name = self.bot.token, self.bot.user.username, self.bot.user.first_name
        self.world = World()
        self.faults.clear()
        self.bot = self.create_bot(token=token, username=username, first_name=name)
        self.notify()
