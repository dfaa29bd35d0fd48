"""Per-user and per-contest limits on joins and captcha answers, shared by every bot and
API process.

Each limit is a GCRA bucket in Redis (the script of `app.telegram.limits`: a burst, then
a steady rate); one call spends the user's and the contest's bucket together, or neither.
A refused press costs one Redis round trip and nothing else: no database work, no
getChatMember. Without Redis (the embedded default, one process) the same buckets live
in memory. A Redis failure lets the press through (logged and counted): a blip must not
turn real people away; the database's own uniqueness still makes a join count once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app import metrics
from app.config import Settings
from app.telegram.limits import GCRA_SCRIPT

log = logging.getLogger(__name__)

PREFIX = "contest-bot:flood:"
_MEMORY_MAX = 100_000


class Limit(StrEnum):
    join = "join"
    captcha = "captcha"


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    interval: float
    """Seconds per press once the burst is spent."""
    burst: int


@dataclass(frozen=True, slots=True)
class Refusal:
    """Which bucket refused a press, and when the next one is allowed."""

    limit: Limit
    retry_after: float


class JoinLimits:
    """`check(Limit.join, contest, user)` before a join, `Limit.captcha` before an answer."""

    def __init__(self, settings: Settings, redis: Redis | None = None) -> None:
        self.settings = settings
        self._script = redis.register_script(GCRA_SCRIPT) if redis is not None else None
        self._tats: dict[str, float] = {}

    def buckets(self, limit: Limit, contest_id: int, user_id: int) -> list[Bucket]:
        s = self.settings
        if limit is Limit.join:
            return [
                Bucket(f"join:user:{user_id}", 60 / s.join_user_per_minute, s.join_user_burst),
                Bucket(
                    f"join:contest:{contest_id}",
                    1 / s.join_contest_per_second,
                    s.join_contest_burst,
                ),
            ]
        return [
            Bucket(f"captcha:user:{user_id}", 3600 / s.captcha_user_per_hour, s.captcha_user_burst),
            Bucket(
                f"captcha:contest:{contest_id}",
                1 / s.captcha_contest_per_second,
                max(1, round(s.captcha_contest_per_second)),
            ),
        ]

    async def check(self, limit: Limit, contest_id: int, user_id: int) -> Refusal | None:
        """Spend one press of `limit`; a `Refusal` when the user or the contest is over it."""
        buckets = self.buckets(limit, contest_id, user_id)
        wait = await (self._redis_spend if self._script else self._memory_spend)(buckets)
        if wait <= 0:
            return None
        metrics.JOINS_LIMITED.labels(limit.value).inc()
        return Refusal(limit, wait)

    async def _redis_spend(self, buckets: list[Bucket]) -> float:
        assert self._script is not None
        keys = [PREFIX + "pause", PREFIX + "pause", *(PREFIX + b.key for b in buckets)]
        args: list[int] = []
        for bucket in buckets:
            args += [round(bucket.interval * 1_000_000), bucket.burst]
        try:
            return int(await self._script(keys=keys, args=args)) / 1_000_000
        except (RedisError, OSError) as exc:
            log.warning("rate limits unavailable (%s); letting the press through", exc)
            metrics.JOINS_LIMITED.labels("unchecked").inc()
            return 0.0

    async def _memory_spend(self, buckets: list[Bucket]) -> float:
        now = time.monotonic()
        if len(self._tats) > _MEMORY_MAX:
            self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
        wait, tats = 0.0, {}
        for bucket in buckets:
            tat = max(self._tats.get(bucket.key, 0.0), now)
            wait = max(wait, tat + bucket.interval - bucket.interval * bucket.burst - now)
            tats[bucket.key] = tat + bucket.interval
        if wait > 0:
            return wait
        self._tats.update(tats)
        return 0.0
