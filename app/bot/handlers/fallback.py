"""What nobody else handled: unknown commands, stray messages, stale or forged buttons,
and errors raised by handlers. Included last."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, ErrorEvent, Message

from app.errors import DomainError
from app.locales import FALLBACK, Texts
from app.telegram.cards import quote

log = logging.getLogger(__name__)


async def unknown_command(message: Message, texts: Texts) -> None:
    await message.answer(texts("bot.unknown_command"))


async def stray_message(message: Message, texts: Texts) -> None:
    await message.answer(texts("bot.not_understood"))


async def stale_button(query: CallbackQuery, texts: Texts) -> AnswerCallbackQuery:
    log.info(
        "unrecognised callback data %r from user %s", (query.data or "")[:64], query.from_user.id
    )
    return query.answer(texts("bot.button_outdated"), show_alert=True)


async def domain_error(event: ErrorEvent, texts: Texts | None = None) -> None:
    """A contest rule refused the action: tell the user why."""
    texts = texts or Texts(FALLBACK)
    reason = str(event.exception)
    query = event.update.callback_query
    if query is not None:
        await _answer_quietly(query, reason[:200])
    elif event.update.message is not None:
        await event.update.message.answer(texts("organizer.refused", reason=quote(reason)))


async def unexpected(
    event: ErrorEvent, texts: Texts | None = None, redelivered_on_failure: bool = False
) -> None:
    """Log the failure once with the update id, and tell a pressing user to try again.

    Behind a webhook (`redelivered_on_failure`) the error goes on instead: the webhook
    answers non-2xx and Telegram sends the update again, so the press is not lost.
    `texts` is missing when the failure happened before the middleware set it up
    (e.g. the database was unreachable).
    """
    if redelivered_on_failure:
        raise event.exception
    texts = texts or Texts(FALLBACK)
    log.error(
        "update %s failed: %r", event.update.update_id, event.exception, exc_info=event.exception
    )
    query = event.update.callback_query
    if query is not None:
        await _answer_quietly(query, texts("bot.try_again"))


async def _answer_quietly(query: CallbackQuery, text: str) -> None:
    try:
        await query.answer(text, show_alert=True)
    except TelegramAPIError as exc:  # already answered, or too late
        log.debug("could not answer callback %s: %s", query.id, exc)


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="fallback")
    router.message.register(unknown_command, F.chat.type == "private", F.text.startswith("/"))
    router.message.register(stray_message, F.chat.type == "private")
    router.callback_query.register(stale_button)
    router.error.register(domain_error, ExceptionTypeFilter(DomainError))
    router.error.register(unexpected)
    return router
