"""Joining contests: idempotent, safe under concurrency, conditions checked first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from piccolo.query.functions.aggregate import Count

from app.contests.conditions import CheckResult, Condition, evaluate
from app.contests.lifecycle import JOINABLE, Action, Status
from app.db import contests
from app.db.engine import is_sqlite, transaction
from app.db.tables import Contest, Participant, TelegramUser

EXPORT_BATCH = 1000


class JoinStatus(StrEnum):
    joined = "joined"
    already_joined = "already_joined"
    conditions_missing = "conditions_missing"
    undecided = "undecided"
    not_open = "not_open"
    full = "full"


@dataclass(frozen=True, slots=True)
class JoinResult:
    status: JoinStatus
    count: int = 0
    missing: list[CheckResult] = field(default_factory=list)
    undecided: list[CheckResult] = field(default_factory=list)
    closed_contest: bool = False

    @property
    def is_participant(self) -> bool:
        return self.status in (JoinStatus.joined, JoinStatus.already_joined)


async def join(
    contest_id: int,
    user_id: int,
    conditions: list[Condition],
    source: str = "bot",
    contest: Contest | None = None,
) -> JoinResult:
    """Join a contest once; a second join of the same user is `already_joined`.

    Conditions are checked before the insert (never on a repeat join, which stays
    cheap). When the participant limit is reached, the join that reaches it closes the
    contest (`closed_contest`), and later ones are refused with `full`. `contest` is the
    row when the caller has just read it.
    """
    if contest is None or contest.id != contest_id:
        contest = await contests.get(contest_id)
    if await is_participant(contest_id, user_id):
        return JoinResult(JoinStatus.already_joined, await count(contest_id))
    refusal = _refusal(contest)
    if refusal is not None:
        return JoinResult(refusal, await count(contest_id))
    verdict = await evaluate(conditions, user_id)
    if not verdict.passed:
        status = JoinStatus.undecided if verdict.undecided else JoinStatus.conditions_missing
        return JoinResult(status, 0, verdict.missing, verdict.undecided)
    if contest.max_participants is None:
        return await _insert(contest_id, user_id, source)
    return await _insert_limited(contest, user_id, source)


def _refusal(contest: Contest) -> JoinStatus | None:
    if Status(contest.status) not in JOINABLE:
        return JoinStatus.not_open
    if contest.ends_at is not None and contest.ends_at <= datetime.now(UTC):
        return JoinStatus.not_open
    return None


async def _insert(contest_id: int, user_id: int, source: str) -> JoinResult:
    inserted = (
        await Participant.insert(Participant(contest=contest_id, user_id=user_id, source=source))
        .on_conflict(action="DO NOTHING")
        .returning(Participant.id)
    )
    status = JoinStatus.joined if inserted else JoinStatus.already_joined
    return JoinResult(status, await count(contest_id))


async def _insert_limited(contest: Contest, user_id: int, source: str) -> JoinResult:
    """Insert under a lock on the contest row, so the limit is never exceeded."""
    async with transaction():
        if not is_sqlite():  # SQLite's immediate transaction already serialises writers
            await Contest.select(Contest.id).where(Contest.id == contest.id).lock_rows()
        current = await contests.get(contest.id)
        if _refusal(current) is not None:
            return JoinResult(JoinStatus.full, await count(contest.id))
        result = await _insert(contest.id, user_id, source)
        limit = current.max_participants or 0
        if result.status is JoinStatus.joined and result.count >= limit:
            await contests.transition(contest.id, Action.close)
            return JoinResult(result.status, result.count, closed_contest=True)
        return result


async def is_participant(contest_id: int, user_id: int) -> bool:
    return await Participant.exists().where(
        (Participant.contest == contest_id) & (Participant.user_id == user_id)
    )


async def count(contest_id: int) -> int:
    return await Participant.count().where(Participant.contest == contest_id)


async def counts(contest_ids: list[int]) -> dict[int, int]:
    """Participants of several contests in one grouped query (a list view, not a row each)."""
    if not contest_ids:
        return {}
    rows = (
        await Participant.select(Participant.contest, Count(Participant.id, alias="count"))
        .where(Participant.contest.is_in(contest_ids))
        .group_by(Participant.contest)
    )
    found = {row["contest"]: row["count"] for row in rows}
    return {contest_id: found.get(contest_id, 0) for contest_id in contest_ids}


async def user_ids(contest_id: int) -> list[int]:
    rows = await Participant.select(Participant.user_id).where(Participant.contest == contest_id)
    return [row["user_id"] for row in rows]


_RUNNING_TOTAL = """
SELECT joined_at, n FROM (
    SELECT joined_at, ROW_NUMBER() OVER (ORDER BY joined_at, id) AS n
    FROM participant WHERE contest = {}
) AS ranked
WHERE n % {} = 0 OR n = {}
ORDER BY n
"""


async def running_total(contest_id: int, max_points: int) -> list[tuple[datetime, int]]:
    """(time of the n-th join, n) for every `step`-th join and the last, at most `max_points`.

    The database numbers the joins and returns only the picked rows, so a contest with
    a million entries sends a couple of hundred rows, not a million timestamps.
    """
    total = await count(contest_id)
    if total == 0:
        return []
    step = max(1, -(-total // max_points))
    rows = await Participant.raw(_RUNNING_TOTAL, contest_id, step, total)
    return [(_timestamp(row["joined_at"]), row["n"]) for row in rows]


def _timestamp(value: datetime | str) -> datetime:
    """A raw SQLite row holds the stored text; PostgreSQL gives a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def joined_since(contest_id: int, since: datetime) -> int:
    return await Participant.count().where(
        (Participant.contest == contest_id) & (Participant.joined_at >= since)
    )


async def contests_of(user_id: int) -> list[Contest]:
    """Contests a user takes part in, newest first."""
    joined = Participant.select(Participant.contest).where(Participant.user_id == user_id)
    return (
        await Contest.objects()
        .where(Contest.id.is_in(joined))
        .order_by(Contest.id, ascending=False)
    )


async def export(contest_id: int) -> AsyncIterator[dict[str, Any]]:
    """Participants with their profile, in joining order, fetched in batches."""
    last_id = 0
    while True:
        rows = (
            await Participant.select(
                Participant.id,
                Participant.user_id,
                Participant.source,
                Participant.joined_at,
            )
            .where((Participant.contest == contest_id) & (Participant.id > last_id))
            .order_by(Participant.id)
            .limit(EXPORT_BATCH)
        )
        if not rows:
            return
        ids = [row["user_id"] for row in rows]
        profiles = {
            row["id"]: row
            for row in await TelegramUser.select(
                TelegramUser.id, TelegramUser.username, TelegramUser.first_name
            ).where(TelegramUser.id.is_in(ids))
        }
        for row in rows:
            profile = profiles.get(row["user_id"], {})
            yield {
                "user_id": row["user_id"],
                "username": profile.get("username") or "",
                "first_name": profile.get("first_name") or "",
                "source": row["source"],
                "joined_at": row["joined_at"].isoformat(),
            }
        last_id = rows[-1]["id"]
