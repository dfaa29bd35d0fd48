"""The organizer's review of suspicious entries in the bot: a summary line in /manage,
the top flagged entries with their reasons, and excluding every flagged entry at once
with a reason (one by one, and undoing, in the Mini App). See `app.contests.suspicion`
for the signals and `app.db.exclusions` for what an exclusion does."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from app.bot import keyboards, reasons
from app.bot.middlewares import ManagedContestMiddleware
from app.bot.states import Managing
from app.config import Settings
from app.contests import rules, suspicion
from app.contests.lifecycle import Status
from app.db import contests, exclusions
from app.db import suspicion as entries
from app.db.tables import Contest
from app.errors import DomainError
from app.locales import Texts
from app.telegram import cards
from app.telegram.callbacks import ManageAction, ManageButton

LISTED = 10


async def summary_line(contest: Contest, texts: Texts) -> str | None:
    """The /manage summary's line about flagged and excluded entries, once any exist."""
    found = await entries.summary(contest.id)
    if not found.flagged and not found.excluded:
        return None
    return texts(
        "review.summary",
        flagged=found.flagged,
        assessed=found.assessed,
        excluded=found.excluded,
    )


def _name(first_name: str, username: str | None, user_id: int) -> str:
    shown = cards.quote(first_name) if first_name else ""
    if username:
        shown = f"{shown} @{username}".strip()
    return f"{shown} ({user_id})" if shown else str(user_id)


async def show(query: CallbackQuery, contest: Contest, texts: Texts) -> None:
    await query.answer()
    flagged = await entries.flagged(contest.id, limit=LISTED)
    found = await entries.summary(contest.id)
    lines = [texts("review.list_title", contest_id=contest.id, score=suspicion.FLAG_SCORE)]
    for entry in flagged:
        name = _name(entry.first_name, entry.username, entry.user_id)
        if entry.excluded is not None:
            lines.append(
                texts("review.list_excluded", name=name, reason=cards.quote(entry.excluded.reason))
            )
            continue
        signals = ", ".join(texts(f"review.signal_{code}") for code in entry.signals)
        lines.append(texts("review.list_line", name=name, score=entry.score, signals=signals))
    if not flagged:
        lines.append(texts("review.list_none"))
    elif found.flagged > len(flagged):
        lines.append(texts("review.list_more", count=found.flagged - len(flagged)))
    lines += ["", texts("review.list_hint")]
    can_exclude = contest.status == Status.active.value and found.flagged > 0
    assert query.message is not None
    await query.message.answer(
        "\n".join(lines),
        reply_markup=keyboards.button(contest.id, ManageAction.exclude_flagged, texts)
        if can_exclude
        else None,
    )


async def ask_reason(
    query: CallbackQuery, contest: Contest, texts: Texts, state: FSMContext
) -> None:
    waiting = await entries.flagged_unexcluded(contest.id)
    if not waiting:
        await query.answer(texts("review.nothing_to_exclude"), show_alert=True)
        return
    await query.answer()
    await state.set_state(Managing.exclusion_reason)
    await state.update_data(contest_id=contest.id)
    assert query.message is not None
    await query.message.answer(texts("review.exclude_reason", count=len(waiting)))


async def exclude(message: Message, state: FSMContext, texts: Texts, settings: Settings) -> None:
    """Exclude every flagged entry not yet excluded, with the organizer's reason."""
    assert message.from_user is not None
    reason = reasons.typed_in(message)
    if reason is None:
        await message.answer(texts("review.exclude_reason_invalid", limit=rules.REASON_MAX))
        return
    data = await state.get_data()
    await state.clear()
    added = 0
    try:
        contest = await contests.get_managed(
            data["contest_id"], message.from_user.id, settings.admin_ids
        )
        waiting = await entries.flagged_unexcluded(contest.id)
        for start in range(0, len(waiting), rules.EXCLUDE_AT_ONCE_MAX):
            batch = waiting[start : start + rules.EXCLUDE_AT_ONCE_MAX]
            added += await exclusions.exclude(contest.id, batch, reason, message.from_user.id)
    except DomainError as exc:
        await message.answer(texts("organizer.refused", reason=cards.quote(str(exc))))
        return
    await message.answer(texts("review.excluded", count=added))


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="review")
    router.callback_query.middleware(ManagedContestMiddleware())
    router.callback_query.register(show, ManageButton.filter(F.action == ManageAction.review))
    router.callback_query.register(
        ask_reason, ManageButton.filter(F.action == ManageAction.exclude_flagged)
    )
    router.message.register(exclude, Managing.exclusion_reason, F.text, F.chat.type == "private")
    return router
