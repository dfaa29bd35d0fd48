"""Joining contests: idempotent, safe under concurrency, conditions checked first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from piccolo.columns.combination import WhereRaw

from app.contests.conditions import CheckResult, Condition, evaluate
from app.contests.lifecycle import JOINABLE, Action, Status
from app.db import contests
from app.db.engine import is_sqlite, transaction
from app.db.tables import Contest, Participant, TelegramUser

EXPORT_BATCH = 1000
FREEZE_BATCH = 50_000


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
        return JoinResult(JoinStatus.already_joined, contest.participant_count)
    refusal = _refusal(contest)
    if refusal is not None:
        return JoinResult(refusal, contest.participant_count)
    verdict = await evaluate(conditions, user_id)
    if not verdict.passed:
        status = JoinStatus.undecided if verdict.undecided else JoinStatus.conditions_missing
        return JoinResult(status, 0, verdict.missing, verdict.undecided)
    try:
        return await _insert(contest_id, user_id, source)
    except _Refused:
        current = await contests.get(contest_id)
        return JoinResult(_refusal(current) or JoinStatus.full, current.participant_count)


def _refusal(contest: Contest) -> JoinStatus | None:
    if Status(contest.status) not in JOINABLE:
        return JoinStatus.not_open
    if contest.ends_at is not None and contest.ends_at <= datetime.now(UTC):
        return JoinStatus.not_open
    return None


class _Refused(Exception):
    """The contest stopped taking entries (closed, past its deadline, or full)."""


async def _insert(contest_id: int, user_id: int, source: str) -> JoinResult:
    """Record an entry and count it, only while the contest is open: one transaction.

    The entry is inserted first (concurrent joins do not wait for each other there),
    then the counter in the contest row goes up only if the contest still takes
    entries. That UPDATE locks the contest row until commit, and the draw's freeze
    (`contests.close`, an UPDATE of the same row) waits for it: a join either commits
    before the freeze, and is in the frozen list, or finds the contest closed and rolls
    back. On SQLite the immediate transaction serialises the same steps.
    """
    async with transaction():
        inserted = (
            await Participant.insert(
                Participant(contest=contest_id, user_id=user_id, source=source)
            )
            .on_conflict(action="DO NOTHING")
            .returning(Participant.id)
        )
        if not inserted:
            return JoinResult(JoinStatus.already_joined, await count(contest_id))
        counted = (
            await Contest.update({Contest.participant_count: Contest.participant_count + 1})
            .where(
                (Contest.id == contest_id)
                & Contest.status.is_in([status.value for status in JOINABLE])
                & (Contest.ends_at.is_null() | (Contest.ends_at > datetime.now(UTC)))
                & WhereRaw("(max_participants IS NULL OR participant_count < max_participants)")
            )
            .returning(Contest.participant_count, Contest.max_participants)
        )
        if not counted:
            raise _Refused  # rolls the entry back
        total, limit = counted[0]["participant_count"], counted[0]["max_participants"]
        if limit is not None and total >= limit:
            await contests.transition(contest_id, Action.close)
            return JoinResult(JoinStatus.joined, total, closed_contest=True)
        return JoinResult(JoinStatus.joined, total)


async def is_participant(contest_id: int, user_id: int) -> bool:
    return await Participant.exists().where(
        (Participant.contest == contest_id) & (Participant.user_id == user_id)
    )


async def count(contest_id: int) -> int:
    """Participants of a contest: the counter kept in its row (no scan)."""
    rows = await Contest.select(Contest.participant_count).where(Contest.id == contest_id)
    return rows[0]["participant_count"] if rows else 0


async def recount(contest_id: int) -> None:
    """Set a contest's counter from its entries (after a bulk load)."""
    entries = await Participant.count().where(Participant.contest == contest_id)
    await Contest.update({Contest.participant_count: entries}).where(Contest.id == contest_id)


async def counts(contest_ids: list[int]) -> dict[int, int]:
    """Participants of several contests in one query (a list view), from their counters."""
    if not contest_ids:
        return {}
    rows = await Contest.select(Contest.id, Contest.participant_count).where(
        Contest.id.is_in(contest_ids)
    )
    found = {row["id"]: row["participant_count"] for row in rows}
    return {contest_id: found.get(contest_id, 0) for contest_id in contest_ids}


_ID_LINES = """
SELECT {aggregate} AS lines, max(user_id) AS last
FROM (
    SELECT user_id FROM participant WHERE contest = {{}} AND user_id > {{}}
    ORDER BY user_id LIMIT {{}}
) AS batch
"""
_ID_LINES_POSTGRES = _ID_LINES.format(
    aggregate="string_agg(user_id::text, E'\\n' ORDER BY user_id)"
)
_ID_LINES_SQLITE = _ID_LINES.format(aggregate="group_concat(user_id, char(10))")


async def id_lines(contest_id: int) -> AsyncIterator[bytes]:
    """Every participant's user id, ascending, one a line, in batches of text.

    The database walks its unique (contest, user_id) index and writes the text itself,
    so a million ids cost a few queries and no Python object per participant.
    """
    query = _ID_LINES_SQLITE if is_sqlite() else _ID_LINES_POSTGRES
    last = -1
    while True:
        rows = await Participant.raw(query, contest_id, last, FREEZE_BATCH)
        if not rows or rows[0]["lines"] is None:
            return
        yield str(rows[0]["lines"]).encode()
        last = rows[0]["last"]


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
