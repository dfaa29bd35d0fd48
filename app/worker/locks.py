"""A per-job lock held while a task runs, renewed in the background.

It keeps two workers from doing the same contest's job at once (a message delivered
twice, a scheduler kick racing a join). The lease is short and renewed, so a killed
worker's lock lapses within seconds and the job can run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator

from app.worker.store import KeyStore

log = logging.getLogger(__name__)

LEASE_MS = 15_000


@contextlib.asynccontextmanager
async def exclusive(store: KeyStore, key: str) -> AsyncIterator[bool]:
    """Yield True while holding `key`, or False at once when someone else holds it."""
    owner = uuid.uuid4().hex
    if not await store.claim(key, owner, LEASE_MS):
        yield False
        return

    async def renew() -> None:
        while True:
            await asyncio.sleep(LEASE_MS / 3000)
            with contextlib.suppress(Exception):
                await store.renew(key, owner, LEASE_MS)

    renewer = asyncio.create_task(renew())
    try:
        yield True
    finally:
        renewer.cancel()
        with contextlib.suppress(Exception):
            await store.release(key, owner)
