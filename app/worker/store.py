"""Short-lived coordination keys: throttles, task locks, leases and worker heartbeats.

Redis holds them when `REDIS_URL` is set, so every process sees the same keys; without
Redis (`dev`, unit tests) a dictionary in this process does. Losing them (a wiped Redis)
is safe: they only prevent duplicate work that the database would refuse anyway.
"""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis

PREFIX = "contest-bot:"

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class KeyStore(Protocol):
    async def claim(self, key: str, owner: str, ttl_ms: int) -> bool:
        """Set `key` to `owner` unless it exists (SET NX PX)."""
        ...

    async def renew(self, key: str, owner: str, ttl_ms: int) -> bool:
        """Extend `key` if `owner` still holds it."""
        ...

    async def release(self, key: str, owner: str) -> None:
        """Delete `key` if `owner` holds it."""
        ...

    async def holder(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str, ttl_ms: int) -> None: ...


class RedisKeyStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def claim(self, key: str, owner: str, ttl_ms: int) -> bool:
        return bool(await self.redis.set(PREFIX + key, owner, nx=True, px=ttl_ms))

    async def renew(self, key: str, owner: str, ttl_ms: int) -> bool:
        return bool(await self._renew(keys=[PREFIX + key], args=[owner, ttl_ms]))

    async def release(self, key: str, owner: str) -> None:
        await self._release(keys=[PREFIX + key], args=[owner])

    async def holder(self, key: str) -> str | None:
        value = await self.redis.get(PREFIX + key)
        return value.decode() if isinstance(value, bytes) else value

    async def put(self, key: str, value: str, ttl_ms: int) -> None:
        await self.redis.set(PREFIX + key, value, px=ttl_ms)


class MemoryKeyStore:
    """The same contract inside one process."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, float]] = {}

    def _get(self, key: str) -> str | None:
        found = self._keys.get(key)
        if found is None:
            return None
        if found[1] <= time.monotonic():
            del self._keys[key]
            return None
        return found[0]

    async def claim(self, key: str, owner: str, ttl_ms: int) -> bool:
        if self._get(key) is not None:
            return False
        self._keys[key] = (owner, time.monotonic() + ttl_ms / 1000)
        return True

    async def renew(self, key: str, owner: str, ttl_ms: int) -> bool:
        if self._get(key) != owner:
            return False
        self._keys[key] = (owner, time.monotonic() + ttl_ms / 1000)
        return True

    async def release(self, key: str, owner: str) -> None:
        if self._get(key) == owner:
            del self._keys[key]

    async def holder(self, key: str) -> str | None:
        return self._get(key)

    async def put(self, key: str, value: str, ttl_ms: int) -> None:
        self._keys[key] = (value, time.monotonic() + ttl_ms / 1000)
