"""Bringing the schema up to date (the `migrate` role, and `dev` at start)."""

from __future__ import annotations

import contextlib
import io
import logging

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.postgres import PostgresEngine

from app.db.engine import current
from app.errors import ContestBotError

log = logging.getLogger(__name__)
_LOCK_KEY = 0x636F6E74  # "cont": one migrating process at a time on PostgreSQL


async def migrate() -> None:
    """Run every pending migration; raise `ContestBotError` if one fails."""
    engine = current()
    async with _exclusive(engine):
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output):
                result = await run_forwards(app_name="all")
        except Exception as exc:
            raise ContestBotError(f"database migration failed: {exc}") from exc
        for line in output.getvalue().splitlines():
            if line.strip():
                log.debug("migrate: %s", line.strip())
        if not result.success:
            raise ContestBotError(f"database migration failed: {result.message}")
    log.info("database schema is up to date (%s)", engine.engine_type)


@contextlib.asynccontextmanager
async def _exclusive(engine: object):  # type: ignore[no-untyped-def]
    if not isinstance(engine, PostgresEngine):
        yield
        return
    connection = await engine.get_new_connection()
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        yield
    finally:
        await connection.close()


async def pending() -> bool:
    """True while some migration has not been applied (readiness checks use this)."""
    from piccolo.apps.migrations.commands.check import CheckMigrationManager

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        rows = await CheckMigrationManager(app_name="all").get_migration_statuses()
    return any(not row.has_ran for row in rows)


async def migrate_role(settings: object) -> None:
    """The `migrate` role: migrate and exit."""
    await migrate()
