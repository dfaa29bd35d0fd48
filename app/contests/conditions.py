"""Join conditions: pluggable checks that pass, fail, or cannot be decided.

A check that cannot be decided (Telegram error, the bot is no longer an admin) fails
closed: the participant is not let in and the reason is reported, never silently passed.
The checks know nothing of Telegram; they ask a `MembershipChecker` the bot provides.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    passed = "passed"
    missing = "missing"
    undecided = "undecided"


class Membership(StrEnum):
    member = "member"
    not_member = "not_member"


class MembershipUnknown(Exception):
    """The membership could not be checked; `reason` says why (e.g. bot not admin)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MembershipChecker(Protocol):
    """Answers whether a user is subscribed to a chat (the bot does it with getChatMember)."""

    async def membership(self, chat_id: int, user_id: int) -> Membership: ...


@dataclass(frozen=True, slots=True)
class CheckResult:
    condition: str
    outcome: Outcome
    reason: str = ""


class Condition(Protocol):
    """One requirement for joining; `key` identifies it in answers and logs."""

    @property
    def key(self) -> str: ...

    async def check(self, user_id: int) -> CheckResult: ...


@dataclass(frozen=True, slots=True)
class ChannelSubscription:
    """The user must be a member (or admin, or creator) of a channel."""

    chat_id: int
    title: str
    checker: MembershipChecker
    username: str | None = None
    invite_link: str | None = None

    @property
    def key(self) -> str:
        return f"channel:{self.chat_id}"

    @property
    def link(self) -> str | None:
        if self.username:
            return f"https://t.me/{self.username}"
        return self.invite_link

    async def check(self, user_id: int) -> CheckResult:
        try:
            membership = await self.checker.membership(self.chat_id, user_id)
        except MembershipUnknown as exc:
            return CheckResult(self.key, Outcome.undecided, exc.reason)
        if membership is Membership.member:
            return CheckResult(self.key, Outcome.passed)
        return CheckResult(self.key, Outcome.missing, f"not subscribed to {self.title}")


@dataclass(frozen=True, slots=True)
class PremiumAccount:
    """The person has Telegram Premium (`is_premium` of the user who joins)."""

    is_premium: bool

    key = "premium"

    async def check(self, user_id: int) -> CheckResult:
        if self.is_premium:
            return CheckResult(self.key, Outcome.passed)
        return CheckResult(self.key, Outcome.missing, "not a Telegram Premium account")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of all conditions for one user."""

    results: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(result.outcome is Outcome.passed for result in self.results)

    @property
    def missing(self) -> list[CheckResult]:
        return [r for r in self.results if r.outcome is Outcome.missing]

    @property
    def undecided(self) -> list[CheckResult]:
        return [r for r in self.results if r.outcome is Outcome.undecided]


async def evaluate(conditions: list[Condition], user_id: int) -> Verdict:
    """Run every check concurrently; an exception in a check counts as undecided."""
    outcomes = await asyncio.gather(
        *(condition.check(user_id) for condition in conditions), return_exceptions=True
    )
    results: list[CheckResult] = []
    for condition, outcome in zip(conditions, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, Exception):
                raise outcome
            outcome = CheckResult(condition.key, Outcome.undecided, f"check failed: {outcome}")
        results.append(outcome)
    return Verdict(tuple(results))
