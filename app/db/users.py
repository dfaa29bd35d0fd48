"""Telegram users as Contest Bot knows them."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.db import engine
from app.db.tables import (
    CaptchaChallenge,
    ContestOwner,
    EntryExclusion,
    EntrySuspicion,
    MembershipEvent,
    Notification,
    Participant,
    TelegramUser,
)
from app.db.tables import Contest as ContestTable

SUPPORTED_LANGUAGES = ("ru", "en")
REMEMBERED_SECONDS = 30.0
_REMEMBERED_MAX = 50_000

# (database, user id) -> (until, the stored row): a user pressing buttons in a burst is
# read once. Changes made in this process drop the entry; other processes see them
# within 30 s.
_remembered: dict[tuple[int, int], tuple[float, TelegramUser]] = {}


def _key(user_id: int) -> tuple[int, int]:
    return id(engine.current()), user_id


def _forget_cached(user_id: int) -> None:
    _remembered.pop(_key(user_id), None)


def pick_language(language_code: str | None, default: str = "en") -> str:
    """ru or en from Telegram's language_code (e.g. "ru-RU" → ru)."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in SUPPORTED_LANGUAGES else default


@dataclass(frozen=True, slots=True)
class Profile:
    """A user as an update describes them: what `remember_profile` stores (`language` is
    taken only for someone new; a stored choice is kept)."""

    id: int
    first_name: str
    username: str | None
    language: str


def profile(
    user_id: int,
    first_name: str = "",
    username: str | None = None,
    language_code: str | None = None,
    default_language: str = "en",
) -> Profile:
    return Profile(
        user_id, first_name[:256], username, pick_language(language_code, default_language)
    )


async def remember(
    user_id: int,
    first_name: str = "",
    username: str | None = None,
    language_code: str | None = None,
    default_language: str = "en",
) -> TelegramUser:
    """Insert or refresh a user; an existing language choice is kept."""
    return await remember_profile(
        profile(user_id, first_name, username, language_code, default_language)
    )


async def remember_profile(person: Profile) -> TelegramUser:
    """`remember` of a `Profile`; a user seen in the last `REMEMBERED_SECONDS` unchanged
    costs nothing."""
    return recalled(person) or _keep(await _load(person))


def recalled(person: Profile) -> TelegramUser | None:
    """The stored user as this process last saw them, if recent and still so named."""
    cached = _remembered.get(_key(person.id))
    if cached is None or cached[0] <= time.monotonic():
        return None
    stored = cached[1]
    if (stored.first_name, stored.username) != (person.first_name, person.username):
        return None
    return stored


def kept(row: Mapping[str, Any]) -> TelegramUser:
    """A user a statement of another module stored and returned (`row` holds the
    telegram_user columns): remembered as if by `remember`."""
    columns = {name: row[name] for name in _COLUMNS}
    return _keep(TelegramUser(_exists_in_db=True, **columns))


_COLUMNS = tuple(column._meta.db_column_name for column in TelegramUser._meta.columns)


def _keep(user: TelegramUser) -> TelegramUser:
    if len(_remembered) >= _REMEMBERED_MAX:
        _remembered.clear()
    _remembered[_key(user.id)] = (time.monotonic() + REMEMBERED_SECONDS, user)
    return user


async def _load(person: Profile) -> TelegramUser:
    if engine.is_sqlite():
        user = await TelegramUser.objects().get(TelegramUser.id == person.id)
    else:
        user = await _insert_or_read(person)
    now = datetime.now(UTC)
    if user is None:
        # SQLite: a new user (most presses of a giveaway burst). PostgreSQL: one that
        # another transaction inserted during ours. Only a conflict needs the SELECT.
        new = TelegramUser(
            id=person.id,
            first_name=person.first_name,
            username=person.username,
            language=person.language,
        )
        created = (
            await TelegramUser.insert(new)
            .on_conflict(action="DO NOTHING")
            .returning(TelegramUser.id)
        )
        if created:
            new._exists_in_db = True
            return new
        user = await TelegramUser.objects().get(TelegramUser.id == person.id)
        assert user is not None
        return user
    if (user.first_name, user.username, user.blocked_bot) != (
        person.first_name,
        person.username,
        False,
    ):
        await TelegramUser.update(
            {
                TelegramUser.first_name: person.first_name,
                TelegramUser.username: person.username,
                TelegramUser.blocked_bot: False,
                TelegramUser.updated_at: now,
            }
        ).where(TelegramUser.id == person.id)
        user.first_name, user.username, user.blocked_bot = (
            person.first_name,
            person.username,
            False,
        )
    return user


# PostgreSQL: a new user is inserted, a known one read, in one statement. The read sees
# the statement's snapshot, so a row another transaction inserted meanwhile comes back as
# nothing (the caller then reads it).
_INSERT_OR_READ = """
WITH new AS (
    INSERT INTO telegram_user (id, first_name, username, language)
    VALUES ({}, {}, {}, {})
    ON CONFLICT (id) DO NOTHING
    RETURNING *
)
SELECT * FROM new
UNION ALL
SELECT * FROM telegram_user WHERE id = {} AND NOT EXISTS (SELECT FROM new)
"""


async def _insert_or_read(person: Profile) -> TelegramUser | None:
    """The stored user (inserted if new, then already up to date); None if unknown yet."""
    rows = await TelegramUser.raw(
        _INSERT_OR_READ, person.id, person.first_name, person.username, person.language, person.id
    )
    return TelegramUser(_exists_in_db=True, **rows[0]) if rows else None


async def get(user_id: int) -> TelegramUser | None:
    return await TelegramUser.objects().get(TelegramUser.id == user_id)


async def names(user_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """(first name, username) of each known user among `user_ids`."""
    if not user_ids:
        return {}
    rows = await TelegramUser.select(
        TelegramUser.id, TelegramUser.first_name, TelegramUser.username
    ).where(TelegramUser.id.is_in(list(set(user_ids))))
    return {row["id"]: (row["first_name"], row["username"]) for row in rows}


async def set_language(user_id: int, language: str) -> None:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    _forget_cached(user_id)
    await TelegramUser.update({TelegramUser.language: language}).where(TelegramUser.id == user_id)


async def set_timezone(user_id: int, timezone: str) -> None:
    _forget_cached(user_id)
    await TelegramUser.update({TelegramUser.timezone: timezone}).where(TelegramUser.id == user_id)


async def mark_blocked(user_id: int) -> None:
    """The user blocked the bot: stop sending to them until they come back."""
    _forget_cached(user_id)
    await TelegramUser.update({TelegramUser.blocked_bot: True}).where(TelegramUser.id == user_id)


async def is_blocked(user_id: int) -> bool:
    row = await TelegramUser.select(TelegramUser.blocked_bot).where(TelegramUser.id == user_id)
    return bool(row and row[0]["blocked_bot"])


async def forget(user_id: int) -> int:
    """Delete a user's data: profile, pending messages, channel history, entries in contests
    not yet drawn (with their suspicion signals and exclusions).

    Entries in drawn contests stay, because the published proof of those draws lists the
    user id and must remain verifiable. Returns how many entries were removed.
    """
    _forget_cached(user_id)
    open_contests = ContestTable.select(ContestTable.id).where(
        ContestTable.status.is_in(["draft", "scheduled", "active"])
    )
    async with engine.transaction():
        removed = (
            await Participant.delete()
            .where((Participant.user_id == user_id) & Participant.contest.is_in(open_contests))
            .returning(Participant.contest)
        )
        for row in removed:  # one entry per contest
            await ContestTable.update(
                {ContestTable.participant_count: ContestTable.participant_count - 1}
            ).where(ContestTable.id == row["contest"])
        for table in (EntrySuspicion, EntryExclusion):  # what was said about those entries
            await table.delete().where(
                (table.user_id == user_id) & table.contest.is_in(open_contests)
            )
    await Notification.delete().where(
        (Notification.chat_id == user_id) & (Notification.state == "pending")
    )
    await ContestOwner.delete().where(ContestOwner.user_id == user_id)
    await MembershipEvent.delete().where(MembershipEvent.user_id == user_id)
    await CaptchaChallenge.delete().where(CaptchaChallenge.user_id == user_id)
    await TelegramUser.delete().where(TelegramUser.id == user_id)
    return len(removed)
