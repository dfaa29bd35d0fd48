"""Prizes after the draw: a winner presses Claim; the organizer sees every winner's claim
(claimed / pending / passed on) and marks prizes handed over."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from app.bot import keyboards
from app.bot.middlewares import ManagedContestMiddleware
from app.db import claims, contests
from app.db.tables import Contest
from app.errors import NotFoundError, ValidationError
from app.locales import Texts
from app.telegram import cards, publication
from app.telegram.callbacks import ClaimButton, HandOverButton, ManageAction, ManageButton


async def claim(query: CallbackQuery, callback_data: ClaimButton, texts: Texts) -> None:
    try:
        await claims.claim(callback_data.contest_id, query.from_user.id)
    except NotFoundError:
        await query.answer(texts("claims.claim_not_winner"), show_alert=True)
        return
    except ValidationError:
        await query.answer(texts("claims.claim_too_late"), show_alert=True)
        return
    await query.answer(texts("claims.claimed"), show_alert=True)


async def prize_list(contest: Contest, texts: Texts) -> tuple[str, keyboards.InlineKeyboardMarkup]:
    """Every winner's claim, and a hand-over button for each prize still to hand over."""
    found = await claims.of_contest(contest.id)
    people = {p.user_id: p for p in await publication.people([c.user_id for c in found])}
    lines = [texts("claims.list_title", title=cards.quote(contest.title))]
    if not found:
        lines.append(texts("claims.list_empty"))
    for item in found:
        state = texts(
            f"claims.state_{item.state.value}",
            deadline=cards.when(item.deadline) if item.deadline else "",
        )
        lines.append(f"• {people[item.user_id].mention()} — {state}")
    return "\n".join(lines), keyboards.hand_over(contest.id, found, people, texts)


async def show_prizes(query: CallbackQuery, contest: Contest, texts: Texts) -> None:
    await query.answer()
    assert query.message is not None
    body, markup = await prize_list(contest, texts)
    await query.message.answer(body, reply_markup=markup)


async def hand_over(
    query: CallbackQuery, contest: Contest, callback_data: HandOverButton, texts: Texts
) -> None:
    try:
        await claims.hand_over(contest.id, callback_data.user_id, query.from_user.id)
    except (NotFoundError, ValidationError) as exc:
        await query.answer(cards.quote(str(exc))[:200], show_alert=True)
        return
    await query.answer(texts("claims.handed_over"))
    assert query.message is not None
    body, markup = await prize_list(await contests.get(contest.id), texts)
    await query.message.answer(body, reply_markup=markup)


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="claims")
    router.callback_query.register(claim, ClaimButton.filter())
    managed = Router(name="claims-organizer")
    managed.callback_query.middleware(ManagedContestMiddleware())
    managed.callback_query.register(
        show_prizes, ManageButton.filter(F.action == ManageAction.claims)
    )
    managed.callback_query.register(hand_over, HandOverButton.filter())
    router.include_router(managed)
    return router
