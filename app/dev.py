"""`contest-bot dev`: every role in one process on the embedded defaults.

SQLite under STATE_DIR, tasks and deadlines in this process (no Redis), long polling,
and the API on 127.0.0.1 serving the Mini App build. The database is migrated first;
SIGINT/SIGTERM cancel everything and each part shuts down in its own `finally`.
"""

from __future__ import annotations

import asyncio
import logging

from app import locales
from app.api.server import serve_dev
from app.bot import runner as bot_runner
from app.config import BotMode, Settings
from app.db.migrate import migrate
from app.errors import ConfigError
from app.worker.runner import run_embedded

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    if settings.bot_mode is not BotMode.polling:
        raise ConfigError("contest-bot dev uses long polling; unset BOT_MODE or set it to polling")
    if settings.beacon_enabled is None:
        # dev may run offline; a draw that waited for drand there would wait forever
        settings = settings.model_copy(update={"beacon_enabled": False})
    await migrate()
    locales.load(settings.locales_dir)
    bot, dispatcher = bot_runner.build(settings)
    log.info(
        "dev: database %s, tasks in-process, Mini App on http://%s:%s, drand beacon %s",
        "PostgreSQL" if settings.database_dsn else settings.sqlite_path,
        settings.api_host,
        settings.api_port,
        "on" if settings.beacon_on else "off",
    )
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(
                serve_dev(
                    settings,
                    bot=bot,
                    member_cache=dispatcher["member_cache"],
                    join_limits=dispatcher["join_limits"],
                )
            )
            group.create_task(bot_runner.run_polling(settings, bot, dispatcher))
            group.create_task(run_embedded(settings))
    finally:
        await bot.session.close()
        await dispatcher.storage.close()
