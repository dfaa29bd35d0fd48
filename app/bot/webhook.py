"""The webhook server: POST <WEBHOOK_PATH> for Telegram, GET /healthz for probes.

An update is answered `200` only after its handling finished (and so after whatever it
recorded was committed); a failure answers `500` and Telegram sends the update again,
which handling tolerates (joining is idempotent). A definite refusal by Telegram (400,
403) is logged and acknowledged, since it would only repeat. When the handler returns a Bot API
method (the callback answer of a press), it travels back as the webhook's HTTP response
instead of a request of its own. Telegram keeps at most `WEBHOOK_MAX_CONNECTIONS`
updates in flight, which bounds the work this server takes on; on shutdown the server
stops accepting and lets the updates in flight finish.

Requests without the right `X-Telegram-Bot-Api-Secret-Token` are rejected with 401. It
listens on a unix socket (production, behind nginx; mode 0660 so nginx's group can
connect) or on 127.0.0.1:BOT_PORT.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import TelegramMethod
from aiogram.types import InputFile, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from app.config import Settings

log = logging.getLogger(__name__)
SOCKET_MODE = 0o660
# How long a stopping server lets updates in flight finish (systemd waits longer).
DRAIN_SECONDS = 30.0
# Telegram resends a failed update after at least this many seconds.
RETRY_AFTER_SECONDS = 1


class RecordingRequestHandler(SimpleRequestHandler):
    """Handles each update before answering Telegram; non-2xx when handling failed."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret_token: str) -> None:
        super().__init__(
            dispatcher,
            bot,
            handle_in_background=False,
            secret_token=secret_token,
            redelivered_on_failure=True,  # error handlers let failures reach us
        )

    def register(self, app: web.Application, /, path: str, **kwargs: Any) -> None:
        # No on_shutdown hook closing the Bot: updates in flight still need it while the
        # server drains; the role closes it afterwards.
        app.router.add_route("POST", path, self.handle, **kwargs)

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            raw = await request.json(loads=bot.session.json_loads)
            update = Update.model_validate(raw, context={"bot": bot})
        except (ValueError, ValidationError) as exc:
            log.warning("webhook request is not a Telegram update: %s", exc)
            return web.Response(status=400, text="not a Telegram update")
        try:
            result = await self.dispatcher.feed_update(bot, update, **self.data)
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            # Telegram's definite refusal (a query too old, a blocked user): sending the
            # update again would meet the same answer.
            log.warning("update %s: Telegram refused a call: %s", update.update_id, exc.message)
            return web.json_response({})
        except Exception:
            log.exception(
                "update %s failed; answering 500 so that Telegram sends it again",
                update.update_id,
            )
            return web.json_response(
                {"ok": False, "parameters": {"retry_after": RETRY_AFTER_SECONDS}},
                status=500,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if isinstance(result, TelegramMethod):
            return self._reply(bot, result)
        return web.json_response({})

    def _reply(self, bot: Bot, method: TelegramMethod[Any]) -> web.Response:
        """The method as the webhook's JSON response (one small body; aiogram's own
        multipart form is needed only to upload files)."""
        files: dict[str, InputFile] = {}
        body: dict[str, Any] = {"method": method.__api_method__}
        for key, value in method.model_dump(warnings=False).items():
            prepared = bot.session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                body[key] = prepared
        if files:
            return web.Response(body=self._build_response_writer(bot=bot, result=method))
        return web.Response(body=bot.session.json_dumps(body), content_type="application/json")


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app(settings: Settings, bot: Bot, dp: Dispatcher) -> web.Application:
    assert settings.webhook_secret is not None, "webhook mode needs WEBHOOK_SECRET"
    app = web.Application()
    RecordingRequestHandler(dp, bot, settings.webhook_secret.get_secret_value()).register(
        app, path=settings.webhook_path
    )
    app.router.add_get("/healthz", healthz)
    return app


def _prepare_socket_path(path: Path) -> None:
    """Create the socket's directory and remove a socket left by a previous run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)


async def start_server(settings: Settings, app: web.Application) -> web.AppRunner:
    """Serve `app` on the configured socket or loopback port; returns the runner to clean up.

    `runner.cleanup()` stops listening, then waits up to `DRAIN_SECONDS` for the
    updates in flight.
    """
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=DRAIN_SECONDS
    )
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
