"""TelegramEmulator: the control API plus an aiohttp server speaking the Bot API."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from aiohttp import web

from .bots import TOKEN_FORMAT
from .control import ControlApi
from .control_http import add_control_routes
from .errors import NOT_FOUND, UNAUTHORIZED, ApiError
from .faults import Fault
from .methods.polling import Described
from .params import Params

MAX_BODY = 60 * 1024 * 1024


def api_response(result: Any) -> web.Response:
    body: dict[str, Any]
    if isinstance(result, Described):
        body = {"ok": True, "result": result.result, "description": result.description}
    else:
        body = {"ok": True, "result": result}
    return web.Response(body=msgspec.json.encode(body), content_type="application/json")


def error_response(error: ApiError) -> web.Response:
    return web.Response(
        status=error.code, body=msgspec.json.encode(error.to_api()), content_type="application/json"
    )


class TelegramEmulator(ControlApi):
    """An in-memory Telegram Bot API for tests.

    async with TelegramEmulator() as emu:
        bot = Bot(emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        unix_path: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.host = host
        self.port = port
        self.unix_path = unix_path
        self._runner: web.AppRunner | None = None
        self.app = self._make_app()

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        return app

    @property
    def base_url(self) -> str:
        """What to give TelegramAPIServer.from_base(); TCP only."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> TelegramEmulator:
        self._runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        if self.unix_path is not None:
            site: web.BaseSite = web.UnixSite(self._runner, self.unix_path)
        else:
            site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.unix_path is None:
            server = site._server
            sockets = getattr(server, "sockets", None) or []
            if sockets:
                self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        await self.stop_webhooks()
        self.interrupt_polling("Conflict: terminated by server shutdown")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramEmulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # HTTP handlers -----------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        name = request.match_info["method"]
        bot = self.world.bots_by_token.get(token)
        if bot is None:
            return error_response(UNAUTHORIZED if TOKEN_FORMAT.match(token) else NOT_FOUND)
        fault = self.faults.take(token, name.lower()) if len(self.faults) else None
        if fault is not None and fault.kind not in ("drop_after", "slow"):
            return await self._fail(request, fault)
        try:
            params = await Params.from_request(request)
            result = await self.execute(bot, name, params)
        except ApiError as error:
            response = error_response(error)
        else:
            response = api_response(result)
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        elif fault is not None:
            return await self._fail(request, fault)
        return response

    async def _fail(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault.kind in ("drop", "drop_after"):
            if request.transport is not None:
                request.transport.abort()
            return web.Response()
        return error_response(fault.to_error())

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self.world.bots_by_token:
            return error_response(NOT_FOUND)
        stored = self.world.files_by_path.get(request.match_info["path"])
        if stored is None:
            return error_response(NOT_FOUND)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
