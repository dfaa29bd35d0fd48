"""A Redis stream broker that survives a restarted or wiped Redis.

taskiq-redis' `RedisStreamBroker` gives acknowledged delivery: a message stays pending in
the consumer group until the task finished, and another worker claims it (XAUTOCLAIM)
when its consumer went silent. On top of that this broker:

- creates its consumer group from the start of the stream (`0`), and again whenever
  Redis answers NOGROUP (wiped or replaced), so messages added meanwhile are not skipped;
- deletes a message when it is acknowledged, so the stream holds only unfinished work
  (its length is the queue depth) and needs no trimming;
- claims abandoned messages on a timer, not only when new messages arrive;
- waits and reconnects while Redis is unreachable (`app.retries.BROKER`: short jittered
  waits) instead of spinning.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

from app.retries import BROKER, retrying

log = logging.getLogger(__name__)


class ResilientStreamBroker(RedisStreamBroker):
    def __init__(self, url: str, *, claim_every: float = 5.0, **options: Any) -> None:
        options.setdefault("consumer_id", "0")
        super().__init__(url, **options)
        self.claim_every = claim_every

    def _ack_generator(self, id: str, queue_name: str) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            async with (
                Redis(connection_pool=self.connection_pool) as redis,
                redis.pipeline(transaction=True) as pipe,
            ):
                pipe.xack(queue_name, self.consumer_group_name, id)
                pipe.xdel(queue_name, id)
                await pipe.execute()

        return ack

    async def depth(self) -> int:
        """Messages not yet acknowledged (waiting or running)."""
        async with Redis(connection_pool=self.connection_pool) as redis:
            return int(await redis.xlen(self.queue_name))

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        last_claim = 0.0
        while True:
            claim = time.monotonic() - last_claim >= self.claim_every
            if claim:
                last_claim = time.monotonic()
            for message in await retrying(
                "reading the task stream", lambda claim=claim: self._next(claim), BROKER
            ):
                yield message

    async def _next(self, claim: bool) -> list[AckableMessage]:
        """New messages, and abandoned ones when `claim`; recreates a vanished group."""
        try:
            async with Redis(connection_pool=self.connection_pool) as redis:
                messages = await self._read(redis)
                return messages + (await self._claim(redis) if claim else [])
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            log.warning("task stream or its consumer group vanished; recreating it")
            await self._declare_consumer_group()
            return []

    async def _read(self, redis: Redis) -> list[AckableMessage]:
        fetched = await redis.xreadgroup(
            self.consumer_group_name,
            self.consumer_name,
            {self.queue_name: ">"},
            block=self.block,
            count=self.count,
        )
        return [
            AckableMessage(data=fields[b"data"], ack=self._ack_generator(msg_id, stream))
            for stream, messages in fetched or []
            for msg_id, fields in messages
            if fields
        ]

    async def _claim(self, redis: Redis) -> list[AckableMessage]:
        """Take over messages another consumer received but never acknowledged."""
        result = await redis.xautoclaim(
            self.queue_name,
            self.consumer_group_name,
            self.consumer_name,
            min_idle_time=self.idle_timeout,
            count=self.unacknowledged_batch_size,
        )
        claimed = result[1]
        if claimed:
            log.info("claimed %d abandoned task message(s)", len(claimed))
        return [
            AckableMessage(data=fields[b"data"], ack=self._ack_generator(msg_id, self.queue_name))
            for msg_id, fields in claimed
            if fields
        ]
