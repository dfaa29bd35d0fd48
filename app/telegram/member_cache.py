"""Recent "yes, subscribed" answers per (channel, user), so a burst asks Telegram less.

Only positive answers are kept, briefly: a getChatMember "member" for
`CHECKED_SECONDS`; a chat_member update (sent for channels where the bot is an admin)
saying the user joined for `UPDATE_SECONDS`, and one saying they left removes the
entry at once. When the bot stops being an administrator of a chat, Telegram stops
sending its chat_member updates: every entry of that chat is dropped (`forget_chat`).
A miss, or a cache that cannot be read (Redis restarting), means "ask Telegram" — the
cache never answers "no" and never "unknown". Redis holds the entries when configured
(every bot process sees one process's chat_member updates), one hash per chat (user ->
valid-until time, the hash expiring when unused); otherwise a dictionary does.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol, runtime_checkable

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "contest-bot:member:"
CHECKED_SECONDS = 120
UPDATE_SECONDS = 3600
_MEMORY_MAX = 100_000


@runtime_checkable  # the API's dependency injection checks the type
class MemberCache(Protocol):
    async def is_member(self, chat_id: int, user_id: int) -> bool:
        """True when a recent answer said the user is subscribed."""
        ...

    async def remember(self, chat_id: int, user_id: int, seconds: int) -> None: ...

    async def forget(self, chat_id: int, user_id: int) -> None: ...

    async def forget_chat(self, chat_id: int) -> None: ...


# One command per remembered answer (a burst writes one per press): the entry, and the
# hash kept as long as its longest-lived entry (TTL is -1 while the hash has none).
_REMEMBER = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then
    redis.call('EXPIRE', KEYS[1], ARGV[3])
end
"""


class RedisMemberCache:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._remember = redis.register_script(_REMEMBER)

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        try:
            until = await self.redis.hget(f"{PREFIX}{chat_id}", str(user_id))
        except (RedisError, OSError) as exc:
            log.debug("membership cache unreadable (%s); asking Telegram", exc)
            return False
        return until is not None and float(until) > time.time()

    async def remember(self, chat_id: int, user_id: int, seconds: int) -> None:
        try:
            await self._remember(
                keys=[f"{PREFIX}{chat_id}"], args=[user_id, time.time() + seconds, seconds]
            )
        except (RedisError, OSError) as exc:
            log.debug("membership cache unwritable (%s)", exc)

    # A failure in the two below must not leave a stale "yes": it fails the update, so
    # that Telegram sends the chat_member / my_chat_member update again.
    async def forget(self, chat_id: int, user_id: int) -> None:
        await self.redis.hdel(f"{PREFIX}{chat_id}", str(user_id))

    async def forget_chat(self, chat_id: int) -> None:
        await self.redis.delete(f"{PREFIX}{chat_id}")


class MemoryMemberCache:
    def __init__(self) -> None:
        self._until: dict[int, dict[int, float]] = {}
        self._size = 0

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        until = self._until.get(chat_id, {}).get(user_id)
        return until is not None and until > time.monotonic()

    async def remember(self, chat_id: int, user_id: int, seconds: int) -> None:
        if self._size >= _MEMORY_MAX:
            self._until.clear()
            self._size = 0
        self._until.setdefault(chat_id, {})[user_id] = time.monotonic() + seconds
        self._size += 1

    async def forget(self, chat_id: int, user_id: int) -> None:
        self._until.get(chat_id, {}).pop(user_id, None)

    async def forget_chat(self, chat_id: int) -> None:
        self._until.pop(chat_id, None)


def make_cache(redis: Redis | None) -> MemberCache:
    return RedisMemberCache(redis) if redis is not None else MemoryMemberCache()
