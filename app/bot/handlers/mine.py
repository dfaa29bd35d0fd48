"""A participant's own view: the contests they entered, and whether they won."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from app.bot import keyboards
from app.contests import proof as proofs
from app.db import contests, draws, participants
from app.errors import NotFoundError
from app.locales import Texts
from app.telegram import cards
from app.telegram.callbacks import ResultsButton

LISTED = 20


async def my_contests(message: Message, texts: Texts) -> None:
    assert message.from_user is not None
    entered = (await participants.contests_of(message.from_user.id))[:LISTED]
    if not entered:
        await message.answer(texts("bot.mine_none"))
        return
    lines = [texts("bot.mine_title")]
    for contest in entered:
        status = texts(f"bot.status_name_{contest.status}")
        lines.append(f"• <b>{cards.quote(contest.title)}</b> — {status}")
    await message.answer("\n".join(lines), reply_markup=keyboards.my_contests(entered, texts))


async def did_i_win(query: CallbackQuery, callback_data: ResultsButton, texts: Texts) -> None:
    try:
        await contests.get(callback_data.contest_id)
    except NotFoundError:
        await query.answer(texts("bot.contest_not_found"), show_alert=True)
        return
    try:
        document = await draws.proof(callback_data.contest_id)
    except NotFoundError:
        await query.answer(texts("bot.not_drawn_yet"), show_alert=True)
        return
    listed = await draws.listed(callback_data.contest_id, query.from_user.id)
    found = proofs.inclusion(document, query.from_user.id, listed)
    if found.role == "reserve":
        place = document.reserves.index(query.from_user.id) + 1
        await query.answer(texts("bot.you_reserve", place=place), show_alert=True)
        return
    if found.role == "excluded":
        reason = (await draws.replacements(callback_data.contest_id)).get(query.from_user.id)
        if reason is not None:
            await query.answer(texts("bot.you_replaced", reason=reason)[:200], show_alert=True)
            return
        by_organizer = next((e for e in document.excluded if e.user_id == query.from_user.id), None)
        if by_organizer is not None and by_organizer.code == proofs.ORGANIZER:
            text = texts("review.you_excluded", reason=by_organizer.reason)
            await query.answer(text[:200], show_alert=True)
            return
    await query.answer(texts(f"bot.you_{found.role}"), show_alert=True)


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="mine")
    router.message.filter(F.chat.type == "private")
    router.message.register(my_contests, Command("mycontests"))
    router.callback_query.register(did_i_win, ResultsButton.filter())
    return router
