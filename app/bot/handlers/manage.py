"""Managing contests: list, stats, edit before the start, cancel, draw now, export.

Every button carries the contest id and is checked against who presses it: owners,
co-owners and bot admins may act, anyone else gets 'not your contest'.
"""

from __future__ import annotations

import asyncio
import math
import shutil
import tempfile
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramEntityTooLarge
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, InputFile, Message

from app.bot import keyboards
from app.bot.handlers import review, wizard
from app.bot.middlewares import ManagedContestMiddleware
from app.bot.states import Managing
from app.config import Settings
from app.contests import rules
from app.contests.deadlines import parse_deadline
from app.db import contests, draws, export, participants
from app.db.tables import Contest, TelegramUser
from app.errors import ChannelProblem, DatabaseUnavailable, DomainError
from app.locales import Texts
from app.telegram import background, cards
from app.telegram.callbacks import (
    ManageAction,
    ManageButton,
    ManagePage,
    WizardAction,
    WizardButton,
)
from app.telegram.channels import Purpose

LISTED = 20


async def _page(
    user_id: int, settings: Settings, texts: Texts, before: int | None = None
) -> InlineKeyboardMarkup | None:
    """`LISTED` contests below `before`, with a 'more' button when older ones exist."""
    found = await contests.managed_by(user_id, settings.admin_ids, before=before, limit=LISTED + 1)
    if not found:
        return None
    return keyboards.managed(found[:LISTED], texts, more=len(found) > LISTED)


async def managed(message: Message, texts: Texts, settings: Settings) -> None:
    assert message.from_user is not None
    page = await _page(message.from_user.id, settings, texts)
    if page is None:
        await message.answer(texts("organizer.manage_none"))
        return
    await message.answer(texts("organizer.manage_list"), reply_markup=page)


async def next_page(
    query: CallbackQuery, callback_data: ManagePage, texts: Texts, settings: Settings
) -> None:
    await query.answer()
    page = await _page(query.from_user.id, settings, texts, before=callback_data.before)
    if page is not None and query.message is not None:
        await query.message.answer(texts("organizer.manage_list"), reply_markup=page)


def rule_keys(contest: Contest) -> list[str]:
    """The texts naming the anti-fraud rules a contest has on."""
    keys = []
    if contest.exclude_leavers:
        keys.append("organizer.rule_leavers_on")
    if contest.new_subscribers != "off":
        keys.append(f"organizer.rule_newsubs_{contest.new_subscribers}")
    if contest.premium_only:
        keys.append("organizer.rule_premium_on")
    return keys


async def summary(contest: Contest, texts: Texts) -> str:
    count = await participants.count(contest.id)
    lines = [
        f"<b>#{contest.id} {cards.quote(contest.title)}</b>",
        texts("organizer.summary_status", status=texts(f"bot.status_name_{contest.status}")),
        texts("organizer.summary_count", count=count),
        texts(
            "organizer.summary_winners",
            winners=contest.winners_count,
            reserve=contest.reserve_count,
        ),
    ]
    if contest.ends_at is not None:
        lines.append(texts("cards.ends_at", when=cards.when(contest.ends_at)))
    if contest.max_participants is not None:
        lines.append(texts("cards.max_participants", count=contest.max_participants))
    if contest.claim_hours is not None:
        lines.append(texts("claims.summary_hours", hours=contest.claim_hours))
    if contest.ticket_mode != "none":
        lines.append(
            texts(
                f"organizer.summary_tickets_{contest.ticket_mode}",
                referral_cap=contest.referral_cap,
                boost_cap=contest.boost_cap,
            )
        )
    if contest.publish_at is not None and contest.status == "scheduled":
        lines.append(texts("organizer.summary_publish_at", when=cards.when(contest.publish_at)))
    lines += [texts(key) for key in rule_keys(contest)]
    flagged = await review.summary_line(contest, texts)
    if flagged:
        lines.append(flagged)
    if contest.last_error:
        lines.append(texts("organizer.summary_error", error=cards.quote(contest.last_error)))
    return "\n".join(lines)


async def open_contest(
    query: CallbackQuery,
    contest: Contest,
    texts: Texts,
) -> None:
    await query.answer()
    assert query.message is not None
    await query.message.answer(
        await summary(contest, texts), reply_markup=keyboards.manage(contest, texts)
    )


async def stats(
    query: CallbackQuery,
    contest: Contest,
    texts: Texts,
) -> None:
    now = datetime.now(UTC)
    last_hour = await participants.joined_since(contest.id, now - timedelta(hours=1))
    last_day = await participants.joined_since(contest.id, now - timedelta(days=1))
    await query.answer()
    assert query.message is not None
    await query.message.answer(
        await summary(contest, texts)
        + "\n"
        + texts("organizer.stats_recent", hour=last_hour, day=last_day)
    )


_EDITED = {
    ManageAction.edit_title: "title",
    ManageAction.edit_description: "description",
    ManageAction.edit_winners: "winners_count",
    ManageAction.edit_reserve: "reserve_count",
    ManageAction.edit_deadline: "ends_at",
    ManageAction.edit_limit: "max_participants",
    ManageAction.edit_publish_at: "publish_at",
    ManageAction.edit_claim: "claim_hours",
    ManageAction.edit_referral_cap: "referral_cap",
    ManageAction.edit_boost_cap: "boost_cap",
}
"""Which contest field each edit button changes."""
_COUNTS = {
    "winners_count",
    "reserve_count",
    "max_participants",
    "claim_hours",
    "referral_cap",
    "boost_cap",
}
_CLEARED = {
    ManageAction.clear_deadline: "ends_at",
    ManageAction.clear_limit: "max_participants",
    ManageAction.clear_claim: "claim_hours",
}
"""The button under the question that removes an optional setting (an end condition, the
claim deadline)."""


def _question(field: str, contest: Contest, texts: Texts, zone_name: str) -> str:
    if field in ("title", "description"):
        limit = rules.TITLE_MAX if field == "title" else rules.DESCRIPTION_MAX
        return texts(f"organizer.ask_{field}", limit=limit)
    if field == "claim_hours":
        return texts("claims.ask_hours", low=rules.CLAIM_HOURS_MIN, high=rules.CLAIM_HOURS_MAX)
    if field in ("referral_cap", "boost_cap"):
        return texts(f"organizer.ask_{field}", limit=rules.TICKET_CAP_MAX)
    limit = rules.WINNERS_MAX if field == "winners_count" else rules.RESERVE_MAX
    return texts(
        f"organizer.ask_edit_{field}",
        limit=limit,
        timezone=zone_name,
        winners=contest.winners_count,
    )


async def edit(
    query: CallbackQuery,
    contest: Contest,
    callback_data: ManageButton,
    texts: Texts,
    state: FSMContext,
    person: TelegramUser,
    settings: Settings,
) -> None:
    await query.answer()
    field = _EDITED[callback_data.action]
    await state.set_state(Managing.field)
    await state.update_data(contest_id=contest.id, field=field)
    assert query.message is not None
    zone_name = wizard.timezone_of(person, settings)
    clear = next((action for action, name in _CLEARED.items() if name == field), None)
    await query.message.answer(
        _question(field, contest, texts, zone_name),
        reply_markup=None if clear is None else keyboards.button(contest.id, clear, texts),
    )


async def edited(
    message: Message, state: FSMContext, texts: Texts, person: TelegramUser, settings: Settings
) -> None:
    """Read the answer as the wizard does, then save it (`_save`)."""
    assert message.from_user is not None
    data = await state.get_data()
    field = data["field"]
    text = message.text or ""
    value: object = text.strip()
    if field in _COUNTS:
        value = wizard.number(text)
        if value is None:
            await message.answer(texts("organizer.number_invalid"))
            return
    if field in ("ends_at", "publish_at"):
        zone_name = wizard.timezone_of(person, settings)
        try:
            value = parse_deadline(text, zone_name)
        except DomainError:
            await message.answer(texts("organizer.deadline_invalid", timezone=zone_name))
            return
    await _save(
        message, message.from_user.id, data["contest_id"], {field: value}, state, texts, settings
    )


async def cleared(
    query: CallbackQuery,
    contest: Contest,
    callback_data: ManageButton,
    texts: Texts,
    state: FSMContext,
    settings: Settings,
) -> None:
    """«No deadline» / «No limit»: the field set to none, which `rules.check_fields` refuses
    when the contest would be left without an end condition."""
    await query.answer()
    assert isinstance(query.message, Message)
    change = {_CLEARED[callback_data.action]: None}
    await _save(query.message, query.from_user.id, contest.id, change, state, texts, settings)


async def _save(
    reply_to: Message,
    user_id: int,
    contest_id: int,
    change: dict[str, object],
    state: FSMContext,
    texts: Texts,
    settings: Settings,
) -> None:
    """Save through the same rules as the API's edit (`contests.update` →
    `rules.check_fields`); a refused value changes nothing and the question stays open."""
    try:
        contest = await contests.get_managed(contest_id, user_id, settings.admin_ids)
        fields = replace(contests.fields_of(contest), **change)
        contest = await contests.update(contest.id, user_id, fields)
    except DomainError as exc:
        await reply_to.answer(texts("organizer.refused", reason=cards.quote(str(exc))))
        return
    await state.clear()
    await reply_to.answer(
        texts("organizer.edited") + "\n\n" + await summary(contest, texts),
        reply_markup=keyboards.manage(contest, texts),
    )


_CHANNELS = {
    ManageAction.edit_required: Purpose.required,
    ManageAction.edit_targets: Purpose.target,
}


async def edit_channels(
    query: CallbackQuery,
    contest: Contest,
    callback_data: ManageButton,
    texts: Texts,
    state: FSMContext,
) -> None:
    """The wizard's channel step again; Done replaces the contest's list with the one sent."""
    await query.answer()
    purpose = _CHANNELS[callback_data.action]
    await state.set_state(Managing.channels)
    await state.set_data(
        {"contest_id": contest.id, "purpose": purpose.value, "required": [], "targets": []}
    )
    assert query.message is not None
    if purpose is Purpose.required:
        markup = keyboards.wizard(texts, WizardAction.done)  # none is fine
        await query.message.answer(texts("organizer.ask_required"), reply_markup=markup)
    else:
        await query.message.answer(texts("organizer.ask_targets"))


async def channel_named(
    message: Message, state: FSMContext, texts: Texts, bot: Bot, settings: Settings
) -> None:
    data = await state.get_data()
    await wizard.add_channel(message, state, texts, bot, settings, Purpose(data["purpose"]))


async def channels_done(
    query: CallbackQuery, state: FSMContext, texts: Texts, settings: Settings
) -> None:
    """Save the channels as the API's PATCH does (`rules.check_targets`, `contests.update`)."""
    data = await state.get_data()
    user_id = query.from_user.id
    try:
        contest = await contests.get_managed(data["contest_id"], user_id, settings.admin_ids)
        if Purpose(data["purpose"]) is Purpose.target:
            rules.check_targets(len(data["targets"]), user_id in settings.admin_ids)
            change = {"targets": [item["chat_id"] for item in data["targets"]]}
        else:
            change = {"required": wizard.refs(data["required"])}
        contest = await contests.update(contest.id, user_id, contests.fields_of(contest), **change)
    except ChannelProblem as problem:
        await query.answer(texts(problem.key), show_alert=True)
        return
    except DomainError as exc:
        await query.answer(str(exc), show_alert=True)
        return
    await state.clear()
    await query.answer()
    assert query.message is not None
    await query.message.answer(
        texts("organizer.edited") + "\n\n" + await summary(contest, texts),
        reply_markup=keyboards.manage(contest, texts),
    )


_TOGGLED = {
    ManageAction.toggle_notify: lambda contest: {
        "notify_participants": not contest.notify_participants
    },
    ManageAction.toggle_results_mode: lambda contest: {
        "results_mode": "edit" if contest.results_mode == "reply" else "reply"
    },
    ManageAction.toggle_captcha: lambda contest: {
        "captcha_mode": rules.next_captcha_mode(contest.captcha_mode)
    },
    ManageAction.toggle_leavers: lambda contest: {"exclude_leavers": not contest.exclude_leavers},
    ManageAction.toggle_new_subscribers: lambda contest: {
        "new_subscribers": rules.next_choice(rules.NEW_SUBSCRIBERS, contest.new_subscribers)
    },
    ManageAction.toggle_premium: lambda contest: {"premium_only": not contest.premium_only},
    ManageAction.toggle_tickets: lambda contest: {
        "ticket_mode": rules.next_choice(rules.TICKET_MODES, contest.ticket_mode)
    },
}
"""The switches (the preview's two, as the wizard's `toggle_*`, the captcha mode and the
anti-fraud rules): the next value of the setting."""


async def toggle(
    query: CallbackQuery,
    contest: Contest,
    callback_data: ManageButton,
    texts: Texts,
) -> None:
    """Flip a switch through the same `contests.update` as the API's PATCH (which refuses it
    once the contest has started)."""
    assert query.message is not None
    try:
        contest = await contests.update(
            contest.id,
            query.from_user.id,
            contests.fields_of(contest),
            **_TOGGLED[callback_data.action](contest),
        )
    except DomainError as exc:
        await query.answer(str(exc), show_alert=True)
        return
    await query.answer()
    await query.message.answer(
        texts("organizer.edited") + "\n\n" + await summary(contest, texts),
        reply_markup=keyboards.manage(contest, texts),
    )


_CONFIRMED = {
    ManageAction.cancel: ManageAction.cancel_confirm,
    ManageAction.draw: ManageAction.draw_confirm,
    ManageAction.no_beacon: ManageAction.no_beacon_confirm,
}


async def ask_confirmation(
    query: CallbackQuery,
    contest: Contest,
    callback_data: ManageButton,
    texts: Texts,
) -> None:
    await query.answer()
    confirmed = _CONFIRMED[callback_data.action]
    assert query.message is not None
    await query.message.answer(
        texts(f"organizer.confirm_{callback_data.action.value}", title=cards.quote(contest.title)),
        reply_markup=keyboards.confirm(contest.id, confirmed, texts),
    )


async def cancel(
    query: CallbackQuery,
    contest: Contest,
    texts: Texts,
) -> None:
    try:
        await contests.cancel(
            contest.id, query.from_user.id, "cancelled by the organizer in the bot"
        )
    except DomainError as exc:
        await query.answer(cards.quote(str(exc))[:200], show_alert=True)
        return
    await query.answer(texts("organizer.cancelled"), show_alert=True)


async def draw_now(
    query: CallbackQuery,
    contest: Contest,
    texts: Texts,
) -> None:
    if contest.status != "active":
        await query.answer(texts("organizer.draw_not_active"), show_alert=True)
        return
    await contests.close(contest.id)
    await query.answer(texts("organizer.drawing"), show_alert=True)
    await background.queue().draw(contest.id)


async def draw_without_final_check(
    query: CallbackQuery,
    contest: Contest,
    texts: Texts,
) -> None:
    """The organizer's explicit choice while the draw waits for Telegram (kept in the proof)."""
    try:
        await draws.skip_final_check(contest.id, query.from_user.id)
    except DomainError as exc:
        await query.answer(cards.quote(str(exc))[:200], show_alert=True)
        return
    await query.answer(texts("organizer.final_check_skipped"), show_alert=True)
    await background.queue().draw(contest.id)


async def draw_without_beacon(
    query: CallbackQuery,
    contest: Contest,
    texts: Texts,
) -> None:
    """The organizer's explicit choice to draw without the unreachable beacon (v1, kept in
    the proof)."""
    try:
        await draws.fallback(contest.id, query.from_user.id)
    except DomainError as exc:
        await query.answer(cards.quote(str(exc))[:200], show_alert=True)
        return
    await query.answer(texts("organizer.nobeacon_started"), show_alert=True)
    await background.queue().draw(contest.id)


UPLOAD_LIMIT = 50 * 1024 * 1024
"""The biggest file a bot may send (Bot API sendDocument: 50 MB)."""


class ParticipantsFile(InputFile):
    """A participant list already written to a (temporary) file; each upload attempt (a
    retry after a 429, say) reads the same bytes from its start."""

    def __init__(self, filename: str, file: BinaryIO) -> None:
        super().__init__(filename=filename)
        self.file = file

    async def read(self, bot: Bot) -> AsyncIterator[bytes]:  # type: ignore[override]
        self.file.seek(0)
        while chunk := self.file.read(self.chunk_size):
            yield chunk


async def export_csv(
    query: CallbackQuery,
    contest: Contest,
    texts: Texts,
    bot: Bot,
) -> None:
    """The participant list as a document. It is written whole to an unnamed temporary
    file first (flat memory at any size), so a database lost on the way is told to the
    organizer instead of sending a file that merely ends early. A list over Telegram's
    upload limit goes as a zip of the same CSV (about 30 % of its size)."""
    await query.answer(texts("organizer.exporting"))
    name = export.filename(contest.id)
    with (
        tempfile.TemporaryFile(prefix="participants-") as file,
        tempfile.TemporaryFile(prefix="participants-zip-") as packed,
    ):
        try:
            async for chunk in export.participants_csv(contest.id):
                file.write(chunk)
            count = await participants.count(contest.id)
        except DatabaseUnavailable:
            await bot.send_message(query.from_user.id, texts("organizer.export_failed"))
            return
        size = file.tell()
        document = ParticipantsFile(name, file)
        if size > UPLOAD_LIMIT:
            await asyncio.to_thread(_zip, file, name, packed)  # seconds of CPU: not here
            document = ParticipantsFile(name.removesuffix(".csv") + ".zip", packed)
        try:
            await bot.send_document(
                query.from_user.id, document, caption=texts("organizer.exported", count=count)
            )
        except TelegramEntityTooLarge:
            megabytes = math.ceil(size / 1024 / 1024)
            await bot.send_message(
                query.from_user.id, texts("organizer.export_too_large", megabytes=megabytes)
            )


def _zip(source: BinaryIO, name: str, target: BinaryIO) -> None:
    """Deflate `source` from its start into a zip in `target` holding it as `name`."""
    source.seek(0)
    with (
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        shutil.copyfileobj(source, member, 1024 * 1024)


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="manage")
    router.callback_query.middleware(ManagedContestMiddleware())
    router.message.filter(F.chat.type == "private")
    router.message.register(managed, Command("manage"))
    router.callback_query.register(next_page, ManagePage.filter())
    router.callback_query.register(open_contest, ManageButton.filter(F.action == ManageAction.open))
    router.callback_query.register(stats, ManageButton.filter(F.action == ManageAction.stats))
    router.callback_query.register(edit, ManageButton.filter(F.action.in_(set(_EDITED))))
    router.message.register(edited, Managing.field, F.text)
    router.callback_query.register(edit_channels, ManageButton.filter(F.action.in_(set(_CHANNELS))))
    router.message.register(channel_named, Managing.channels)
    router.callback_query.register(
        channels_done, Managing.channels, WizardButton.filter(F.action == WizardAction.done)
    )
    router.callback_query.register(cleared, ManageButton.filter(F.action.in_(set(_CLEARED))))
    router.callback_query.register(toggle, ManageButton.filter(F.action.in_(set(_TOGGLED))))
    router.callback_query.register(
        ask_confirmation, ManageButton.filter(F.action.in_(set(_CONFIRMED)))
    )
    router.callback_query.register(
        cancel, ManageButton.filter(F.action == ManageAction.cancel_confirm)
    )
    router.callback_query.register(
        draw_now, ManageButton.filter(F.action == ManageAction.draw_confirm)
    )
    router.callback_query.register(
        draw_without_final_check,
        ManageButton.filter(F.action == ManageAction.skip_final_check),
    )
    router.callback_query.register(
        draw_without_beacon, ManageButton.filter(F.action == ManageAction.no_beacon_confirm)
    )
    router.callback_query.register(export_csv, ManageButton.filter(F.action == ManageAction.export))
    return router
