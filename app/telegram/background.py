"""Kicking background work from the join flow, the bot and the API.

They start tasks (post a contest, draw it, announce, refresh the counter) that the task
queue in `app.worker` runs, and `app.worker` sits above them. So this layer owns the
interface and the process installs the queue at start (`app.worker.enqueue.install`,
called by `app.runtime` for every role and by the worker roles and tests for their own
broker); nothing here or below imports the worker.

Kicking is best effort: each method answers whether the task was queued and logs a
failure instead of raising, because the scheduler derives this work from the database
and kicks it again.
"""

from __future__ import annotations

from typing import Protocol

from app.errors import NotConfiguredError


class TaskQueue(Protocol):
    async def publish(self, contest_id: int) -> bool:
        """Open a scheduled contest now and post it."""

    async def post_contest(self, contest_id: int) -> bool:
        """Post a just-published contest in its target channels."""

    async def draw(self, contest_id: int) -> bool:
        """Close and draw a contest (deadline reached, participant limit reached)."""

    async def announce(self, contest_id: int) -> bool:
        """Announce (or, after a re-draw, update) a contest's results."""

    async def refresh_counter(self, contest_id: int) -> bool:
        """Refresh the participant counter on the posts; at most once per few seconds."""


_installed: TaskQueue | None = None


def install(queue: TaskQueue) -> None:
    """Make `queue` the one this process kicks background work to."""
    global _installed
    _installed = queue


def queue() -> TaskQueue:
    """The task queue this process installed."""
    if _installed is None:
        raise NotConfiguredError("no task queue installed (app.worker.enqueue.install)")
    return _installed
