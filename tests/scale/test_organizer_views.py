"""Organizer views computed in the database: the join curve and recent joins, both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.contests.rules import ContestFields
from app.db import contests, participants
from app.db.tables import Participant

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FIELDS = ContestFields(title="Mugs", description="", winners_count=1, max_participants=10_000)


async def _contest_joined_each_second(joins: int) -> int:
    contest = await contests.create(1000, FIELDS)
    rows = [
        Participant(contest=contest.id, user_id=5000 + n, joined_at=START + timedelta(seconds=n))
        for n in reversed(range(joins))  # stored out of order: the curve sorts by time
    ]
    for start in range(0, len(rows), 200):
        await Participant.insert(*rows[start : start + 200])
    await participants.recount(contest.id)  # rows inserted directly, not joined
    return contest.id


async def test_running_total_is_thinned_in_sql(db: str) -> None:
    contest_id = await _contest_joined_each_second(451)
    points = await participants.running_total(contest_id, 200)
    # 451 joins, at most 200 points: every 3rd join, and the last one.
    assert [n for _, n in points] == [*range(3, 451, 3), 451]
    assert all(at == START + timedelta(seconds=n - 1) for at, n in points)
    assert await participants.running_total(contest_id, 1000) == [
        (START + timedelta(seconds=n - 1), n) for n in range(1, 452)
    ]


async def test_running_total_of_an_empty_contest(db: str) -> None:
    contest = await contests.create(1000, FIELDS)
    assert await participants.running_total(contest.id, 200) == []


async def test_joined_since_counts_in_sql(db: str) -> None:
    contest_id = await _contest_joined_each_second(100)
    assert await participants.joined_since(contest_id, START + timedelta(seconds=60)) == 40
    assert await participants.joined_since(contest_id, START - timedelta(days=1)) == 100
