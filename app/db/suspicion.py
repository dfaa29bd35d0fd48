"""Suspicion signals of a contest's entries, kept in `entry_suspicion` (see
`app.contests.suspicion` for the signals), and the cached profile photo status of users.

`assess` recomputes the entries whose signals may have changed since their last pass:
new ones, those whose account changed or got its photo checked, "new accounts" (they
age), and every referred entry, because the referrer signals of an entry depend on the
entries around it (the first entries of a burst are flagged only once the burst is
complete). It is run in the background (`app.telegram.suspicion`), never on
the join path; `at_join` is the cheap check the join path may make.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from app.contests import suspicion
from app.contests.suspicion import Assessment, ReferredEntry, Signal
from app.db import users
from app.db.engine import transaction
from app.db.exclusions import Excluded, of_contest
from app.db.tables import (
    Contest,
    EntryExclusion,
    EntrySuspicion,
    Participant,
    Referral,
    TelegramUser,
)

FLAGGED_PAGE_MAX = 200
ASSESSED_MARGIN = timedelta(seconds=30)
"""A pass records its entries as assessed this long before it started: an account change
committed while the pass read (its time a little before the pass's) is looked at again."""
_SECOND = timedelta(seconds=1)


async def stale_photos(contest_id: int, now: datetime, limit: int) -> list[int]:
    """Entrants of a contest whose profile photo status is unknown or older than the cache."""
    cutoff = now - suspicion.PHOTO_CACHE_AGE
    entrants = Participant.select(Participant.user_id).where(Participant.contest == contest_id)
    rows = (
        await TelegramUser.select(TelegramUser.id)
        .where(
            TelegramUser.id.is_in(entrants)
            & (TelegramUser.photo_checked_at.is_null() | (TelegramUser.photo_checked_at < cutoff))
        )
        .order_by(TelegramUser.id)
        .limit(limit)
    )
    return [row["id"] for row in rows]


async def record_photo(user_id: int, has_photo: bool | None, now: datetime) -> None:
    """Cache a user's photo status; None: Telegram refused to say (asked again later)."""
    await TelegramUser.update(
        {TelegramUser.has_photo: has_photo, TelegramUser.photo_checked_at: now}
    ).where(TelegramUser.id == user_id)


async def cached_photo(user_id: int) -> bool | None:
    """A user's profile photo status if checked recently enough, else None (unknown)."""
    rows = await TelegramUser.select(TelegramUser.has_photo, TelegramUser.photo_checked_at).where(
        TelegramUser.id == user_id
    )
    if not rows or rows[0]["photo_checked_at"] is None:
        return None
    fresh = datetime.now(UTC) - rows[0]["photo_checked_at"] < suspicion.PHOTO_CACHE_AGE
    return rows[0]["has_photo"] if fresh else None


async def referred_entries(contest_id: int) -> list[ReferredEntry]:
    """Entries that came through a referrer's link (`Referral`, written with the entry,
    so its time is the join's)."""
    rows = await Referral.select(
        Referral.invitee_id, Referral.referrer_id, Referral.created_at
    ).where(Referral.contest == contest_id)
    return [ReferredEntry(row["invitee_id"], row["referrer_id"], row["created_at"]) for row in rows]


async def referrer_counts(contest_id: int, referrer_id: int, now: datetime) -> tuple[int, int]:
    """Entries through a referrer's link within the burst window before `now`, and within
    `now`'s second (two indexed counts)."""
    mine = (Referral.contest == contest_id) & (Referral.referrer_id == referrer_id)
    recent = await Referral.count().where(
        mine
        & (Referral.created_at > now - suspicion.REFERRER_BURST_WINDOW)
        & (Referral.created_at <= now)
    )
    second = now.replace(microsecond=0)
    same = await Referral.count().where(
        mine & (Referral.created_at >= second) & (Referral.created_at < second + _SECOND)
    )
    return recent, same


async def needs_assessment(contest_id: int) -> bool:
    """Whether the assessed entries differ in number from the entries: new ones came, or
    some were deleted (`users.forget`)."""
    assessed = await EntrySuspicion.count().where(EntrySuspicion.contest == contest_id)
    rows = await Contest.select(Contest.participant_count).where(Contest.id == contest_id)
    return bool(rows) and rows[0]["participant_count"] != assessed


# The entries a pass recomputes: those whose signals may have changed since their last
# assessment. An account's own signals change only when its row does (name, username:
# `updated_at`; photo: `photo_checked_at`) or when a "new account" grows old; referrer
# signals depend on the entries around each referred one, so all of those are looked at.
_TO_ASSESS = """
SELECT p.user_id, u.username, u.has_photo, u.photo_checked_at AS checked, u.id AS known,
       s.score, s.signals,
       (s.id IS NULL OR u.updated_at > s.assessed_at OR u.photo_checked_at > s.assessed_at)
           AS stale
FROM participant p
LEFT JOIN telegram_user u ON u.id = p.user_id
LEFT JOIN entry_suspicion s ON s.contest = p.contest AND s.user_id = p.user_id
WHERE p.contest = {}
  AND (s.id IS NULL
       OR u.updated_at > s.assessed_at
       OR u.photo_checked_at > s.assessed_at
       OR CAST(s.signals AS TEXT) LIKE '%new_account%'
       OR EXISTS (
           SELECT 1 FROM referral r WHERE r.contest = p.contest AND r.invitee_id = p.user_id
       ))
"""
_GONE = """
DELETE FROM entry_suspicion AS s
WHERE s.contest = {}
  AND NOT EXISTS (SELECT 1 FROM participant p WHERE p.contest = s.contest AND p.user_id = s.user_id)
RETURNING id
"""


async def assess(contest_id: int, now: datetime | None = None) -> int:
    """Recompute the signals of the entries that may have changed (`_TO_ASSESS`), store
    the ones that did and drop those of entries deleted since (`users.forget`); returns
    how many rows it wrote or dropped. A pass over a contest where nothing happened reads
    no entry into Python, so a big contest costs one indexed scan in the database."""
    now = now or datetime.now(UTC)
    by_referrer = suspicion.referral_bursts(await referred_entries(contest_id))
    changed: list[EntrySuspicion] = []
    for entry in await Participant.raw(_TO_ASSESS, contest_id):
        user_id = entry["user_id"]
        found = set(by_referrer.get(user_id, ()))
        if entry["known"] is None:  # never seen by the bot: only the id says something
            if suspicion.is_new_account(user_id, now):
                found.add(Signal.new_account)
        else:
            photo = entry["has_photo"] if entry["checked"] is not None else None
            found |= suspicion.account_signals(user_id, entry["username"], photo, now)
        assessment = Assessment(frozenset(found))
        stored = (entry["score"], _codes(entry["signals"]))
        if entry["stale"] or stored != (assessment.score, assessment.codes()):
            changed.append(
                EntrySuspicion(
                    contest=contest_id,
                    user_id=user_id,
                    score=assessment.score,
                    signals=assessment.codes(),
                    assessed_at=now - ASSESSED_MARGIN,
                )
            )
    async with transaction():
        gone = await EntrySuspicion.raw(_GONE, contest_id)
        for start in range(0, len(changed), 500):
            await EntrySuspicion.insert(*changed[start : start + 500]).on_conflict(
                target=(EntrySuspicion.contest, EntrySuspicion.user_id),
                action="DO UPDATE",
                values=[EntrySuspicion.score, EntrySuspicion.signals, EntrySuspicion.assessed_at],
            )
    return len(changed) + len(gone)


def _codes(stored: Any) -> list[str] | None:
    """Signals as stored: JSON text from a raw query (PostgreSQL's jsonb, SQLite's text)."""
    if stored is None:
        return None
    return json.loads(stored) if isinstance(stored, str | bytes) else list(stored)


@dataclass(frozen=True, slots=True)
class Flagged:
    """A flagged entry as an organizer sees it."""

    user_id: int
    first_name: str
    username: str | None
    score: int
    signals: list[str]
    excluded: Excluded | None


@dataclass(frozen=True, slots=True)
class Summary:
    assessed: int
    flagged: int
    excluded: int
    by_signal: dict[str, int]  # flagged entries carrying each signal


async def summary(contest_id: int) -> Summary:
    """Counts only: flagged entries grouped by their signal set (at most 2^5 groups), so
    it stays cheap on a contest with a million entries."""
    groups = await (
        EntrySuspicion.select(EntrySuspicion.signals, Count(EntrySuspicion.id, alias="count"))
        .where(
            (EntrySuspicion.contest == contest_id) & (EntrySuspicion.score >= suspicion.FLAG_SCORE)
        )
        .group_by(EntrySuspicion.signals)
        .output(load_json=True)
    )
    by_signal: dict[str, int] = {}
    for group in groups:
        for code in group["signals"]:
            by_signal[code] = by_signal.get(code, 0) + group["count"]
    assessed = await EntrySuspicion.count().where(EntrySuspicion.contest == contest_id)
    excluded = await EntryExclusion.count().where(EntryExclusion.contest == contest_id)
    flagged = sum(group["count"] for group in groups)
    return Summary(assessed, flagged, excluded, dict(sorted(by_signal.items())))


async def flagged(contest_id: int, limit: int = 50, offset: int = 0) -> list[Flagged]:
    """Flagged entries, highest score first, with their exclusion if any."""
    rows: list[dict[str, Any]] = await (
        EntrySuspicion.select(
            EntrySuspicion.user_id,
            EntrySuspicion.score,
            EntrySuspicion.signals,
        )
        .where(
            (EntrySuspicion.contest == contest_id) & (EntrySuspicion.score >= suspicion.FLAG_SCORE)
        )
        .order_by(EntrySuspicion.score, ascending=False)
        .order_by(EntrySuspicion.user_id)
        .limit(min(limit, FLAGGED_PAGE_MAX))
        .offset(offset)
        .output(load_json=True)
    )
    ids = [row["user_id"] for row in rows]
    known = await users.names(ids)
    excluded = await of_contest(contest_id, ids)
    return [
        Flagged(
            row["user_id"],
            *known.get(row["user_id"], ("", None)),
            row["score"],
            row["signals"],
            excluded.get(row["user_id"]),
        )
        for row in rows
    ]


async def at_join(
    contest_id: int,
    user_id: int,
    username: str | None,
    referrer_id: int | None = None,
    now: datetime | None = None,
) -> Assessment:
    """The assessment the join path can make before recording the entry: the account's
    own signals (the photo only if cached) and, for a join through a referrer's link,
    the referrer's entries counted with this one. One to three indexed queries."""
    now = now or datetime.now(UTC)
    recent = same = 0
    if referrer_id is not None and referrer_id != user_id:
        recent, same = await referrer_counts(contest_id, referrer_id, now)
        recent, same = recent + 1, same + 1
    return suspicion.at_join(
        user_id,
        username,
        now,
        has_photo=await cached_photo(user_id),
        referrer_recent=recent,
        referrer_same_second=same,
    )


async def scores(contest_id: int, user_ids: list[int]) -> dict[int, tuple[int, list[str]]]:
    """The stored score and signals of these entries (those assessed)."""
    if not user_ids:
        return {}
    rows = await (
        EntrySuspicion.select(EntrySuspicion.user_id, EntrySuspicion.score, EntrySuspicion.signals)
        .where((EntrySuspicion.contest == contest_id) & EntrySuspicion.user_id.is_in(user_ids))
        .output(load_json=True)
    )
    return {row["user_id"]: (row["score"], row["signals"]) for row in rows}


async def flagged_unexcluded(contest_id: int) -> list[int]:
    """Every flagged entry the organizer has not excluded yet, highest score first."""
    excluded = EntryExclusion.select(EntryExclusion.user_id).where(
        EntryExclusion.contest == contest_id
    )
    rows = (
        await EntrySuspicion.select(EntrySuspicion.user_id)
        .where(
            (EntrySuspicion.contest == contest_id)
            & (EntrySuspicion.score >= suspicion.FLAG_SCORE)
            & EntrySuspicion.user_id.not_in(excluded)
        )
        .order_by(EntrySuspicion.score, ascending=False)
        .order_by(EntrySuspicion.user_id)
    )
    return [row["user_id"] for row in rows]
