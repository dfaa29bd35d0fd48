"""The webhook server: POST <WEBHOOK_PATH> for Telegram, GET /healthz for probes.

Requests without the right `X-Telegram-Bot-Api-Secret-Token` are rejected (aiogram's
`SimpleRequestHandler` answers 401). It listens on a unix socket (production, behind
nginx; mode 0660 so nginx's group can connect) or on 127.0.0.1:BOT_PORT.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from app.config import Settings

log = logging.getLogger(__name__)
SOCKET_MODE = 0o660


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app(settings: Settings, bot: Bot, dp: Dispatcher) -> web.Application:
    assert settings.webhook_secret is not None, "webhook mode needs WEBHOOK_SECRET"
    app = web.Application()
    SimpleRequestHandler(
        dispatcher=dp,
        bot=bot,
        secret_token=settings.webhook_secret.get_secret_value(),
    ).register(app, path=settings.webhook_path)
    app.router.add_get("/healthz", healthz)
    setup_application(app, dp, bot=bot)
    return app


def _prepare_socket_path(path: Path) -> None:
    """Create the socket's directory and remove a socket left by a previous run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)


async def start_server(settings: Settings, app: web.Application) -> web.AppRunner:
    """Serve `app` on the configured socket or loopback port; returns the runner to clean up."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    if settings.bot_socket is not None:
        path = Path(settings.bot_socket)
        _prepare_socket_path(path)
        site: web.BaseSite = web.UnixSite(runner, str(path))
        await site.start()
        os.chmod(path, SOCKET_MODE)
        log.info("webhook server listening on unix:%s", path)
    else:
        site = web.TCPSite(runner, "127.0.0.1", settings.bot_port)
        await site.start()
        log.info("webhook server listening on 127.0.0.1:%s", settings.bot_port)
    return runner
