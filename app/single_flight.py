"""One call in flight per key: callers that come while it runs wait for its answer.

Used where a burst arrives before anything is cached (a freshly started API: the bot's
getMe, each contest's card), so a hundred callers make one call instead of a hundred.
A failed or cancelled call is not kept: the next caller calls again. A caller that gives
up (cancelled) stops no one else's wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[V]] = {}

    async def run(self, key: K, call: Callable[[], Awaitable[V]]) -> V:
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(call())
            self._running[key] = running
            running.add_done_callback(lambda done: self._settled(key, done))
        return await asyncio.shield(running)

    def _settled(self, key: K, done: asyncio.Future[V]) -> None:
        self._running.pop(key, None)
        if not done.cancelled():
            done.exception()  # each waiter got it; not "never retrieved" if none is left
