"""/start, deep links and /help.

Deep links: `?start=c<id>` shows a contest card with a Join button; `?start=proof_<id>`
sends the draw's proof document. Anything else shows the welcome text.
"""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import BufferedInputFile, Message

from app.bot import keyboards
from app.config import Settings
from app.contests import proof as proofs
from app.contests.lifecycle import Status
from app.db import contests, draws
from app.errors import NotFoundError
from app.locales import Texts
from app.telegram import cards

CONTEST_LINK = re.compile(r"^c(\d{1,10})$")
REFERRAL_LINK = re.compile(r"^c(\d{1,10})r(\d{1,19})$")
"""`c<contest>r<referrer>`: a participant's invitation (`app.telegram.referrals`)."""
PROOF_LINK = re.compile(r"^proof_(\d{1,10})$")


async def contest_link(message: Message, command: CommandObject, texts: Texts) -> None:
    contest_id = int(CONTEST_LINK.match(command.args or "").group(1))  # type: ignore[union-attr]
    await show_card(message, contest_id, texts)


async def referral_link(message: Message, command: CommandObject, texts: Texts) -> None:
    found = REFERRAL_LINK.match(command.args or "")
    assert found is not None
    await show_card(message, int(found.group(1)), texts, referrer=int(found.group(2)))


async def show_card(
    message: Message, contest_id: int, texts: Texts, referrer: int | None = None
) -> None:
    try:
        contest = await contests.get(contest_id)
    except NotFoundError:
        await message.answer(texts("bot.contest_not_found"))
        return
    if contest.status in (Status.draft.value, Status.scheduled.value):
        await message.answer(texts("bot.contest_not_started"))
        return
    channels = await contests.required_channels(contest_id)
    card = cards.card_text(contest, channels, texts.language)
    active = contest.status == Status.active.value
    markup = keyboards.join(contest_id, texts, referrer) if active else None
    if contest.status != Status.active.value:
        card += "\n\n" + texts(f"bot.status_{contest.status}")
    await message.answer(card, reply_markup=markup)


async def proof_link(
    message: Message, command: CommandObject, texts: Texts, settings: Settings
) -> None:
    contest_id = int(PROOF_LINK.match(command.args or "").group(1))  # type: ignore[union-attr]
    await send_proof(message, contest_id, texts, settings)


async def proof_command(
    message: Message, command: CommandObject, texts: Texts, settings: Settings
) -> None:
    if not command.args or not command.args.strip().isdigit():
        await message.answer(texts("bot.proof_usage"))
        return
    await send_proof(message, int(command.args.strip()), texts, settings)


async def send_proof(message: Message, contest_id: int, texts: Texts, settings: Settings) -> None:
    """The proof document, then the participants file it names (gzip, as the API has it)."""
    try:
        await contests.get(contest_id)
    except NotFoundError:
        await message.answer(texts("bot.contest_not_found"))
        return
    try:
        url = draws.participants_url(contest_id, settings.public_url)
        document = await draws.proof(contest_id, url)
    except NotFoundError:
        await message.answer(texts("bot.proof_not_ready"))
        return
    await message.answer_document(
        BufferedInputFile(proofs.encode(document), filename=f"contest-{contest_id}-proof.json"),
        caption=texts("bot.proof_caption", contest_id=contest_id),
    )
    if not document.inline:
        await message.answer_document(
            BufferedInputFile(
                await draws.participants_file(contest_id),
                filename=f"contest-{contest_id}-participants.txt.gz",
            )
        )


async def welcome(message: Message, texts: Texts) -> None:
    await message.answer(texts("bot.welcome"))


async def help_(message: Message, texts: Texts) -> None:
    await message.answer(texts("bot.help"))


def create_router() -> Router:
    """A new router with this module's handlers (a router attaches to one dispatcher)."""
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.message.register(
        contest_link, CommandStart(deep_link=True, magic=F.args.regexp(CONTEST_LINK))
    )
    router.message.register(
        referral_link, CommandStart(deep_link=True, magic=F.args.regexp(REFERRAL_LINK))
    )
    router.message.register(
        proof_link, CommandStart(deep_link=True, magic=F.args.regexp(PROOF_LINK))
    )
    router.message.register(proof_command, Command("proof"))
    router.message.register(welcome, CommandStart())
    router.message.register(help_, Command("help"))
    return router
