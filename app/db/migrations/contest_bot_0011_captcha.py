"""Captcha per contest: `Contest.captcha_mode`."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T00:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Contest.captcha_mode"


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
    manager.add_column(
        table_class_name="Contest",
        tablename="contest",
        column_name="captcha_mode",
        db_column_name="captcha_mode",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=16, default="off"),
        schema=None,
    )
    return manager
