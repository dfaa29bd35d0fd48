"""Organizers' exclusions of entries before the draw, with their reason, and undoing them.

An exclusion can be made or undone only while the contest takes entries (status active):
the draw's freeze copies them into the draw row (`for_draw`), where they are published in
the proof's disqualification list with the code `proof.ORGANIZER`, fixed before anyone
can know the beacon. Adding one locks the contest row as a join does, so it is either in
the frozen draw or refused because the contest has closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.contests import proof as proofs
from app.contests import rules
from app.contests.lifecycle import Status
from app.db import audit, participants
from app.db.engine import is_sqlite, transaction
from app.db.tables import Contest, EntryExclusion
from app.errors import TransitionError, ValidationError

EXCLUDE = "exclude_entry"
UNDO = "include_entry"


@dataclass(frozen=True, slots=True)
class Excluded:
    user_id: int
    reason: str
    actor_id: int
    at: datetime


async def _lock_active(contest_id: int) -> None:
    """Hold the contest row while it is active (PostgreSQL; SQLite's write lock already
    is held by the transaction), else refuse: the draw has begun."""
    query = Contest.select(Contest.id).where(
        (Contest.id == contest_id) & (Contest.status == Status.active.value)
    )
    if not is_sqlite():
        query = query.lock_rows("UPDATE")
    if not await query:
        raise TransitionError(
            f"contest {contest_id} no longer takes entries: exclusions are made before the draw"
        )


async def exclude(contest_id: int, user_ids: list[int], reason: str, actor_id: int) -> int:
    """Exclude entries of an active contest with the organizer's reason; returns how many
    were newly excluded (entries already excluded keep their first reason)."""
    reason = rules.check_reason(reason, what="an exclusion")
    if not 1 <= len(user_ids) <= rules.EXCLUDE_AT_ONCE_MAX:
        raise ValidationError(f"name 1 to {rules.EXCLUDE_AT_ONCE_MAX} entries to exclude")
    async with transaction():
        await _lock_active(contest_id)
        entered = await participants.entered(contest_id, user_ids)
        missing = [u for u in user_ids if u not in entered]
        if missing:
            raise ValidationError(f"not entries of contest {contest_id}: {missing[:10]}")
        inserted = (
            await EntryExclusion.insert(
                *(
                    EntryExclusion(contest=contest_id, user_id=u, reason=reason, actor_id=actor_id)
                    for u in dict.fromkeys(user_ids)
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(EntryExclusion.user_id)
        )
        added = [row["user_id"] for row in inserted]
        if added:
            await audit.record(EXCLUDE, contest_id, actor_id, users=added, reason=reason)
    return len(added)


async def undo(contest_id: int, user_id: int, actor_id: int) -> bool:
    """Take an exclusion back (while the contest is active); False if there was none."""
    async with transaction():
        await _lock_active(contest_id)
        deleted = (
            await EntryExclusion.delete()
            .where((EntryExclusion.contest == contest_id) & (EntryExclusion.user_id == user_id))
            .returning(EntryExclusion.user_id)
        )
        if deleted:
            await audit.record(UNDO, contest_id, actor_id, users=[user_id])
    return bool(deleted)


async def of_contest(
    contest_id: int, user_ids: list[int] | None = None, newest: int | None = None
) -> dict[int, Excluded]:
    """A contest's exclusions: all, those of `user_ids`, or the `newest` few."""
    query = EntryExclusion.select().where(EntryExclusion.contest == contest_id)
    if user_ids is not None:
        if not user_ids:
            return {}
        query = query.where(EntryExclusion.user_id.is_in(user_ids))
    if newest is not None:
        query = query.order_by(EntryExclusion.id, ascending=False).limit(newest)
    rows = await query
    return {
        row["user_id"]: Excluded(row["user_id"], row["reason"], row["actor_id"], row["created_at"])
        for row in rows
    }


async def for_draw(contest_id: int) -> list[proofs.Exclusion]:
    """The exclusions the draw starts from, as the proof lists them (by user id)."""
    found = await of_contest(contest_id)
    return [
        proofs.Exclusion(
            user_id,
            item.reason,
            item.at.astimezone(UTC).isoformat(timespec="seconds"),
            proofs.ORGANIZER,
        )
        for user_id, item in sorted(found.items())
    ]
