"""The one retry policy: exponential backoff with jitter (stamina), transient failures only.

Jitter keeps processes that failed together (a Redis or PostgreSQL restart, a Telegram
outage) from retrying in lockstep. What is transient:

- Telegram unreachable or answering 5xx (`TelegramNetworkError`, `TelegramServerError`,
  `TelegramUnavailable`); a 429 waits exactly its `retry_after`, with no jitter added;
- PostgreSQL or Redis unreachable, restarting or dropping the connection;
- SQLite busy ("database is locked"). Other SQLite errors ("no such table") are bugs
  or a missing migration: retrying cannot help, so they propagate at once.

Everything else is permanent and propagates at once. `Policy` holds the timing of one
kind of retry; `retrying` runs a coroutine under it, and `Policy.delay` gives the same
curve for retries that are scheduled in the database instead of awaited (the outbox).
"""

from __future__ import annotations

import logging
import random
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import asyncpg
import stamina
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.errors import TelegramUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT: tuple[type[BaseException], ...] = (
    TelegramUnavailable,
    TelegramNetworkError,
    TelegramServerError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, server starting up
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,  # a socket that is not there yet (a unix socket during a restart)
)
SQLITE_BUSY = ("database is locked", "database is busy")

# stamina logs and counts retries itself; this module logs them with what was being
# done, and the worker counts them per task, so its own hooks are switched off.
stamina.instrumentation.set_on_retry_hooks([])


def backoff_for(exc: Exception) -> bool | float:
    """stamina's backoff hook: False (permanent), True (backoff with jitter) or exact seconds."""
    if isinstance(exc, TelegramRetryAfter):
        return float(exc.retry_after)
    if isinstance(exc, TelegramUnavailable) and exc.retry_after is not None:
        return exc.retry_after
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).lower().startswith(SQLITE_BUSY)
    return isinstance(exc, TRANSIENT)


@dataclass(frozen=True)
class Policy:
    """Timing of one kind of retry; `attempts`/`timeout` None means until it works."""

    first_delay: float
    max_delay: float
    jitter: float = 1.0
    attempts: int | None = None
    timeout: float | None = None

    def delay(self, attempt: int) -> float:
        """The wait after failed `attempt` (1-based): stamina's curve, for stored schedules."""
        exponential = self.first_delay * 2.0 ** min(attempt - 1, 64)
        return min(self.max_delay, exponential + random.uniform(0, self.jitter))


TASK = Policy(first_delay=0.5, max_delay=15.0, attempts=12, timeout=180.0)
"""Inside a background task: about two minutes, then the task fails and is kicked again."""
RECONNECT = Policy(first_delay=0.5, max_delay=30.0)
"""A role waiting for Telegram to answer at its start (getMe)."""
BROKER = Policy(first_delay=0.2, max_delay=2.0, jitter=0.5)
"""The task stream waiting for Redis: short waits, so queued tasks start soon after."""


async def retrying(
    what: str,
    job: Callable[[], Awaitable[T]],
    policy: Policy = TASK,
    *,
    on: Callable[[Exception], bool | float] = backoff_for,
    on_retry: Callable[[Exception, int], None] | None = None,
    quiet: bool = False,
) -> T:
    """Await `job()` until it succeeds or fails permanently; the last failure propagates.

    `on` decides what is retried (default: the transient list above). Each retried
    failure is logged (unless `quiet`) and handed with its attempt number to `on_retry`.
    Cancellation and other `BaseException`s are never retried, whatever `on` says.
    """

    def decide(exc: BaseException) -> bool | float:
        return isinstance(exc, Exception) and on(exc)

    async for attempt in stamina.retry_context(
        on=decide,
        attempts=policy.attempts,
        timeout=policy.timeout,
        wait_initial=policy.first_delay,
        wait_max=policy.max_delay,
        wait_jitter=policy.jitter,
    ):
        with attempt:
            try:
                return await job()
            except Exception as exc:
                if on(exc) is False:
                    raise
                if on_retry is not None:
                    on_retry(exc, attempt.num)
                if not quiet:
                    last = policy.attempts is not None and attempt.num >= policy.attempts
                    log.warning(
                        "%s failed (%s: %s); %s %d",
                        what,
                        type(exc).__name__,
                        exc,
                        "giving up after attempt" if last else "retry",
                        attempt.num,
                    )
                raise
    raise AssertionError("unreachable")
