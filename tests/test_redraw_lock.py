"""A re-draw asks Telegram about the next candidates before it takes the draw row's lock:
a slow answer holds up no other write (on SQLite that lock is the whole database's)."""

from __future__ import annotations

import asyncio

import pytest

from app.contests.conditions import CheckResult, Outcome
from app.db import draws, participants
from tests.worker.stack import contest_with_participants

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def _passes(_user_id: int) -> list[CheckResult]:
    return [CheckResult("subscription", Outcome.passed)]


async def test_a_slow_recheck_during_a_redraw_holds_up_no_join(db: str) -> None:
    contest_id, _ = await contest_with_participants(20)
    elsewhere, _ = await contest_with_participants(0, first_user=50_000)
    drawn = await draws.run(contest_id, _passes)
    asked: list[int] = []
    answer = asyncio.Event()

    async def slow(user_id: int) -> list[CheckResult]:
        asked.append(user_id)
        await answer.wait()  # Telegram is slow to answer
        return await _passes(user_id)

    replaced = drawn.winners[0]
    redraw = asyncio.create_task(draws.replace_winner(contest_id, replaced, "no reply", 1, slow))
    while not asked:
        await asyncio.sleep(0.01)
    joined = await asyncio.wait_for(participants.join(elsewhere, 60_001, []), timeout=10)
    answer.set()
    outcome = await redraw
    print(
        f"\nslow re-check: asked {asked}, join meanwhile {joined.status}, winners {outcome.winners}"
    )
    assert replaced not in outcome.winners
    assert len(outcome.winners) == len(drawn.winners)
    assert len(asked) == len(set(asked)), "each candidate is asked once"
