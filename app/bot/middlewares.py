"""Outer middleware: remember who writes, and hand handlers their texts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from app.db import users
from app.locales import Texts


class PeopleMiddleware(BaseMiddleware):
    """Puts `texts` (in the user's language) and `person` (the stored user) into `data`.

    Users are remembered (or refreshed) on every update they cause, so names in results
    and the language choice stay current; bots and anonymous updates get default texts.
    """

    def __init__(self, default_language: str) -> None:
        self.default_language = default_language

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            data["texts"] = Texts(self.default_language)
            data["person"] = None
            return await handler(event, data)
        person = await users.remember(
            user.id, user.first_name, user.username, user.language_code, self.default_language
        )
        data["person"] = person
        data["texts"] = Texts(person.language)
        return await handler(event, data)
