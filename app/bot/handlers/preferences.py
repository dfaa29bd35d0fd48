"""Language, time zone, and deleting one's data."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from app.bot import keyboards
from app.config import Settings
from app.contests.deadlines import zone
from app.db import users
from app.db.tables import TelegramUser
from app.errors import ValidationError
from app.locales import Texts
from app.telegram.callbacks import ForgetAction, ForgetButton, LanguageButton
from app.telegram.cards import quote


async def language(message: Message, texts: Texts) -> None:
    await message.answer(texts("bot.language_choose"), reply_markup=keyboards.languages())


async def language_chosen(query: CallbackQuery, callback_data: LanguageButton) -> None:
    await users.set_language(query.from_user.id, callback_data.language.value)
    chosen = Texts(callback_data.language.value)
    await query.answer(chosen("bot.language_set"))
    if query.message is not None:
        await query.message.answer(chosen("bot.language_set"))


async def timezone(
    message: Message,
    command: CommandObject,
    texts: Texts,
    person: TelegramUser,
    settings: Settings,
) -> None:
    name = (command.args or "").strip()
    if not name:
        current = person.timezone or settings.default_timezone
        await message.answer(texts("bot.timezone_current", timezone=current))
        return
    try:
        zone(name)
    except ValidationError:
        await message.answer(texts("bot.timezone_unknown", timezone=quote(name[:64])))
        return
    await users.set_timezone(person.id, name)
    await message.answer(texts("bot.timezone_set", timezone=name))


async def forget(message: Message, texts: Texts) -> None:
    await message.answer(texts("bot.forget_confirm"), reply_markup=keyboards.forget(texts))


async def forget_confirmed(query: CallbackQuery, texts: Texts, state: FSMContext) -> None:
    removed = await users.forget(query.from_user.id)
    await state.clear()
    await query.answer()
    if query.message is not None:
        await query.message.answer(texts("bot.forget_done", entries=removed))


async def forget_kept(query: CallbackQuery, texts: Texts) -> None:
    await query.answer(texts("bot.forget_kept"))


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="preferences")
    router.message.filter(F.chat.type == "private")
    router.message.register(language, Command("language"))
    router.callback_query.register(language_chosen, LanguageButton.filter())
    router.message.register(timezone, Command("timezone"))
    router.message.register(forget, Command("forget"))
    router.callback_query.register(
        forget_confirmed, ForgetButton.filter(F.action == ForgetAction.confirm)
    )
    router.callback_query.register(forget_kept, ForgetButton.filter(F.action == ForgetAction.keep))
    return router
