"""Fixtures for the worker tests: the emulator, a migrated PostgreSQL database, a clean Redis."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from app.config import Settings, load_settings
from app.db import engine
from app.db.migrate import migrate
from app.worker import broker, enqueue
from tests import servers
from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import FloodLimits, TelegramEmulator
from tests.worker.stack import Environment

_numbers = itertools.count(1)


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(token=TEST_TOKEN, flood=FloodLimits.off()) as emu:
        yield emu


@pytest.fixture
async def pg_url(pg_server: servers.Postgres) -> AsyncIterator[str]:
    """A fresh migrated PostgreSQL database, bound as this process's engine."""
    url = pg_server.create_database(f"worker_{next(_numbers)}")
    current = engine.use(engine.make_engine(load_settings(database_url=url)))
    await engine.start(current)
    await migrate()
    try:
        yield url
    finally:
        await engine.stop(current)


@pytest.fixture
async def redis_url(redis_server: servers.Redis) -> str:
    redis = Redis.from_url(redis_server.url)
    await redis.flushall()
    await redis.aclose()
    return redis_server.url


@pytest.fixture
def environment(
    pg_url: str, redis_url: str, emulator: TelegramEmulator, tmp_path: Path
) -> Environment:
    return Environment(pg_url, redis_url, emulator.base_url, tmp_path)


@pytest.fixture
async def client(environment: Environment) -> AsyncIterator[Settings]:
    """This process kicks tasks to the Redis broker, as the bot and the API do."""
    settings = load_settings(
        database_url=environment.database_url,
        redis_url=environment.redis_url,
        telegram_api_url=environment.telegram_url,
    )
    enqueue.install(broker.build(settings))
    await broker.started()
    try:
        yield settings
    finally:
        await broker.stop()


@pytest.fixture
async def in_process(
    db: str, emulator: TelegramEmulator, state_dir: object
) -> AsyncIterator[broker.Worker]:
    """The dev arrangement: no Redis, tasks finish as they are kicked."""
    settings = load_settings(state_dir=state_dir, telegram_api_url=emulator.base_url)
    worker = enqueue.install(broker.build(settings, in_place=True))
    await broker.started()
    try:
        yield worker
    finally:
        await broker.stop()
