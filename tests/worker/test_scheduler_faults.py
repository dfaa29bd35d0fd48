"""Deadlines with two schedulers, a wiped Redis and a restarted PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from app.db.tables import AuditLog, Contest, Draw
from app.telegram import background
from tests import servers
from tests.worker.stack import (
    LEADING,
    WORKER_READY,
    Environment,
    Role,
    contest_with_participants,
    started,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def _due_in(seconds: float, count: int, first_user: int) -> list[int]:
    """Active contests whose deadline passes in `seconds` (set directly, as time would)."""
    ids = []
    for index in range(count):
        contest_id, _ = await contest_with_participants(
            20, notify=False, first_user=first_user + 100 * index
        )
        await Contest.update(
            {Contest.ends_at: datetime.now(UTC) + timedelta(seconds=seconds)}
        ).where(Contest.id == contest_id)
        ids.append(contest_id)
    return ids


async def _draw_counts(contest_ids: list[int]) -> dict[int, int]:
    rows = await AuditLog.select(AuditLog.contest_id).where(
        (AuditLog.action == "draw") & AuditLog.contest_id.is_in(contest_ids)
    )
    counts = dict.fromkeys(contest_ids, 0)
    for row in rows:
        counts[row["contest_id"]] += 1
    return counts


async def _all_finished(contest_ids: list[int]) -> bool:
    drawn = await Draw.count().where(Draw.contest.is_in(contest_ids) & (Draw.state == "drawn"))
    return drawn == len(contest_ids)


def _kicks(roles: list[Role], contest_id: int) -> int:
    line = f"scheduler: draw contest {contest_id}\n"
    return sum(role.output().count(line) for role in roles)


async def test_two_schedulers_fire_each_deadline_once_and_standby_takes_over(
    environment: Environment,
) -> None:
    worker = Role("worker", environment)
    schedulers = [Role("scheduler", environment), Role("scheduler", environment)]
    try:
        await started(worker, WORKER_READY)
        for role in schedulers:
            await started(role, "started; waiting for the lease")
        contest_ids = await _due_in(3, 3, 20_000)
        await wait_until(lambda: _all_finished(contest_ids), 60, "three draws")
        await asyncio.sleep(2)  # a second kick would show up now
        leaders = [role for role in schedulers if LEADING in role.output()]
        kicks = {cid: _kicks(schedulers, cid) for cid in contest_ids}
        draws = await _draw_counts(contest_ids)
        print(f"\ntwo schedulers: leaders {len(leaders)}, kicks {kicks}, draws {draws}")
        assert len(leaders) == 1
        assert set(kicks.values()) == {1}
        assert set(draws.values()) == {1}

        active, standby = leaders[0], next(r for r in schedulers if r is not leaders[0])
        active.kill()
        killed = time.monotonic()
        await started(standby, LEADING, timeout=30)
        takeover = time.monotonic() - killed
        late = await _due_in(0.5, 1, 21_000)
        await wait_until(lambda: _all_finished(late), 30, "the draw after the take-over")
        print(
            f"take-over after kill -9 of the active scheduler: {takeover:.1f} s "
            f"(lease {environment.env()['SCHEDULER_LEASE_SECONDS']} s)"
        )
        assert takeover < 10
        assert (await _draw_counts(late)) == {late[0]: 1}
    finally:
        for role in [worker, *schedulers]:
            role.stop()


async def test_wiped_redis_still_draws_every_contest_once(
    environment: Environment, redis_server: servers.Redis
) -> None:
    worker = Role("worker", environment)
    scheduler = Role("scheduler", environment)
    try:
        await started(worker, WORKER_READY)
        await started(scheduler, LEADING)
        contest_ids = await _due_in(6, 3, 30_000)
        redis_server.stop()  # no persistence: it comes back empty
        await asyncio.sleep(1)
        redis_server.start()
        wiped = time.monotonic()
        await wait_until(lambda: _all_finished(contest_ids), 60, "draws after the wipe")
        took = time.monotonic() - wiped
        await asyncio.sleep(2)
        draws = await _draw_counts(contest_ids)
        print(
            f"\nRedis wiped with {len(contest_ids)} contests pending: draws {draws}, "
            f"all drawn {took:.1f} s after Redis came back"
        )
        assert set(draws.values()) == {1}
    finally:
        worker.stop()
        scheduler.stop()


async def test_postgres_restart_during_a_draw_completes_it_once(
    environment: Environment, pg_server: servers.Postgres, client: object
) -> None:
    contest_id, _ = await contest_with_participants(2000, notify=False, first_user=40_000)
    worker = Role("worker", environment)
    try:
        await started(worker, WORKER_READY)
        assert await background.queue().draw(contest_id)
        await asyncio.sleep(0.05)
        pg_server.stop("fast")
        await asyncio.sleep(3)
        pg_server.start()
        restarted = time.monotonic()

        async def drawn() -> bool:
            try:
                return await _all_finished([contest_id])
            except Exception:  # this process's pool reconnects too
                return False

        await wait_until(drawn, 90, "the draw after the restart")
        took = time.monotonic() - restarted
        await asyncio.sleep(1)
        draws = await _draw_counts([contest_id])
        retries = worker.output().count("retry ")
        print(
            f"\nPostgreSQL restarted during a draw: draws {draws}, retries logged {retries}, "
            f"drawn {took:.1f} s after PostgreSQL came back"
        )
        assert draws == {contest_id: 1}
    finally:
        worker.stop()
