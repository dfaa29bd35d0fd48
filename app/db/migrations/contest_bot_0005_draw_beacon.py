"""Draws wait for the beacon: a draw row is written at the freeze (state "frozen") with
the committed drand round, and completed when the round is out (state "drawn")."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSONB, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Draw: state, frozen_at, beacon (the committed drand round), fallback"


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
        ("state", Varchar, _params(length=16, default="drawn", null=False)),
        ("frozen_at", Timestamptz, _params()),
        ("beacon", JSONB, _params(default="{}", null=False)),
        ("fallback", JSONB, _params(default="{}", null=False)),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="Draw",
            tablename="draw",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
