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
        while time.monotonic() - injected < RETRY_AFTER + 1:
            samples.append((time.monotonic() - injected, sent()))
            await asyncio.sleep(0.1)
        await wait_until(_all_sent, 60, "every message sent")
    finally:
        worker.stop()
    during = (_count_at(samples, RETRY_AFTER - 0.2) - _count_at(samples, 0.3)) / (RETRY_AFTER - 0.5)
    after = (_count_at(samples, RETRY_AFTER + 0.9) - _count_at(samples, RETRY_AFTER + 0.2)) / 0.7
    floods = worker.output().count("Telegram flood control")
    figures = delivery_figures(messages_per_user(emulator, user_ids), user_ids)
    print(
        f"\n429 retry_after={RETRY_AFTER}s mid-broadcast: {figures}, rate during the pause "
        f"{during:.0f}/s, after it {after:.0f}/s (limit 150/s), 429s answered {floods}"
    )
    assert floods >= 1
    assert figures["lost"] == 0
    assert figures["duplicates"] == 0
    assert during < 15
    assert after > during


async def _at_least(count, wanted: int) -> bool:  # type: ignore[no-untyped-def]
    return count() >= wanted


async def _all_sent() -> bool:
    return (await outbox.counts()).get(outbox.SENT, 0) == RECIPIENTS


def _count_at(samples: list[tuple[float, int]], at: float) -> int:
    return next((count for moment, count in samples if moment >= at), samples[-1][1])
