"""Retrying transient failures inside a task, with exponential backoff.

Transient: Telegram unreachable, 5xx or 429 (`TelegramUnavailable` and aiogram's
network/server/retry-after errors), and a database that is restarting or unreachable.
The task message stays unacknowledged meanwhile, so a worker dying during the wait
loses nothing: the message is claimed by another worker. Anything else is permanent and
propagates at once.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

from app import metrics
from app.errors import TelegramUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT: tuple[type[BaseException], ...] = (
    TelegramUnavailable,
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.exceptions.OperatorInterventionError,
    sqlite3.OperationalError,
    ConnectionError,
    OSError,
    TimeoutError,
)
FIRST_DELAY = 0.5
MAX_DELAY = 15.0
ATTEMPTS = 12  # about two minutes of trying


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


async def retrying(what: str, job: Callable[[], Awaitable[T]], task: str = "") -> T:
    """Run `job`, retrying transient failures; the last failure propagates."""
    delay = FIRST_DELAY
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await job()
        except TRANSIENT as exc:
            if attempt == ATTEMPTS:
                raise
            if isinstance(exc, TelegramRetryAfter):
                delay = max(delay, float(exc.retry_after))
            log.warning(
                "%s failed (%s: %s); retry %d in %.1f s",
                what,
                type(exc).__name__,
                exc,
                attempt,
                delay,
            )
            metrics.TASKS_RETRIED.labels(task or what).inc()
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
    raise AssertionError("unreachable")
