"""The participant counter kept in the contest row (no COUNT(*) per join)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T23:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Contest.participant_count"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="contest_bot", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Contest",
        tablename="contest",
        column_name="participant_count",
        db_column_name="participant_count",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
