"""Building the aiogram `Bot` every role uses, pointed at the configured Bot API."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from app.config import Settings

REQUEST_TIMEOUT_SECONDS = 30


def make_bot(settings: Settings, *middlewares: BaseRequestMiddleware) -> Bot:
    """A `Bot` for the configured token and Bot API URL; every call passes `middlewares`."""
    server = TelegramAPIServer.from_base(str(settings.telegram_api_url).rstrip("/"))
    session = AiohttpSession(api=server, timeout=REQUEST_TIMEOUT_SECONDS)
    for middleware in middlewares:
        session.middleware(middleware)
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
