"""Extra draw tickets: the contest's ticket mode and caps, referrals, boosts, and whether
a draw's list carries tickets.

The two new tables are created in a raw step, together with their unique (contest,
person) indexes: Piccolo runs raw steps before its own table and column changes, and
its columns cannot declare uniqueness over two columns.
"""

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

ID = "2026-12-01T00:08:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Tickets: contest ticket mode and caps, referral and boost tables, draw tickets"


def _tables() -> tuple[type[Table], ...]:
    """The new tables as they are at this migration, bound to the engine in use now (a
    table class binds to the engine found when the class is made)."""

    class Contest(Table, tablename="contest", schema=None):
        id = Serial(null=False, primary_key=True, unique=False, index=False)

    def contest_key() -> ForeignKey:
        return ForeignKey(
            references=Contest, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, index=True
        )

    class Referral(Table, tablename="referral", schema=None):
        contest = contest_key()
        referrer_id = BigInt(index=True)
        invitee_id = BigInt()
        created_at = Timestamptz(default=TimestamptzNow())

    class Boost(Table, tablename="boost", schema=None):
        contest = contest_key()
        user_id = BigInt()
        count = Integer(default=0)
        checked_at = Timestamptz(default=TimestamptzNow())

    return Referral, Boost


INDEXES = {
    "referral_contest_invitee": "referral (contest, invitee_id)",
    "boost_contest_user": "boost (contest, user_id)",
}


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

    async def create() -> None:
        engine = engine_finder()
        for table in _tables():
            await table.create_table()
        for name, target in INDEXES.items():
            await engine.run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop() -> None:
        for table in reversed(_tables()):
            await table.alter().drop_table()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    columns = [
        ("Contest", "contest", "ticket_mode", Varchar, _params(length=16, default="none")),
        ("Contest", "contest", "referral_cap", Integer, _params(default=10)),
        ("Contest", "contest", "boost_cap", Integer, _params(default=10)),
        ("Draw", "draw", "tickets", Boolean, _params(default=False)),
    ]
    for class_name, tablename, name, column_class, params in columns:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
