"""The join limits' buckets: a burst, then a steady rate, per user and per contest; one
refused bucket spends neither; a Redis that does not answer lets presses through."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from app import metrics
from app.config import load_settings
from app.telegram.join_limits import JoinLimits, Limit
from tests.conftest import TEST_TOKEN


def _settings(tmp_path: Path, **values: object):  # type: ignore[no-untyped-def]
    return load_settings(bot_token=TEST_TOKEN, state_dir=tmp_path, **values)


async def test_a_burst_then_the_rate_per_user_and_per_contest(tmp_path: Path) -> None:
    limits = JoinLimits(_settings(tmp_path, join_user_burst=3, join_contest_burst=5))
    answers = [await limits.check(Limit.join, 1, 7) for _ in range(5)]
    assert [a is None for a in answers] == [True, True, True, False, False]
    refusal = answers[3]
    assert refusal is not None and 0 < refusal.retry_after <= 2.0  # 30 a minute
    # other users share the contest's bucket (5), which user 7's refusals did not spend
    others = [await limits.check(Limit.join, 1, uid) for uid in (8, 9, 10)]
    assert [a is None for a in others] == [True, True, False]
    assert await limits.check(Limit.join, 2, 11) is None  # another contest: its own bucket
    # captcha answers are a bucket of their own
    assert await limits.check(Limit.captcha, 1, 7) is None


async def test_a_redis_that_does_not_answer_lets_presses_through(tmp_path: Path) -> None:
    dead = Redis.from_url(f"unix://{tmp_path}/no-redis.sock", socket_connect_timeout=0.2)
    limits = JoinLimits(_settings(tmp_path, join_user_burst=1), dead)
    before = metrics.JOINS_LIMITED.labels("unchecked")._value.get()
    assert [await limits.check(Limit.join, 1, 7) for _ in range(3)] == [None, None, None]
    assert metrics.JOINS_LIMITED.labels("unchecked")._value.get() == before + 3
    await dead.aclose()
