"""Suspicion signals per entry, organizers' exclusions before the draw, and the cached
profile photo status of users (`app.contests.suspicion`, `app.db.exclusions`).

The two tables are created from frozen copies of their classes below in a raw step
(Piccolo runs raw steps before the manager's own, and the unique pair indexes need the
tables), which gives the same DDL as the ORM on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSONB,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-01T00:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "entry_suspicion, entry_exclusion, telegram_user photo cache"


class Contest(Table, tablename="contest", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False)


class EntrySuspicion(Table, tablename="entry_suspicion", schema=None):
    contest = ForeignKey(
        references=Contest, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, index=True
    )
    user_id = BigInt()
    score = Integer(default=0)
    signals = JSONB(default=[])
    assessed_at = Timestamptz(default=TimestamptzNow())


class EntryExclusion(Table, tablename="entry_exclusion", schema=None):
    contest = ForeignKey(
        references=Contest, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, index=True
    )
    user_id = BigInt()
    reason = Varchar(length=512)
    actor_id = BigInt()
    created_at = Timestamptz(default=TimestamptzNow())


INDEXES = {
    "entry_suspicion_contest_user": "entry_suspicion (contest, user_id)",
    "entry_exclusion_contest_user": "entry_exclusion (contest, user_id)",
}


def _nullable(column_class: type, name: str) -> dict[str, object]:
    return {
        "table_class_name": "TelegramUser",
        "tablename": "telegram_user",
        "column_name": name,
        "db_column_name": name,
        "column_class_name": column_class.__name__,
        "column_class": column_class,
        "params": {
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        "schema": None,
    }


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="contest_bot", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        for table in (EntrySuspicion, EntryExclusion):
            table._meta.refresh_db()  # not an earlier run's engine (Piccolo caches it)
            await table.create_table()
        for name, target in INDEXES.items():
            await engine.run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop() -> None:
        for table in (EntryExclusion, EntrySuspicion):
            table._meta.refresh_db()
            await table.alter().drop_table()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    manager.add_column(**_nullable(Boolean, "has_photo"))  # type: ignore[arg-type]
    manager.add_column(**_nullable(Timestamptz, "photo_checked_at"))  # type: ignore[arg-type]
    return manager
