"""Outbox delivery state: who is sending a message, since when, and when to retry it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-26T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Outbox claims: claimed_by, claimed_at, next_attempt_at"


def _params(**extra: object) -> dict[str, object]:
    return {
        "default": None,
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="contest_bot", description=DESCRIPTION)
    columns = [
        ("claimed_by", Varchar, _params(length=64)),
        ("claimed_at", Timestamptz, _params()),
        ("next_attempt_at", Timestamptz, _params()),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="Notification",
            tablename="notification",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
