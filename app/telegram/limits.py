"""Telegram's sending limits, shared by every worker process.

Limits (per bot): about 30 messages a second overall, one a second per private chat,
20 a minute per group or channel. Each is a GCRA ("leaky bucket as a meter") whose
theoretical arrival time lives in Redis; one Lua script checks every bucket a request
needs and spends them all or none, so N processes together stay under the limits.
A 429 answer's `retry_after` pauses sending to that chat in every process (a key per
chat, checked by the same script): one busy channel's flood limit must not stall winner
messages elsewhere. Telegram's answer does not say which limit was hit, so 429s for
`GLOBAL_AFTER_CHATS` different chats within `FLOOD_WINDOW_SECONDS` are taken as the
bot-wide limit and pause every chat. The request is tried again after the pause.
Without Redis the same algorithm runs in memory.

`RateLimitMiddleware` applies this to every sending or editing call of a `Bot`
(`make_bot(settings, RateLimitMiddleware(limiter))`); reads such as getChatMember are
not metered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from redis.asyncio import Redis

from app import metrics
from app.config import Settings

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

PREFIX = "contest-bot:limit:"
METERED_PREFIXES = ("send", "copy", "forward", "edit")
FLOOD_RETRIES = 5
GLOBAL_AFTER_CHATS = 2
FLOOD_WINDOW_SECONDS = 5.0
BURST_SECONDS = 0.01
"""The overall bucket holds this much of a second's messages (at least one): at 1,000/s
a burst of 1 lost every slot a sender reached a millisecond late (a sleep overshooting
on a busy event loop), which held paid broadcasts near 15 % of the limit."""


@dataclass(frozen=True, slots=True)
class Rates:
    overall_per_second: float = 30.0
    private_per_second: float = 1.0
    group_per_minute: float = 20.0
    overall_burst: int = 1

    def buckets(self, chat_id: int | str) -> list[tuple[str, float, int]]:
        """(key, interval in seconds, burst) of every bucket a message to `chat_id` spends."""
        private = isinstance(chat_id, int) and chat_id > 0
        per_chat = 1 / self.private_per_second if private else 60 / self.group_per_minute
        return [
            ("all", 1 / self.overall_per_second, self.overall_burst),
            (f"chat:{chat_id}", per_chat, 1),
        ]


class Limiter(Protocol):
    rates: Rates

    async def reserve(self, chat_id: int | str) -> float:
        """Spend one message for `chat_id` and return 0, or return the seconds to wait."""
        ...

    async def pause(self, seconds: float, chat_id: int | str | None = None) -> None:
        """Telegram answered 429 for `chat_id` (None: a call to no chat): stop sending
        there for `seconds`, and everywhere when several chats were flooded at once."""
        ...


async def acquire(limiter: Limiter, chat_id: int | str) -> float:
    """Wait until a message to `chat_id` is allowed; returns the time waited."""
    waited = 0.0
    while (wait := await limiter.reserve(chat_id)) > 0:
        await asyncio.sleep(wait)
        waited += wait
    return waited


# KEYS: two pause keys (a time in µs until which nothing is allowed), then the buckets;
# ARGV: interval (µs) and burst of each bucket. Spends every bucket or none; returns the
# µs to wait (0: spent). `app.telegram.join_limits` meters joins with it too.
GCRA_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = math.max(
  tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2]) or '0'))
if paused > now then return paused - now end
local wait = 0
local tats = {}
for i = 3, #KEYS do
  local interval = tonumber(ARGV[2 * i - 5])
  local burst = tonumber(ARGV[2 * i - 4])
  local tat = math.max(tonumber(redis.call('GET', KEYS[i]) or '0'), now)
  local allow_at = tat + interval - interval * burst
  if allow_at > now then wait = math.max(wait, allow_at - now) end
  tats[i] = tat + interval
end
if wait > 0 then return wait end
for i = 3, #KEYS do
  redis.call('SET', KEYS[i], tostring(tats[i]), 'PX', math.ceil((tats[i] - now) / 1000) + 1000)
end
return 0
"""
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = now + tonumber(ARGV[1])
local ttl = math.ceil(tonumber(ARGV[1]) / 1000) + 1000
local function pause(key)
  if untl > tonumber(redis.call('GET', key) or '0') then
    redis.call('SET', key, tostring(untl), 'PX', ttl)
  end
end
local global = KEYS[2] == KEYS[1]
if not global then
  pause(KEYS[2])
  redis.call('ZADD', KEYS[3], now, ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[3], math.ceil(tonumber(ARGV[3]) / 1000) + 1000)
  global = redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4])
end
if global then pause(KEYS[1]) end
return global and 1 or 0
"""


class RedisLimiter:
    """Buckets in Redis, shared by every process using the same Redis."""

    def __init__(self, redis: Redis, rates: Rates | None = None, prefix: str = PREFIX) -> None:
        self.rates = rates or Rates()
        self.prefix = prefix
        self._reserve = redis.register_script(GCRA_SCRIPT)
        self._pause = redis.register_script(_PAUSE)

    async def reserve(self, chat_id: int | str) -> float:
        buckets = self.rates.buckets(chat_id)
        keys = [
            self.prefix + "pause",
            self.prefix + f"pause:chat:{chat_id}",
            *(self.prefix + key for key, _, _ in buckets),
        ]
        args: list[Any] = []
        for _, interval, burst in buckets:
            args += [round(interval * 1_000_000), burst]
        wait_us = int(await self._reserve(keys=keys, args=args))
        return wait_us / 1_000_000

    async def pause(self, seconds: float, chat_id: int | str | None = None) -> None:
        everywhere = self.prefix + "pause"
        here = everywhere if chat_id is None else self.prefix + f"pause:chat:{chat_id}"
        await self._pause(
            keys=[everywhere, here, self.prefix + "flooded"],
            args=[
                round(seconds * 1_000_000),
                str(chat_id),
                round(FLOOD_WINDOW_SECONDS * 1_000_000),
                GLOBAL_AFTER_CHATS,
            ],
        )


class MemoryLimiter:
    """The same buckets for a single process."""

    def __init__(self, rates: Rates | None = None) -> None:
        self.rates = rates or Rates()
        self._tats: dict[str, float] = {}
        self._paused_until = 0.0
        self._chat_paused_until: dict[int | str, float] = {}
        self._flooded: dict[int | str, float] = {}

    async def reserve(self, chat_id: int | str) -> float:
        now = time.monotonic()
        paused = max(self._paused_until, self._chat_paused_until.get(chat_id, 0.0))
        if paused > now:
            return paused - now
        wait, tats = 0.0, {}
        for key, interval, burst in self.rates.buckets(chat_id):
            tat = max(self._tats.get(key, 0.0), now)
            wait = max(wait, tat + interval - interval * burst - now)
            tats[key] = tat + interval
        if wait > 0:
            return wait
        self._tats.update(tats)
        return 0.0

    async def pause(self, seconds: float, chat_id: int | str | None = None) -> None:
        now = time.monotonic()
        until = now + seconds
        if chat_id is not None:
            self._chat_paused_until[chat_id] = max(self._chat_paused_until.get(chat_id, 0), until)
            self._flooded[chat_id] = now
            self._flooded = {
                chat: at for chat, at in self._flooded.items() if at > now - FLOOD_WINDOW_SECONDS
            }
            self._chat_paused_until = {
                chat: at for chat, at in self._chat_paused_until.items() if at > now
            }
            if len(self._flooded) < GLOBAL_AFTER_CHATS:
                return
        self._paused_until = max(self._paused_until, until)


def make_limiter(settings: Settings, redis: Redis | None) -> Limiter:
    rate = settings.telegram_rate_limit
    rates = Rates(overall_per_second=rate, overall_burst=max(1, int(rate * BURST_SECONDS)))
    return RedisLimiter(redis, rates) if redis is not None else MemoryLimiter(rates)


class RateLimitMiddleware(BaseRequestMiddleware):
    """Meters sending calls through a `Limiter` and waits out 429 answers."""

    def __init__(self, limiter: Limiter, flood_retries: int = FLOOD_RETRIES) -> None:
        self.limiter = limiter
        self.flood_retries = flood_retries

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        metered = chat_id is not None and method.__api_method__.startswith(METERED_PREFIXES)
        for attempt in range(self.flood_retries + 1):
            if metered:
                waited = await acquire(self.limiter, chat_id)
                if waited:
                    metrics.RATE_LIMITED_SECONDS.inc(waited)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                metrics.FLOOD_WAITS.inc()
                log.warning(
                    "Telegram flood control on %s: waiting %s s",
                    method.__api_method__,
                    exc.retry_after,
                )
                await self.limiter.pause(exc.retry_after, chat_id)
                if attempt == self.flood_retries:
                    raise
        raise AssertionError("unreachable")
