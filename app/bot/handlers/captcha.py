"""Answers to the captcha in the bot's chat: a picture question with inline buttons,
asked by `app.bot.handlers.joining.ask_captcha`.

The pending join is the stored question (`app.db.captchas`), so a restart between the
question and the answer loses nothing. A right answer records the join like any other and turns the
question into the answer (with the channels still to subscribe to, if any); a wrong or
expired one turns it into a new question.
"""

from __future__ import annotations

import logging
import math

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from app.bot import keyboards
from app.bot.handlers.joining import answer_text, missing_channels, question_text
from app.config import Settings
from app.db.captchas import Outcome
from app.locales import Texts
from app.telegram import gate, joining
from app.telegram.callbacks import CaptchaButton
from app.telegram.join_limits import JoinLimits
from app.telegram.member_cache import MemberCache

log = logging.getLogger(__name__)

_NEXT_QUESTION = {Outcome.wrong: "bot.captcha_again", Outcome.expired: "bot.captcha_expired"}


async def answer(
    query: CallbackQuery,
    callback_data: CaptchaButton,
    bot: Bot,
    settings: Settings,
    texts: Texts,
    join_limits: JoinLimits,
    member_cache: MemberCache,
) -> AnswerCallbackQuery:
    user = query.from_user
    verdict = await gate.solve(
        settings, join_limits, callback_data.token, user.id, callback_data.choice
    )
    if verdict.refused is not None:
        seconds = math.ceil(verdict.refused.retry_after)
        return query.answer(texts("bot.join_rate_limited", seconds=seconds), show_alert=True)
    if verdict.outcome is Outcome.unknown:
        return query.answer(texts("bot.captcha_unknown"), show_alert=True)
    if verdict.next_question is not None:
        pending = verdict.next_question
        text = question_text(pending, texts, _NEXT_QUESTION[verdict.outcome])
        await _replace(query, text, keyboards.captcha(pending.question, pending.token))
        return query.answer(text)
    result = await joining.join(
        bot,
        verdict.contest_id,
        user,
        verdict.source,
        settings.default_language,
        member_cache,
        captcha_passed=True,
        referrer=verdict.referrer,
    )
    missing = await missing_channels(verdict.contest_id, result)
    text = answer_text(result, missing, texts)
    markup = keyboards.subscribe(verdict.contest_id, missing, texts) if missing else None
    await _replace(query, text, markup)
    return query.answer(text[:200], show_alert=True)


async def _replace(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Turn the question message into `text` (a new question, or the join's answer)."""
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:  # too old to edit, or unchanged
        log.debug("kept captcha message %s: %s", query.message.message_id, exc.message)


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="captcha")
    router.callback_query.register(answer, CaptchaButton.filter())
    return router
