"""Unique indexes over column pairs, which Piccolo columns cannot declare."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T05:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique participant, required channel, owner and publication pairs"

INDEXES = {
    "participant_contest_user": "participant (contest, user_id)",
    "required_channel_contest_channel": "required_channel (contest, channel_id)",
    "contest_owner_contest_user": "contest_owner (contest, user_id)",
    "publication_contest_chat_kind": "publication (contest, chat_id, kind)",
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="contest_bot", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        for name, target in INDEXES.items():
            await engine.run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop() -> None:
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
