"""A participant's own view: the contests they entered, and whether they won."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from app.bot import keyboards
from app.contests import proof as proofs
from app.contests.claims import ClaimState
from app.contests.lifecycle import Status
from app.db import claims, contests, draws, participants, tickets
from app.db.tables import Contest
from app.errors import NotFoundError
from app.locales import Texts
from app.telegram import cards, referrals
from app.telegram.callbacks import ResultsButton

LISTED = 20


async def my_contests(message: Message, bot: Bot, texts: Texts) -> None:
    assert message.from_user is not None
    user_id = message.from_user.id
    entered = (await participants.contests_of(user_id))[:LISTED]
    if not entered:
        await message.answer(texts("bot.mine_none"))
        return
    lines = [texts("bot.mine_title")]
    for contest in entered:
        status = texts(f"bot.status_name_{contest.status}")
        lines.append(f"• <b>{cards.quote(contest.title)}</b> — {status}")
        if contest.ticket_mode != "none" and contest.status == Status.active.value:
            lines.append(await _tickets_line(bot, contest, user_id, texts))
    await message.answer("\n".join(lines), reply_markup=keyboards.my_contests(entered, texts))


async def _tickets_line(bot: Bot, contest: Contest, user_id: int, texts: Texts) -> str:
    """The participant's tickets so far and their invitation link."""
    held = await tickets.of(contest, user_id)
    username = (await bot.me()).username or ""
    return texts(
        "bot.mine_tickets",
        tickets=held.total,
        referrals=held.referrals,
        boosts=held.boosts,
        link=referrals.bot_link(username, contest.id, user_id),
    )


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
    claim = await claims.of_winner(callback_data.contest_id, query.from_user.id)
    if claim is not None and claim.state in _CLAIM_ANSWERS:
        await _claim_state(query, callback_data.contest_id, claim, texts)
        return
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


_CLAIM_ANSWERS = {
    ClaimState.pending,
    ClaimState.claimed,
    ClaimState.handed_over,
    ClaimState.passed_on,
}
"""Claim states "Did I win?" answers with (a plain win, or a replacement, as before)."""


async def _claim_state(
    query: CallbackQuery, contest_id: int, claim: claims.Claim, texts: Texts
) -> None:
    """The prize's state; a pending claim also gets the Claim button in the chat."""
    deadline = cards.when(claim.deadline) if claim.deadline else ""
    await query.answer(texts(f"claims.you_{claim.state.value}", deadline=deadline), show_alert=True)
    if claim.state is ClaimState.pending and query.message is not None:
        contest = await contests.get(contest_id)
        await query.message.answer(
            texts("claims.claim_now", title=cards.quote(contest.title), deadline=deadline),
            reply_markup=cards.claim_markup(contest_id, texts.language, None),
        )


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="mine")
    router.message.filter(F.chat.type == "private")
    router.message.register(my_contests, Command("mycontests"))
    router.callback_query.register(did_i_win, ResultsButton.filter())
    return router
