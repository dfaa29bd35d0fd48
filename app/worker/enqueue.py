"""The task queue the lower layers kick background work to (`app.telegram.background`).

Each method kicks a task to the broker (Redis streams in production, in-process in
`dev` and unit tests) and returns without waiting for it. Kicking is best effort: when
Redis is unreachable the failure is logged, not raised, because the scheduler derives
publishing, drawing, posting and announcing from the database and kicks them again.
"""

from __future__ import annotations

import logging
import time

from taskiq import AsyncTaskiqDecoratedTask

from app.telegram import background
from app.worker import broker, tasks

log = logging.getLogger(__name__)


async def _kick(task: AsyncTaskiqDecoratedTask, *args: object) -> bool:  # type: ignore[type-arg]
    try:
        await broker.started()
        await task.kiq(*args)
    except Exception:
        log.exception("could not queue %s%r; the scheduler will catch up", task.task_name, args)
        return False
    return True


_CLAIMS_KEPT = 10_000


class BrokerQueue:
    """`background.TaskQueue` on this process's taskiq broker (`broker.current()`).

    Counter refreshes are throttled per contest through a claim in the store (shared by
    the processes); while a claim this process won is running, the refresh it queued
    will show every join made meanwhile, so joins here skip asking the store again.
    """

    def __init__(self) -> None:
        self._claimed_until: dict[int, float] = {}

    async def publish(self, contest_id: int) -> bool:
        return await _kick(tasks.publish_contest, contest_id)

    async def post_contest(self, contest_id: int) -> bool:
        return await _kick(tasks.post_contest, contest_id)

    async def draw(self, contest_id: int) -> bool:
        return await _kick(tasks.draw_contest, contest_id)

    async def announce(self, contest_id: int) -> bool:
        return await _kick(tasks.announce_results, contest_id)

    async def refresh_counter(self, contest_id: int) -> bool:
        if self._claimed_until.get(contest_id, 0.0) > time.monotonic():
            return False
        try:
            worker = await broker.started()
            window_ms = int(tasks.REFRESH_SECONDS * 1000)
            claimed_at = time.monotonic()
            if not await worker.store.claim(f"throttle:refresh:{contest_id}", "1", window_ms):
                return False
        except Exception:
            log.exception("could not throttle the counter refresh of contest %s", contest_id)
            return False
        if len(self._claimed_until) >= _CLAIMS_KEPT:
            self._claimed_until.clear()
        self._claimed_until[contest_id] = claimed_at + tasks.REFRESH_SECONDS
        return await _kick(tasks.refresh_counter, contest_id)


def install(worker: broker.Worker) -> broker.Worker:
    """Make `worker`'s broker the one this process kicks tasks to, from every layer."""
    background.install(BrokerQueue())
    return broker.install(worker)
