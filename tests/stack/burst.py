"""A burst of presses on one channel post, delivered by the emulator's own webhook (as
Telegram delivers: up to max_connections at once, a failed update sent again), and the
counts that tell whether every press became exactly one participant."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg

from tests.stack.scenario import ContestWorld, join_data
from tests.telegram_emulator import CallbackQuery


@dataclass(frozen=True)
class BurstCount:
    presses: int
    answered: int
    rows: int  # participant rows of the contest
    distinct: int  # distinct users among them
    counter: int  # the contest row's participant_count
    seconds: float
    failed_deliveries: int  # webhook POSTs answered non-2xx or cut off (then sent again)

    @property
    def exact(self) -> bool:
        return self.rows == self.distinct == self.counter == self.presses

    def line(self, label: str) -> str:
        return (
            f"{label}: {self.presses} presses -> {self.rows} participant rows"
            f" ({self.distinct} distinct, counter {self.counter}), {self.answered} answered,"
            f" {self.failed_deliveries} deliveries failed and were repeated, {self.seconds:.1f} s"
        )


def press_all(world: ContestWorld, user_ids: list[int]) -> list[CallbackQuery]:
    """Every user taps Participate now; the emulator queues one update per press."""
    assert world.post is not None
    return [
        world.emulator.press_button(
            user_id, world.channel.id, world.post.message_id, data=join_data(world.contest_id)
        )
        for user_id in user_ids
    ]


async def participant_counts(database_url: str, contest_id: int) -> tuple[int, int, int]:
    connection = await asyncpg.connect(database_url)
    try:
        rows, distinct = await connection.fetchrow(
            "SELECT count(*), count(DISTINCT user_id) FROM participant WHERE contest = $1",
            contest_id,
        )
        counter = await connection.fetchval(
            "SELECT participant_count FROM contest WHERE id = $1", contest_id
        )
        return rows, distinct, counter
    finally:
        await connection.close()


async def settle(
    world: ContestWorld,
    database_url: str,
    queries: list[CallbackQuery],
    started: float,
    failed_before: int,
    timeout: float = 120.0,
) -> BurstCount:
    """Wait until the emulator delivered every update and every press is a participant
    (or `timeout` passed), then count; `failed_before` is `failed_deliveries` before the
    presses."""
    deadline = time.monotonic() + timeout
    expected = len(queries)
    while True:
        rows, distinct, counter = await participant_counts(database_url, world.contest_id)
        delivered = not len(world.emulator.bot.queue)
        if (delivered and rows >= expected) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    return BurstCount(
        presses=expected,
        answered=sum(query.answer is not None for query in queries),
        rows=rows,
        distinct=distinct,
        counter=counter,
        seconds=time.monotonic() - started,
        failed_deliveries=failed_deliveries(world) - failed_before,
    )


def failed_deliveries(world: ContestWorld) -> int:
    """Webhook POSTs that failed so far (over every setWebhook of a restarting bot)."""
    return world.emulator.bot.webhook_failures
