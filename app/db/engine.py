"""The database engine: SQLite file by default, PostgreSQL when `DATABASE_URL` is set.

One engine serves the whole process. `use()` binds it to every table and to
`app.db.piccolo_conf` (which Piccolo's migration commands read), so tests can switch
between SQLite and PostgreSQL within one process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from app.config import Settings
from app.db.tables import TABLES
from app.errors import DatabaseUnavailable
from app.retries import Policy, retrying

log = logging.getLogger(__name__)

T = TypeVar("T")
PICCOLO_CONF = "app.db.piccolo_conf"
RECORD = Policy(first_delay=0.2, max_delay=5.0, jitter=0.5)
"""Writing what Telegram already did: until the database takes it."""
SQLITE_BUSY_TIMEOUT_SECONDS = 30
COPY_CHUNKS_AHEAD = 2
"""How many chunks of a `copy_out` stream may wait for the reader; past that asyncpg
stops reading the socket and PostgreSQL waits, so memory stays flat."""
CONNECTION_LOST: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # terminated, shutting down
    asyncpg.exceptions.ConnectionDoesNotExistError,  # closed in the middle of an operation
    OSError,  # refused, reset, timed out
)

_engine: Engine | None = None


class _SQLiteConnection(sqlite3.Connection):
    """Piccolo opens a connection per query; each gets WAL's safe fast sync mode.

    With `journal_mode=WAL`, `synchronous=NORMAL` keeps the database consistent after a
    crash and syncs at checkpoints rather than on every commit of a join.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA synchronous=NORMAL")


def make_engine(settings: Settings) -> Engine:
    """Build the engine the settings ask for (without connecting)."""
    if settings.database_url:
        return PostgresEngine(config={"dsn": settings.database_dsn})
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    return SQLiteEngine(
        path=str(settings.sqlite_path),
        timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
        factory=_SQLiteConnection,
    )


def use(engine: Engine) -> Engine:
    """Make `engine` the one every table and Piccolo command uses."""
    global _engine
    _engine = engine
    os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)
    for table in (*TABLES, Migration):
        table._meta._db = engine
    return engine


def current() -> Engine:
    """The engine in use; the settings' one unless `use()` chose another."""
    if _engine is None:
        from app.config import get_settings

        return use(make_engine(get_settings()))
    return _engine


def is_sqlite(engine: Engine | None = None) -> bool:
    return (engine or current()).engine_type == "sqlite"


@asynccontextmanager
async def transaction() -> AsyncIterator[Any]:
    """A write transaction; on SQLite it takes the write lock at once (no upgrade deadlock)."""
    engine = current()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate) as txn:
            yield txn
    else:
        async with engine.transaction() as txn:
            yield txn


async def start(engine: Engine | None = None, pool_size: int = 10) -> None:
    """Open the connection pool (PostgreSQL), or put SQLite in WAL mode.

    A query finding all `pool_size` connections busy waits for one (asyncpg's pool
    queues it). WAL lets readers go on while one connection writes (the default rollback
    journal makes every join wait for every reader); the mode is stored in the file.
    """
    engine = engine or current()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=pool_size, reset=_keep_session)
    elif isinstance(engine, SQLiteEngine):
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def _keep_session(_: object) -> None:
    """Return a connection to the pool as it is.

    asyncpg's default reset runs `RESET ALL; CLOSE ALL; UNLISTEN *; ...` on every
    release, a second round trip for every query Piccolo makes (it acquires a connection
    per query); nothing here changes session state that would need undoing.
    """


async def stop(engine: Engine | None = None, grace: float = 5.0) -> None:
    """Close the PostgreSQL pool; connections still in use after `grace` seconds are cut.

    asyncpg's graceful close waits for every connection to come back, so one stuck
    query would otherwise hold a stopping process (or a test's teardown) forever.
    """
    engine = engine or current()
    if not isinstance(engine, PostgresEngine) or engine.pool is None:
        return
    try:
        await asyncio.wait_for(engine.close_connection_pool(), grace)
    except TimeoutError:
        log.warning("database connections still in use after %.0f s; closing them", grace)
        engine.pool.terminate()
        engine.pool = None


async def copy_out(query: str, *args: object, **options: Any) -> AsyncIterator[bytes]:
    """`COPY (query) TO STDOUT` (asyncpg's COPY `options`), chunk by chunk as PostgreSQL
    writes it; a chunk holds whole rows.

    asyncpg pushes the chunks into a callback; a short queue turns that into chunks to
    pull, and a reader that stops (a client gone) cancels the COPY. A connection lost
    before or during the copy raises `DatabaseUnavailable`, so a cut stream never ends
    as if it were complete.
    """
    engine = current()
    assert isinstance(engine, PostgresEngine), "COPY needs PostgreSQL"
    chunks: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(COPY_CHUNKS_AHEAD)

    async def copy() -> None:
        try:
            async with _connection(engine) as connection:
                await connection.copy_from_query(query, *args, output=chunks.put, **options)
        except Exception as exc:
            await chunks.put(exc)
        else:
            await chunks.put(None)

    copying = asyncio.create_task(copy())
    try:
        while (chunk := await chunks.get()) is not None:
            if isinstance(chunk, CONNECTION_LOST):
                raise DatabaseUnavailable(f"the database connection was lost: {chunk}") from chunk
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk
    finally:
        copying.cancel()
        await asyncio.gather(copying, return_exceptions=True)


@asynccontextmanager
async def _connection(engine: PostgresEngine) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the pool, or a connection of its own where no pool was started."""
    if engine.pool is not None:
        async with engine.pool.acquire() as connection:
            yield connection
        return
    connection = await engine.get_new_connection()
    try:
        yield connection
    finally:
        await connection.close()


async def until_recorded(what: str, write: Callable[[], Awaitable[T]]) -> T:
    """Write what Telegram already did, retrying until the database takes it.

    Used right after a send was accepted: retrying the whole job instead would send
    again. Only a crash before this write commits leaves the effect unrecorded. Any error
    is retried, not only the transient ones: giving up would mean sending twice.
    """
    return await retrying(f"recording {what}", write, RECORD, on=lambda _exc: True)
