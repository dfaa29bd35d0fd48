"""Joining contests: idempotent, safe under concurrency, conditions checked first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from app.contests.conditions import CheckResult, Condition, evaluate
from app.contests.lifecycle import JOINABLE, Action, Status
from app.db import contests, tickets, users
from app.db.engine import is_sqlite, transaction
from app.db.tables import Contest, Participant, TelegramUser
from app.errors import ContestChanged, TransitionError

EXPORT_BATCH = 5000
FREEZE_BATCH = 50_000


class JoinStatus(StrEnum):
    joined = "joined"
    already_joined = "already_joined"
    conditions_missing = "conditions_missing"
    undecided = "undecided"
    not_open = "not_open"
    full = "full"
    not_eligible = "not_eligible"
    """Subscribed to every channel, but a rule of the contest (Premium only, new
    subscribers only) keeps the person out; set by `app.telegram.joining`."""
    captcha_required = "captcha_required"
    """Not recorded: a captcha comes first (`app.telegram.gate`)."""
    captcha_failed = "captcha_failed"
    """A wrong or expired answer; a new question replaces it."""
    rate_limited = "rate_limited"
    """Too many presses by this user, or on this contest, just now (`retry_after`)."""


@dataclass(frozen=True, slots=True)
class JoinResult:
    status: JoinStatus
    count: int = 0
    missing: list[CheckResult] = field(default_factory=list)
    undecided: list[CheckResult] = field(default_factory=list)
    closed_contest: bool = False
    retry_after: float = 0.0
    person: TelegramUser | None = None
    """The joining user as stored, when the join was asked to remember them."""

    @property
    def is_participant(self) -> bool:
        return self.status in (JoinStatus.joined, JoinStatus.already_joined)


async def join(
    contest_id: int,
    user_id: int,
    conditions: list[Condition],
    source: str = "bot",
    contest: Contest | None = None,
    referrer: int | None = None,
    person: users.Profile | None = None,
) -> JoinResult:
    """Join a contest once; a second join of the same user is `already_joined`.

    Conditions are checked before the insert; a repeat join they would refuse is still
    `already_joined`. The entry is recorded and counted only while the contest takes
    entries, atomically with respect to the draw's freeze: a join either is in the frozen
    list or is told the contest closed. When the participant limit is reached, the join
    that reaches it closes the contest (`closed_contest`), and later ones are refused with
    `full`. `contest` is the row the caller checked the conditions against (it may be a
    cached one): the entry is recorded only while the stored row is still that version
    (`updated_at`), else `ContestChanged` is raised and nothing is recorded. `referrer`
    is the participant whose link brought the user: the referral is recorded with the
    entry, in the same transaction, and only for a new entry (`tickets.refer`).
    `person` (the user as the update describes them, `id == user_id`) is remembered
    however the join ends, as `users.remember_profile` would, and returned as
    `JoinResult.person`.

    A join that enters is one statement on PostgreSQL: the user's upsert rides along,
    the already-joined case is the insert's conflict, and the row is locked, checked,
    counted there.
    """
    assert person is None or person.id == user_id
    result = await _join(contest_id, user_id, conditions, source, contest, referrer, person)
    if person is not None and result.person is None:
        result = replace(result, person=await users.remember_profile(person))
    return result


async def _join(
    contest_id: int,
    user_id: int,
    conditions: list[Condition],
    source: str,
    contest: Contest | None,
    referrer: int | None,
    person: users.Profile | None,
) -> JoinResult:
    if contest is None or contest.id != contest_id:
        contest = await contests.get(contest_id)
    refusal = _refusal(contest)
    if refusal is not None:
        return await _repeat_or(JoinResult(refusal, contest.participant_count), contest, user_id)
    verdict = await evaluate(conditions, user_id)
    if not verdict.passed:
        status = JoinStatus.undecided if verdict.undecided else JoinStatus.conditions_missing
        refused = JoinResult(status, 0, verdict.missing, verdict.undecided)
        return await _repeat_or(refused, contest, user_id)
    version = contest.updated_at
    if referrer is None or referrer == user_id:
        entry = await _enter(contest_id, user_id, source, version, person)
    else:
        async with transaction():
            entry = await _enter(contest_id, user_id, source, version, person)
            if entry.total is not None:
                await tickets.refer(contest_id, referrer, user_id)
    if not entry.open:
        result = await _refused(contest)
    elif entry.total is None:
        result = JoinResult(JoinStatus.already_joined, await count(contest_id))
    elif entry.limit is not None and entry.total >= entry.limit:
        result = JoinResult(JoinStatus.joined, entry.total, closed_contest=await _close(contest_id))
    else:
        result = JoinResult(JoinStatus.joined, entry.total)
    return replace(result, person=entry.person)


async def _repeat_or(refused: JoinResult, contest: Contest, user_id: int) -> JoinResult:
    """A refused join of someone already in is `already_joined` (one query, refusals only)."""
    if await is_participant(contest.id, user_id):
        return JoinResult(JoinStatus.already_joined, contest.participant_count)
    return refused


def _refusal(contest: Contest) -> JoinStatus | None:
    if Status(contest.status) not in JOINABLE:
        return JoinStatus.not_open
    if contest.ends_at is not None and contest.ends_at <= datetime.now(UTC):
        return JoinStatus.not_open
    return None


@dataclass(frozen=True, slots=True)
class _Entry:
    open: bool  # the contest took entries when the row was locked
    total: int | None = None  # the new count, when this join was recorded
    limit: int | None = None
    person: TelegramUser | None = None  # the user, when asked to remember them


# One statement, one round trip: lock the contest row if it still takes entries, insert
# the entry, count it. The lock is held only inside PostgreSQL, until this statement's
# commit; the draw's freeze (`contests.close`, an UPDATE of the same row) waits for it.
_ENTER = """
WITH {person}open AS (
    SELECT id FROM contest
    WHERE id = {{}} AND status = 'active' AND (ends_at IS NULL OR ends_at > now())
      AND (max_participants IS NULL OR participant_count < max_participants)
      AND updated_at IS NOT DISTINCT FROM {{}}
    FOR UPDATE
), entry AS (
    INSERT INTO participant (contest, user_id, source, joined_at)
    SELECT id, {{}}, {{}}, now() FROM open
    ON CONFLICT DO NOTHING
    RETURNING contest
), counted AS (
    UPDATE contest SET participant_count = participant_count + 1
    FROM entry WHERE contest.id = entry.contest
    RETURNING participant_count, max_participants
)
SELECT (SELECT count(*) FROM open) AS open,
       (SELECT participant_count FROM counted) AS total,
       (SELECT max_participants FROM counted) AS max_participants{known}
"""
# The same, remembering the user on the way (as `users.remember`: inserted when new,
# the name refreshed when changed, the stored row returned). The row comes back unless
# another transaction inserted it after this statement's snapshot (then it is read
# afterwards, as `users.remember` would).
_ENTER_REMEMBERING = _ENTER.format(
    person="""person AS (
    INSERT INTO telegram_user AS stored (id, first_name, username, language)
    VALUES ({}, {}, {}, {})
    ON CONFLICT (id) DO UPDATE
    SET first_name = excluded.first_name, username = excluded.username,
        blocked_bot = false, updated_at = now()
    WHERE (stored.first_name, stored.username, stored.blocked_bot)
        IS DISTINCT FROM (excluded.first_name, excluded.username, false)
    RETURNING *
), known AS (
    SELECT * FROM person
    UNION ALL
    SELECT * FROM telegram_user WHERE id = {} AND NOT EXISTS (SELECT FROM person)
), """,
    known=", known.*\nFROM (VALUES (1)) AS one LEFT JOIN known ON true",
)
_ENTER = _ENTER.format(person="", known="")
assert frozenset({Status.active}) == JOINABLE  # the statements name 'active'


async def _enter(
    contest_id: int,
    user_id: int,
    source: str,
    version: datetime | None,
    person: users.Profile | None,
) -> _Entry:
    if is_sqlite():
        stored = None if person is None else await users.remember_profile(person)
        return replace(await _enter_sqlite(contest_id, user_id, source, version), person=stored)
    if person is None:
        (row,) = await Contest.raw(_ENTER, contest_id, version, user_id, source)
        return _Entry(bool(row["open"]), row["total"], row["max_participants"])
    (row,) = await Contest.raw(
        _ENTER_REMEMBERING,
        *(person.id, person.first_name, person.username, person.language, person.id),
        *(contest_id, version, user_id, source),
    )
    stored = None if row["id"] is None else users.kept(row)
    return _Entry(bool(row["open"]), row["total"], row["max_participants"], stored)


async def _enter_sqlite(
    contest_id: int, user_id: int, source: str, version: datetime | None
) -> _Entry:
    """The same steps in an immediate transaction, which holds SQLite's one write lock."""
    async with transaction():
        rows = await Contest.select(
            Contest.max_participants, Contest.participant_count, Contest.updated_at
        ).where(
            (Contest.id == contest_id)
            & Contest.status.is_in([status.value for status in JOINABLE])
            & (Contest.ends_at.is_null() | (Contest.ends_at > datetime.now(UTC)))
        )
        if (
            not rows
            or rows[0]["updated_at"] != version
            or (
                rows[0]["max_participants"] is not None
                and rows[0]["participant_count"] >= rows[0]["max_participants"]
            )
        ):
            return _Entry(open=False)
        inserted = (
            await Participant.insert(
                Participant(contest=contest_id, user_id=user_id, source=source)
            )
            .on_conflict(action="DO NOTHING")
            .returning(Participant.id)
        )
        if not inserted:
            return _Entry(open=True)
        counted = (
            await Contest.update({Contest.participant_count: Contest.participant_count + 1})
            .where(Contest.id == contest_id)
            .returning(Contest.participant_count, Contest.max_participants)
        )
        return _Entry(True, counted[0]["participant_count"], counted[0]["max_participants"])


async def _refused(seen: Contest) -> JoinResult:
    """Closed, past its deadline, or full; a full contest still marked active (the join
    that filled it died before closing it) is closed here. `ContestChanged` when none of
    these: the row was edited since `seen`."""
    contests.forget_for_joining(seen.id)  # the next join reads the row again
    current = await contests.get(seen.id)
    refusal = _refusal(current)
    if refusal is not None:
        return JoinResult(refusal, current.participant_count)
    limit = current.max_participants
    if limit is None or current.participant_count < limit:
        raise ContestChanged(f"contest {seen.id} changed while a join was being checked")
    return JoinResult(
        JoinStatus.full, current.participant_count, closed_contest=await _close(seen.id)
    )


async def _close(contest_id: int) -> bool:
    """Close a contest that reached its participant limit; False if someone else did."""
    try:
        await contests.transition(contest_id, Action.close)
    except TransitionError:
        return False
    return True


_IS_PARTICIPANT = (
    "SELECT EXISTS (SELECT 1 FROM participant WHERE contest = {} AND user_id = {}) AS entered"
)


async def is_participant(contest_id: int, user_id: int) -> bool:
    """Asked by every opened Mini App card: one fixed statement (building Piccolo's
    `exists()` query cost more CPU than running it)."""
    (row,) = await Participant.raw(_IS_PARTICIPANT, contest_id, user_id)
    return bool(row["entered"])


async def entered(contest_id: int, user_ids: list[int]) -> set[int]:
    """Which of these users are entries of the contest."""
    rows = await Participant.select(Participant.user_id).where(
        (Participant.contest == contest_id) & Participant.user_id.is_in(user_ids)
    )
    return {row["user_id"] for row in rows}


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


_RUNNING_TOTAL_SQLITE = """
SELECT joined_at, n FROM (
    SELECT joined_at, ROW_NUMBER() OVER (ORDER BY joined_at, id) AS n
    FROM participant WHERE contest = {}
) AS ranked
WHERE n % {} = 0 OR n = {}
ORDER BY n
"""
_RUNNING_TOTAL_POSTGRES = """
SELECT percentile_disc({}::float8[]) WITHIN GROUP (ORDER BY joined_at) AS times
FROM participant WHERE contest = {}
"""


async def running_total(contest_id: int, max_points: int) -> list[tuple[datetime, int]]:
    """(time of the n-th join, n) for every `step`-th join and the last, at most `max_points`.

    The database picks the rows, so a contest with a million entries sends a couple of
    hundred timestamps, not a million. On PostgreSQL one `percentile_disc` over the
    wanted ranks: a sort of the join times and no per-row window (at 1,000,000 joins
    0.4–0.7 s against 1.7–2.4 s for `ROW_NUMBER()` in the same run).
    """
    total = await count(contest_id)
    if total == 0:
        return []
    step = max(1, -(-total // max_points))
    if is_sqlite():
        rows = await Participant.raw(_RUNNING_TOTAL_SQLITE, contest_id, step, total)
        return [(utc_time(row["joined_at"]), row["n"]) for row in rows]
    ranks = [*range(step, total, step), total]
    # percentile_disc(f) is the ceil(f * total)-th value; half a rank below keeps float
    # rounding from landing on the next one.
    fractions = [(n - 0.5) / total for n in ranks]
    rows = await Participant.raw(_RUNNING_TOTAL_POSTGRES, fractions, contest_id)
    times = rows[0]["times"] or []
    return [(utc_time(at), n) for at, n in zip(times, ranks, strict=True)]


def utc_time(value: datetime | str) -> datetime:
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


_EXPORT = """
SELECT p.id, p.user_id, p.source, p.joined_at, u.username, u.first_name
FROM participant AS p LEFT JOIN telegram_user AS u ON u.id = p.user_id
WHERE p.contest = {} AND p.id > {}
ORDER BY p.id
LIMIT {}
"""


async def export(contest_id: int) -> AsyncIterator[dict[str, Any]]:
    """Participants with their profile, in joining order: one joined query per batch."""
    last_id = 0
    while True:
        rows = await Participant.raw(_EXPORT, contest_id, last_id, EXPORT_BATCH)
        if not rows:
            return
        for row in rows:
            yield {
                "user_id": row["user_id"],
                "username": row["username"] or "",
                "first_name": row["first_name"] or "",
                "source": row["source"],
                "joined_at": utc_time(row["joined_at"]).isoformat(),
            }
        last_id = rows[-1]["id"]
