"""Subscription history rules: "new subscribers only" at the join, "leavers are excluded"
at the draw (the contest's `new_subscribers` and `exclude_leavers`, `app.contests.rules`).

Both are decided from a person's recorded subscribes and leaves of a required channel
(Telegram's chat_member updates, which the bot gets for channels it administers). Times
are Telegram's, whole seconds, so they are compared with contest times cut to the second.

- New subscriber: the history shows a subscribe at or after the contest's start and
  nothing before it. Anything before the start (a subscribe, or a leave, which means they
  were subscribed) makes them an earlier subscriber. No record at all: unknown.
- Leaver: a leave after the person's entry and up to the freeze of the list. Re-joining
  does not restore eligibility: a farm script can leave and re-join on a schedule, and a
  rule that forgives re-joining would only teach it to. The exclusion names the time of
  leaving (and of re-joining, if any).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.contests.conditions import CheckResult, Outcome


@dataclass(frozen=True, slots=True)
class Change:
    """A recorded subscribe (`joined`) or leave of one channel by one person."""

    joined: bool
    at: datetime


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def is_new_subscriber(history: Sequence[Change], started_at: datetime) -> bool | None:
    """True: subscribed after the start; False: subscribed before it; None: unknown."""
    start = _second(started_at)
    if any(change.at < start for change in history):
        return False
    if any(change.joined for change in history):
        return True
    return None


@dataclass(frozen=True, slots=True)
class Leave:
    """A leave that excludes a participant; `rejoined_at` when they came back after it."""

    chat_id: int
    at: datetime
    rejoined_at: datetime | None = None


def leave_after(
    chat_id: int, history: Sequence[Change], entered_at: datetime, frozen_at: datetime
) -> Leave | None:
    """The first leave of `chat_id` between the entry and the freeze, if any."""
    ordered = sorted(history, key=lambda change: change.at)
    since, until = _second(entered_at), frozen_at
    for index, change in enumerate(ordered):
        if not change.joined and since <= change.at <= until:
            rejoined = next((c.at for c in ordered[index + 1 :] if c.joined), None)
            return Leave(chat_id, change.at, rejoined)
    return None


class SubscriptionHistory(Protocol):
    """A person's recorded subscribes and leaves of a channel, oldest first."""

    async def changes(self, chat_id: int, user_id: int) -> list[Change]: ...


SUBSCRIBED_BEFORE = "subscribed before the contest started"
UNKNOWN = "subscription time unknown"


@dataclass(frozen=True, slots=True)
class NewSubscription:
    """The person subscribed to a required channel after the contest started.

    `allow_unknown` is the organizer's choice for people without a record.
    """

    chat_id: int
    started_at: datetime
    history: SubscriptionHistory
    allow_unknown: bool

    @property
    def key(self) -> str:
        return f"new_subscriber:{self.chat_id}"

    async def check(self, user_id: int) -> CheckResult:
        new = is_new_subscriber(await self.history.changes(self.chat_id, user_id), self.started_at)
        if new or (new is None and self.allow_unknown):
            return CheckResult(self.key, Outcome.passed)
        return CheckResult(
            self.key, Outcome.missing, SUBSCRIBED_BEFORE if new is False else UNKNOWN
        )
