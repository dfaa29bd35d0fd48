"""Anti-fraud rules of a contest (leavers, new subscribers, Premium) and the membership
history of required channels they are decided from."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Boolean, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T00:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Contest anti-fraud rules and membership_event"


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


CONTEST_COLUMNS = [
    ("exclude_leavers", Boolean, _params(default=False)),
    ("new_subscribers", Varchar, _params(default="off", length=16)),
    ("premium_only", Boolean, _params(default=False)),
]
EVENT_COLUMNS = [
    ("key", Varchar, _params(default="", length=96, unique=True)),
    ("chat_id", BigInt, _params(default=0)),
    ("user_id", BigInt, _params(default=0, index=True)),
    ("joined", Boolean, _params(default=False)),
    ("at", Timestamptz, _params(default=None)),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="contest_bot", description=DESCRIPTION)
    manager.add_table(
        class_name="MembershipEvent", tablename="membership_event", schema=None, columns=None
    )
    for table_class, tablename, columns in (
        ("Contest", "contest", CONTEST_COLUMNS),
        ("MembershipEvent", "membership_event", EVENT_COLUMNS),
    ):
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=table_class,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
