"""The outbox: messages to individual users, each sent exactly once, with per-recipient state.

Producers call `enqueue(key, chat_id, kind, payload)` inside their own flow; the unique
`key` makes a repeated enqueue a no-op. Keys look like `<kind>:<contest_id>:<user_id>`
(e.g. `winner:42:1001`), so a permanent failure can be shown on the contest. `payload`
holds sendMessage parameters: `text` (HTML) and optionally `reply_markup` (a dict).

Delivery (`app.worker.delivery`) moves a row through

    pending ──claim──▶ sending ──Telegram accepted──▶ sent (message_id)
       ▲                  │──403 blocked──▶ blocked     │──permanent 400──▶ failed
       └──retry later─────┘ (429, 5xx, network: next_attempt_at with backoff)

Rows are claimed a few at a time right before their requests (`claim_many`) and marked
`sent` with Telegram's message_id right after the answers (`mark_sent_many`: the
answers that arrived during the previous write go in one statement), before the sender
takes anything else. The only window for a duplicate is a crash after Telegram accepted
a message and before that UPDATE committed (one request round trip plus one commit);
such a row is found in `sending` with a dead claimer and is sent again (a message twice
beats a message lost), and it is counted in `contest_bot_messages_total{outcome="resent"}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from app.db import engine
from app.db.tables import Notification, TelegramUser

PENDING, SENDING, SENT, BLOCKED, FAILED = "pending", "sending", "sent", "blocked", "failed"
_CONTEST_IN_KEY = re.compile(r"^[a-z_]+:(\d+):")
ENQUEUE_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed row: what to send, to whom, and how often it was tried."""

    id: int
    key: str
    chat_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int

    @property
    def contest_id(self) -> int | None:
        found = _CONTEST_IN_KEY.match(self.key)
        return int(found.group(1)) if found else None


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Message:
    """One message to record: sent once per `key`."""

    key: str
    chat_id: int
    kind: str
    payload: dict[str, Any]


async def enqueue(key: str, chat_id: int, kind: str, payload: dict[str, Any]) -> bool:
    """Record a message to send once; False when `key` was already recorded."""
    return await enqueue_many([Message(key, chat_id, kind, payload)]) == 1


async def enqueue_many(messages: Iterable[Message]) -> int:
    """Record many messages, `ENQUEUE_BATCH` rows per INSERT; returns how many were new.

    Keys already recorded are skipped (ON CONFLICT DO NOTHING), so enqueueing an
    announcement again after a crash half-way adds only what is missing.
    """
    pending = list(messages)
    if any(len(message.key) > 128 for message in pending):
        raise ValueError("outbox keys are at most 128 characters")
    added = 0
    for start in range(0, len(pending), ENQUEUE_BATCH):
        batch = pending[start : start + ENQUEUE_BATCH]
        if engine.is_sqlite():
            rows = [
                Notification(key=m.key, chat_id=m.chat_id, kind=m.kind, payload=m.payload)
                for m in batch
            ]
            inserted = (
                await Notification.insert(*rows)
                .on_conflict(action="DO NOTHING")
                .returning(Notification.id)
            )
        else:  # four arrays instead of a parameter per column and row: no ORM work per row
            inserted = await Notification.raw(
                _ENQUEUE_POSTGRES,
                [m.key for m in batch],
                [m.chat_id for m in batch],
                [m.kind for m in batch],
                [json.dumps(m.payload) for m in batch],
            )
        added += len(inserted)
    return added


_ENQUEUE_POSTGRES = """
INSERT INTO notification (key, chat_id, kind, payload, state, attempts, created_at)
SELECT key, chat_id, kind, payload::jsonb, 'pending', 0, now()
FROM unnest({}::text[], {}::bigint[], {}::text[], {}::text[]) AS m(key, chat_id, kind, payload)
ON CONFLICT (key) DO NOTHING
RETURNING id
"""


_CLAIM_POSTGRES = """
UPDATE notification
SET state = 'sending', claimed_by = {}, claimed_at = {}, attempts = attempts + 1
WHERE id = ANY(ARRAY(
    SELECT id FROM notification
    WHERE state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= {})
    ORDER BY id LIMIT {}
    FOR UPDATE SKIP LOCKED
))
RETURNING id, key, chat_id, kind, payload, attempts
"""


async def claim(worker_id: str) -> Outgoing | None:
    """Take the oldest due pending row for `worker_id`, or None."""
    rows = await claim_many(worker_id, 1)
    return rows[0] if rows else None


async def claim_many(worker_id: str, limit: int) -> list[Outgoing]:
    """Take up to `limit` of the oldest due pending rows for `worker_id`, oldest first.

    Safe across processes. On PostgreSQL one statement: the sub-select locks its rows
    with SKIP LOCKED, so concurrent claimers take different rows without waiting. SQLite
    has a single writer: select and update run in one immediate transaction.
    """
    now = _now()
    if engine.is_sqlite():
        rows = await _claim_sqlite(worker_id, now, limit)
    else:
        rows = await Notification.raw(_CLAIM_POSTGRES, worker_id, now, now, limit)
    claimed = []
    for row in sorted(rows, key=lambda row: row["id"]):
        if isinstance(row["payload"], str):
            row["payload"] = json.loads(row["payload"])
        claimed.append(Outgoing(**row))
    return claimed


async def _claim_sqlite(worker_id: str, now: datetime, limit: int) -> list[dict[str, Any]]:
    async with engine.transaction():
        found = (
            await Notification.select(Notification.id)
            .where(
                (Notification.state == PENDING)
                & (Notification.next_attempt_at.is_null() | (Notification.next_attempt_at <= now))
            )
            .order_by(Notification.id)
            .limit(limit)
        )
        if not found:
            return []
        return (
            await Notification.update(
                {
                    Notification.state: SENDING,
                    Notification.claimed_by: worker_id,
                    Notification.claimed_at: now,
                    Notification.attempts: Notification.attempts + 1,
                }
            )
            .where(
                Notification.id.is_in([row["id"] for row in found])
                & (Notification.state == PENDING)
            )
            .returning(
                Notification.id,
                Notification.key,
                Notification.chat_id,
                Notification.kind,
                Notification.payload,
                Notification.attempts,
            )
        )


async def mark_sent(row_id: int, message_id: int) -> None:
    await mark_sent_many([(row_id, message_id)])


_MARK_SENT_POSTGRES = """
UPDATE notification AS n
SET state = 'sent', message_id = s.message_id, sent_at = {}, claimed_by = NULL, error = NULL
FROM unnest({}::bigint[], {}::bigint[]) AS s(id, message_id)
WHERE n.id = s.id
"""


async def mark_sent_many(sent: Collection[tuple[int, int]]) -> None:
    """Record Telegram's message_id for each (row id, message_id) in one statement."""
    if not sent:
        return
    if not engine.is_sqlite():
        await Notification.raw(
            _MARK_SENT_POSTGRES, _now(), [row for row, _ in sent], [message for _, message in sent]
        )
        return
    async with engine.transaction():
        for row_id, message_id in sent:
            await Notification.update(
                {
                    Notification.state: SENT,
                    Notification.message_id: message_id,
                    Notification.sent_at: _now(),
                    Notification.claimed_by: None,
                    Notification.error: None,
                }
            ).where(Notification.id == row_id)


async def release(row_ids: Collection[int]) -> int:
    """Put claimed rows that were never sent back to pending (a sender stopping)."""
    if not row_ids:
        return 0
    rows = (
        await Notification.update({Notification.state: PENDING, Notification.claimed_by: None})
        .where(Notification.id.is_in(list(row_ids)) & (Notification.state == SENDING))
        .returning(Notification.id)
    )
    return len(rows)


async def settle(row_id: int, state: str, error: str) -> None:
    """A final outcome other than sent: blocked or failed."""
    await Notification.update(
        {Notification.state: state, Notification.error: error[:2000], Notification.claimed_by: None}
    ).where(Notification.id == row_id)


async def retry_later(row_id: int, delay: float, error: str) -> None:
    await Notification.update(
        {
            Notification.state: PENDING,
            Notification.claimed_by: None,
            Notification.next_attempt_at: _now() + timedelta(seconds=delay),
            Notification.error: error[:2000],
        }
    ).where((Notification.id == row_id) & (Notification.state == SENDING))


async def claimers() -> list[tuple[str, datetime]]:
    """Workers holding rows in `sending`, with the oldest claim time of each."""
    rows = await Notification.select(Notification.claimed_by, Notification.claimed_at).where(
        (Notification.state == SENDING) & Notification.claimed_by.is_not_null()
    )
    oldest: dict[str, datetime] = {}
    for row in rows:
        owner, at = row["claimed_by"], row["claimed_at"]
        if owner not in oldest or at < oldest[owner]:
            oldest[owner] = at
    return list(oldest.items())


async def reclaim(
    claimed_before: datetime, worker_id: str | None = None, keep: Collection[int] = ()
) -> int:
    """Put `sending` rows claimed before a time back to pending; returns how many.

    `worker_id` limits it to one (dead) worker's rows; `keep` spares rows still in flight.
    """
    where = (Notification.state == SENDING) & (Notification.claimed_at < claimed_before)
    if worker_id is not None:
        where &= Notification.claimed_by == worker_id
    if keep:
        where &= Notification.id.not_in(list(keep))
    rows = (
        await Notification.update({Notification.state: PENDING, Notification.claimed_by: None})
        .where(where)
        .returning(Notification.id)
    )
    return len(rows)


async def skip_blocked() -> int:
    """Settle pending rows of users known to have blocked the bot."""
    blocked = TelegramUser.select(TelegramUser.id).where(TelegramUser.blocked_bot == True)  # noqa: E712
    rows = (
        await Notification.update(
            {Notification.state: BLOCKED, Notification.error: "the user blocked the bot"}
        )
        .where((Notification.state == PENDING) & Notification.chat_id.is_in(blocked))
        .returning(Notification.id)
    )
    return len(rows)


async def pending_count() -> int:
    return await Notification.count().where(Notification.state.is_in([PENDING, SENDING]))


async def counts() -> dict[str, int]:
    """Rows per state (for tests, stats and metrics)."""
    rows = await Notification.select(
        Notification.state, Count(Notification.id, alias="count")
    ).group_by(Notification.state)
    return {row["state"]: row["count"] for row in rows}
