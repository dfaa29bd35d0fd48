"""Middlewares: remember who writes and hand handlers their texts; load managed contests;
skip the conversation state where there can be none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.middlewares.user_context import EVENT_CONTEXT_KEY, EventContext
from aiogram.enums import ChatType
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import CallbackQuery, TelegramObject, Update, User

from app.config import Settings
from app.db import contests, users
from app.errors import DomainError, PermissionDenied
from app.locales import Texts


class PeopleMiddleware(BaseMiddleware):
    """Puts `texts` (in the user's language) and `person` (the stored user) into `data`.

    Users are remembered (or refreshed) on every update they cause, so names in results
    and the language choice stay current; bots, anonymous updates and channel
    membership changes get default texts. Updates `remembered_later` says yes to (a
    Participate press: the entry's statement remembers the presser and hands back their
    language) get `person` None and texts in the language last seen, or Telegram's,
    for error handlers only.
    """

    def __init__(
        self,
        default_language: str,
        remembered_later: Callable[[TelegramObject], bool] = lambda _: False,
    ) -> None:
        self.default_language = default_language
        self.remembered_later = remembered_later

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot or _is_membership_change(event):
            data["texts"] = Texts(self.default_language)
            data["person"] = None
            return await handler(event, data)
        described = users.profile(
            user.id, user.first_name, user.username, user.language_code, self.default_language
        )
        if self.remembered_later(event):
            known = users.recalled(described)
            data["person"] = None
            data["texts"] = Texts(known.language if known else described.language)
            return await handler(event, data)
        person = await users.remember_profile(described)
        data["person"] = person
        data["texts"] = Texts(person.language)
        return await handler(event, data)


def _is_membership_change(event: TelegramObject) -> bool:
    """chat_member updates come for every subscriber of a channel: nobody to remember."""
    return isinstance(event, Update) and event.chat_member is not None


class ManagedContestMiddleware(BaseMiddleware):
    """For organizer buttons: puts the `contest` the presser may manage into `data`.

    Runs after the button's filter unpacked `callback_data`; a press on someone else's
    contest (or a gone one) is answered here and never reaches the handler.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        contest_id = getattr(data.get("callback_data"), "contest_id", None)
        if not isinstance(event, CallbackQuery) or contest_id is None:
            return await handler(event, data)
        texts: Texts = data["texts"]
        settings: Settings = data["settings"]
        try:
            data["contest"] = await contests.get_managed(
                contest_id, event.from_user.id, settings.admin_ids
            )
        except PermissionDenied:
            return await event.answer(texts("organizer.not_yours"), show_alert=True)
        except DomainError:
            return await event.answer(texts("bot.contest_not_found"), show_alert=True)
        return await handler(event, data)


class ChannelStatelessFSM(FSMContextMiddleware):
    """aiogram's FSM middleware, without the storage read for updates in channels.

    Conversations (the wizard, /manage) happen in private chats; a (channel, user) pair
    never has a state, so a button pressed under a channel post (every Participate press
    of a giveaway burst) or a channel's membership change is handed an empty one instead
    of a round trip to Redis. `state` is still the real context, should a handler set one.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        where: EventContext | None = data.get(EVENT_CONTEXT_KEY)
        if where is None or where.chat is None or where.chat.type != ChatType.CHANNEL:
            return await super().__call__(handler, event, data)
        data["fsm_storage"] = self.storage
        context = self.resolve_event_context(data["bot"], data)
        if context is not None:
            data.update({"state": context, "raw_state": None})
        return await handler(event, data)
