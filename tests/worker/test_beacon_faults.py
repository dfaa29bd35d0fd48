"""The beacon wait under faults, with real worker and scheduler processes: a worker killed
while it waits for the committed round loses nothing — another one draws, exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from app.contests import draw, proof
from app.db import draws
from app.db.tables import AuditLog, Contest
from tests.drand_emulator import DrandEmulator
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


@pytest.fixture
async def relay() -> AsyncIterator[DrandEmulator]:
    async with DrandEmulator(ahead=40) as emulator:  # the round comes ~20 s after the freeze
        yield emulator


async def test_a_worker_killed_while_waiting_for_the_round(
    environment: Environment, relay: DrandEmulator
) -> None:
    environment.extra.update(
        BEACON_ENABLED="true",
        BEACON_URLS=relay.url,
        BEACON_CHAIN_HASH=relay.chain_hash,
        BEACON_PUBLIC_KEY=relay.public_key,
    )
    first, scheduler = Role("worker", environment), Role("scheduler", environment)
    second: Role | None = None
    try:
        await started(first, WORKER_READY)
        await started(scheduler, LEADING)
        contest_id, _ = await contest_with_participants(25, notify=False, first_user=40_000)
        await Contest.update({Contest.ends_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
            Contest.id == contest_id
        )

        async def frozen() -> bool:
            return await draws.frozen(contest_id) is not None

        await wait_until(frozen, 30, "the freeze")
        row = await draws.frozen(contest_id)
        assert row is not None
        assert row.state == draws.FROZEN  # committed, now waiting for the round
        first.kill()
        killed = time.monotonic()
        second = Role("worker", environment)
        await started(second, WORKER_READY)

        async def drawn() -> bool:
            row = await draws.frozen(contest_id)
            return row is not None and row.state == draws.DRAWN

        await wait_until(drawn, 120, "the draw after the kill")
        await asyncio.sleep(2)  # a second draw would show up now
        recorded = await AuditLog.count().where(
            (AuditLog.action == "draw") & (AuditLog.contest_id == contest_id)
        )
        document = await draws.proof(contest_id)
        print(
            f"\nworker killed while waiting for round {row.beacon['round']}: drawn "
            f"{time.monotonic() - killed:.1f} s after the kill, {recorded} draw record(s)"
        )
        assert recorded == 1
        assert document.algorithm == draw.V2
        assert document.drand is not None
        assert document.drand.round == row.beacon["round"]  # the committed round, unchanged
        listed = await draws.frozen_list(contest_id)
        assert proof.verify(document, listed, frozenset({relay.public_key})) == []
    finally:
        for role in (first, scheduler, second):
            if role is not None:
                role.stop()
