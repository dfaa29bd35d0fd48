"""Flood control: token buckets per bot, per private chat and per group or channel."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from .errors import too_many_requests


@dataclass(slots=True)
class FloodLimits:
    """Rates in messages per second; bursts are how many may go at once."""

    enabled: bool = True
    bot_rate: float = 30.0
    bot_burst: float = 30.0
    private_rate: float = 1.0
    private_burst: float = 5.0
    group_rate: float = 20.0 / 60.0
    group_burst: float = 20.0
    paid_rate: float = 1000.0  # sendMessage with allow_paid_broadcast
    paid_burst: float = 1000.0

    @classmethod
    def off(cls) -> FloodLimits:
        return cls(enabled=False)


@dataclass(slots=True)
class TokenBucket:
    tokens: float
    updated: float

    def refill(self, now: float, rate: float, burst: float) -> None:
        self.tokens = min(burst, self.tokens + (now - self.updated) * rate)
        self.updated = now


@dataclass(slots=True)
class FloodControl:
    """Decides whether a send goes through or is answered with 429 retry_after."""

    limits: FloodLimits = field(default_factory=FloodLimits)
    _buckets: dict[tuple[int, int | None], TokenBucket] = field(default_factory=dict)

    def configure(self, limits: FloodLimits) -> None:
        self.limits = limits
        self._buckets.clear()

    def reset(self) -> None:
        self._buckets.clear()

    def _bucket(self, key: tuple[int, int | None], burst: float, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(burst, now)
        return bucket

    def check(self, bot_id: int, chat_id: int, is_private: bool, paid: bool = False) -> None:
        """Spend one send for the bot and the chat, or raise 429 without spending.

        A paid broadcast counts against its own, higher overall rate.
        """
        limits = self.limits
        if not limits.enabled:
            return
        now = time.monotonic()
        rate, burst = (
            (limits.private_rate, limits.private_burst)
            if is_private
            else (limits.group_rate, limits.group_burst)
        )
        bot_rate, bot_burst = (
            (limits.paid_rate, limits.paid_burst) if paid else (limits.bot_rate, limits.bot_burst)
        )
        overall = self._bucket((bot_id, -1 if paid else None), bot_burst, now)
        per_chat = self._bucket((bot_id, chat_id), burst, now)
        overall.refill(now, bot_rate, bot_burst)
        per_chat.refill(now, rate, burst)
        wait = 0.0
        if overall.tokens < 1:
            wait = (1 - overall.tokens) / bot_rate
        if per_chat.tokens < 1:
            wait = max(wait, (1 - per_chat.tokens) / rate)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        overall.tokens -= 1
        per_chat.tokens -= 1
