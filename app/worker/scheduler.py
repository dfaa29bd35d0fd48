"""The scheduler: exactly one active per deployment, reconciling from the database.

Leadership is a lease in Redis (SET NX PX, renewed by its holder every third of the
lease). A standby tries to take the key every second, so when the leader dies the
standby leads within one lease (`SCHEDULER_LEASE_SECONDS`) plus a second. A leader that
cannot renew (Redis unreachable, lease lost) stops acting at once. Two leaders for a
moment would still be harmless: every kick is deduplicated and every task idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid

from app.worker import reconcile
from app.worker.broker import Worker

log = logging.getLogger(__name__)

LEADER_KEY = "scheduler:leader"
TICK_SECONDS = 1.0


class Lease:
    """This process's claim on the scheduler leadership."""

    def __init__(self, worker: Worker, seconds: int) -> None:
        self.worker = worker
        self.ttl_ms = seconds * 1000
        self.owner = f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.valid_until = 0.0

    @property
    def held(self) -> bool:
        return time.monotonic() < self.valid_until

    async def refresh(self) -> bool:
        """Take or extend the lease; True while this process leads."""
        started = time.monotonic()
        store = self.worker.store
        try:
            if self.held:
                ok = await store.renew(LEADER_KEY, self.owner, self.ttl_ms)
            else:
                ok = await store.claim(LEADER_KEY, self.owner, self.ttl_ms)
        except Exception as exc:
            log.warning("scheduler lease: Redis unavailable (%s)", exc)
            ok = False
        was_held = self.held
        # a safety margin of a third of the lease against clock and network delays
        self.valid_until = started + self.ttl_ms / 1500 if ok else 0.0
        if ok and not was_held:
            log.info("scheduler %s is now the active scheduler", self.owner)
        elif was_held and not ok:
            log.warning("scheduler %s lost the lease; standing by", self.owner)
        return ok

    async def release(self) -> None:
        if self.held:
            await self.worker.store.release(LEADER_KEY, self.owner)
            self.valid_until = 0.0


async def run(worker: Worker, lease: Lease | None, tick: float = TICK_SECONDS) -> None:
    """Reconcile every `tick` while leading (always, when `lease` is None: one process)."""
    last_renewal = 0.0
    while True:
        now = time.monotonic()
        if lease is not None and (not lease.held or now - last_renewal >= lease.ttl_ms / 3000):
            await lease.refresh()
            last_renewal = now
        if lease is None or lease.held:
            try:
                await reconcile.run_once(worker)
            except Exception as exc:
                log.warning("scheduler pass failed (%s); trying again", exc)
        await asyncio.sleep(tick)
