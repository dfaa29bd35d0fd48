"""Building the aiogram `Bot` every role uses, pointed at the configured Bot API."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import Response, TelegramMethod

from app.config import Settings

REQUEST_TIMEOUT_SECONDS = 30
_RESPONSE_TYPES: dict[Any, type[Response[Any]]] = {}


class Session(AiohttpSession):
    """aiogram's session, keeping each `Response[...]` model it parses answers with.

    aiogram builds `Response[method.__returning__]` for every answer; pydantic caches
    parametrized models only weakly, so the class was garbage and rebuilt per request
    (a tenth of a worker's CPU in the announcement profile). Holding it keeps it cached.
    """

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        if returning not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


def make_bot(settings: Settings, *middlewares: BaseRequestMiddleware) -> Bot:
    """A `Bot` for the configured token and Bot API URL; every call passes `middlewares`."""
    server = TelegramAPIServer.from_base(str(settings.telegram_api_url).rstrip("/"))
    session = Session(api=server, timeout=REQUEST_TIMEOUT_SECONDS)
    for middleware in middlewares:
        session.middleware(middleware)
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
