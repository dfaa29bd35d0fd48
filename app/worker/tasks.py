"""The background tasks. Each is safe to run twice and holds a per-contest lock while it runs.

Transient failures are retried inside the task (`app.retries`); a task that still
fails is logged and counted, and the scheduler's reconciliation with the database kicks
it again later (publish, draw, post and announce are all derived from contest state).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

from taskiq import TaskiqDepends, TaskiqState
from taskiq.brokers.shared_broker import async_shared_broker

from app import metrics
from app.contests.lifecycle import Status
from app.db import audit, captchas, claims, contests, draws
from app.db.tables import AuditLog, Notification
from app.errors import (
    BeaconUnavailable,
    DomainError,
    FinalCheckUndecided,
    TelegramUnavailable,
    TransitionError,
)
from app.retries import Policy, retrying
from app.telegram import boosts, publication, reports, suspicion
from app.telegram.membership import recheck_for
from app.worker.broker import Worker
from app.worker.locks import exclusive

log = logging.getLogger(__name__)
T = TypeVar("T")

REFRESH_SECONDS = 3.0
"""Counter refreshes per contest are at most one per this many seconds."""
ANNOUNCED = "announced"
KEEP_FINISHED_MESSAGES = timedelta(days=30)


def _worker(state: Annotated[TaskiqState, TaskiqDepends()]) -> Worker:
    return state.worker


Context = Annotated[Worker, TaskiqDepends(_worker)]


async def _retrying(task: str, what: str, job: Callable[[], Awaitable[T]]) -> T:
    """`retrying` under the task policy, counting retries per task."""
    return await retrying(
        what, job, on_retry=lambda _exc, _attempt: metrics.TASKS_RETRIED.labels(task).inc()
    )


@async_shared_broker.task(task_name="contest.publish")
async def publish_contest(contest_id: int, worker: Context) -> str:
    """Open a scheduled contest whose time has come, then post it."""
    async with exclusive(worker.store, f"job:publish:{contest_id}") as mine:
        if not mine:
            return "busy"
        contest = await _retrying(
            "contest.publish", f"loading contest {contest_id}", lambda: contests.get(contest_id)
        )
        if contest.status == Status.scheduled.value:
            try:
                await _retrying(
                    "contest.publish",
                    f"publishing contest {contest_id}",
                    lambda: contests.publish(contest_id),
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
        return await _retrying(
            "contest.post",
            f"posting contest {contest_id}",
            lambda: publication.post(worker.bot, contest_id),
        )


@async_shared_broker.task(task_name="contest.refresh")
async def refresh_counter(contest_id: int, worker: Context) -> int:
    """Wait out the throttle window, then show the current count on every post."""
    await asyncio.sleep(REFRESH_SECONDS)
    async with exclusive(worker.store, f"job:refresh:{contest_id}") as mine:
        if not mine:
            return 0
        return await _retrying(
            "contest.refresh",
            f"refreshing contest {contest_id}",
            lambda: publication.refresh_counter(worker.bot, contest_id),
        )


@async_shared_broker.task(task_name="contest.draw")
async def draw_contest(contest_id: int, worker: Context) -> str:
    """Close, draw (once) and finish a contest, then announce the results."""
    async with exclusive(worker.store, f"job:draw:{contest_id}") as mine:
        if not mine:
            return "busy"
        contest = await _retrying(
            "contest.draw", f"loading contest {contest_id}", lambda: contests.get(contest_id)
        )
        if contest.status in (Status.draft.value, Status.scheduled.value, Status.cancelled.value):
            return contest.status
        if contest.status != Status.finished.value:
            try:
                outcome = await _draw_when_checkable(worker, contest_id)
            except BeaconUnavailable as exc:
                await _beacon_missing(contest_id, exc)
                return "waiting"
            if outcome is None:
                return "cancelled"
            await contests.clear_error(contest_id, draws.BEACON_WAIT)
            log.info(
                "contest %s drawn: %d winners of %d participants (new: %s)",
                contest_id,
                len(outcome.winners),
                outcome.participant_count,
                outcome.created,
            )
    await announce_results.kiq(contest_id)
    return "drawn"


FINAL_CHECK = Policy(first_delay=1.0, max_delay=30.0)
"""Between re-check attempts, until the draw can be made; capped so a draw resumes within
a minute of Telegram answering again (the bot's rights restored), or of the organizer's
choice to skip."""


async def _draw_when_checkable(worker: Worker, contest_id: int) -> draws.DrawOutcome | None:
    """Draw; while a winner's re-check gets no answer, tell the organizer and retry.

    None when the contest was cancelled meanwhile.
    """

    async def draw() -> draws.DrawOutcome:
        try:
            return await _retrying(
                "contest.draw",
                f"drawing contest {contest_id}",
                lambda: _draw(worker, contest_id),
            )
        except FinalCheckUndecided as exc:
            if await _retrying(
                "contest.draw",
                "telling the organizer",
                functools.partial(reports.final_check_blocked, contest_id, exc),
            ):
                await contests.record_error(contest_id, f"the draw waits: {exc}")
            raise

    try:
        return await retrying(
            f"the draw of contest {contest_id} (a winner's re-check got no answer)",
            draw,
            FINAL_CHECK,
            on=lambda exc: isinstance(exc, FinalCheckUndecided),
        )
    except DomainError as exc:
        if (await contests.get(contest_id)).status == Status.cancelled.value:
            return None
        await contests.record_error(contest_id, f"the draw failed: {exc}")
        raise


async def _draw(worker: Worker, contest_id: int) -> draws.DrawOutcome:
    """Freeze (committing to a drand round when the beacon is on), wait for it, draw."""
    from app.telegram import publication

    row = await draws.frozen(contest_id)
    if row is None:
        await draws.stop_joining(contest_id)
        chain = await worker.relays.chain() if worker.settings.beacon_on else None
        recheck = recheck_for(worker.bot, contest_id)
        row, created = await draws.freeze(
            contest_id, chain, recheck, boosts.counter_for(worker.bot, contest_id)
        )
        if created and row.beacon:
            try:
                await publication.show_freeze(worker.bot, contest_id)
            except TelegramUnavailable as exc:  # the results and the proof say it too
                log.warning("contest %s: could not show the freeze: %s", contest_id, exc)
    signature = ""
    if row.state == draws.FROZEN and row.beacon and not row.fallback:
        signature = (await worker.relays.wait_for(int(row.beacon["round"]))).signature
    return await draws.complete(contest_id, recheck_for(worker.bot, contest_id), signature)


async def _beacon_missing(contest_id: int, exc: BeaconUnavailable) -> None:
    """Tell the organizer once per outage; the scheduler kicks the draw again meanwhile."""
    from app.telegram import publication

    log.warning("contest %s: %s", contest_id, exc)
    contest = await contests.get(contest_id)
    if not (contest.last_error or "").startswith(draws.BEACON_WAIT):
        await contests.record_error(contest_id, f"{draws.BEACON_WAIT}: {exc}")
        await publication.tell_organizer_beacon_missing(contest_id)


@async_shared_broker.task(task_name="contest.announce")
async def announce_results(contest_id: int, worker: Context) -> int:
    """Results in every channel; winners (and participants, if asked) via the outbox."""
    async with exclusive(worker.store, f"job:announce:{contest_id}") as mine:
        if not mine:
            return 0
        winners = (await draws.get(contest_id)).winners  # read first: a pass-on may follow
        queued = await _retrying(
            "contest.announce",
            f"announcing contest {contest_id}",
            lambda: publication.announce(worker.bot, contest_id, worker.settings),
        )
        if not await was_announced(contest_id):
            await audit.record(ANNOUNCED, contest_id, None, messages=queued)
        await claims.mark_announced(contest_id, winners)
        return queued


async def was_announced(contest_id: int) -> bool:
    return await AuditLog.exists().where(
        (AuditLog.contest_id == contest_id) & (AuditLog.action == ANNOUNCED)
    )


@async_shared_broker.task(task_name="contest.assess")
async def assess_entries(contest_id: int, worker: Context) -> int:
    """Bring an active contest's suspicion signals up to date (`app.telegram.suspicion`)."""
    async with exclusive(worker.store, f"job:assess:{contest_id}") as mine:
        if not mine:
            return 0
        done = await suspicion.assess_contest(worker.bot, contest_id)
        if done.photos_checked or done.assessed:
            log.info("contest %s suspicion pass: %s", contest_id, done)
        return done.assessed


@async_shared_broker.task(task_name="contest.pass_on")
async def pass_on_unclaimed(contest_id: int, worker: Context) -> int:
    """Pass every prize of a contest not claimed by its deadline to the next in the
    ranking (`draws.pass_on`, once each), then announce the new winners.

    A worker killed after a pass-on committed and before the announcement was kicked
    leaves the new winner's claim unannounced, which the scheduler sees and announces.
    """
    passed = 0
    async with exclusive(worker.store, f"job:pass_on:{contest_id}") as mine:
        if not mine:
            return 0
        for user_id in await claims.overdue_in(contest_id, datetime.now(UTC)):
            try:
                moved = await _retrying(
                    "contest.pass_on",
                    f"passing on the prize of user {user_id} in contest {contest_id}",
                    functools.partial(
                        draws.pass_on, contest_id, user_id, recheck_for(worker.bot, contest_id)
                    ),
                )
            except FinalCheckUndecided as exc:  # the scheduler kicks the pass-on again
                log.warning("contest %s: a prize waits to pass on: %s", contest_id, exc)
                await _retrying(
                    "contest.pass_on",
                    "telling the organizer",
                    functools.partial(reports.pass_on_blocked, contest_id, exc),
                )
                break
            if moved:
                passed += 1
                log.info("contest %s: user %s did not claim in time", contest_id, user_id)
    if passed:
        await announce_results.kiq(contest_id)
    return passed


@async_shared_broker.task(task_name="maintenance.cleanup")
async def cleanup(worker: Context) -> int:
    """Forget outbox rows settled long ago and the captchas of closed contests; returns
    how many rows went."""
    cutoff = datetime.now(UTC) - KEEP_FINISHED_MESSAGES
    removed = (
        await Notification.delete()
        .where(
            Notification.state.is_in(["sent", "blocked", "failed"])
            & (Notification.created_at < cutoff)
        )
        .returning(Notification.id)
    )
    return len(removed) + await captchas.forget_closed()
