"""Rendering contests for Telegram: the card, its Participate button, and the results.

Everything returned here is HTML (the bot's parse mode) with user-provided text escaped.
Telegram counts limits on the visible text, so `visible_length` strips the markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from app.contests.channels import ChannelRef
from app.db.tables import Contest
from app.locales import text
from app.telegram.callbacks import ClaimButton, JoinButton

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
_TAG = re.compile(r"<[^>]+>")


def visible_length(markup: str) -> int:
    """Length of HTML text as Telegram counts it (UTF-16 code units, tags removed)."""
    plain = html.unescape(_TAG.sub("", markup))
    return len(plain.encode("utf-16-le")) // 2


def quote(value: str) -> str:
    return html.escape(value, quote=False)


def channel_link(ref: ChannelRef) -> str:
    name = quote(ref.title or (f"@{ref.username}" if ref.username else str(ref.chat_id)))
    link = ref.link
    return f'<a href="{html.escape(link)}">{name}</a>' if link else name


def when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def card_text(contest: Contest, channels: Sequence[ChannelRef], language: str) -> str:
    """The contest as participants see it (in the channel post and in the bot)."""
    lines = [f"<b>{quote(contest.title)}</b>"]
    if contest.description:
        lines += ["", quote(contest.description)]
    lines.append("")
    lines.append(text(language, "cards.winners", count=contest.winners_count))
    if contest.ends_at is not None:
        lines.append(text(language, "cards.ends_at", when=when(contest.ends_at)))
    if contest.max_participants is not None:
        lines.append(text(language, "cards.max_participants", count=contest.max_participants))
    if channels:
        names = ", ".join(channel_link(ref) for ref in channels)
        lines.append(text(language, "cards.required", channels=names))
    lines += [text(language, key) for key in rule_keys(contest)]
    if contest.seed_commitment:
        lines.append(text(language, "cards.commitment", commitment=contest.seed_commitment))
    return "\n".join(lines)


def rule_keys(contest: Contest) -> list[str]:
    """The card lines telling participants the contest's anti-fraud rules up front."""
    keys = []
    if contest.premium_only:
        keys.append("cards.rule_premium")
    if contest.new_subscribers != "off":
        keys.append("cards.rule_new_subscribers")
    if contest.exclude_leavers:
        keys.append("cards.rule_leavers")
    return keys


def freeze_text(
    count: int, list_hash: str, round_number: int, out_at: datetime, language: str
) -> str:
    """What a post says once the list is frozen: its hash and the committed drand round."""
    return text(
        language,
        "cards.frozen",
        count=count,
        list_hash=list_hash,
        round=round_number,
        when=when(out_at),
    )


def randomness_line(
    list_hash: str, round_number: int | None, fallback_reason: str | None, language: str
) -> str | None:
    """Where the results' randomness came from: the drand round, or the organizer's fallback."""
    if fallback_reason is not None:
        return text(language, "cards.results_fallback", reason=quote(fallback_reason))
    if round_number is not None:
        return text(language, "cards.results_beacon", round=round_number, list_hash=list_hash)
    return None


def fit(markup: str, limit: int) -> bool:
    return visible_length(markup) <= limit


def mini_app_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?startapp={payload}"


def participate_markup(
    contest_id: int, count: int, language: str, bot_username: str | None = None
) -> InlineKeyboardMarkup:
    """The Participate button with the live count; plus a Mini App link when configured."""
    button = (text(language, "cards.participate", count=count), JoinButton(contest_id=contest_id))
    return _with_app_link(button, contest_id, language, bot_username)


def claim_markup(contest_id: int, language: str, bot_username: str | None) -> InlineKeyboardMarkup:
    """Claim (in the private chat), and the contest's card in the Mini App."""
    button = (text(language, "claims.claim_button"), ClaimButton(contest_id=contest_id))
    return _with_app_link(button, contest_id, language, bot_username)


def _with_app_link(
    button: tuple[str, CallbackData], contest_id: int, language: str, bot_username: str | None
) -> InlineKeyboardMarkup:
    """One callback button, and under it the contest's Mini App card when there is one."""
    builder = InlineKeyboardBuilder()
    builder.button(text=button[0], callback_data=button[1])
    if bot_username:
        builder.button(
            text=text(language, "cards.open_app"),
            url=mini_app_link(bot_username, f"c{contest_id}"),
        )
    builder.adjust(1)
    return builder.as_markup()


def results_markup(language: str, proof_link: str) -> InlineKeyboardMarkup:
    """What replaces the Participate button on the post once the winners are drawn."""
    builder = InlineKeyboardBuilder()
    builder.button(text=text(language, "cards.results_button"), url=proof_link)
    return builder.as_markup()


@dataclass(frozen=True, slots=True)
class Person:
    """A winner as the results name them."""

    user_id: int
    first_name: str = ""
    username: str | None = None

    def mention(self) -> str:
        if self.username:
            return f"@{quote(self.username)}"
        name = quote(self.first_name or str(self.user_id))
        return f'<a href="tg://user?id={self.user_id}">{name}</a>'


def results_text(
    contest: Contest,
    winners: Sequence[Person],
    participant_count: int,
    proof_link: str,
    language: str,
    document_link: str | None = None,
    randomness: str | None = None,
) -> str:
    """The results post: winners, how many took part, and where to check the draw."""
    lines = [text(language, "cards.results_title", title=quote(contest.title)), ""]
    if winners:
        lines.append(text(language, "cards.results_winners"))
        lines += [f"{place}. {person.mention()}" for place, person in enumerate(winners, 1)]
    else:
        lines.append(text(language, "cards.results_nobody"))
    lines.append("")
    lines.append(text(language, "cards.results_count", count=participant_count))
    if randomness:
        lines.append(randomness)
    lines.append(text(language, "cards.results_proof", link=html.escape(proof_link)))
    if document_link:
        lines.append(text(language, "cards.results_document", link=html.escape(document_link)))
    return "\n".join(lines)
