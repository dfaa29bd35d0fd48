"""In-process checks: the limiter, the scheduler lease, the outbox states, in-process tasks."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from app.config import load_settings
from app.contests.channels import ChannelRef
from app.contests.claims import ClaimState
from app.db import captchas, claims, contests, draws, users
from app.db.tables import CaptchaChallenge, Contest, Notification, WinnerClaim
from app.telegram import background, outbox
from app.telegram.limits import MemoryLimiter, Rates, RedisLimiter, acquire
from app.telegram.membership import recheck_for
from app.worker import broker, reconcile, tasks
from app.worker.delivery import Deliverer
from app.worker.scheduler import Lease
from app.worker.store import RedisKeyStore
from tests import servers
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import add_users, contest_with_participants


async def _spend(limiter, chats: list[int]) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    for chat in chats:
        await acquire(limiter, chat)
    return time.monotonic() - started


async def test_two_processes_share_the_redis_limit(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    rates = Rates(overall_per_second=100)
    first, second = RedisLimiter(redis, rates), RedisLimiter(redis, rates)
    took = max(
        await asyncio.gather(
            _spend(first, list(range(1, 51))), _spend(second, list(range(51, 101)))
        )
    )
    await redis.aclose()
    print(f"\n100 messages through two limiters sharing 100/s: {took:.2f} s")
    assert took >= 0.9


async def test_per_chat_and_group_limits_and_pause() -> None:
    limiter = MemoryLimiter(Rates(overall_per_second=1000, private_per_second=10))
    assert await _spend(limiter, [7, 7, 7]) >= 0.19
    await acquire(limiter, -100)
    assert await limiter.reserve(-100) > 2.5  # 20 a minute in a group: one per 3 s
    await limiter.pause(0.3)
    assert await limiter.reserve(8) >= 0.25


async def test_one_lease_holder_and_take_over(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    settings = load_settings(redis_url=redis_url)
    workers = [broker.Worker(settings, None, RedisKeyStore(redis)) for _ in range(2)]  # type: ignore[arg-type]
    first, second = Lease(workers[0], 3), Lease(workers[1], 3)
    assert await first.refresh()
    assert not await second.refresh()
    assert await first.refresh()  # renewing
    await first.release()
    assert await second.refresh()
    await redis.aclose()


async def test_outbox_states_in_process(
    in_process: broker.Worker, emulator: TelegramEmulator
) -> None:
    add_users(emulator, [501, 502, 503])
    emulator.block_bot(502)
    assert await outbox.enqueue("winner:1:501", 501, "winner", {"text": "<b>You won</b>"})
    assert not await outbox.enqueue("winner:1:501", 501, "winner", {"text": "again"})
    await outbox.enqueue("winner:1:502", 502, "winner", {"text": "You won"})
    await outbox.enqueue("winner:1:504", 504, "winner", {"text": "nobody"})
    await outbox.enqueue("winner:1:503", 503, "winner", {"text": "after a 5xx"})
    deliverer = Deliverer(in_process)
    for index in range(4):
        row = await outbox.claim(deliverer.id)
        assert row is not None
        if index == 3:
            emulator.inject_fault("server_error", 1, method="sendMessage")
        await deliverer.deliver(row)
    counts = await outbox.counts()
    assert counts == {"sent": 1, "blocked": 1, "failed": 1, "pending": 1}, counts
    assert await users.is_blocked(502) is False  # unknown users are not created
    assert len(emulator.messages_to_user(501)) == 1
    assert await outbox.claim(deliverer.id) is None  # the 5xx one waits for its backoff


async def test_outbox_claims_and_settles_in_batches(db: str) -> None:
    for user_id in range(601, 611):
        await outbox.enqueue(f"result:1:{user_id}", user_id, "result", {"text": "hi"})
    first = await outbox.claim_many("first", 4)
    second = await outbox.claim_many("second", 4)
    assert [row.chat_id for row in first] == [601, 602, 603, 604]  # oldest first
    assert [row.chat_id for row in second] == [605, 606, 607, 608]
    assert all(row.attempts == 1 for row in first + second)
    await outbox.mark_sent_many([(row.id, 9000 + row.chat_id) for row in first])
    assert await outbox.release([row.id for row in second]) == 4
    assert await outbox.release([row.id for row in first]) == 0  # sent rows stay sent
    sent = await Notification.select(Notification.chat_id, Notification.message_id).where(
        Notification.state == outbox.SENT
    )
    assert sorted((r["chat_id"], r["message_id"]) for r in sent) == [
        (uid, 9000 + uid) for uid in range(601, 605)
    ]
    assert [row.chat_id for row in await outbox.claim_many("third", 10)] == [
        605, 606, 607, 608, 609, 610
    ]  # fmt: skip
    assert await outbox.claim_many("third", 10) == []


async def test_stopping_sender_writes_what_was_sent_and_hands_back_the_rest(
    in_process: broker.Worker, emulator: TelegramEmulator
) -> None:
    """Stopped mid-announcement: rows claimed ahead go back to pending, answers are written.

    Only rows a sender had taken (its request possibly under way) stay `sending`, for the
    sweeper: at most one per sender.
    """
    user_ids = list(range(701, 761))
    add_users(emulator, user_ids)
    await outbox.enqueue_many(
        outbox.Message(f"result:1:{uid}", uid, "result", {"text": "hi"}) for uid in user_ids
    )
    deliverer = Deliverer(in_process, senders=4)
    running = asyncio.create_task(deliverer.run())
    await emulator.wait_for(lambda: emulator.call_counts().get("sendMessage", 0) >= 10, timeout=30)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    counts = await outbox.counts()
    delivered = sum(1 for uid in user_ids if emulator.messages_to_user(uid))
    print(f"\nstopped after {delivered} sent: {counts}")
    taken = counts.get(outbox.SENDING, 0)
    assert taken <= deliverer.senders, counts
    assert counts[outbox.SENT] <= delivered <= counts[outbox.SENT] + taken
    assert counts[outbox.SENT] + taken + counts.get(outbox.PENDING, 0) == len(user_ids)
    assert all(len(emulator.messages_to_user(uid)) <= 1 for uid in user_ids)


async def test_in_process_draw_and_reconcile(
    in_process: broker.Worker, emulator: TelegramEmulator
) -> None:
    contest_id, user_ids = await contest_with_participants(30)
    add_users(emulator, user_ids)
    await Contest.update({Contest.ends_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Contest.id == contest_id
    )
    kicked = await reconcile.run_once(in_process)
    assert kicked["draw"] == [contest_id]
    assert (await reconcile.run_once(in_process))["draw"] == []  # remembered, not re-kicked
    assert await background.queue().draw(contest_id)  # a second delivery changes nothing
    outcome = await draws.get(contest_id)
    assert len(outcome.winners) == 3
    assert (await outbox.counts()).get("pending") == 30 + 1  # everyone, and the organizer
    assert await reconcile.unannounced(datetime.now(UTC)) == []


async def test_unix_socket_url_with_password(server_root: object) -> None:
    with servers.redis(server_root / "redis-auth", password="s3cret") as server:  # type: ignore[operator]
        assert server.url.startswith("unix://:s3cret@/")
        settings = load_settings(redis_url=server.url)
        worker = broker.build(settings)
        assert await worker.store.claim("probe", "me", 1000)
        await worker.broker.startup()
        await worker.broker.shutdown()
        await worker.close()


async def test_stopping_the_in_process_broker_ends_its_tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A task the process runs itself finishes within the grace period or is cancelled:
    none runs on after the role stopped (against the next database, in tests)."""
    monkeypatch.setattr(broker, "IN_PROCESS_GRACE_S", 0.5)
    worker = broker.install(broker.build(load_settings()))
    finished: list[str] = []

    async def quick() -> None:
        await asyncio.sleep(0.1)
        finished.append("quick")

    async def endless() -> None:
        await asyncio.sleep(3600)
        finished.append("endless")

    tasks = [
        worker.broker.register_task(job, task_name=f"test.{job.__name__}")
        for job in (quick, endless)
    ]
    await broker.started()
    for task in tasks:
        await task.kiq()
    started = time.monotonic()
    await broker.stop()
    took = time.monotonic() - started
    left = [t for t in asyncio.all_tasks() if "endless" in repr(t.get_coro())]
    print(f"\nin-process stop: {took:.2f} s, finished {finished}, still running {left}")
    assert finished == ["quick"]
    assert left == []
    assert took < 2


async def test_cleanup_forgets_old_messages_and_the_captchas_of_closed_contests(
    in_process: broker.Worker,
) -> None:
    open_id, _ = await contest_with_participants(1)
    closed_id, _ = await contest_with_participants(1, first_user=20_000)
    for contest_id in (open_id, closed_id):
        await captchas.issue(contest_id, 777, "bot", seconds=60)
    await contests.close(closed_id)
    for key, age in (("old", 31), ("recent", 1)):
        await outbox.enqueue(f"{key}:1:501", 501, "winner", {"text": key})
        await Notification.update(
            {
                Notification.state: "sent",
                Notification.created_at: datetime.now(UTC) - timedelta(days=age),
            }
        ).where(Notification.key == f"{key}:1:501")
    await tasks.cleanup.kiq()
    left = await CaptchaChallenge.select(CaptchaChallenge.contest_id)
    kept = await Notification.select(Notification.key)
    print(f"\ncleanup: captchas left {left}, messages left {kept}")
    assert left == [{"contest_id": open_id}]
    assert kept == [{"key": "recent:1:501"}]


async def test_a_prize_that_cannot_pass_on_tells_the_organizer_and_waits(
    in_process: broker.Worker, emulator: TelegramEmulator
) -> None:
    """The next candidates cannot be re-checked (the bot lost its rights in the required
    channel): the organizer is told once what to fix, the prize stays put, and it passes
    on by itself once the check can be made."""
    channel = emulator.create_channel("Required", username="required")
    emulator.set_bot_admin(channel.id)
    contest_id, user_ids = await contest_with_participants(
        12, notify=False, channels=(ChannelRef(channel.id, "Required", "required"),)
    )
    add_users(emulator, [1, *user_ids])
    for uid in user_ids:
        emulator.add_member(channel.id, uid)
    await Contest.update({Contest.claim_hours: 1}).where(Contest.id == contest_id)
    drawn = await draws.run(contest_id, recheck_for(in_process.bot, contest_id))
    late = drawn.winners[0]
    await WinnerClaim.update(
        {WinnerClaim.deadline: datetime.now(UTC) - timedelta(minutes=1)}
    ).where((WinnerClaim.contest == contest_id) & (WinnerClaim.user_id == late))
    emulator.revoke_bot_admin(channel.id)
    for _ in range(2):  # the scheduler kicks it again while it waits
        await tasks.pass_on_unclaimed.kiq(contest_id)
    told = [
        row["payload"]["text"]
        for row in await Notification.select(Notification.payload)
        .where(Notification.kind == "pass_on_blocked")
        .output(load_json=True)
    ]
    waiting = await claims.of_winner(contest_id, late)
    print(f"\npass-on blocked: told {len(told)}: {told[0][:90]}…; claim {waiting}")
    assert len(told) == 1 and "Required" in told[0]
    assert waiting is not None and waiting.state is ClaimState.pending

    emulator.set_bot_admin(channel.id)
    await tasks.pass_on_unclaimed.kiq(contest_id)
    row = await draws.get(contest_id)
    assert late not in row.winners and len(row.winners) == len(drawn.winners)
    assert (await claims.of_winner(contest_id, late)).state is ClaimState.passed_on
