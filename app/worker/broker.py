"""The taskiq broker of this process, chosen by the settings.

With `REDIS_URL`: a Redis stream broker (acknowledged delivery, see `streams`); no result
backend, since nothing reads task results (tasks record their effects in the database).
Without it (`dev`, unit tests): taskiq's `InMemoryBroker`, which runs each task in this
process as it is kicked.

Tasks are declared once on taskiq's shared broker (`app.worker.tasks`); `install()` makes
the chosen broker the one they are kicked to. Everything a task needs at run time (the
settings, the coordination keys, a rate-limited `Bot`) is a `Worker` on the broker state.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass, field

from aiogram import Bot
from redis.asyncio import Redis
from taskiq import AsyncBroker, InMemoryBroker, TaskiqEvents, TaskiqState
from taskiq.brokers.shared_broker import async_shared_broker

from app import redis_pool
from app.config import Settings, get_settings
from app.telegram.client import make_bot
from app.telegram.limits import RateLimitMiddleware, make_limiter
from app.worker.beacon import Relays
from app.worker.metrics import TaskMetricsMiddleware
from app.worker.store import KeyStore, MemoryKeyStore, RedisKeyStore
from app.worker.streams import ResilientStreamBroker

QUEUE = "contest-bot:tasks"
CONSUMER_GROUP = "contest-bot-workers"
# A task message unacknowledged this long is taken over by another worker.
ABANDONED_AFTER_MS = 60_000
# How long the in-process broker's running tasks get to finish when the process stops.
IN_PROCESS_GRACE_S = 5.0


@dataclass
class Worker:
    """What tasks use: settings, coordination keys, Redis, and a rate-limited Bot."""

    settings: Settings
    broker: AsyncBroker
    store: KeyStore
    redis: Redis | None = None
    _bot: Bot | None = field(default=None, repr=False)
    _relays: Relays | None = field(default=None, repr=False)

    @property
    def relays(self) -> Relays:
        """The drand relays of the settings (the chain's info is fetched once)."""
        if self._relays is None:
            self._relays = Relays(self.settings)
        return self._relays

    @property
    def bot(self) -> Bot:
        if self._bot is None:
            limiter = make_limiter(self.settings, self.redis)
            self._bot = make_bot(self.settings, RateLimitMiddleware(limiter))
        return self._bot

    def use_bot(self, bot: Bot) -> None:
        """Send through an existing Bot (dev, tests) instead of building one."""
        self._bot = bot

    async def close(self) -> None:
        if self._bot is not None:
            await self._bot.session.close()
            self._bot = None
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()


_current: Worker | None = None
_started = False


def build(settings: Settings, *, in_place: bool = False) -> Worker:
    """A broker for `settings`; `in_place` makes the in-process one finish tasks on kick."""
    if settings.redis_url:
        broker: AsyncBroker = ResilientStreamBroker(
            settings.redis_dsn,
            queue_name=QUEUE,
            consumer_group_name=CONSUMER_GROUP,
            consumer_name=f"{os.uname().nodename}-{os.getpid()}",
            idle_timeout=ABANDONED_AFTER_MS,
            xread_block=1000,
            xread_count=10,
            max_connection_pool_size=redis_pool.pool_size(settings),
        )
        redis = redis_pool.connect(settings)
        worker = Worker(settings, broker, RedisKeyStore(redis), redis)
    else:
        broker = InMemoryBroker(await_inplace=in_place, max_async_tasks=100)
        worker = Worker(settings, broker, MemoryKeyStore())
    broker.add_middlewares(TaskMetricsMiddleware())

    def remember(state: TaskiqState) -> None:
        state.worker = worker

    for event in (TaskiqEvents.WORKER_STARTUP, TaskiqEvents.CLIENT_STARTUP):
        broker.add_event_handler(event, remember)
    return worker


def install(worker: Worker) -> Worker:
    """Make `worker`'s broker the one this process kicks tasks to."""
    global _current, _started
    _current, _started = worker, False
    async_shared_broker.default_broker(worker.broker)
    return worker


def current() -> Worker:
    """This process's worker context, built from the settings on first use."""
    if _current is None:
        return install(build(get_settings()))
    return _current


async def started() -> Worker:
    """The current worker context with its broker started (once)."""
    global _started
    worker = current()
    if not _started:
        _started = True
        await worker.broker.startup()
    return worker


async def stop() -> None:
    """Shut the broker down and close connections (end of a role, end of a test)."""
    global _current, _started
    worker, _current = _current, None
    if worker is None:
        return
    if isinstance(worker.broker, InMemoryBroker):
        await _finish_in_process(worker.broker)
    if _started:
        _started = False
        with contextlib.suppress(Exception):
            await worker.broker.shutdown()
    await worker.close()


async def _finish_in_process(broker: InMemoryBroker) -> None:
    """Give the tasks this process runs itself a grace period, then cancel the rest:
    none outlives the process's role (and its database binding)."""
    running = list(broker._running_tasks)  # taskiq keeps no public handle on them
    if not running:
        return
    _, late = await asyncio.wait(running, timeout=IN_PROCESS_GRACE_S)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
