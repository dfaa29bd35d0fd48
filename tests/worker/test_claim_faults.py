"""Unclaimed prizes pass on exactly once: a worker killed in the middle of a pass-on, and
claims racing the deadline, with real worker and scheduler processes."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from app.config import load_settings
from app.contests import proof as proofs
from app.contests.channels import ChannelRef
from app.contests.claims import NOT_CLAIMED, ClaimState
from app.db import audit, claims, draws
from app.db.tables import Contest, WinnerClaim
from app.errors import ValidationError
from app.telegram.client import make_bot
from app.telegram.membership import recheck_for
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import (
    LEADING,
    WORKER_READY,
    Environment,
    Role,
    add_users,
    contest_with_participants,
    started,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def _drawn_with_claims(
    emulator: TelegramEmulator, telegram_url: str, first_user: int, *, required: bool = True
) -> tuple[int, draws.DrawOutcome]:
    """A drawn contest (3 winners, 2 reserves) whose winners must claim within an hour;
    with `required`, a channel every participant is in (so pass-ons re-check)."""
    channels: tuple[ChannelRef, ...] = ()
    if required:
        channel = emulator.create_channel(f"Required {first_user}", username=f"r{first_user}")
        emulator.set_bot_admin(channel.id)
        channels = (ChannelRef(channel.id, "Required"),)
    contest_id, user_ids = await contest_with_participants(
        30, notify=False, channels=channels, first_user=first_user
    )
    add_users(emulator, user_ids)
    for uid in user_ids:
        if channels:
            emulator.add_member(channels[0].chat_id, uid)
    await Contest.update({Contest.claim_hours: 1}).where(Contest.id == contest_id)
    bot = make_bot(load_settings(telegram_api_url=telegram_url))
    try:
        drawn = await draws.run(contest_id, recheck_for(bot, contest_id))
    finally:
        await bot.session.close()
    return contest_id, drawn


async def _deadline(contest_id: int, user_ids: list[int], at: datetime) -> None:
    """Move pending claims' deadline (as the passing hours would)."""
    await WinnerClaim.update({WinnerClaim.deadline: at}).where(
        (WinnerClaim.contest == contest_id) & WinnerClaim.user_id.is_in(user_ids)
    )


def _passed_on_messages(emulator: TelegramEmulator, user_id: int) -> int:
    return sum("did not claim" in (m.text or "") for m in emulator.messages_to_user(user_id))


def _claim_buttons(emulator: TelegramEmulator, user_id: int) -> int:
    return sum(
        "Claim my prize" in str(m.reply_markup or "") for m in emulator.messages_to_user(user_id)
    )


@pytest.mark.parametrize("run", range(2))
async def test_kill_9_mid_pass_on_passes_each_prize_on_once(
    environment: Environment, emulator: TelegramEmulator, client: object, run: int
) -> None:
    """The worker dies while a pass-on's transaction waits for Telegram (a new reserve's
    re-check); nothing of it is kept, and the next worker passes each prize on once."""
    contest_id, drawn = await _drawn_with_claims(
        emulator, environment.telegram_url, 10_000 + 1000 * run
    )
    keeper, *late = drawn.winners
    await claims.claim(contest_id, keeper)
    await _deadline(contest_id, late, datetime.now(UTC) - timedelta(seconds=1))
    checks_before = emulator.call_counts().get("getChatMember", 0)
    emulator.inject_fault("slow", 1, method="getChatMember", delay=15)

    scheduler = Role("scheduler", environment)
    first = Role("worker", environment)
    second: Role | None = None
    try:
        await started(scheduler, LEADING)
        await started(first, WORKER_READY)

        async def rechecking() -> bool:
            return emulator.call_counts().get("getChatMember", 0) > checks_before

        await wait_until(rechecking, 60, "the pass-on's re-check")
        first.kill()
        killed_at = time.monotonic()
        pending_at_kill = await claims.overdue_in(contest_id, datetime.now(UTC))
        excluded_at_kill = len((await draws.get(contest_id)).excluded)
        second = Role("worker", environment)

        async def passed_and_told() -> bool:
            if await claims.overdue_in(contest_id, datetime.now(UTC)):
                return False
            promoted = (await draws.get(contest_id)).winners[1:]
            return all(_claim_buttons(emulator, uid) for uid in promoted) and all(
                _passed_on_messages(emulator, uid) for uid in late
            )

        await wait_until(passed_and_told, 120, "both prizes passed on and announced")
        recovered = time.monotonic() - killed_at
        await asyncio.sleep(2)  # a duplicate, if any, would show up now
    finally:
        for role in (first, second, scheduler):
            if role is not None:
                role.stop()

    row = await draws.get(contest_id)
    not_claimed = [e for e in row.excluded if e["code"] == proofs.NOT_CLAIMED]
    redraws = [e for e in await audit.entries(contest_id) if e["action"] == draws.REDRAW]
    states = {c.user_id: c.state for c in await claims.of_contest(contest_id)}
    promoted = [uid for uid in row.winners if uid != keeper]
    figures = {
        "pending at the kill": len(pending_at_kill),
        "excluded at the kill": excluded_at_kill,
        "not_claimed exclusions": len(not_claimed),
        "audit re-draws": len(redraws),
        "passed-on messages": {uid: _passed_on_messages(emulator, uid) for uid in late},
        "claim buttons to promoted": {uid: _claim_buttons(emulator, uid) for uid in promoted},
        "recovered after kill s": round(recovered, 1),
    }
    print(f"\nkill -9 mid pass-on (run {run}): {figures}")
    assert sorted(pending_at_kill) == sorted(late), "the kill came after the pass-on committed"
    assert excluded_at_kill == 0
    assert sorted(e["user_id"] for e in not_claimed) == sorted(late)
    assert all(e["reason"] == NOT_CLAIMED for e in not_claimed)
    assert len(redraws) == 2
    assert row.winners[0] == keeper and promoted == drawn.reserves[:2]
    assert {uid: states[uid] for uid in late} == dict.fromkeys(late, ClaimState.passed_on)
    assert states[keeper] is ClaimState.claimed
    assert all(states[uid] is ClaimState.pending for uid in promoted)
    new_deadlines = [
        c.deadline for c in await claims.of_contest(contest_id) if c.user_id in promoted
    ]
    assert all(
        d is not None and d > datetime.now(UTC) + timedelta(minutes=50) for d in new_deadlines
    )
    assert all(count == 1 for count in figures["passed-on messages"].values())
    assert all(count == 1 for count in figures["claim buttons to promoted"].values())


@pytest.mark.parametrize("run", range(3))
async def test_claims_racing_the_pass_on_have_one_outcome(
    environment: Environment, emulator: TelegramEmulator, client: object, run: int
) -> None:
    """Claims made in time but written while the worker passes the prize on (a request
    delayed on its way) end one way only: claimed and still a winner, or refused and
    passed on — never both, never neither."""
    contests_ = [
        await _drawn_with_claims(
            emulator, environment.telegram_url, 50_000 + 10_000 * run + 100 * i, required=False
        )
        for i in range(4)
    ]
    deadline = datetime.now(UTC) + timedelta(hours=1)  # set once the processes run
    answers: dict[tuple[int, int], list[str]] = {}

    async def claim_late(contest_id: int, user_id: int, delay: float) -> None:
        """One claim stamped just before the deadline, written `delay` s after it."""
        await asyncio.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds() + delay))
        try:
            await claims.claim(contest_id, user_id, now=deadline - timedelta(milliseconds=1))
            answers[contest_id, user_id] = ["claimed"]
        except ValidationError:
            answers[contest_id, user_id] = ["too late"]

    scheduler = Role("scheduler", environment)
    worker = Role("worker", environment)
    try:
        await started(scheduler, LEADING)
        await started(worker, WORKER_READY)
        deadline = datetime.now(UTC) + timedelta(seconds=2)
        for contest_id, drawn in contests_:
            await _deadline(contest_id, drawn.winners, deadline)
        await asyncio.gather(
            *[
                claim_late(contest_id, uid, random.uniform(0.0, 3.0))
                for contest_id, drawn in contests_
                for uid in drawn.winners
            ]
        )

        async def settled() -> bool:
            return not await claims.overdue(datetime.now(UTC) + timedelta(minutes=5))

        await wait_until(settled, 60, "every raced claim decided")
        await asyncio.sleep(2)
    finally:
        worker.stop()
        scheduler.stop()

    outcomes = {"claimed": 0, "passed on": 0}
    for contest_id, drawn in contests_:
        row = await draws.get(contest_id)
        excluded = {e["user_id"] for e in row.excluded}
        states = {c.user_id: c.state for c in await claims.of_contest(contest_id)}
        for uid in drawn.winners:
            said = answers.get((contest_id, uid), [])
            if states[uid] is ClaimState.claimed:
                outcomes["claimed"] += 1
                assert uid in row.winners and uid not in excluded
                assert said == ["claimed"], (uid, said)
            else:
                outcomes["passed on"] += 1
                assert states[uid] is ClaimState.passed_on
                assert uid not in row.winners and uid in excluded
                assert said == ["too late"], (uid, said)
        assert len(row.winners) == 3
        assert sum(states[uid] is ClaimState.pending for uid in row.winners) == sum(
            states.get(uid) is ClaimState.passed_on for uid in drawn.winners
        )
    print(f"\nclaims racing the pass-on (run {run}): {outcomes}")
    assert sum(outcomes.values()) == 12
