"""The membership history of required channels: who subscribed and who left, and when.

Written from Telegram's chat_member updates (`app.bot.handlers.members`) for channels
that are required by a contest not yet drawn or cancelled, since only those rules read
it (`app.contests.subscriptions`). A redelivered update is one row (`key`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from app.contests import proof as proofs
from app.contests.lifecycle import Status
from app.contests.subscriptions import Change, leave_after
from app.db import contests
from app.db.participants import utc_time
from app.db.tables import Contest, MembershipEvent, Participant, RequiredChannel

WATCHED = (Status.draft, Status.scheduled, Status.active, Status.drawing)
"""Contests whose required channels' memberships are recorded."""


async def is_watched(chat_id: int) -> bool:
    """Whether a chat is a required channel of a contest still to be drawn."""
    watching = Contest.select(Contest.id).where(Contest.status.is_in([s.value for s in WATCHED]))
    return await RequiredChannel.exists().where(
        (RequiredChannel.channel_id == chat_id) & RequiredChannel.contest.is_in(watching)
    )


async def record(
    chat_id: int, user_id: int, joined: bool, at: datetime, update_id: int | None = None
) -> bool:
    """Record a subscribe or leave of a watched channel (once); False for other chats.

    Times are kept to the second, as Telegram gives them. `update_id` tells a redelivered
    update (the same row) from a second change in the same second (another row)."""
    if not await is_watched(chat_id):
        return False
    at = at.astimezone(UTC).replace(microsecond=0)
    kind = "j" if joined else "l"
    key = f"{chat_id}:{user_id}:{int(at.timestamp())}:{kind}:{update_id or ''}"
    await MembershipEvent.insert(
        MembershipEvent(key=key, chat_id=chat_id, user_id=user_id, joined=joined, at=at)
    ).on_conflict(action="DO NOTHING")
    return True


async def changes_in(chat_ids: Iterable[int], user_id: int) -> dict[int, list[Change]]:
    """A person's recorded changes of each chat, oldest first."""
    wanted = list(chat_ids)
    found: dict[int, list[Change]] = {chat_id: [] for chat_id in wanted}
    if not wanted:
        return found
    rows = (
        await MembershipEvent.select(
            MembershipEvent.chat_id, MembershipEvent.joined, MembershipEvent.at
        )
        .where((MembershipEvent.user_id == user_id) & MembershipEvent.chat_id.is_in(wanted))
        .order_by(MembershipEvent.at)
        .order_by(MembershipEvent.id)
    )
    for row in rows:
        found[row["chat_id"]].append(Change(bool(row["joined"]), utc_time(row["at"])))
    return found


class RecordedHistory:
    """The `SubscriptionHistory` the join's "new subscribers only" check reads."""

    async def changes(self, chat_id: int, user_id: int) -> list[Change]:
        return (await changes_in([chat_id], user_id))[chat_id]


async def leaver_exclusion(
    contest_id: int, user_id: int, frozen_at: datetime
) -> proofs.Exclusion | None:
    """The participant's exclusion for leaving a required channel between their entry and
    the freeze (the earliest such leave; `at` is its time), or None."""
    entry = await Participant.select(Participant.joined_at).where(
        (Participant.contest == contest_id) & (Participant.user_id == user_id)
    )
    if not entry:
        return None
    required = {ref.chat_id: ref for ref in await contests.required_channels(contest_id)}
    entered_at = utc_time(entry[0]["joined_at"])
    leaves = [
        leave
        for chat_id, history in (await changes_in(required, user_id)).items()
        if (leave := leave_after(chat_id, history, entered_at, frozen_at))
    ]
    if not leaves:
        return None
    leave = min(leaves, key=lambda item: item.at)
    reason = f"left {required[leave.chat_id].name} at {_iso(leave.at)} after joining"
    if leave.rejoined_at is not None:
        reason += f" (re-joined at {_iso(leave.rejoined_at)}; re-joining does not count)"
    return proofs.Exclusion(user_id, reason, _iso(leave.at), proofs.LEFT_CHANNEL)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
