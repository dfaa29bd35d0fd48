"""Running the API under uvicorn inside the role's event loop (uvloop, set up by
`app.runtime`).

Production (`contest-bot api`): a unix socket (`API_SOCKET`, created with mode 0660 so
nginx's group can connect, never world-accessible) or the loopback port, with proxy
headers trusted from nginx. `contest-bot dev` runs `serve_dev` next to the bot and the
worker, which also serves the Mini App build.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
from pathlib import Path

import uvicorn
from aiogram import Bot

from app.api import dev
from app.api.app import create_app
from app.config import Settings
from app.telegram.join_limits import JoinLimits
from app.telegram.member_cache import MemberCache

log = logging.getLogger(__name__)

SOCKET_MODE = 0o660
SHUTDOWN_GRACE_SECONDS = 10


def uvicorn_config(settings: Settings, app: object) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.api_host,
        port=settings.api_port,
        loop="none",  # the role runner already runs uvloop
        lifespan="on",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1,::1,unix:",
        server_header=False,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to the role runner."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[no-untyped-def]
        yield


def unix_socket(path: Path) -> socket.socket:
    """A listening unix socket at `path`, mode 0660 from the start (no world-open window)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(path.stat().st_mode):
            path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o117)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old_umask)
    path.chmod(SOCKET_MODE)
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def serve_in_loop(
    settings: Settings,
    *,
    bot: Bot | None = None,
    miniapp: Path | None = None,
    member_cache: MemberCache | None = None,
    join_limits: JoinLimits | None = None,
) -> None:
    """Serve until cancelled (then finish open requests and run the shutdown hooks)."""
    app = create_app(
        settings, bot=bot, miniapp=miniapp, member_cache=member_cache, join_limits=join_limits
    )
    server = _Server(uvicorn_config(settings, app))
    sockets = [unix_socket(settings.api_socket)] if settings.api_socket is not None else None
    where = settings.api_socket or f"http://{settings.api_host}:{settings.api_port}"
    log.info("API starting on %s", where)
    task = asyncio.create_task(server.serve(sockets=sockets))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise
    finally:
        for sock in sockets or ():
            sock.close()
        if settings.api_socket is not None:
            with contextlib.suppress(FileNotFoundError):
                settings.api_socket.unlink()


async def serve(settings: Settings) -> None:
    """The `api` role."""
    await serve_in_loop(settings)


async def serve_dev(
    settings: Settings,
    *,
    bot: Bot | None = None,
    member_cache: MemberCache | None = None,
    join_limits: JoinLimits | None = None,
) -> None:
    """The API as `contest-bot dev` runs it: loopback port, Mini App build at `/`, the
    bot's membership cache and join limits."""
    directory = dev.miniapp_dir(settings)
    if not (directory / "index.html").is_file():
        log.warning(
            "Mini App build not found in %s; build it with `python app/miniapp/build.py`"
            " (needs Node.js and npm) or set MINIAPP_DIR",
            directory,
        )
    await serve_in_loop(
        settings, bot=bot, miniapp=directory, member_cache=member_cache, join_limits=join_limits
    )
