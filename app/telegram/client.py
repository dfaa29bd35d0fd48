"""Building the aiogram `Bot` every role uses, pointed at the configured Bot API."""

from __future__ import annotations

import contextlib
from http import HTTPStatus
from typing import Annotated, Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import Response, TelegramMethod
from aiogram.types import ResultChatMemberUnion, User
from pydantic import Field, ValidationError

from app.config import Settings
from app.errors import TelegramUnavailable
from app.single_flight import SingleFlight

REQUEST_TIMEOUT_SECONDS = 30
_RESPONSE_TYPES: dict[Any, type[Response[Any]]] = {}
_TAGGED: dict[Any, type[Response[Any]]] = {
    ResultChatMemberUnion: Response[  # type: ignore[dict-item]
        Annotated[ResultChatMemberUnion, Field(discriminator="status")]
    ],
}


class Session(AiohttpSession):
    """aiogram's session, keeping each `Response[...]` model it parses answers with.

    aiogram builds `Response[method.__returning__]` for every answer; pydantic caches
    parametrized models only weakly, so the class was garbage and rebuilt per request
    (a tenth of a worker's CPU in the announcement profile). Holding it keeps it cached.

    A getChatMember answer (one per join of a long-time subscriber) is parsed as the
    union of ChatMember kinds tagged by `status`: aiogram tries the six kinds one after
    another (~90 µs a call, the dearest step of a membership check), the tag goes straight
    to the right one (~15 µs). What the tagged parse does not take (an error answer, a
    status it does not know) goes aiogram's way, with aiogram's errors.
    """

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        tagged = _TAGGED.get(returning)
        if tagged is not None and HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            with contextlib.suppress(ValidationError):
                response = tagged.model_validate_json(content, context={"bot": bot})
                if response.ok:
                    return response
        if returning not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


class ContestBot(Bot):
    """aiogram's `Bot` whose `me()` has at most one getMe in flight.

    aiogram keeps the answer once it has it, but every caller that comes before asks
    again: a freshly started API hit by a hundred Mini App cards sent a hundred getMe
    and each request waited for Telegram. Here the first caller asks and the others
    wait for that answer; a failed or cancelled ask is not kept (the next caller asks).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._asking: SingleFlight[None, User] = SingleFlight()

    async def me(self) -> User:
        if self._me is not None:
            return self._me
        return await self._asking.run(None, self._ask)

    async def _ask(self) -> User:
        self._me = await self.get_me()  # kept even if every caller gave up meanwhile
        return self._me


def make_bot(settings: Settings, *middlewares: BaseRequestMiddleware) -> Bot:
    """A `Bot` for the configured token and Bot API URL; every call passes `middlewares`."""
    server = TelegramAPIServer.from_base(str(settings.telegram_api_url).rstrip("/"))
    session = Session(api=server, timeout=REQUEST_TIMEOUT_SECONDS)
    for middleware in middlewares:
        session.middleware(middleware)
    return ContestBot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


async def username(bot: Bot) -> str:
    """The bot's @username (from getMe, asked once); TelegramUnavailable when Telegram
    cannot tell (aiogram reports timeouts and network errors as API errors too)."""
    try:
        return (await bot.me()).username or ""
    except TelegramAPIError as exc:
        raise TelegramUnavailable(f"Telegram could not answer getMe: {exc.message}") from exc
