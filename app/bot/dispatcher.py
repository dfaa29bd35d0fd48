"""The dispatcher factory: storage, shared objects, middleware and the feature routers."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage
from redis.asyncio import Redis

from app import redis_pool
from app.bot.handlers import create_routers
from app.bot.handlers.joining import InFlight, is_press
from app.bot.middlewares import ChannelStatelessFSM, PeopleMiddleware
from app.config import Settings
from app.telegram.join_limits import JoinLimits
from app.telegram.member_cache import make_cache


def make_storage(settings: Settings, redis: Redis | None = None) -> BaseStorage:
    """Wizard state in Redis when configured (survives restarts, shared by bot processes).

    `redis` is the process's client (its waiting pool); without it one is made.
    """
    if settings.redis_url:
        return RedisStorage(
            redis or redis_pool.connect(settings),
            key_builder=DefaultKeyBuilder(prefix="contest-bot:fsm"),
            state_ttl=7 * 86400,
            data_ttl=7 * 86400,
        )
    return MemoryStorage()


def create_dispatcher(
    settings: Settings, storage: BaseStorage | None = None, redis: Redis | None = None
) -> Dispatcher:
    """A dispatcher whose handlers receive `settings`, `texts`, `person`, `join_guard`,
    `member_cache` and `join_limits` (in Redis, shared by the bot and API processes, when
    `redis` is given)."""
    dp = Dispatcher(
        storage=storage or make_storage(settings, redis), disable_fsm=True, settings=settings
    )
    # aiogram's FSM middleware (built, not registered), minus the state read in channels
    dp.fsm = ChannelStatelessFSM(dp.fsm.storage, dp.fsm.events_isolation, dp.fsm.strategy)
    dp.update.outer_middleware(dp.fsm)
    dp["join_guard"] = InFlight()
    dp["member_cache"] = make_cache(redis if settings.redis_url else None)
    dp["join_limits"] = JoinLimits(settings, redis if settings.redis_url else None)
    dp.update.outer_middleware(PeopleMiddleware(settings.default_language, is_press))
    dp.include_routers(*create_routers())
    return dp
