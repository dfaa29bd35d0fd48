"""Shared fixtures: settings for tests, real PostgreSQL and Redis, a migrated database."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests import servers

TEST_TOKEN = "123456789:TESTtokenTESTtokenTESTtokenTESTtoken00"
os.environ.setdefault("BOT_TOKEN", TEST_TOKEN)
os.environ.setdefault("LOG_FORMAT", "text")
# Draws in tests use the drand beacon only where a test starts tests.drand_emulator.
os.environ.setdefault("BEACON_ENABLED", "false")

_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def server_root() -> Iterator[Path]:
    """A directory the servers (and the postgres user) can reach; removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="contest-bot-test-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(server_root: Path) -> Iterator[servers.Postgres]:
    with servers.postgres(server_root / "pg") as server:
        yield server


@pytest.fixture(scope="session")
def redis_server(server_root: Path) -> Iterator[servers.Redis]:
    with servers.redis(server_root / "redis") as server:
        yield server


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, state_dir: Path) -> str | None:
    """None for SQLite (under `state_dir`), else the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    server: servers.Postgres = request.getfixturevalue("pg_server")
    return server.create_database(f"test_{next(_database_numbers)}")


@pytest.fixture
async def db(database_url: str | None, state_dir: Path) -> AsyncIterator[str]:
    """A migrated database on each engine; yields the engine type."""
    from app.config import load_settings
    from app.db import engine
    from app.db.migrate import migrate

    settings = load_settings(database_url=database_url, state_dir=state_dir)
    current = engine.use(engine.make_engine(settings))
    await engine.start(current)
    await migrate()
    try:
        yield current.engine_type
    finally:
        await engine.stop(current)
