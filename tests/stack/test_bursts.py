"""Bursts of presses over several bot processes, with faults in the middle of them.

Each burst presses Participate for every member of a fresh channel at once; the
emulator delivers the updates through nginx as Telegram would (up to max_connections
at once, sending a failed update again). A bot process killed with -9, Redis restarted
or stalled (every pooled connection busy), PostgreSQL restarted: after the
redeliveries every press is exactly one participant, and the counter in the contest
row agrees. Each scenario runs twice; the counts are printed (`pytest -s`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.conftest import TEST_TOKEN
from tests.stack.burst import (
    BurstCount,
    failed_deliveries,
    participant_counts,
    press_all,
    settle,
)
from tests.stack.conftest import ORGANIZER_ID
from tests.stack.launcher import Stack, StackOptions
from tests.stack.scenario import make_world, publish_contest
from tests.telegram_emulator import TelegramEmulator

pytestmark = pytest.mark.nginx

PRESSES = 120
ROUNDS = 2

Fault = Callable[[Stack], Awaitable[None]]


@asynccontextmanager
async def stack_with(bots: int, log_dir: Path) -> AsyncIterator[tuple[TelegramEmulator, Stack]]:
    """Its own emulator and stack: the bots set the emulator's webhook to their nginx."""
    async with TelegramEmulator(token=TEST_TOKEN) as emulator:
        options = StackOptions(
            telegram_api_url=emulator.base_url,
            bot_token=TEST_TOKEN,
            log_dir=log_dir,
            admin_ids=(ORGANIZER_ID,),
            bots=bots,
        )
        async with Stack(options) as stack:
            yield emulator, stack


async def burst(
    emulator: TelegramEmulator, stack: Stack, label: str, fault: Fault | None = None
) -> BurstCount:
    world = make_world(emulator, stack, ORGANIZER_ID, members=PRESSES, outsiders=0)
    await publish_contest(world, title=label, deadline_in=3600, winners=1, notify=False)
    await emulator.wait_for(lambda: not len(emulator.bot.queue), timeout=60)
    started, failed_before = time.monotonic(), failed_deliveries(world)
    queries = press_all(world, world.members)
    if fault is not None:
        await _when_some_joined(stack, world.contest_id)
        await fault(stack)
    count = await settle(world, stack.database_url, queries, started, failed_before)
    print(count.line(label))
    return count


async def _when_some_joined(stack: Stack, contest_id: int) -> None:
    """Mid-burst: a fifth of the presses recorded."""
    while (await participant_counts(stack.database_url, contest_id))[0] < PRESSES // 5:
        await asyncio.sleep(0.05)


async def kill_a_bot(stack: Stack) -> None:
    await stack.kill("bot-1")
    await asyncio.sleep(1)
    await stack.start_role("bot-1")


async def restart_redis(stack: Stack) -> None:
    await stack.restart_redis()


async def stall_redis(stack: Stack) -> None:
    """Every command waits 3 s: the pools run dry and joins queue for a connection."""
    async with Redis.from_url(stack.redis_url) as redis:
        await redis.execute_command("CLIENT", "PAUSE", 3000, "ALL")


async def restart_postgres(stack: Stack) -> None:
    await stack.restart_postgres()


def upstreams(stack: Stack) -> set[str]:
    """The bot sockets nginx passed webhook updates to (from its JSON access log)."""
    found = set()
    for line in stack.nginx.site.access_log.read_text().splitlines():
        entry = json.loads(line)
        if entry["uri"] == "/telegram/webhook" and entry["upstream_addr"]:
            found.update(addr.strip() for addr in entry["upstream_addr"].split(","))
    return found


async def test_a_burst_over_four_bot_processes(log_dir: Path) -> None:
    async with stack_with(4, log_dir) as (emulator, stack):
        count = await burst(emulator, stack, "4 bot processes")
        assert count.exact, count
        assert count.answered == PRESSES
        assert upstreams(stack) == {f"unix:{path}" for path in stack.bot_sockets.values()}
        stack.check_alive()


async def test_faults_during_bursts_over_two_bot_processes(log_dir: Path) -> None:
    scenarios: list[tuple[str, Fault | None]] = [
        ("no fault", None),
        ("kill -9 of a bot process", kill_a_bot),
        ("Redis restarted", restart_redis),
        ("Redis stalled, pools exhausted", stall_redis),
        ("PostgreSQL restarted", restart_postgres),
    ]
    async with stack_with(2, log_dir) as (emulator, stack):
        results = []
        for round_number in range(1, ROUNDS + 1):
            for name, fault in scenarios:
                label = f"round {round_number}, {name}"
                results.append((label, await burst(emulator, stack, label, fault)))
        assert upstreams(stack) == {f"unix:{path}" for path in stack.bot_sockets.values()}
        stack.check_alive()
    inexact = [(label, count) for label, count in results if not count.exact]
    assert not inexact, inexact
