"""Running a role: event loop, logging, database, and clean shutdown on signals."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable

from app import logs
from app.config import Settings
from app.db import engine

log = logging.getLogger(__name__)

Role = Callable[[Settings], Awaitable[None]]


def configure_logging(settings: Settings, fmt: str | None = None) -> None:
    logs.setup(settings.log_level, fmt or settings.log_format.value, settings.secrets())


def run(role: Role, settings: Settings, *, name: str, database: bool = True) -> None:
    """Run `role` until it returns or SIGINT/SIGTERM arrives, then shut down cleanly."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported OS
        runner = asyncio.run
    else:
        runner = uvloop.run
    runner(_main(role, settings, name, database))
    # Everything is closed by now. Skip the interpreter's final garbage collection of
    # aiogram's and pydantic's object graphs, which takes seconds and delays restarts.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


async def _main(role: Role, settings: Settings, name: str, database: bool) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def stop(signum: int) -> None:
        log.info("%s: received %s, shutting down", name, signal.Signals(signum).name)
        task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)
    if database:
        await engine.start(
            engine.use(engine.make_engine(settings)), pool_size=settings.database_pool_size
        )
    try:
        await role(settings)
    except asyncio.CancelledError:
        log.info("%s: stopped", name)
    finally:
        if database:
            with contextlib.suppress(Exception):
                await engine.stop()
