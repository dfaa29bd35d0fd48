"""Captcha per contest: `Contest.captcha_mode`, and the pending captcha challenges."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSONB, BigInt, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T00:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Contest.captcha_mode, captcha_challenge"


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
    manager.add_table(
        class_name="CaptchaChallenge", tablename="captcha_challenge", schema=None, columns=None
    )
    columns = [
        ("key", Varchar, _params(length=48, default="", unique=True)),
        ("contest_id", Integer, _params(default=0, index=True)),
        ("user_id", BigInt, _params(default=0)),
        ("token", Varchar, _params(length=32, default="", unique=True)),
        ("source", Varchar, _params(length=16, default="bot")),
        ("referrer_id", BigInt, _params(default=None, null=True)),
        ("options", JSONB, _params(default="[]")),
        ("answer", Integer, _params(default=0)),
        ("expires_at", Timestamptz, _params(default=TimestamptzNow())),
        ("passed_at", Timestamptz, _params(default=None, null=True)),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="CaptchaChallenge",
            tablename="captcha_challenge",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
