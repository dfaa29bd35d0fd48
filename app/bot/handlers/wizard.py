"""The creation wizard: title → description → photo → winners → end condition →
required channels → target channels → preview → publish now or at a time.

The answers live in the FSM data until the organizer publishes or schedules; only then
is the contest stored, so an abandoned wizard leaves nothing behind.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from app.bot import keyboards
from app.bot.channels import named_in
from app.bot.states import Wizard
from app.config import Settings
from app.contests import rules
from app.contests.channels import ChannelRef
from app.contests.deadlines import parse_deadline
from app.db import contests
from app.db.tables import Contest, TelegramUser
from app.errors import ChannelProblem, DomainError, TelegramUnavailable
from app.locales import Texts
from app.telegram import cards, publishing
from app.telegram.callbacks import WizardAction, WizardButton
from app.telegram.channels import Purpose, resolve

log = logging.getLogger(__name__)

Skip = WizardButton.filter(F.action == WizardAction.skip)
Done = WizardButton.filter(F.action == WizardAction.done)


def timezone_of(person: TelegramUser, settings: Settings) -> str:
    return person.timezone or settings.default_timezone


async def cancel(message: Message, state: FSMContext, texts: Texts) -> None:
    await state.clear()
    await message.answer(texts("organizer.wizard_cancelled"))


async def start(message: Message, state: FSMContext, texts: Texts) -> None:
    await state.clear()
    await state.set_state(Wizard.title)
    await message.answer(texts("organizer.ask_title", limit=rules.TITLE_MAX))


async def title(message: Message, state: FSMContext, texts: Texts) -> None:
    value = (message.text or "").strip()
    if not value or value.startswith("/") or len(value) > rules.TITLE_MAX:
        await message.answer(
            texts("organizer.title_invalid", limit=rules.TITLE_MAX, length=len(value))
        )
        return
    await state.update_data(title=value)
    await state.set_state(Wizard.description)
    await message.answer(
        texts("organizer.ask_description", limit=rules.DESCRIPTION_MAX),
        reply_markup=keyboards.wizard(texts, WizardAction.skip),
    )


async def description(message: Message, state: FSMContext, texts: Texts) -> None:
    value = (message.text or "").strip()
    if len(value) > rules.DESCRIPTION_MAX:
        await message.answer(
            texts("organizer.description_too_long", limit=rules.DESCRIPTION_MAX, length=len(value))
        )
        return
    await state.update_data(description=value)
    await _ask_photo(message, state, texts)


async def description_skipped(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    await query.answer()
    await state.update_data(description="")
    assert isinstance(query.message, Message)
    await _ask_photo(query.message, state, texts)


async def _ask_photo(message: Message, state: FSMContext, texts: Texts) -> None:
    await state.set_state(Wizard.photo)
    await message.answer(
        texts("organizer.ask_photo"), reply_markup=keyboards.wizard(texts, WizardAction.skip)
    )


async def photo(message: Message, state: FSMContext, texts: Texts) -> None:
    assert message.photo
    data = await state.get_data()
    caption = cards.card_text(
        _draft(data, message.from_user.id if message.from_user else 0), [], texts.language
    )
    if not cards.fit(caption, cards.CAPTION_LIMIT - 200):
        await message.answer(texts("organizer.photo_caption_too_long", limit=cards.CAPTION_LIMIT))
        return
    await state.update_data(photo=message.photo[-1].file_id)
    await _ask_winners(message, state, texts)


async def photo_skipped(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    await query.answer()
    await state.update_data(photo=None)
    assert isinstance(query.message, Message)
    await _ask_winners(query.message, state, texts)


async def photo_expected(message: Message, texts: Texts) -> None:
    await message.answer(texts("organizer.photo_expected"))


async def _ask_winners(message: Message, state: FSMContext, texts: Texts) -> None:
    await state.set_state(Wizard.winners)
    await message.answer(texts("organizer.ask_winners", limit=rules.WINNERS_MAX))


def number(text: str | None) -> int | None:
    """A typed whole number (the wizard's and the edit's counts), or None."""
    value = (text or "").strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


async def winners(message: Message, state: FSMContext, texts: Texts) -> None:
    count = number(message.text)
    if count is None or not 1 <= count <= rules.WINNERS_MAX:
        await message.answer(texts("organizer.winners_invalid", limit=rules.WINNERS_MAX))
        return
    await state.update_data(winners=count)
    await state.set_state(Wizard.deadline)
    await message.answer(
        texts("organizer.ask_deadline"), reply_markup=keyboards.wizard(texts, WizardAction.skip)
    )


async def deadline(
    message: Message, state: FSMContext, texts: Texts, person: TelegramUser, settings: Settings
) -> None:
    zone_name = timezone_of(person, settings)
    try:
        ends_at = parse_deadline(message.text or "", zone_name)
    except DomainError:
        await message.answer(texts("organizer.deadline_invalid", timezone=zone_name))
        return
    problem = rules.deadline_problem(ends_at, datetime.now(UTC))
    if problem is not None:
        await message.answer(
            texts(
                f"organizer.deadline_{problem}",
                days=rules.MAX_DURATION.days,
                minutes=int(rules.MIN_DURATION.total_seconds() // 60),
            )
        )
        return
    await state.update_data(ends_at=ends_at.isoformat())
    await state.set_state(Wizard.max_participants)
    await message.answer(
        texts("organizer.ask_max_participants", when=cards.when(ends_at)),
        reply_markup=keyboards.wizard(texts, WizardAction.skip),
    )


async def deadline_skipped(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    await query.answer()
    await state.update_data(ends_at=None)
    await state.set_state(Wizard.max_participants)
    assert isinstance(query.message, Message)
    await query.message.answer(texts("organizer.ask_max_participants_required"))


async def max_participants(message: Message, state: FSMContext, texts: Texts) -> None:
    data = await state.get_data()
    count = number(message.text)
    if count is None or not data["winners"] <= count <= rules.PARTICIPANTS_MAX:
        await message.answer(texts("organizer.max_participants_invalid", winners=data["winners"]))
        return
    await state.update_data(max_participants=count)
    await _ask_required(message, state, texts)


async def max_participants_skipped(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    data = await state.get_data()
    if data.get("ends_at") is None:
        await query.answer(texts("organizer.end_condition_needed"), show_alert=True)
        return
    await query.answer()
    await state.update_data(max_participants=None)
    assert isinstance(query.message, Message)
    await _ask_required(query.message, state, texts)


async def _ask_required(message: Message, state: FSMContext, texts: Texts) -> None:
    await state.set_state(Wizard.required)
    await state.update_data(required=[], targets=[])
    await message.answer(
        texts("organizer.ask_required"), reply_markup=keyboards.wizard(texts, WizardAction.done)
    )


async def add_channel(
    message: Message,
    state: FSMContext,
    texts: Texts,
    bot: Bot,
    settings: Settings,
    purpose: Purpose,
) -> None:
    """Check the channel `message` names and add it to the FSM data (the wizard's and the
    /manage edit's channel steps)."""
    assert message.from_user is not None
    field = purpose.value if purpose is Purpose.required else "targets"
    data = await state.get_data()
    chosen: list[dict[str, Any]] = data.get(field, [])
    if len(chosen) >= rules.CHANNELS_MAX:
        await message.answer(texts("organizer.too_many_channels", limit=rules.CHANNELS_MAX))
        return
    try:
        ref = await resolve(
            bot,
            named_in(message),
            purpose,
            message.from_user.id,
            message.from_user.id in settings.admin_ids,
        )
    except ChannelProblem as problem:
        params = {k: cards.quote(str(v)) for k, v in problem.params.items()}
        await message.answer(texts(problem.key, **params))
        return
    except TelegramUnavailable as exc:
        log.warning("could not check a channel for user %s: %s", message.from_user.id, exc)
        await message.answer(texts("bot.try_again"))
        return
    if all(item["chat_id"] != ref.chat_id for item in chosen):
        chosen.append(
            {
                "chat_id": ref.chat_id,
                "title": ref.title,
                "username": ref.username,
                "invite_link": ref.invite_link,
            }
        )
    await state.update_data({field: chosen})
    names = ", ".join(cards.quote(item["title"]) for item in chosen)
    await message.answer(
        texts(f"organizer.{field}_added", channels=names),
        reply_markup=keyboards.wizard(texts, WizardAction.done),
    )


async def required(
    message: Message, state: FSMContext, texts: Texts, bot: Bot, settings: Settings
) -> None:
    await add_channel(message, state, texts, bot, settings, Purpose.required)


async def required_done(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    await query.answer()
    await state.set_state(Wizard.targets)
    assert isinstance(query.message, Message)
    await query.message.answer(texts("organizer.ask_targets"))


async def targets(
    message: Message, state: FSMContext, texts: Texts, bot: Bot, settings: Settings
) -> None:
    await add_channel(message, state, texts, bot, settings, Purpose.target)


async def targets_done(
    query: CallbackQuery, state: FSMContext, texts: Texts, settings: Settings
) -> None:
    data = await state.get_data()
    try:
        rules.check_targets(len(data.get("targets", [])), query.from_user.id in settings.admin_ids)
    except ChannelProblem as problem:
        await query.answer(texts(problem.key), show_alert=True)
        return
    await query.answer()
    await state.update_data(results_mode="reply", notify=False)
    await state.set_state(Wizard.preview)
    assert isinstance(query.message, Message)
    await _preview(query.message, state, texts)


def refs(items: list[dict[str, Any]]) -> list[ChannelRef]:
    return [ChannelRef(**item) for item in items]


def _fields(data: dict[str, Any], publish_at: datetime | None = None) -> rules.ContestFields:
    ends_at = data.get("ends_at")
    return rules.ContestFields(
        title=data["title"],
        description=data.get("description", ""),
        winners_count=data.get("winners", 1),
        ends_at=datetime.fromisoformat(ends_at) if ends_at else None,
        max_participants=data.get("max_participants"),
        publish_at=publish_at,
    )


def _draft(data: dict[str, Any], owner_id: int) -> Contest:
    """An unsaved contest, for rendering the preview."""
    fields = _fields({"winners": 1, **data})
    return Contest(
        owner_id=owner_id,
        title=fields.title,
        description=fields.description,
        winners_count=fields.winners_count,
        ends_at=fields.ends_at,
        max_participants=fields.max_participants,
    )


async def _preview(message: Message, state: FSMContext, texts: Texts) -> None:
    data = await state.get_data()
    card = cards.card_text(_draft(data, message.chat.id), refs(data["required"]), texts.language)
    targets_ = ", ".join(cards.quote(item["title"]) for item in data["targets"])
    await message.answer(texts("organizer.preview_intro", targets=targets_))
    if data.get("photo") and cards.fit(card, cards.CAPTION_LIMIT):
        await message.answer_photo(data["photo"], caption=card)
    else:
        await message.answer(card)
    await message.answer(
        texts("organizer.preview_actions"),
        reply_markup=keyboards.preview(texts, data["results_mode"], data["notify"]),
    )


async def toggle_results_mode(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    data = await state.get_data()
    mode = "edit" if data["results_mode"] == "reply" else "reply"
    await state.update_data(results_mode=mode)
    await query.answer(texts(f"organizer.results_mode_{mode}"))
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(
        reply_markup=keyboards.preview(texts, mode, data["notify"])
    )


async def toggle_notify(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    data = await state.get_data()
    notify = not data["notify"]
    await state.update_data(notify=notify)
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(
        reply_markup=keyboards.preview(texts, data["results_mode"], notify)
    )


async def _store(state: FSMContext, owner: TelegramUser, publish_at: datetime | None) -> Contest:
    """Save the wizard's contest as a draft (once: a second attempt updates the same draft)."""
    data = await state.get_data()
    fields = _fields(data, publish_at)
    required = refs(data["required"])
    targets = [item["chat_id"] for item in data["targets"]]
    options = {
        "notify_participants": data["notify"],
        "results_mode": data["results_mode"],
        "photo_file_id": data.get("photo"),
    }
    if data.get("contest_id"):
        return await contests.update(
            data["contest_id"], owner.id, fields, required=required, targets=targets, **options
        )
    contest = await contests.create(
        owner.id, fields, required=required, targets=targets, language=owner.language, **options
    )
    await state.update_data(contest_id=contest.id)
    return contest


async def publish(
    query: CallbackQuery, state: FSMContext, texts: Texts, person: TelegramUser
) -> None:
    assert isinstance(query.message, Message)
    try:
        contest = await publishing.publish(await _store(state, person, None), person.id)
    except DomainError as exc:
        await query.answer()
        await query.message.answer(texts("organizer.refused", reason=cards.quote(str(exc))))
        return
    await state.clear()
    await query.answer(texts("organizer.published_short"))
    await query.message.answer(texts("organizer.published", contest_id=contest.id))


async def schedule(
    query: CallbackQuery, state: FSMContext, texts: Texts, person: TelegramUser, settings: Settings
) -> None:
    await query.answer()
    await state.set_state(Wizard.publish_at)
    assert isinstance(query.message, Message)
    await query.message.answer(
        texts("organizer.ask_publish_at", timezone=timezone_of(person, settings))
    )


async def publish_at(
    message: Message, state: FSMContext, texts: Texts, person: TelegramUser, settings: Settings
) -> None:
    zone_name = timezone_of(person, settings)
    try:
        when = parse_deadline(message.text or "", zone_name)
        contest = await _store(state, person, when)
        await contests.schedule(contest.id, when, person.id)
    except DomainError as exc:
        await message.answer(texts("organizer.refused", reason=cards.quote(str(exc))))
        return
    await state.clear()
    await message.answer(texts("organizer.scheduled", contest_id=contest.id, when=cards.when(when)))


async def back_to_targets(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    """From the preview one step back: the channels to post in (kept; Done returns)."""
    await query.answer()
    await state.set_state(Wizard.targets)
    data = await state.get_data()
    names = ", ".join(cards.quote(item["title"]) for item in data.get("targets", []))
    assert isinstance(query.message, Message)
    await query.message.answer(
        texts("organizer.targets_added", channels=names),
        reply_markup=keyboards.wizard(texts, WizardAction.done),
    )


async def discard(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    await state.clear()
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.answer(texts("organizer.wizard_cancelled"))


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="wizard")
    router.message.filter(F.chat.type == "private")
    router.message.register(cancel, Command("cancel"), StateFilter("*"))
    router.message.register(start, Command("new"))
    router.message.register(title, Wizard.title, F.text)
    router.message.register(description, Wizard.description, F.text)
    router.callback_query.register(description_skipped, Wizard.description, Skip)
    router.message.register(photo, Wizard.photo, F.photo)
    router.callback_query.register(photo_skipped, Wizard.photo, Skip)
    router.message.register(photo_expected, Wizard.photo)
    router.message.register(winners, Wizard.winners)
    router.message.register(deadline, Wizard.deadline, F.text)
    router.callback_query.register(deadline_skipped, Wizard.deadline, Skip)
    router.message.register(max_participants, Wizard.max_participants)
    router.callback_query.register(max_participants_skipped, Wizard.max_participants, Skip)
    router.message.register(required, Wizard.required)
    router.callback_query.register(required_done, Wizard.required, Done)
    router.message.register(targets, Wizard.targets)
    router.callback_query.register(targets_done, Wizard.targets, Done)
    router.callback_query.register(
        toggle_results_mode,
        Wizard.preview,
        WizardButton.filter(F.action == WizardAction.results_mode),
    )
    router.callback_query.register(
        toggle_notify, Wizard.preview, WizardButton.filter(F.action == WizardAction.notify)
    )
    router.callback_query.register(
        publish, Wizard.preview, WizardButton.filter(F.action == WizardAction.publish)
    )
    router.callback_query.register(
        back_to_targets, Wizard.preview, WizardButton.filter(F.action == WizardAction.back)
    )
    router.callback_query.register(
        schedule, Wizard.preview, WizardButton.filter(F.action == WizardAction.schedule)
    )
    router.message.register(publish_at, Wizard.publish_at, F.text)
    router.callback_query.register(
        discard, Wizard.preview, WizardButton.filter(F.action == WizardAction.discard)
    )
    return router
