"""Running a role: event loop, logging, database, task queue, and clean shutdown on signals.

Every role kicks background work through `app.telegram.background`; here it is pointed
at this process's task broker (built from the settings on first kick), which is shut
down when the role ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable

from app import logs
from app.config import Settings
from app.db import engine
from app.telegram import background
from app.worker import broker, enqueue

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
    # What the imports built (aiogram's and pydantic's type graphs: ~260,000 objects)
    # lives as long as the process: out of the collector's way, each collection walks only
    # what the work itself creates.
    gc.freeze()
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
    background.install(enqueue.BrokerQueue())
    try:
        await role(settings)
    except asyncio.CancelledError:
        log.info("%s: stopped", name)
    finally:
        await broker.stop()
        if database:
            with contextlib.suppress(Exception):
                await engine.stop()
