"""Fill the new participant counters from the entries already stored.

A migration of its own because Piccolo runs a migration's raw steps before its column
changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T23:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Count the participants of existing contests"

RECOUNT_SQL = (
    "UPDATE contest SET participant_count ="
    " (SELECT count(*) FROM participant WHERE participant.contest = contest.id)"
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="contest_bot", description=DESCRIPTION)

    async def recount() -> None:
        await engine_finder().run_ddl(RECOUNT_SQL)

    manager.add_raw(recount)
    return manager
