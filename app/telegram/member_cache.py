"""Recent "yes, subscribed" answers per (channel, user), so a burst asks Telegram less.

Only positive answers are kept, briefly: a getChatMember "member" for
`CHECKED_SECONDS`; a chat_member update (sent for channels where the bot is an admin)
saying the user joined for `UPDATE_SECONDS`, and one saying they left removes the
entry at once. A miss, or a cache that cannot be read (Redis restarting), means "ask
Telegram" — the cache never answers "no" and never "unknown". Redis holds the entries
when configured (every bot process sees one process's chat_member updates); otherwise
a dictionary in this process does.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "contest-bot:member:"
CHECKED_SECONDS = 120
UPDATE_SECONDS = 3600
_MEMORY_MAX = 100_000


class MemberCache(Protocol):
    async def is_member(self, chat_id: int, user_id: int) -> bool:
        """True when a recent answer said the user is subscribed."""
        ...

    async def remember(self, chat_id: int, user_id: int, seconds: int) -> None: ...

    async def forget(self, chat_id: int, user_id: int) -> None: ...


class RedisMemberCache:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        try:
            return bool(await self.redis.exists(f"{PREFIX}{chat_id}:{user_id}"))
        except (RedisError, OSError) as exc:
            log.debug("membership cache unreadable (%s); asking Telegram", exc)
            return False

    async def remember(self, chat_id: int, user_id: int, seconds: int) -> None:
        try:
            await self.redis.set(f"{PREFIX}{chat_id}:{user_id}", b"1", ex=seconds)
        except (RedisError, OSError) as exc:
            log.debug("membership cache unwritable (%s)", exc)

    async def forget(self, chat_id: int, user_id: int) -> None:
        # A failure here must not leave a stale "yes": let it fail the update, so that
        # Telegram sends the chat_member update again.
        await self.redis.delete(f"{PREFIX}{chat_id}:{user_id}")


class MemoryMemberCache:
    def __init__(self) -> None:
        self._until: dict[tuple[int, int], float] = {}

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        until = self._until.get((chat_id, user_id))
        return until is not None and until > time.monotonic()

    async def remember(self, chat_id: int, user_id: int, seconds: int) -> None:
        if len(self._until) >= _MEMORY_MAX:
            self._until.clear()
        self._until[(chat_id, user_id)] = time.monotonic() + seconds

    async def forget(self, chat_id: int, user_id: int) -> None:
        self._until.pop((chat_id, user_id), None)


def make_cache(redis: Redis | None) -> MemberCache:
    return RedisMemberCache(redis) if redis is not None else MemoryMemberCache()
