"""The membership cache on a real Redis: entries, the hash's lifetime, forgetting."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.telegram.member_cache import PREFIX, RedisMemberCache
from tests import servers


@pytest.fixture
async def redis(redis_server: servers.Redis) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    await client.flushall()
    yield client
    await client.aclose()


async def test_the_hash_lives_as_long_as_its_longest_lived_entry(redis: Redis) -> None:
    cache = RedisMemberCache(redis)
    key = f"{PREFIX}-100"
    await cache.remember(-100, 1, 120)
    assert await cache.is_member(-100, 1) and not await cache.is_member(-100, 2)
    assert 118 <= await redis.ttl(key) <= 120
    await cache.remember(-100, 2, 3600)  # longer: the hash is kept longer
    assert 3598 <= await redis.ttl(key) <= 3600
    await cache.remember(-100, 3, 120)  # shorter: the longer lifetime stays
    assert 3598 <= await redis.ttl(key) <= 3600
    assert await cache.is_member(-100, 3)
    await cache.forget(-100, 2)
    assert not await cache.is_member(-100, 2) and await cache.is_member(-100, 1)
    await cache.forget_chat(-100)
    assert not await cache.is_member(-100, 1)


async def test_an_expired_entry_is_no_answer(redis: Redis) -> None:
    cache = RedisMemberCache(redis)
    await cache.remember(-100, 1, 0)
    assert not await cache.is_member(-100, 1)


async def test_a_restarted_redis_forgets_the_script_and_the_cache_writes_again(
    redis: Redis,
) -> None:
    cache = RedisMemberCache(redis)
    await cache.remember(-100, 1, 120)
    await redis.script_flush()  # as after a restart: the script is gone from Redis
    await cache.remember(-100, 2, 120)
    assert await cache.is_member(-100, 2)
