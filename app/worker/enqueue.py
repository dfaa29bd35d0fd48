"""Starting background work; what the bot, the API and the join flow call.

Each function kicks a task to the broker (Redis streams in production, in-process in
`dev` and unit tests) and returns without waiting for it. Kicking is best effort: when
Redis is unreachable the failure is logged, not raised, because the scheduler derives
publishing, drawing, posting and announcing from the database and kicks them again.
"""

from __future__ import annotations

import logging

from taskiq import AsyncTaskiqDecoratedTask

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


async def publish(contest_id: int) -> bool:
    """Open a scheduled contest now and post it."""
    return await _kick(tasks.publish_contest, contest_id)


async def post_contest(contest_id: int) -> bool:
    """Post a just-published contest in its target channels."""
    return await _kick(tasks.post_contest, contest_id)


async def draw(contest_id: int) -> bool:
    """Close and draw a contest (deadline reached, participant limit reached)."""
    return await _kick(tasks.draw_contest, contest_id)


async def announce(contest_id: int) -> bool:
    """Announce (or, after a re-draw, update) a contest's results."""
    return await _kick(tasks.announce_results, contest_id)


async def refresh_counter(contest_id: int) -> bool:
    """Refresh the participant counter on the posts; at most once per few seconds."""
    try:
        worker = await broker.started()
        window_ms = int(tasks.REFRESH_SECONDS * 1000)
        if not await worker.store.claim(f"throttle:refresh:{contest_id}", "1", window_ms):
            return False
    except Exception:
        log.exception("could not throttle the counter refresh of contest %s", contest_id)
        return False
    return await _kick(tasks.refresh_counter, contest_id)
