"""Where extra draw tickets come from: referrals and boosts (`app.contests.rules.tickets`).

A referral is stored when the invitee's entry is (`participants.join`), once per invitee
and only for a referrer who is a participant; a boost count when a participant's boosts
were last asked. Both are decided again at the freeze (`app.db.draws.freeze`), where
the tickets are written into the frozen list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from app.contests import rules
from app.db.tables import Boost, Contest, Participant, Referral


async def refer(contest_id: int, referrer_id: int, invitee_id: int) -> bool:
    """Record that `referrer_id`'s link brought `invitee_id` (a new participant) in.

    Ignored for oneself, for a referrer who is not a participant, and for an invitee who
    already has a referrer. Returns whether it was recorded.
    """
    if referrer_id == invitee_id:
        return False
    referrer_joined = await Participant.exists().where(
        (Participant.contest == contest_id) & (Participant.user_id == referrer_id)
    )
    if not referrer_joined:
        return False
    inserted = (
        await Referral.insert(
            Referral(contest=contest_id, referrer_id=referrer_id, invitee_id=invitee_id)
        )
        .on_conflict(action="DO NOTHING")
        .returning(Referral.id)
    )
    return bool(inserted)


async def invitees(contest_id: int, referrer_id: int | None = None) -> dict[int, list[int]]:
    """Referrer -> the invitees their links brought in, oldest first."""
    query = Referral.select(Referral.referrer_id, Referral.invitee_id).where(
        Referral.contest == contest_id
    )
    if referrer_id is not None:
        query = query.where(Referral.referrer_id == referrer_id)
    found: dict[int, list[int]] = defaultdict(list)
    for row in await query.order_by(Referral.id):
        found[row["referrer_id"]].append(row["invitee_id"])
    return dict(found)


async def record_boosts(contest_id: int, user_id: int, count: int) -> None:
    """Remember how many active boosts a participant has (0 forgets them)."""
    if count <= 0:
        await Boost.delete().where((Boost.contest == contest_id) & (Boost.user_id == user_id))
        return
    row = Boost(contest=contest_id, user_id=user_id, count=count, checked_at=datetime.now(UTC))
    await Boost.insert(row).on_conflict(
        target=(Boost.contest, Boost.user_id),
        action="DO UPDATE",
        values=[Boost.count, Boost.checked_at],
    )


async def boosters(contest_id: int) -> dict[int, int]:
    """Participants with boosts on record -> how many."""
    rows = await Boost.select(Boost.user_id, Boost.count).where(Boost.contest == contest_id)
    return {row["user_id"]: row["count"] for row in rows}


@dataclass(frozen=True, slots=True)
class Tickets:
    """A participant's tickets as things stand (before the freeze decides them)."""

    referrals: int  # invitees who joined
    boosts: int  # active boosts when last asked
    total: int  # what the draw would give: `rules.tickets`


async def of(contest: Contest, user_id: int) -> Tickets:
    referrals = await Referral.count().where(
        (Referral.contest == contest.id) & (Referral.referrer_id == user_id)
    )
    rows = await Boost.select(Boost.count).where(
        (Boost.contest == contest.id) & (Boost.user_id == user_id)
    )
    boosts = rows[0]["count"] if rows else 0
    total = rules.tickets(
        contest.ticket_mode, referrals, boosts, contest.referral_cap, contest.boost_cap
    )
    return Tickets(referrals, boosts, total)
