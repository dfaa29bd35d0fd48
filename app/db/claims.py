"""Storing winners' claims (`app.contests.claims`): one row per contest and winner.

Every change is one conditional UPDATE on the claim row, so a claim pressed at the
deadline and the pass-on racing it cannot both win: whichever commits first moves the
row out of `pending`, and the other's UPDATE matches nothing (PostgreSQL re-reads the
row after waiting for its lock; SQLite runs one writer at a time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from piccolo.custom_types import Combinable

from app.contests.claims import HANDABLE, HOLDING, ClaimState, deadline, first_state
from app.db import audit
from app.db.engine import transaction
from app.db.tables import WinnerClaim
from app.errors import NotFoundError, ValidationError

HANDED_OVER = "handed_over"
"""The audit log's action when an organizer marks a prize handed over."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A winner's claim as people see it."""

    user_id: int
    state: ClaimState
    deadline: datetime | None
    changed_at: datetime | None


def _claim(row: dict) -> Claim:
    return Claim(row["user_id"], ClaimState(row["state"]), row["deadline"], row["changed_at"])


async def follow(contest_id: int, winners: Iterable[int], claim_hours: int | None) -> None:
    """Bring the claims in step with the draw's winners, inside the draw's transaction:
    a row for each new winner (pending with its deadline, or won), and the rows of
    holders no longer among the winners (an organizer's re-draw) marked replaced."""
    now = datetime.now(UTC)
    winners = list(winners)
    rows = [
        WinnerClaim(
            contest=contest_id,
            user_id=uid,
            state=first_state(claim_hours).value,
            deadline=deadline(claim_hours, now),
            announced=False,
            created_at=now,
        )
        for uid in winners
    ]
    if rows:
        await WinnerClaim.insert(*rows).on_conflict(action="DO NOTHING")
    await WinnerClaim.update(
        {WinnerClaim.state: ClaimState.replaced.value, WinnerClaim.changed_at: now}
    ).where(
        (WinnerClaim.contest == contest_id)
        & WinnerClaim.state.is_in([state.value for state in HOLDING])
        & WinnerClaim.user_id.not_in(winners or [0])
    )


async def _move(
    contest_id: int, user_id: int, to: ClaimState, now: datetime, only_if: Combinable
) -> bool:
    """Move one winner's claim to `to` if it still matches `only_if`; False if it did not
    (another change won the race, or the claim is not in a state this move starts from)."""
    changed = (
        await WinnerClaim.update({WinnerClaim.state: to.value, WinnerClaim.changed_at: now})
        .where((WinnerClaim.contest == contest_id) & (WinnerClaim.user_id == user_id) & only_if)
        .returning(WinnerClaim.id)
    )
    return bool(changed)


async def expire(contest_id: int, user_id: int, now: datetime) -> bool:
    """Mark a pending claim passed on if its deadline has come; False if it is no longer
    pending (claimed just in time, handed over, passed on already) or not yet due."""
    pending_and_due = (WinnerClaim.state == ClaimState.pending.value) & (
        WinnerClaim.deadline <= now
    )
    return await _move(contest_id, user_id, ClaimState.passed_on, now, pending_and_due)


async def claim(contest_id: int, user_id: int, now: datetime | None = None) -> Claim:
    """A winner presses Claim: pending → claimed if before the deadline.

    Pressing again is harmless (the claim is returned as it is); a claim that passed on
    or a user who is not a winner get `ValidationError` / `NotFoundError`.
    """
    now = now or datetime.now(UTC)
    in_time = (WinnerClaim.state == ClaimState.pending.value) & (WinnerClaim.deadline > now)
    await _move(contest_id, user_id, ClaimState.claimed, now, in_time)
    found = await of_winner(contest_id, user_id)
    if found is None:
        raise NotFoundError(f"user {user_id} is not a winner of contest {contest_id}")
    if found.state is ClaimState.pending:
        raise ValidationError(f"the claim deadline of contest {contest_id} has passed")
    if found.state in (ClaimState.passed_on, ClaimState.replaced):
        raise ValidationError(f"the prize of contest {contest_id} has passed to someone else")
    return found


async def hand_over(contest_id: int, user_id: int, actor_id: int) -> Claim:
    """The organizer marks a winner's prize handed over (once; again is harmless)."""
    now = datetime.now(UTC)
    handable = WinnerClaim.state.is_in([state.value for state in HANDABLE])
    async with transaction():
        if await _move(contest_id, user_id, ClaimState.handed_over, now, handable):
            await audit.record(HANDED_OVER, contest_id, actor_id, user_id=user_id)
    found = await of_winner(contest_id, user_id)
    if found is None:
        raise NotFoundError(f"user {user_id} is not a winner of contest {contest_id}")
    if found.state is not ClaimState.handed_over:
        raise ValidationError(
            f"the prize of user {user_id} cannot be handed over: it is {found.state.value}"
        )
    return found


async def of_winner(contest_id: int, user_id: int) -> Claim | None:
    row = (
        await WinnerClaim.select()
        .where((WinnerClaim.contest == contest_id) & (WinnerClaim.user_id == user_id))
        .first()
    )
    return None if row is None else _claim(row)


async def of_contest(contest_id: int) -> list[Claim]:
    """Every claim of a contest, in the order people became winners."""
    rows = (
        await WinnerClaim.select()
        .where(WinnerClaim.contest == contest_id)
        .order_by(WinnerClaim.created_at)
        .order_by(WinnerClaim.id)
    )
    return [_claim(row) for row in rows]


async def overdue(now: datetime) -> list[int]:
    """Contests with a pending claim whose deadline has come."""
    rows = await WinnerClaim.select(WinnerClaim.contest).where(
        (WinnerClaim.state == ClaimState.pending.value) & (WinnerClaim.deadline <= now)
    )
    return sorted({row["contest"] for row in rows})


async def overdue_in(contest_id: int, now: datetime) -> list[int]:
    """The winners of a contest whose pending claim's deadline has come, earliest first."""
    rows = (
        await WinnerClaim.select(WinnerClaim.user_id)
        .where(
            (WinnerClaim.contest == contest_id)
            & (WinnerClaim.state == ClaimState.pending.value)
            & (WinnerClaim.deadline <= now)
        )
        .order_by(WinnerClaim.deadline)
    )
    return [row["user_id"] for row in rows]


async def unannounced() -> list[int]:
    """Finished contests with a winner whose results have not gone out yet."""
    rows = await WinnerClaim.select(WinnerClaim.contest).where(
        (WinnerClaim.announced == False)  # noqa: E712 (a column comparison)
        & WinnerClaim.state.is_in([state.value for state in HOLDING])
        & (WinnerClaim.contest.status == "finished")
    )
    return sorted({row["contest"] for row in rows})


async def mark_announced(contest_id: int, user_ids: list[int]) -> None:
    """The results naming these winners went out (the channel and the outbox)."""
    await WinnerClaim.update({WinnerClaim.announced: True}).where(
        (WinnerClaim.contest == contest_id) & WinnerClaim.user_id.is_in(user_ids or [0])
    )
