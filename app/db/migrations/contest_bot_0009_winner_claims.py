"""Winner claims: the contest's claim deadline (hours) and one claim row per winner."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
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

ID = "2026-12-01T00:09:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Contest.claim_hours and winner_claim"

UNIQUE = "winner_claim_contest_user"


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


def _schema() -> MigrationManager:
    """The new column and table; run by `forwards`' raw step, which Piccolo runs before
    its own table steps, so the unique index can follow them in the same transaction."""
    manager = MigrationManager(migration_id=ID, app_name="contest_bot", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Contest",
        tablename="contest",
        column_name="claim_hours",
        db_column_name="claim_hours",
        column_class_name="Integer",
        column_class=Integer,
        params=_params(default=None, null=True),
        schema=None,
    )
    manager.add_table(class_name="WinnerClaim", tablename="winner_claim", schema=None, columns=None)
    columns = [
        (
            "contest",
            ForeignKey,
            _params(
                references=Contest,
                on_delete=OnDelete.cascade,
                on_update=OnUpdate.cascade,
                target_column=None,
                index=True,
            ),
        ),
        ("user_id", BigInt, _params(default=0)),
        ("state", Varchar, _params(length=16, default="pending", index=True)),
        ("deadline", Timestamptz, _params(default=None, null=True)),
        ("announced", Boolean, _params(default=False)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("changed_at", Timestamptz, _params(default=None, null=True)),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="WinnerClaim",
            tablename="winner_claim",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    return manager


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="contest_bot", description=DESCRIPTION)

    async def create() -> None:
        await _schema().run()
        await engine_finder().run_ddl(
            f"CREATE UNIQUE INDEX {UNIQUE} ON winner_claim (contest, user_id)"
        )

    async def drop() -> None:
        await engine_finder().run_ddl(f"DROP INDEX {UNIQUE}")
        await _schema().run(backwards=True)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
