"""The Participate / Join / Check again button.

The callback is answered with a short alert saying exactly what happened; the answer is
the handler's return value, so in webhook mode it is the HTTP response to the update. When channels
are missing, the user gets one button per channel and 'Check again': in a private
message when the press came from a channel post (if they have started the bot), or in
place of the Join button when it was pressed in the bot's own chat.
A user hammering the button gets 'checking…' while their first press is still running,
so one person cannot multiply the getChatMember calls; past the per-user and per-contest
limits (`app.telegram.join_limits`) a press is refused before any work. A contest whose
captcha mode asks this user gets a question first, privately (`ask_captcha`; the
answers: `app.bot.handlers.captcha`).
"""

from __future__ import annotations

import logging
import math

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User

from app.bot import keyboards
from app.config import Settings
from app.contests.channels import ChannelRef
from app.db import contests, users
from app.db.captchas import Pending
from app.db.participants import JoinResult, JoinStatus
from app.errors import NotFoundError
from app.locales import Texts
from app.telegram import cards, gate, joining
from app.telegram.callbacks import JoinButton, ReferredJoinButton
from app.telegram.join_limits import JoinLimits
from app.telegram.member_cache import MemberCache

log = logging.getLogger(__name__)

ALERT_LIMIT = 200


class InFlight:
    """Joins being processed right now, by (contest, user)."""

    def __init__(self) -> None:
        self._running: set[tuple[int, int]] = set()

    def claim(self, contest_id: int, user_id: int) -> bool:
        key = (contest_id, user_id)
        if key in self._running:
            return False
        self._running.add(key)
        return True

    def release(self, contest_id: int, user_id: int) -> None:
        self._running.discard((contest_id, user_id))


def _shorten(value: str) -> str:
    return value if len(value) <= ALERT_LIMIT else value[: ALERT_LIMIT - 1] + "…"


_PRESS_PREFIXES = frozenset({JoinButton.__prefix__, ReferredJoinButton.__prefix__})


def is_press(event: TelegramObject) -> bool:
    """An update pressing Participate / Join / Check again (by its callback data's
    prefix): `join` remembers the presser itself, in the entry's statement, so the
    people middleware leaves them to it."""
    query = event.callback_query if isinstance(event, Update) else None
    if query is None or query.data is None:
        return False
    return query.data.split(JoinButton.__separator__, 1)[0] in _PRESS_PREFIXES


async def _texts_of(user: User, settings: Settings, result: JoinResult | None = None) -> Texts:
    """Texts in the presser's stored language (`result.person`, else remembered now)."""
    person = result.person if result is not None else None
    if person is None:
        person = await users.remember(
            user.id, user.first_name, user.username, user.language_code, settings.default_language
        )
    return Texts(person.language)


async def join(
    query: CallbackQuery,
    callback_data: JoinButton | ReferredJoinButton,
    bot: Bot,
    settings: Settings,
    join_guard: InFlight,
    member_cache: MemberCache,
    join_limits: JoinLimits,
) -> AnswerCallbackQuery | None:
    """Returns the answer, which travels back in the webhook's HTTP response."""
    contest_id, user = callback_data.contest_id, query.from_user
    if not join_guard.claim(contest_id, user.id):
        texts = await _texts_of(user, settings)
        return query.answer(texts("bot.join_busy"))
    in_private = query.message is not None and query.message.chat.type == "private"
    try:
        source = "bot" if in_private else "channel"
        result = await joining.join(
            bot,
            contest_id,
            user,
            source,
            settings.default_language,
            member_cache,
            limits=join_limits,
            referrer=getattr(callback_data, "referrer", None),
        )
        texts = await _texts_of(user, settings, result)
        if result.status is JoinStatus.captcha_required:
            referrer = getattr(callback_data, "referrer", None)
            return await ask_captcha(query, bot, settings, texts, contest_id, source, referrer)
        missing = await missing_channels(contest_id, result)
        if result.status is JoinStatus.not_eligible:
            required = await contests.required_channels(contest_id)
            return query.answer(
                _shorten(joining.refusal_message(result, required, texts)), show_alert=True
            )
    except NotFoundError:
        texts = await _texts_of(user, settings)
        return query.answer(texts("bot.contest_not_found"), show_alert=True)
    finally:
        join_guard.release(contest_id, user.id)
    answer = query.answer(_shorten(answer_text(result, missing, texts)), show_alert=True)
    if not missing:
        return answer
    await answer  # the alert first, then the buttons to subscribe
    if in_private:
        await _offer_subscriptions(query, contest_id, missing, texts)
    else:
        await _explain_privately(bot, user.id, contest_id, missing, texts)
    return None


async def missing_channels(contest_id: int, result: JoinResult) -> list[ChannelRef]:
    if result.status is not JoinStatus.conditions_missing:
        return []
    keys = {item.condition for item in result.missing}
    return [
        ref
        for ref in await contests.required_channels(contest_id)
        if f"channel:{ref.chat_id}" in keys
    ]


def answer_text(result: JoinResult, missing: list[ChannelRef], texts: Texts) -> str:
    if result.status is JoinStatus.conditions_missing:
        return texts("bot.join_missing", channels=", ".join(ref.name for ref in missing))
    return texts(
        f"bot.join_{result.status.value}",
        count=result.count,
        seconds=math.ceil(result.retry_after),
    )


async def _offer_subscriptions(
    query: CallbackQuery, contest_id: int, missing: list[ChannelRef], texts: Texts
) -> None:
    """In the bot's own chat, turn the Join button into subscribe buttons + 'Check again'."""
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_reply_markup(
            reply_markup=keyboards.subscribe(contest_id, missing, texts)
        )
    except TelegramBadRequest as exc:  # unchanged since the last press, or too old to edit
        log.debug("kept the buttons of message %s: %s", query.message.message_id, exc.message)


async def _explain_privately(
    bot: Bot, user_id: int, contest_id: int, missing: list[ChannelRef], texts: Texts
) -> None:
    try:
        await bot.send_message(
            user_id,
            texts("bot.join_missing_message"),
            reply_markup=keyboards.subscribe(contest_id, missing, texts),
        )
    except TelegramForbiddenError:
        log.debug("user %s has not started the bot; the alert has to do", user_id)
    except TelegramBadRequest as exc:
        log.info("could not explain missing channels to user %s: %s", user_id, exc.message)


def question_text(pending: Pending, texts: Texts, key: str, title: str = "") -> str:
    picture = texts(f"bot.picture_{pending.question.asked}")
    return texts(key, title=cards.quote(title), picture=picture)


async def ask_captcha(
    query: CallbackQuery,
    bot: Bot,
    settings: Settings,
    texts: Texts,
    contest_id: int,
    source: str,
    referrer: int | None = None,
) -> AnswerCallbackQuery:
    """Send the question privately and answer the press (it came from `source`); someone
    who never started the bot is sent to its chat by the press's URL answer (the contest
    card there, whose Join asks again)."""
    user_id = query.from_user.id
    pending = await gate.ask(settings, contest_id, user_id, source, referrer)
    contest = await contests.get(contest_id)
    text = question_text(pending, texts, "bot.captcha_question", contest.title)
    try:
        await bot.send_message(
            user_id, text, reply_markup=keyboards.captcha(pending.question, pending.token)
        )
    except TelegramForbiddenError:
        me = await bot.me()
        return query.answer(url=f"https://t.me/{me.username}?start=c{contest_id}")
    in_private = source == "bot"
    return query.answer(
        texts("bot.captcha_below" if in_private else "bot.captcha_sent"), show_alert=True
    )


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="joining")
    router.callback_query.register(join, JoinButton.filter())
    router.callback_query.register(join, ReferredJoinButton.filter())
    return router
