"""The frozen participant list of a draw as a file (gzip), one row per drawn contest."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Bytea, ForeignKey, Serial
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-30T22:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "draw_list: the participants file of each draw"


class Contest(Table, tablename="contest", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False)


def _params(**extra: object) -> dict[str, object]:
    return {
        "null": False,
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
    manager.add_table(class_name="DrawList", tablename="draw_list", schema=None, columns=None)
    columns = [
        (
            "contest",
            ForeignKey,
            _params(
                references=Contest,
                on_delete=OnDelete.cascade,
                on_update=OnUpdate.cascade,
                target_column=None,
                unique=True,
            ),
        ),
        ("body", Bytea, _params(default=b"")),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="DrawList",
            tablename="draw_list",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
