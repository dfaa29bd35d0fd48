"""The dispatcher factory: storage, shared objects, middleware and the feature routers."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage

from app.bot.handlers import get_routers
from app.bot.handlers.joining import InFlight
from app.bot.middlewares import PeopleMiddleware
from app.config import Settings


def make_storage(settings: Settings) -> BaseStorage:
    """Wizard state in Redis when configured (survives restarts, shared by bot processes)."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage

        return RedisStorage.from_url(
            settings.redis_dsn,
            key_builder=DefaultKeyBuilder(prefix="contest-bot:fsm"),
            state_ttl=7 * 86400,
            data_ttl=7 * 86400,
        )
    return MemoryStorage()


def create_dispatcher(settings: Settings, storage: BaseStorage | None = None) -> Dispatcher:
    """A dispatcher whose handlers receive `settings`, `texts`, `person` and `join_guard`."""
    dp = Dispatcher(storage=storage or make_storage(settings), settings=settings)
    dp["join_guard"] = InFlight()
    dp.update.outer_middleware(PeopleMiddleware(settings.default_language))
    dp.include_routers(*get_routers())
    return dp
