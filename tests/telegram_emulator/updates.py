"""A bot's pending updates: confirm-by-offset semantics and one long-polling waiter."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from typing import Any

from .errors import ApiError

#: Update kinds Telegram sends when allowed_updates is empty or never set.
DEFAULT_UPDATE_KINDS = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


class UpdateQueue:
    """Updates not yet confirmed by the bot, oldest first."""

    def __init__(self, first_update_id: int) -> None:
        self._items: deque[dict[str, Any]] = deque()
        self._ids = itertools.count(first_update_id)
        self._waiter: asyncio.Future[None] | None = None
        self.pushed = asyncio.Event()  # set on every push; webhook delivery clears it
        self.allowed: frozenset[str] = DEFAULT_UPDATE_KINDS

    def __len__(self) -> int:
        return len(self._items)

    def set_allowed(self, kinds: list[str] | None) -> None:
        self.allowed = frozenset(kinds) if kinds else DEFAULT_UPDATE_KINDS

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update if the bot wants this kind; wake the waiting poller."""
        if kind not in self.allowed:
            return None
        update_id = next(self._ids)
        self._items.append({"update_id": update_id, kind: payload})
        self.pushed.set()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return update_id

    def confirm(self, offset: int) -> None:
        """Forget updates before offset; a negative offset keeps only the last -offset."""
        items = self._items
        if offset < 0:
            while len(items) > -offset:
                items.popleft()
            return
        while items and items[0]["update_id"] < offset:
            items.popleft()

    def peek(self, limit: int) -> list[dict[str, Any]]:
        if limit >= len(self._items):
            return list(self._items)
        return list(itertools.islice(self._items, limit))

    def remove(self, delivered: list[dict[str, Any]]) -> None:
        """Drop delivered updates; they sit near the head unless the queue was cleared."""
        wanted = {id(update) for update in delivered}
        items, kept = self._items, []
        while items and wanted:
            update = items.popleft()
            if id(update) in wanted:
                wanted.discard(id(update))
            else:
                kept.append(update)
        items.extendleft(reversed(kept))

    def clear(self) -> None:
        self._items.clear()

    async def wait(self, timeout: float | None) -> None:
        """Return when an update is queued or the timeout passes."""
        if self._items:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return
        finally:
            if self._waiter is waiter:
                self._waiter = None

    def interrupt(self, error: ApiError) -> None:
        """End the current waiter with an error (a newer getUpdates, setWebhook)."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        self._waiter = None
