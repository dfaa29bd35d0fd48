"""Deriving due work from the database, which is the source of truth for every deadline.

Each pass kicks the tasks whose time has come: publish scheduled contests, close and
draw contests past their deadline (or closed by the participant limit), post active
contests not yet shown in a target channel, announce finished contests not yet
announced (or whose new winners were not), pass on prizes not claimed by their
deadline, assess active contests' entries (suspicion signals), and the periodic
clean-up. A kick is remembered for a while (a key with a TTL) so a slow task is not
kicked every second; when the key is gone (expired, or Redis was wiped) the work is
kicked again and the task's own idempotency keeps it single. A deadline missed during
downtime is simply due on the first pass: it fires once, late.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from app.contests.lifecycle import Status
from app.db import claims, contests
from app.db.tables import AuditLog, Contest, Publication
from app.worker import tasks
from app.worker.broker import Worker

log = logging.getLogger(__name__)

KICK_MEMORY_MS = {
    "publish": 30_000,
    "draw": 30_000,
    "post": 120_000,
    "announce": 60_000,
    "assess": 30_000,  # suspicion signals of active contests' entries, every 30 s
    "pass_on": 30_000,
}
ANNOUNCE_WITHIN = timedelta(days=3)
CLEANUP_EVERY_MS = 3_600_000


async def unposted() -> list[int]:
    """Active contests with a target channel that does not show them yet."""
    rows = await Publication.select(Publication.contest).where(
        (Publication.kind == "post")
        & Publication.message_id.is_null()
        & (Publication.contest.status == Status.active.value)
    )
    return sorted({row["contest"] for row in rows})


async def unannounced(now: datetime) -> list[int]:
    """Recently finished contests whose results were never announced."""
    announced = AuditLog.select(AuditLog.contest_id).where(
        (AuditLog.action == tasks.ANNOUNCED) & AuditLog.contest_id.is_not_null()
    )
    rows = await Contest.select(Contest.id).where(
        (Contest.status == Status.finished.value)
        & (Contest.finished_at >= now - ANNOUNCE_WITHIN)
        & Contest.id.not_in(announced)
    )
    return [row["id"] for row in rows]


async def active() -> list[int]:
    """Contests taking entries (their entries' suspicion signals are kept current)."""
    rows = await Contest.select(Contest.id).where(Contest.status == Status.active.value)
    return [row["id"] for row in rows]


async def _kick(worker: Worker, kind: str, task, contest_id: int) -> bool:  # type: ignore[no-untyped-def]
    if not await worker.store.claim(f"kick:{kind}:{contest_id}", "1", KICK_MEMORY_MS[kind]):
        return False
    await task.kiq(contest_id)
    log.info("scheduler: %s contest %s", kind, contest_id)
    return True


async def run_once(worker: Worker, now: datetime | None = None) -> dict[str, list[int]]:
    """One reconciliation pass; returns what was kicked."""
    now = now or datetime.now(UTC)
    due = {
        "publish": (tasks.publish_contest, await contests.due_to_publish(now)),
        "draw": (tasks.draw_contest, await contests.due_to_close(now)),
        "post": (tasks.post_contest, await unposted()),
        "announce": (
            tasks.announce_results,
            sorted({*await unannounced(now), *await claims.unannounced()}),
        ),
        "assess": (tasks.assess_entries, await active()),
        "pass_on": (tasks.pass_on_unclaimed, await claims.overdue(now)),
    }
    kicked: dict[str, list[int]] = {}
    for kind, (task, contest_ids) in due.items():
        kicked[kind] = [cid for cid in contest_ids if await _kick(worker, kind, task, cid)]
    if await worker.store.claim("kick:cleanup", "1", CLEANUP_EVERY_MS):
        await tasks.cleanup.kiq()
    return kicked
