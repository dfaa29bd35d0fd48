"""What the worker does in channels: post a contest, keep its counter fresh, announce results.

Every function here is safe to run twice (tasks may be delivered again):
- `post` skips channels that already show the contest (Publication.message_id);
- `refresh_counter` edits a button only when the shown count differs;
- `announce` posts the results once per channel and afterwards only edits them (so a
  re-draw updates the same message), and private messages go through the outbox, whose
  unique keys make each one go out once.

Channel sends follow the outbox's discipline: the publication row exists (committed)
before the send, and what Telegram answered is written right after it with
`engine.until_recorded`, which retries the write, never the send, while the database is
down. The one window for a repeat is the outbox's: a process killed after Telegram
accepted a message and before that write committed; the next run finds the row without
a message id and sends it again (a post twice beats a post lost).

Problems an organizer must fix (the bot lost its rights, the channel is gone) are
recorded on the contest and logged; a 429 or an unreachable Telegram is raised as
`TelegramUnavailable` so the task is retried later.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup, Message, ReplyParameters

from app.config import Settings, get_settings
from app.contests.claims import NOT_CLAIMED, ClaimState
from app.db import claims, contests, draws, engine, participants
from app.db.tables import Contest, Publication, TelegramUser
from app.errors import NotFoundError, TelegramUnavailable
from app.locales import text
from app.telegram import cards, outbox, reports

log = logging.getLogger(__name__)

NOT_MODIFIED = "message is not modified"


@dataclass(frozen=True, slots=True)
class PrivateMessage:
    """One message to one user, sent exactly once through the outbox under `key`."""

    key: str
    chat_id: int
    kind: str
    text: str
    reply_markup: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text}
        if self.reply_markup is not None:
            data["reply_markup"] = self.reply_markup
        return data


async def _bot_username(bot: Bot) -> str:
    me = await bot.me()
    return me.username or ""


def _retryable(exc: Exception, what: str) -> Exception:
    if isinstance(exc, TelegramRetryAfter):
        return TelegramUnavailable(
            f"{what}: Telegram asked to wait {exc.retry_after} s", retry_after=exc.retry_after
        )
    return TelegramUnavailable(f"{what}: {exc}")


_RETRYABLE = (TelegramRetryAfter, TelegramNetworkError, TelegramServerError)


async def _send_card(
    bot: Bot, contest: Contest, chat_id: int, card: str, markup: InlineKeyboardMarkup
) -> Message:
    if contest.photo_file_id and cards.fit(card, cards.CAPTION_LIMIT):
        return await bot.send_photo(
            chat_id, contest.photo_file_id, caption=card, reply_markup=markup
        )
    return await bot.send_message(chat_id, card, reply_markup=markup)


async def post(bot: Bot, contest_id: int, settings: Settings | None = None) -> int:
    """Post the contest card in every target channel not showing it yet; returns how many."""
    settings = settings or get_settings()
    contest = await contests.get(contest_id)
    channels = await contests.required_channels(contest_id)
    count = await participants.count(contest_id)
    card = cards.card_text(contest, channels, contest.language)
    markup = cards.participate_markup(
        contest_id, count, contest.language, await _mini_app_username(bot, settings)
    )
    posted = 0
    for publication in await contests.publications(contest_id):
        if publication.message_id is not None:
            continue
        what = f"posting contest {contest_id} in chat {publication.chat_id}"
        try:
            message = await _send_card(bot, contest, publication.chat_id, card, markup)
        except _RETRYABLE as exc:
            raise _retryable(exc, what) from exc
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            await _channel_problem(contest_id, publication.chat_id, "post", exc)
            continue
        await engine.until_recorded(
            f"the post of contest {contest_id} in chat {publication.chat_id}",
            functools.partial(_record_post, contest_id, publication, message.message_id, count),
        )
        posted += 1
        log.info("contest %s posted in chat %s", contest_id, publication.chat_id)
    return posted


async def _mini_app_username(bot: Bot, settings: Settings) -> str | None:
    """The bot's username for Mini App links, when a Mini App is served (PUBLIC_URL set)."""
    if settings.public_url is None:
        return None
    return await _bot_username(bot)


async def _record_post(
    contest_id: int, publication: Publication, message_id: int, count: int
) -> None:
    async with engine.transaction():
        await contests.record_publication(contest_id, publication.chat_id, message_id)
        await _set_shown(publication.id, count)


async def _set_shown(publication_id: int, count: int) -> None:
    await Publication.update({Publication.shown_count: count}).where(
        Publication.id == publication_id
    )


async def _channel_problem(contest_id: int, chat_id: int, doing: str, exc: Exception) -> None:
    message = f"cannot {doing} in chat {chat_id}: {getattr(exc, 'message', exc)}"
    log.warning("contest %s: %s", contest_id, message)
    await contests.record_error(contest_id, message)


async def refresh_counter(bot: Bot, contest_id: int, settings: Settings | None = None) -> int:
    """Edit the Participate buttons whose shown count is stale; returns how many changed."""
    settings = settings or get_settings()
    try:
        contest = await contests.get(contest_id)
    except NotFoundError:  # a refresh queued before a restore from an older backup
        log.warning("contest %s is gone: no counter to refresh", contest_id)
        return 0
    if contest.status != "active":
        return 0  # a late refresh must not bring the Participate button back
    count = await participants.count(contest_id)
    username = await _mini_app_username(bot, settings)
    edited = 0
    for publication in await contests.publications(contest_id):
        if publication.message_id is None or publication.shown_count == count:
            continue
        markup = cards.participate_markup(contest_id, count, contest.language, username)
        try:
            await bot.edit_message_reply_markup(
                chat_id=publication.chat_id,
                message_id=publication.message_id,
                reply_markup=markup,
            )
        except _RETRYABLE as exc:
            raise _retryable(exc, f"refreshing contest {contest_id}") from exc
        except TelegramBadRequest as exc:
            if NOT_MODIFIED not in exc.message:
                await _channel_problem(contest_id, publication.chat_id, "update the button", exc)
                continue
        except TelegramForbiddenError as exc:
            await _channel_problem(contest_id, publication.chat_id, "update the button", exc)
            continue
        await _set_shown(publication.id, count)
        edited += 1
    return edited


def proof_links(contest_id: int, bot_username: str, settings: Settings) -> tuple[str, str | None]:
    """Where to check a draw: the Mini App proof page (or the bot), and the raw document."""
    if settings.public_url is None:
        return f"https://t.me/{bot_username}?start=proof_{contest_id}", None
    base = str(settings.public_url).rstrip("/")
    return (
        cards.mini_app_link(bot_username, f"proof_{contest_id}"),
        f"{base}/api/public/contests/{contest_id}/proof",
    )


async def people(user_ids: list[int]) -> list[cards.Person]:
    """Winners in order, named from what the bot knows about them."""
    rows = await TelegramUser.select(
        TelegramUser.id, TelegramUser.first_name, TelegramUser.username
    ).where(TelegramUser.id.is_in(user_ids or [0]))
    known = {row["id"]: row for row in rows}
    return [
        cards.Person(
            uid, known.get(uid, {}).get("first_name", ""), known.get(uid, {}).get("username")
        )
        for uid in user_ids
    ]


async def results_text(bot: Bot, contest_id: int, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    contest = await contests.get(contest_id)
    row = await draws.get(contest_id)
    proof, document = proof_links(contest_id, await _bot_username(bot), settings)
    winners = await people(row.winners)
    randomness = cards.randomness_line(
        row.list_hash,
        row.beacon.get("round") if row.beacon else None,
        row.fallback.get("reason") if row.fallback else None,
        contest.language,
    )
    body = cards.results_text(
        contest, winners, row.participant_count, proof, contest.language, document, randomness
    )
    if contest.claim_hours is None:
        return body
    notes = [text(contest.language, "claims.results_note", hours=contest.claim_hours)]
    passed = [c for c in await claims.of_contest(contest_id) if c.state is ClaimState.passed_on]
    if passed:
        notes.append(text(contest.language, "claims.results_passed", count=len(passed)))
    return "\n\n".join([body, "\n".join(notes)])


async def show_freeze(bot: Bot, contest_id: int) -> int:
    """Edit every post to show the frozen list's hash and the committed drand round.

    Runs once, right after the freeze and before the draw waits for the round, so a
    results edit never races it. Returns how many posts changed.
    """
    contest = await contests.get(contest_id)
    row = await draws.frozen(contest_id)
    if row is None or not row.beacon:
        return 0
    drand = row.beacon
    out_at = datetime.fromtimestamp(
        int(drand["genesis_time"]) + (int(drand["round"]) - 1) * int(drand["period"]), UTC
    )
    card = "\n\n".join(
        [
            cards.card_text(
                contest, await contests.required_channels(contest_id), contest.language
            ),
            cards.freeze_text(
                row.participant_count, row.list_hash, int(drand["round"]), out_at, contest.language
            ),
        ]
    )
    edited = 0
    for publication in await contests.publications(contest_id):
        if publication.message_id is None:
            continue
        in_caption = bool(contest.photo_file_id)
        if in_caption and not cards.fit(card, cards.CAPTION_LIMIT):
            continue
        try:
            edited += await _edit(
                bot, publication.chat_id, publication.message_id, card, in_caption
            )
        except _RETRYABLE as exc:
            raise _retryable(exc, f"showing the freeze of contest {contest_id}") from exc
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            await _channel_problem(contest_id, publication.chat_id, "show the freeze", exc)
    return edited


async def tell_organizer_beacon_missing(contest_id: int) -> None:
    """A private message to the owner: the draw waits for drand, and what they can do."""
    contest = await contests.get(contest_id)
    row = await draws.frozen(contest_id)
    round_number = row.beacon.get("round") if row is not None and row.beacon else "?"
    language = await _languages([contest.owner_id])
    await outbox.enqueue(
        f"beacon-missing:{contest_id}:{round_number}",
        contest.owner_id,
        "organizer",
        {
            "text": text(
                language.get(contest.owner_id, contest.language),
                "notifications.beacon_missing",
                title=cards.quote(contest.title),
                round=round_number,
            )
        },
    )


async def results_messages(
    bot: Bot, contest_id: int, settings: Settings | None = None
) -> list[PrivateMessage]:
    """The private messages a finished contest sends: the organizer's results (after the
    draw and after each re-draw), each winner, each replaced winner with the organizer's
    reason, and everyone else if the organizer opted in."""
    settings = settings or get_settings()
    contest = await contests.get(contest_id)
    row = await draws.get(contest_id)
    proof, _ = proof_links(contest_id, await _bot_username(bot), settings)
    everyone = (await draws.frozen_list(contest_id)).ids if contest.notify_participants else []
    languages = await _languages(list(everyone) if contest.notify_participants else row.winners)
    title = cards.quote(contest.title)
    claimed = {item.user_id: item for item in await claims.of_contest(contest_id)}
    username = await _bot_username(bot)
    messages = [
        _winner_message(
            contest, uid, languages.get(uid, contest.language), proof, claimed.get(uid), username
        )
        for uid in row.winners
    ]
    if contest.notify_participants:
        winners = set(row.winners)
        messages += [
            PrivateMessage(
                f"result:{contest_id}:{uid}",
                uid,
                "result",
                text(
                    languages.get(uid, contest.language),
                    "notifications.not_won",
                    title=title,
                    link=proof,
                ),
            )
            for uid in everyone
            if uid not in winners
        ]
    replaced = await draws.replacements(contest_id)
    languages |= await _languages([uid for uid in replaced if uid not in languages])
    messages += [
        PrivateMessage(
            f"replaced:{contest_id}:{uid}",
            uid,
            "replaced",
            text(
                languages.get(uid, contest.language),
                "claims.passed_on" if reason == NOT_CLAIMED else "notifications.replaced",
                title=title,
                reason=cards.quote(reason),
                link=proof,
            ),
        )
        for uid, reason in replaced.items()
    ]
    key, owner_text = await reports.results_message(
        contest,
        await people(row.winners),
        await people(row.reserves),
        row.participant_count,
        proof,
    )
    messages.append(PrivateMessage(key, contest.owner_id, "owner_results", owner_text))
    return messages


def _winner_message(
    contest: Contest,
    user_id: int,
    language: str,
    proof: str,
    claim: claims.Claim | None,
    bot_username: str,
) -> PrivateMessage:
    """A winner's message; with a pending claim, its deadline and the Claim button (and
    the Mini App's card of the contest, where Claim is too)."""
    title = cards.quote(contest.title)
    if claim is None or claim.deadline is None or claim.state is not ClaimState.pending:
        body = text(language, "notifications.winner", title=title, link=proof)
        return PrivateMessage(f"winner:{contest.id}:{user_id}", user_id, "winner", body)
    body = text(
        language, "claims.winner", title=title, deadline=cards.when(claim.deadline), link=proof
    )
    markup = cards.claim_markup(contest.id, language, bot_username)
    return PrivateMessage(
        f"winner:{contest.id}:{user_id}",
        user_id,
        "winner",
        body,
        markup.model_dump(mode="json", exclude_none=True),
    )


async def _languages(user_ids: list[int]) -> dict[int, str]:
    languages: dict[int, str] = {}
    for start in range(0, len(user_ids), 1000):
        batch = user_ids[start : start + 1000]
        rows = await TelegramUser.select(TelegramUser.id, TelegramUser.language).where(
            TelegramUser.id.is_in(batch)
        )
        languages.update({row["id"]: row["language"] for row in rows})
    return languages


async def announce(bot: Bot, contest_id: int, settings: Settings | None = None) -> int:
    """Publish (or update) the results in every channel and queue the private messages.

    Returns how many channel messages were posted or edited.
    """
    settings = settings or get_settings()
    contest = await contests.get(contest_id)
    results = await results_text(bot, contest_id, settings)
    proof, _ = proof_links(contest_id, await _bot_username(bot), settings)
    shown = {p.chat_id: p for p in await contests.publications(contest_id, kind="results")}
    changed = 0
    for publication in await contests.publications(contest_id):
        if publication.message_id is None:
            continue
        try:
            done = await _show_results(
                bot, contest, publication, shown.get(publication.chat_id), results
            )
            if contest.results_mode != "edit":
                await _results_button(bot, contest, publication, proof)
        except _RETRYABLE as exc:
            raise _retryable(exc, f"announcing contest {contest_id}") from exc
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            await _channel_problem(contest_id, publication.chat_id, "announce the results", exc)
            continue
        changed += done
    await outbox.enqueue_many(
        outbox.Message(message.key, message.chat_id, message.kind, message.payload())
        for message in await results_messages(bot, contest_id, settings)
    )
    return changed


async def _show_results(
    bot: Bot,
    contest: Contest,
    post_: Publication,
    previous: Publication | None,
    results: str,
) -> int:
    """Edit the results message if there is one, else reply to or edit the post."""
    chat_id = post_.chat_id
    what = f"the results of contest {contest.id} in chat {chat_id}"
    if previous is not None and previous.message_id is not None:
        in_caption = previous.message_id == post_.message_id and bool(contest.photo_file_id)
        return await _edit(bot, chat_id, previous.message_id, results, in_caption)
    if contest.results_mode == "edit":
        in_caption = bool(contest.photo_file_id)
        if not in_caption or cards.fit(results, cards.CAPTION_LIMIT):
            await _edit(bot, chat_id, post_.message_id, results, in_caption)
            await engine.until_recorded(
                what,
                functools.partial(
                    contests.record_publication, contest.id, chat_id, post_.message_id, "results"
                ),
            )
            return 1
    # The row exists before the reply is sent; a crash before its message id is written
    # leaves it without one, and the next run replies again (the documented window).
    await contests.record_publication(contest.id, chat_id, None, "results")
    message = await bot.send_message(
        chat_id,
        results,
        reply_parameters=ReplyParameters(
            message_id=post_.message_id, allow_sending_without_reply=True
        ),
    )
    await engine.until_recorded(
        what,
        functools.partial(
            contests.record_publication, contest.id, chat_id, message.message_id, "results"
        ),
    )
    return 1


async def _results_button(bot: Bot, contest: Contest, post_: Publication, proof: str) -> None:
    """The post's Participate button becomes a link to the results and their proof."""
    try:
        await bot.edit_message_reply_markup(
            chat_id=post_.chat_id,
            message_id=post_.message_id,
            reply_markup=cards.results_markup(contest.language, proof),
        )
    except TelegramBadRequest as exc:
        if NOT_MODIFIED not in exc.message:
            raise


async def _edit(bot: Bot, chat_id: int, message_id: int, results: str, in_caption: bool) -> int:
    try:
        if in_caption:
            await bot.edit_message_caption(
                chat_id=chat_id, message_id=message_id, caption=results, reply_markup=None
            )
        else:
            await bot.edit_message_text(
                results, chat_id=chat_id, message_id=message_id, reply_markup=None
            )
    except TelegramBadRequest as exc:
        if NOT_MODIFIED in exc.message:
            return 0
        raise
    return 1
