"""The server side of a browser test: the real API app serving the production Mini App
build on a loopback port, a fresh SQLite database, the in-process task broker, and the
Telegram Bot API emulator in place of Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiogram import Bot

from app.api import init_data
from app.api.app import create_app
from app.api.server import uvicorn_config
from app.config import Settings, load_settings
from app.db import engine
from app.db.migrate import migrate
from app.telegram.client import make_bot
from app.worker import broker, enqueue
from tests.telegram_emulator import TelegramEmulator


class _Server(uvicorn.Server):
    """uvicorn inside the test's event loop, leaving signals alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


@dataclass
class Stack:
    """A running API + emulator; `call` uses the API as a given Telegram user."""

    settings: Settings
    emulator: TelegramEmulator
    base_url: str
    token: str

    def init_data_for(self, user: dict[str, Any]) -> str:
        return init_data.sign(self.token, user)

    async def call(
        self, user: dict[str, Any], method: str, path: str, body: object | None = None
    ) -> Any:
        headers = {"Authorization": f"tma {self.init_data_for(user)}"}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as client:
            response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code < 300, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json()


@contextlib.asynccontextmanager
async def running_stack(
    state_dir: Path, miniapp: Path, token: str, admin_ids: set[int], *, dev_login: bool = False
) -> AsyncIterator[Stack]:
    async with TelegramEmulator(token=token) as emulator:
        settings = load_settings(
            state_dir=state_dir,
            database_url=None,
            redis_url=None,
            telegram_api_url=emulator.base_url,
            admin_ids=frozenset(admin_ids),
            miniapp_dir=miniapp,
            dev_login=dev_login,
        )
        current = engine.use(engine.make_engine(settings))
        await engine.start(current)
        await migrate()
        bot: Bot = make_bot(settings)
        worker = enqueue.install(broker.build(settings))
        worker.use_bot(bot)
        sock = _loopback_socket()
        server = _Server(uvicorn_config(settings, create_app(settings, bot=bot, miniapp=miniapp)))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
            port = sock.getsockname()[1]
            yield Stack(settings, emulator, f"http://127.0.0.1:{port}", token)
        finally:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task
            sock.close()
            await broker.stop()
            await bot.session.close()
            await engine.stop(current)
