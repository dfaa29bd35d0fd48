"""The background tasks. Each is safe to run twice and holds a per-contest lock while it runs.

Transient failures are retried inside the task (`retry.retrying`); a task that still
fails is logged and counted, and the scheduler's reconciliation with the database kicks
it again later (publish, draw, post and announce are all derived from contest state).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from taskiq import TaskiqDepends, TaskiqState
from taskiq.brokers.shared_broker import async_shared_broker

from app.contests.lifecycle import Status
from app.db import audit, contests, draws
from app.db.tables import AuditLog, Notification
from app.errors import DomainError, FinalCheckUndecided, TransitionError
from app.telegram import publication, reports
from app.telegram.membership import recheck_for
from app.worker.broker import Worker
from app.worker.locks import exclusive
from app.worker.retry import retrying

log = logging.getLogger(__name__)

REFRESH_SECONDS = 3.0
"""Counter refreshes per contest are at most one per this many seconds."""
ANNOUNCED = "announced"
KEEP_FINISHED_MESSAGES = timedelta(days=30)


def _worker(state: Annotated[TaskiqState, TaskiqDepends()]) -> Worker:
    return state.worker


Context = Annotated[Worker, TaskiqDepends(_worker)]


@async_shared_broker.task(task_name="contest.publish")
async def publish_contest(contest_id: int, worker: Context) -> str:
    """Open a scheduled contest whose time has come, then post it."""
    async with exclusive(worker.store, f"job:publish:{contest_id}") as mine:
        if not mine:
            return "busy"
        contest = await retrying("loading a contest", lambda: contests.get(contest_id))
        if contest.status == Status.scheduled.value:
            try:
                await retrying(
                    f"publishing contest {contest_id}", lambda: contests.publish(contest_id)
                )
            except TransitionError as exc:
                await contests.record_error(contest_id, str(exc))
                return "refused"
        elif contest.status != Status.active.value:
            return contest.status
    await post_contest.kiq(contest_id)
    return "published"


@async_shared_broker.task(task_name="contest.post")
async def post_contest(contest_id: int, worker: Context) -> int:
    """Post an active contest in every target channel not showing it yet."""
    async with exclusive(worker.store, f"job:post:{contest_id}") as mine:
        if not mine:
            return 0
        return await retrying(
            f"posting contest {contest_id}", lambda: publication.post(worker.bot, contest_id)
        )


@async_shared_broker.task(task_name="contest.refresh")
async def refresh_counter(contest_id: int, worker: Context) -> int:
    """Wait out the throttle window, then show the current count on every post."""
    await asyncio.sleep(REFRESH_SECONDS)
    async with exclusive(worker.store, f"job:refresh:{contest_id}") as mine:
        if not mine:
            return 0
        return await retrying(
            f"refreshing contest {contest_id}",
            lambda: publication.refresh_counter(worker.bot, contest_id),
        )


@async_shared_broker.task(task_name="contest.draw")
async def draw_contest(contest_id: int, worker: Context) -> str:
    """Close, draw (once) and finish a contest, then announce the results."""
    async with exclusive(worker.store, f"job:draw:{contest_id}") as mine:
        if not mine:
            return "busy"
        contest = await retrying("loading a contest", lambda: contests.get(contest_id))
        if contest.status in (Status.draft.value, Status.scheduled.value, Status.cancelled.value):
            return contest.status
        if contest.status != Status.finished.value:
            outcome = await _draw_when_checkable(worker, contest_id)
            if outcome is None:
                return "cancelled"
            log.info(
                "contest %s drawn: %d winners of %d participants (new: %s)",
                contest_id,
                len(outcome.winners),
                outcome.participant_count,
                outcome.created,
            )
    await announce_results.kiq(contest_id)
    return "drawn"


FINAL_CHECK_FIRST_WAIT = 1.0
FINAL_CHECK_MAX_WAIT = 30.0
"""Between re-check attempts; capped so a draw resumes within a minute of Telegram
answering again (the bot's rights restored), or of the organizer's choice to skip."""


async def _draw_when_checkable(worker: Worker, contest_id: int) -> draws.DrawOutcome | None:
    """Draw; while a winner's re-check gets no answer, tell the organizer and retry.

    None when the contest was cancelled meanwhile.
    """
    wait = FINAL_CHECK_FIRST_WAIT
    while True:
        try:
            return await retrying(
                f"drawing contest {contest_id}",
                lambda: draws.run(contest_id, recheck_for(worker.bot, contest_id)),
                "contest.draw",
            )
        except FinalCheckUndecided as exc:
            log.warning("contest %s: the draw waits (%s); again in %.0f s", contest_id, exc, wait)
            if await retrying(
                "telling the organizer",
                functools.partial(reports.final_check_blocked, contest_id, exc),
            ):
                await contests.record_error(contest_id, f"the draw waits: {exc}")
        except DomainError as exc:
            if (await contests.get(contest_id)).status == Status.cancelled.value:
                return None
            await contests.record_error(contest_id, f"the draw failed: {exc}")
            raise
        await asyncio.sleep(wait)
        wait = min(wait * 2, FINAL_CHECK_MAX_WAIT)


@async_shared_broker.task(task_name="contest.announce")
async def announce_results(contest_id: int, worker: Context) -> int:
    """Results in every channel; winners (and participants, if asked) via the outbox."""
    async with exclusive(worker.store, f"job:announce:{contest_id}") as mine:
        if not mine:
            return 0
        queued = await retrying(
            f"announcing contest {contest_id}",
            lambda: publication.announce(worker.bot, contest_id, worker.settings),
            "contest.announce",
        )
        if not await was_announced(contest_id):
            await audit.record(ANNOUNCED, contest_id, None, messages=queued)
        return queued


async def was_announced(contest_id: int) -> bool:
    return await AuditLog.exists().where(
        (AuditLog.contest_id == contest_id) & (AuditLog.action == ANNOUNCED)
    )


@async_shared_broker.task(task_name="maintenance.cleanup")
async def cleanup(worker: Context) -> int:
    """Forget outbox rows that were settled long ago."""
    cutoff = datetime.now(UTC) - KEEP_FINISHED_MESSAGES
    removed = (
        await Notification.delete()
        .where(
            Notification.state.is_in(["sent", "blocked", "failed"])
            & (Notification.created_at < cutoff)
        )
        .returning(Notification.id)
    )
    return len(removed)
