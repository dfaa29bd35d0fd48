"""Telegram answers 429 with retry_after in the middle of a broadcast."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.telegram import outbox
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import (
    WORKER_READY,
    Environment,
    Role,
    add_users,
    delivery_figures,
    messages_per_user,
    started,
    wait_until,
)

RECIPIENTS = 600
RETRY_AFTER = 2


pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def test_429_lowers_the_rate_and_loses_nothing(
    environment: Environment, emulator: TelegramEmulator
) -> None:
    user_ids = list(range(50_000, 50_000 + RECIPIENTS))
    add_users(emulator, user_ids)
    environment.extra["TELEGRAM_RATE_LIMIT"] = "150"
    worker = Role("worker", environment)
    samples: list[tuple[float, int]] = []

    def sent() -> int:
        return emulator.call_counts().get("sendMessage", 0) - emulator.failure_counts().get(
            "sendMessage", 0
        )

    try:
        await started(worker, WORKER_READY)
        for uid in user_ids:
            await outbox.enqueue(f"result:0:{uid}", uid, "result", {"text": f"hello {uid}"})
        await wait_until(lambda: _at_least(sent, 150), 60, "the broadcast under way")
        emulator.inject_fault("flood", 3, method="sendMessage", retry_after=RETRY_AFTER)
        injected = time.monotonic()
        # Three 429s may pause the senders once (all at once) or up to three times in a
        # row; sample until sending has clearly resumed.
        while time.monotonic() - injected < 3 * RETRY_AFTER + 2 and sent() < RECIPIENTS:
            samples.append((time.monotonic() - injected, sent()))
            await asyncio.sleep(0.1)
        await wait_until(_all_sent, 60, "every message sent")
    finally:
        worker.stop()
    pause = _longest_pause(samples)
    resumed = pause[1]
    during = (_count_at(samples, pause[1] - 0.1) - _count_at(samples, pause[0])) / max(
        pause[1] - pause[0], 0.1
    )
    after = (_count_at(samples, resumed + 0.6) - _count_at(samples, resumed)) / 0.6
    floods = worker.output().count("Telegram flood control")
    figures = delivery_figures(messages_per_user(emulator, user_ids), user_ids)
    print(
        f"\n429 retry_after={RETRY_AFTER}s mid-broadcast: {figures}, paused "
        f"{pause[1] - pause[0]:.1f} s ({during:.0f}/s), then {after:.0f}/s (limit 150/s), "
        f"429s answered {floods}"
    )
    assert floods >= 1
    assert figures["lost"] == 0
    assert figures["duplicates"] == 0
    assert pause[1] - pause[0] >= RETRY_AFTER - 0.5  # nothing sent while Telegram asked to wait
    assert after > during


async def _at_least(count, wanted: int) -> bool:  # type: ignore[no-untyped-def]
    return count() >= wanted


async def _all_sent() -> bool:
    return (await outbox.counts()).get(outbox.SENT, 0) == RECIPIENTS


def _longest_pause(samples: list[tuple[float, int]]) -> tuple[float, float]:
    """(start, end) of the longest stretch in which the sent count did not move."""
    best = (0.0, 0.0)
    start = samples[0]
    for moment, count in samples[1:]:
        if count != start[1]:
            if moment - start[0] > best[1] - best[0]:
                best = (start[0], moment)
            start = (moment, count)
    return best


def _count_at(samples: list[tuple[float, int]], at: float) -> int:
    return next((count for moment, count in samples if moment >= at), samples[-1][1])
