"""An outbox row that cannot be sent for an unexpected reason is failed; the workers go on."""

from __future__ import annotations

import pytest

from app.db.tables import Notification
from app.telegram import outbox
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import (
    WORKER_READY,
    Environment,
    Role,
    add_users,
    messages_per_user,
    started,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

GOOD = list(range(30_000, 30_020))
POISON = {
    "poison:1:1": {"no_text": "a payload without the text to send"},
    "poison:1:2": {"text": "hi", "reply_markup": {"inline_keyboard": "not a keyboard"}},
}


async def test_poison_rows_fail_and_the_worker_keeps_sending(
    environment: Environment, emulator: TelegramEmulator
) -> None:
    add_users(emulator, GOOD)
    for key, payload in POISON.items():
        await Notification.insert(
            Notification(key=key, chat_id=GOOD[0], kind="poison", payload=payload)
        )
    for uid in GOOD:
        await outbox.enqueue(f"good:1:{uid}", uid, "good", {"text": f"hello {uid}"})
    workers = [Role("worker", environment), Role("worker", environment)]
    try:
        for worker in workers:
            await started(worker, WORKER_READY)

        async def settled() -> bool:
            counts = await outbox.counts()
            return counts.get(outbox.SENT, 0) == len(GOOD) and counts.get(outbox.FAILED) == 2

        await wait_until(settled, 30, "good rows sent and poison rows failed")
        alive = [worker.process.poll() is None for worker in workers]
    finally:
        for worker in workers:
            worker.stop()
    rows = await Notification.select(Notification.key, Notification.state, Notification.error)
    failed = {row["key"]: row["error"] for row in rows if row["state"] == outbox.FAILED}
    per_user = messages_per_user(emulator, GOOD)
    print(f"\npoison rows: failed {failed}, workers alive {alive}, messages {dict(per_user)}")
    assert alive == [True, True]
    assert set(failed) == set(POISON)
    assert all(failed[key] for key in POISON)
    assert set(per_user.values()) == {1}
