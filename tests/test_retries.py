"""The one retry policy: what is retried, how long it waits, and that the waits are jittered."""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time

import asyncpg
import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import GetMe

from app.errors import TelegramUnavailable
from app.retries import TASK, Policy, retrying

FAST = Policy(first_delay=0.01, max_delay=0.02, jitter=0.0, attempts=4)


class Flaky:
    """Fails with `error` `times` times, then answers "ok"; counts the calls."""

    def __init__(self, error: Exception, times: int = 1) -> None:
        self.error, self.times, self.calls = error, times, 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return "ok"


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database is locked"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        ConnectionRefusedError(111, "Connection refused"),
        TelegramUnavailable("Telegram could not be reached"),
    ],
    ids=type,
)
async def test_transient_failures_are_retried(error: Exception) -> None:
    job = Flaky(error, times=2)
    assert await retrying("a job", job, FAST) == "ok"
    assert job.calls == 3


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("no such table: contest"),
        TelegramBadRequest(GetMe(), "Bad Request: chat not found"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        ValueError("a bug"),
    ],
    ids=str,
)
async def test_permanent_failures_propagate_at_once(error: Exception) -> None:
    job = Flaky(error, times=1)
    with pytest.raises(type(error)):
        await retrying("a job", job, FAST)
    assert job.calls == 1


async def test_gives_up_after_the_policys_attempts() -> None:
    job = Flaky(ConnectionResetError(), times=100)
    with pytest.raises(ConnectionResetError):
        await retrying("a job", job, FAST)
    assert job.calls == FAST.attempts


@pytest.mark.parametrize(
    "error",
    [
        TelegramRetryAfter(GetMe(), "Too Many Requests: retry after 1", retry_after=1),
        TelegramUnavailable("posting: Telegram asked to wait 1 s", retry_after=1),
    ],
    ids=type,
)
async def test_telegram_retry_after_is_waited_exactly(error: Exception) -> None:
    # The policy's own backoff would be 10-20 s: the wait must be Telegram's 1 s instead.
    slow = Policy(first_delay=10.0, max_delay=20.0, jitter=5.0, attempts=2)
    job = Flaky(error)
    started = time.monotonic()
    assert await retrying("a job", job, slow) == "ok"
    waited = time.monotonic() - started
    print(f"\nretry_after=1 s waited {waited:.3f} s")
    assert 1.0 <= waited < 1.3


async def test_waits_are_jittered_so_processes_do_not_retry_in_lockstep() -> None:
    policy = Policy(first_delay=0.05, max_delay=1.0, jitter=0.1, attempts=2)
    waits = []
    for _ in range(8):
        started = time.monotonic()
        await retrying("a job", Flaky(ConnectionResetError()), policy)
        waits.append(time.monotonic() - started)
    print(f"\nwaits with 0.05 s + up to 0.1 s jitter: {[round(w, 3) for w in waits]}")
    assert all(0.05 <= w < 0.25 for w in waits)
    assert statistics.pstdev(waits) > 0.01


def test_stored_delays_follow_the_same_curve_with_jitter() -> None:
    delays = [TASK.delay(3) for _ in range(50)]
    assert all(2.0 <= d <= 2.0 + TASK.jitter for d in delays)
    assert len(set(delays)) > 40
    assert TASK.delay(60) == TASK.max_delay


async def test_cancellation_is_never_retried() -> None:
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    # `on` says "retry everything", as the outbox's outcome writes do
    task = asyncio.create_task(retrying("a job", forever, FAST, on=lambda _exc: True))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)
