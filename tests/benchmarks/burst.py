"""What both benchmarks do after the presses: wait for the answers and for the database."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from tests.stack.scenario import ContestWorld, join_data
from tests.telegram_emulator import CallbackQuery, TelegramEmulator


async def press_at_rate(
    world: ContestWorld, user_ids: list[int], rate: float
) -> list[CallbackQuery]:
    """Each user taps Participate under the post, `rate` a second (0: all at once); the
    emulator queues the updates and delivers them as Telegram would."""
    assert world.post is not None
    queries: list[CallbackQuery] = []
    started = time.monotonic()
    for number, user_id in enumerate(user_ids):
        if rate > 0:
            await asyncio.sleep(max(0.0, started + number / rate - time.monotonic()))
        queries.append(
            world.emulator.press_button(
                user_id, world.channel.id, world.post.message_id, data=join_data(world.contest_id)
            )
        )
    return queries


async def wait_for_answers(
    emulator: TelegramEmulator, queries: list[CallbackQuery]
) -> Counter[str]:
    """Wait until every press is answered or can no longer be (Telegram's answer window);
    returns the errors: presses left unanswered, answers Telegram refused."""
    errors: Counter[str] = Counter()
    try:
        await emulator.wait_for(
            lambda: all(q.answer is not None for q in queries),
            timeout=emulator.callback_timeout + 5,
        )
    except TimeoutError:
        errors["presses never answered in time"] = sum(q.answer is None for q in queries)
    refused = emulator.failure_counts().get("answerCallbackQuery", 0)
    if refused:
        errors["answerCallbackQuery calls refused (too late)"] = refused
    return errors


async def wait_for_participants(
    count: Callable[[], Awaitable[int]], expected: int, started: float, idle: float = 15.0
) -> tuple[int, float]:
    """The participant count once it reached `expected` or stopped growing for `idle` s
    (presses whose answer came too late are still being processed), and when it last grew,
    in seconds after `started`."""
    current, changed = -1, time.monotonic()
    while True:
        now_count = await count()
        now = time.monotonic()
        if now_count != current:
            current, changed = now_count, now
        if current >= expected or now - changed > idle:
            return current, changed - started
        await asyncio.sleep(0.5)


def answered_after(queries: list[CallbackQuery], started: float) -> float:
    """Seconds from `started` to the last answer (or to now, if none came)."""
    times = [q.answer.answered_at for q in queries if q.answer is not None]
    return (max(times) if times else time.monotonic()) - started
