"""Where extra draw tickets come from: referrals and boosts (`app.contests.rules.tickets`).

A referral is stored when the invitee's entry is (`participants.join`), once per invitee
and only for a referrer who is a participant; a boost count when a participant's boosts
were last asked. Both are decided again at the freeze (`app.db.draws.freeze`), where
the tickets are written into the frozen list.
"""

from __future__ import annotations

import logging
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from app.contests import rules
from app.contests.frozen import FrozenList
from app.db.tables import Boost, Contest, Participant, Publication, Referral

log = logging.getLogger(__name__)

StillPasses = Callable[[int], Awaitable[bool]]
"""Whether an invitee still passes every check at the freeze (raises
`FinalCheckUndecided` when Telegram cannot tell)."""
ActiveBoosts = Callable[[int], Awaitable[int]]
"""How many active boosts of the contest's channels a participant has now (raises
`FinalCheckUndecided` when Telegram cannot tell)."""


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


async def boost_contests(chat_id: int, user_id: int) -> list[Contest]:
    """Running contests published in `chat_id` that give boost tickets and that `user_id`
    has entered: the ones a boost of that chat by that user changes."""
    boosting = [mode for mode in rules.TICKET_MODES if rules.counts_boosts(mode)]
    published = Publication.select(Publication.contest).where(Publication.chat_id == chat_id)
    entered = Participant.select(Participant.contest).where(Participant.user_id == user_id)
    return await Contest.objects().where(
        (Contest.status == "active")
        & Contest.ticket_mode.is_in(boosting)
        & Contest.id.is_in(published)
        & Contest.id.is_in(entered)
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


async def decide(
    contest: Contest,
    listed: FrozenList,
    excluded: Collection[int],
    still_passes: StillPasses | None = None,
    active_boosts: ActiveBoosts | None = None,
) -> array[int]:
    """Every listed participant's tickets, in list order, decided at the freeze.

    A referral counts when the invitee is in the frozen list, not excluded by the
    organizer, and (with `still_passes`) still passes every check; a referrer's invitees
    are checked oldest first until the cap is reached. Boosts on record are asked again
    (`active_boosts`); without it the recorded count stands. Only referrers and boosters
    on record cost a question to Telegram.
    """
    mode = contest.ticket_mode
    referrals: dict[int, int] = defaultdict(int)
    if rules.counts_referrals(mode):
        for referrer, people in (await invitees(contest.id)).items():
            if referrer not in listed or referrer in excluded:
                continue
            for invitee in people:
                if referrals[referrer] >= contest.referral_cap:
                    break
                if invitee not in listed or invitee in excluded:
                    continue
                if still_passes is None or await still_passes(invitee):
                    referrals[referrer] += 1
    boosts: dict[int, int] = {}
    if rules.counts_boosts(mode):
        for user_id, recorded in (await boosters(contest.id)).items():
            if user_id in listed and user_id not in excluded:
                if active_boosts is not None:
                    recorded = await active_boosts(user_id)
                boosts[user_id] = recorded
    counts = array("q", [1]) * len(listed)
    for user_id in referrals.keys() | boosts.keys():
        counts[bisect_left(listed.ids, user_id)] = rules.tickets(
            mode,
            referrals.get(user_id, 0),
            boosts.get(user_id, 0),
            contest.referral_cap,
            contest.boost_cap,
        )
    log.info(
        "contest %s: tickets decided: %d referrers, %d boosters counted",
        contest.id,
        len(referrals),
        len(boosts),
    )
    return counts
