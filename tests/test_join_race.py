"""Joins racing the draw's freeze, and the participant counter, on SQLite and PostgreSQL.

A join answered "joined" must be in the frozen list (and so in the proof); a join that
lost the race is told the contest is closed. The counter in the contest row always
equals the entries stored.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest

from app.contests.conditions import ChannelSubscription, Condition, Membership
from app.contests.lifecycle import Status
from app.db import contests, draws, participants, users
from app.db.participants import JoinStatus
from app.db.tables import Contest, Participant
from app.errors import ContestChanged
from tests.test_storage import active_contest

ROUNDS = 3
JOINERS = 40


class SlowChannel:
    """A subscription check taking a few milliseconds, so joins straddle the freeze."""

    async def membership(self, chat_id: int, user_id: int) -> Membership:
        await asyncio.sleep(random.uniform(0, 0.03))
        return Membership.member


def conditions() -> list[Condition]:
    return [ChannelSubscription(-100, "Alpha", SlowChannel())]


async def stored(contest_id: int) -> int:
    return await Participant.count().where(Participant.contest == contest_id)


@pytest.mark.parametrize("limit", [None, 1000])
async def test_a_join_racing_the_draw_is_in_the_list_or_told_closed(
    db: str, limit: int | None
) -> None:
    for round_number in range(ROUNDS):
        contest_id = await active_contest(max_participants=limit)
        first = round_number * 1000
        joins = [
            asyncio.create_task(participants.join(contest_id, first + uid, conditions()))
            for uid in range(JOINERS)
        ]
        await asyncio.sleep(random.uniform(0.005, 0.02))
        outcome = await draws.run(contest_id)
        results = await asyncio.gather(*joins)
        frozen = set((await draws.frozen_list(contest_id)).ids)
        joined = {first + uid for uid, r in enumerate(results) if r.status is JoinStatus.joined}
        refused = [r for r in results if r.status is JoinStatus.not_open]
        print(
            f"{db} limit={limit} round {round_number}: {len(joined)} joined before the freeze,"
            f" {len(refused)} told closed, {outcome.participant_count} in the list"
        )
        assert joined == frozen
        assert len(joined) + len(refused) == JOINERS
        assert await stored(contest_id) == len(frozen) == await participants.count(contest_id)


async def test_the_counter_follows_entries_and_forgetting(db: str) -> None:
    contest_id = await active_contest()
    results = await asyncio.gather(*(participants.join(contest_id, uid, []) for uid in range(30)))
    assert sorted(r.count for r in results) == list(range(1, 31))  # each saw its own count
    again = await participants.join(contest_id, 3, [])
    assert again.status is JoinStatus.already_joined and again.count == 30
    await users.remember(3, "Ann")
    assert await users.forget(3) == 1
    assert await participants.count(contest_id) == 29 == await stored(contest_id)
    await Participant.insert(*(Participant(contest=contest_id, user_id=u) for u in (500, 501)))
    await participants.recount(contest_id)
    assert await participants.count(contest_id) == 31


async def test_a_join_on_a_stale_row_cannot_enter_a_closed_contest(db: str) -> None:
    contest_id = await active_contest()
    stale = await contests.get(contest_id)
    await contests.close(contest_id)  # the draw froze the list after the row was read
    result = await participants.join(contest_id, 9, [], contest=stale)
    assert result.status is JoinStatus.not_open
    assert await stored(contest_id) == 0 == await participants.count(contest_id)
    assert (await contests.get(contest_id)).status == Status.drawing.value


async def test_a_join_checked_against_an_edited_row_records_nothing(db: str) -> None:
    contest_id = await active_contest()
    seen = await contests.for_joining(contest_id)  # cached for the joins that follow
    assert await contests.for_joining(contest_id) is seen
    await Contest.update({Contest.updated_at: datetime.now(UTC)}).where(Contest.id == contest_id)
    with pytest.raises(ContestChanged):
        await participants.join(contest_id, 9, [], contest=seen)
    assert await stored(contest_id) == 0 == await participants.count(contest_id)
    contests.forget_for_joining(contest_id)
    fresh = await contests.for_joining(contest_id)
    assert fresh is not seen
    assert (await participants.join(contest_id, 9, [], contest=fresh)).status is JoinStatus.joined
