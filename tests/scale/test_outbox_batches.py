"""The outbox takes a whole announcement in a few INSERTs, once per key, on both engines."""

from __future__ import annotations

import pytest

from app.db.tables import Notification
from app.telegram import outbox


def _messages(user_ids: range) -> list[outbox.Message]:
    return [
        outbox.Message(f"result:7:{uid}", uid, "result", {"text": f"hello {uid}"})
        for uid in user_ids
    ]


async def test_batches_record_each_key_once(db: str) -> None:
    assert await outbox.enqueue("result:7:5", 5, "result", {"text": "first"})
    total = 2 * outbox.ENQUEUE_BATCH + 3
    added = await outbox.enqueue_many(_messages(range(1, total + 1)))
    assert added == total - 1  # user 5 was already queued
    assert await outbox.enqueue_many(_messages(range(1, total + 1))) == 0  # a re-run adds nothing
    assert await outbox.counts() == {"pending": total}
    rows = await Notification.select(Notification.key, Notification.payload).output(load_json=True)
    assert len({row["key"] for row in rows}) == total
    first = next(row for row in rows if row["key"] == "result:7:5")
    assert first["payload"] == {"text": "first"}  # the earlier message is kept, not replaced
    assert next(row for row in rows if row["key"] == "result:7:9")["payload"] == {"text": "hello 9"}


async def test_overlong_key_is_refused_before_anything_is_written(db: str) -> None:
    messages = [*_messages(range(1, 4)), outbox.Message("x" * 129, 4, "result", {})]
    with pytest.raises(ValueError, match="128"):
        await outbox.enqueue_many(messages)
    assert await outbox.counts() == {}
