"""Re-drawing a winner: pick the winner, give a reason, the ranking continues.

The replacement is re-checked like every winner, the change is logged with the reason
(`draws.replace_winner`), and the results are announced again: the channel message is
edited and the new winner is messaged once.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from app.bot import keyboards, reasons
from app.bot.middlewares import ManagedContestMiddleware
from app.bot.states import Managing
from app.config import Settings
from app.contests import rules
from app.db import contests, draws
from app.db.tables import Contest
from app.errors import DomainError, FinalCheckUndecided
from app.locales import Texts
from app.telegram import background, cards, publication
from app.telegram.callbacks import ManageAction, ManageButton, RedrawButton
from app.telegram.membership import recheck_for


async def choose_winner(
    query: CallbackQuery,
    contest: Contest,
    texts: Texts,
) -> None:
    try:
        row = await draws.get(contest.id)
    except DomainError:
        await query.answer(texts("bot.not_drawn_yet"), show_alert=True)
        return
    await query.answer()
    assert query.message is not None
    await query.message.answer(
        texts("organizer.redraw_choose"),
        reply_markup=keyboards.winners(contest.id, await publication.people(row.winners)),
    )


async def ask_reason(
    query: CallbackQuery,
    contest: Contest,
    callback_data: RedrawButton,
    texts: Texts,
    state: FSMContext,
) -> None:
    await query.answer()
    await state.set_state(Managing.redraw_reason)
    await state.update_data(contest_id=contest.id, user_id=callback_data.user_id)
    assert query.message is not None
    await query.message.answer(texts("organizer.redraw_reason", user_id=callback_data.user_id))


async def redraw(
    message: Message, state: FSMContext, texts: Texts, settings: Settings, bot: Bot
) -> None:
    assert message.from_user is not None
    reason = reasons.typed_in(message)
    if reason is None:
        await message.answer(texts("organizer.redraw_reason_invalid", limit=rules.REASON_MAX))
        return
    data = await state.get_data()
    try:
        contest = await contests.get_managed(
            data["contest_id"], message.from_user.id, settings.admin_ids
        )
        outcome = await draws.replace_winner(
            contest.id, data["user_id"], reason, message.from_user.id, recheck_for(bot, contest.id)
        )
    except (DomainError, FinalCheckUndecided) as exc:
        await state.clear()
        await message.answer(texts("organizer.refused", reason=cards.quote(str(exc))))
        return
    await state.clear()
    winners = ", ".join(person.mention() for person in await publication.people(outcome.winners))
    await message.answer(texts("organizer.redrawn", winners=winners or "—"))
    await background.queue().announce(contest.id)


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="redraw")
    router.callback_query.middleware(ManagedContestMiddleware())
    router.callback_query.register(
        choose_winner, ManageButton.filter(F.action == ManageAction.redraw)
    )
    router.callback_query.register(ask_reason, RedrawButton.filter())
    router.message.register(redraw, Managing.redraw_reason, F.text, F.chat.type == "private")
    return router
