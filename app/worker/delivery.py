"""The outbox sender every worker runs: claim rows, send them, record the outcomes.

Several senders per process and any number of processes share the outbox table. A
process claims rows a handful at a time (one UPDATE over `FOR UPDATE SKIP LOCKED` on
PostgreSQL, twice as many rows as it has senders) and its senders take them from there. Sends
pass through the `Bot`'s rate-limit middleware. After Telegram answers, the outcome is
written before that sender takes another row; the `sent` outcomes of all senders are
written together (whatever arrived while the previous write ran goes in the next one:
one statement for many messages, as a group commit). If the database is down at that
moment the write is retried (never the send). Stopping writes the outcomes already
known and returns rows claimed but not yet sent to pending. A heartbeat key marks this
process alive; a sweeper returns the rows of processes whose heartbeat lapsed (kill -9,
lost host) to `pending`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup, Message

from app import metrics
from app.db import contests, engine, users
from app.retries import Policy
from app.telegram import outbox
from app.worker.broker import Worker

log = logging.getLogger(__name__)

SENDERS = 16
IDLE_SECONDS = 0.3
HEARTBEAT_SECONDS = 2.0
HEARTBEAT_TTL = timedelta(seconds=10)
SWEEP_SECONDS = 2.0
STUCK_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 20
RESEND = Policy(first_delay=2.0, max_delay=300.0, jitter=2.0)
"""When a failed send is tried again (stored on the row, so it survives restarts)."""
STOP_WRITE_SECONDS = 10.0


class SentRecorder:
    """Writes `sent` outcomes in batches: every `record` returns once its row is written.

    One write runs at a time; outcomes arriving meanwhile wait for the next write, which
    takes them all. The write runs in its own task, so a sender cancelled while waiting
    does not cut it short; `drain` waits for it when stopping.
    """

    def __init__(self) -> None:
        self._waiting: list[tuple[int, int]] = []
        self._batch: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def record(self, row_id: int, message_id: int) -> None:
        self._waiting.append((row_id, message_id))
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
        batch = self._batch
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await asyncio.shield(batch)

    async def _write(self) -> None:
        while self._waiting:
            sent, self._waiting = self._waiting, []
            batch, self._batch = self._batch, None
            assert batch is not None
            try:
                await engine.until_recorded(
                    "outbox outcomes", lambda sent=sent: outbox.mark_sent_many(sent)
                )
            except BaseException as exc:
                if isinstance(exc, asyncio.CancelledError):
                    batch.cancel()
                else:
                    batch.set_exception(exc)
                raise
            batch.set_result(None)

    async def drain(self) -> None:
        if self._writer is not None and not self._writer.done():
            await asyncio.wait([self._writer])


class Deliverer:
    """Sends the outbox through `worker.bot` until cancelled."""

    def __init__(self, worker: Worker, senders: int = SENDERS) -> None:
        self.worker = worker
        self.senders = senders
        self.id = f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.in_flight: set[int] = set()
        self._claimed: deque[outbox.Outgoing] = deque()
        self._claiming = asyncio.Lock()
        self._sent = SentRecorder()

    async def run(self) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._heartbeat())
                group.create_task(self._sweep())
                for _ in range(self.senders):
                    group.create_task(self._send_loop())
        finally:
            await asyncio.shield(self._stop())

    async def _stop(self) -> None:
        """Write the outcomes already known; hand back rows claimed but not sent."""
        unsent = [row.id for row in self._claimed]
        self._claimed.clear()
        try:
            async with asyncio.timeout(STOP_WRITE_SECONDS):
                await self._sent.drain()
                await outbox.release(unsent)
        except Exception as exc:  # the sweeper of another process returns them later
            log.warning("outbox: stopping with outcomes or claims not written: %s", exc)

    # heartbeat and sweeping --------------------------------------------------------------

    def _alive_key(self, worker_id: str) -> str:
        return f"sender:{worker_id}"

    async def _heartbeat(self) -> None:
        ttl_ms = int(HEARTBEAT_TTL.total_seconds() * 1000)
        while True:
            try:
                await self.worker.store.put(self._alive_key(self.id), "1", ttl_ms)
            except Exception as exc:
                log.warning("outbox heartbeat failed: %s", exc)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep()
            except Exception as exc:
                log.warning("outbox sweep failed: %s", exc)

    async def sweep(self) -> int:
        """Return abandoned `sending` rows to pending; settle rows of users who blocked us."""
        await outbox.skip_blocked()
        now = datetime.now(UTC)
        returned = 0
        for owner, oldest in await outbox.claimers():
            if owner == self.id:
                if oldest < now - HEARTBEAT_TTL:
                    # claims whose answer was lost (the database went away mid-claim)
                    returned += await outbox.reclaim(now - HEARTBEAT_TTL, owner, self.in_flight)
            elif oldest < now - STUCK_AFTER:
                returned += await outbox.reclaim(now - STUCK_AFTER, owner)
            elif oldest < now - HEARTBEAT_TTL and not await self.worker.store.holder(
                self._alive_key(owner)
            ):
                returned += await outbox.reclaim(now - HEARTBEAT_TTL, owner)
        if returned:
            log.warning("outbox: %d message(s) of stopped senders will be sent again", returned)
            metrics.MESSAGES.labels("resent").inc(returned)
        metrics.OUTBOX_PENDING.set(await outbox.pending_count())
        return returned

    # sending -----------------------------------------------------------------------------

    async def _next(self) -> outbox.Outgoing | None:
        """The next claimed row; claims twice as many as there are senders when none is left
        (so the senders rarely wait for a claim)."""
        async with self._claiming:
            if not self._claimed:
                rows = await outbox.claim_many(self.id, 2 * self.senders)
                self.in_flight.update(row.id for row in rows)
                self._claimed.extend(rows)
            return self._claimed.popleft() if self._claimed else None

    async def _send_loop(self) -> None:
        while True:
            try:
                row = await self._next()
            except Exception as exc:
                log.warning("outbox claim failed: %s", exc)
                await asyncio.sleep(1)
                continue
            if row is None:
                await asyncio.sleep(IDLE_SECONDS)
                continue
            try:
                await self.deliver(row)
            finally:
                self.in_flight.discard(row.id)

    async def deliver(self, row: outbox.Outgoing) -> None:
        try:
            message = await self._send(row)
        except TelegramForbiddenError as exc:
            reason = exc.message
            await self._persist(lambda: outbox.settle(row.id, outbox.BLOCKED, reason))
            await self._persist(lambda: users.mark_blocked(row.chat_id))
            metrics.MESSAGES.labels("blocked").inc()
        except TelegramBadRequest as exc:
            await self._fail(row, exc.message)
        except TelegramRetryAfter as exc:
            await self._later(row, float(exc.retry_after), str(exc))
        except (TelegramNetworkError, TelegramServerError, TelegramAPIError, TimeoutError) as exc:
            if row.attempts >= MAX_ATTEMPTS:
                await self._fail(row, f"gave up after {row.attempts} attempts: {exc}")
            else:
                await self._later(row, RESEND.delay(row.attempts), str(exc))
        except Exception as exc:
            # A row this code cannot send (a malformed payload, a bug): fail it and go on,
            # or it would be reclaimed and take down every worker in turn.
            log.exception("outbox: message %s could not be sent", row.key)
            await self._fail(row, f"unexpected error: {type(exc).__name__}: {exc}")
        else:
            await self._sent.record(row.id, message.message_id)
            metrics.MESSAGES.labels("sent").inc()

    async def _send(self, row: outbox.Outgoing) -> Message:
        payload = dict(row.payload)
        markup = payload.pop("reply_markup", None)
        return await self.worker.bot.send_message(
            row.chat_id,
            payload.pop("text"),
            reply_markup=InlineKeyboardMarkup.model_validate(markup) if markup else None,
            allow_paid_broadcast=self.worker.settings.allow_paid_broadcast or None,
            **payload,
        )

    async def _later(self, row: outbox.Outgoing, delay: float, error: str) -> None:
        await self._persist(lambda: outbox.retry_later(row.id, delay, error))
        metrics.MESSAGES.labels("retried").inc()

    async def _fail(self, row: outbox.Outgoing, error: str) -> None:
        log.warning("outbox: message %s to %s failed: %s", row.key, row.chat_id, error)
        await self._persist(lambda: outbox.settle(row.id, outbox.FAILED, error))
        metrics.MESSAGES.labels("failed").inc()
        contest_id = row.contest_id
        if contest_id is not None:
            with contextlib.suppress(Exception):
                await contests.record_error(
                    contest_id, f"a {row.kind} message to user {row.chat_id} failed: {error}"
                )

    async def _persist(self, write: Callable[[], Awaitable[None]]) -> None:
        """Write an outcome, retrying until the database takes it (the send is not repeated)."""
        await engine.until_recorded("an outbox outcome", write)
