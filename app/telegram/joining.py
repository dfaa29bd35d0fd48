"""The join flow shared by the bot's Participate button and the Mini App.

Remember the user, check every required channel, record the entry, and kick the
background work a join can cause: a throttled refresh of the button counters, and the
draw when the participant limit was reached. A check Telegram could not answer is
reported to the organizer on the contest (once per distinct reason).
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import User

from app.db import contests, participants, users
from app.db.participants import JoinResult, JoinStatus
from app.telegram import background
from app.telegram.member_cache import MemberCache
from app.telegram.membership import subscription_conditions


async def join(
    bot: Bot,
    contest_id: int,
    user: User,
    source: str,
    default_language: str = "en",
    cache: MemberCache | None = None,
) -> JoinResult:
    await users.remember(
        user.id, user.first_name, user.username, user.language_code, default_language
    )
    contest = await contests.get(contest_id)
    required = await contests.channels_for_joining(contest)
    result = await participants.join(
        contest_id, user.id, subscription_conditions(bot, required, cache), source, contest
    )
    if result.status is JoinStatus.undecided:
        reasons = "; ".join(sorted({r.reason for r in result.undecided}))
        message = f"subscription checks fail: {reasons}"
        if contest.last_error != message:
            await contests.record_error(contest_id, message)
    if result.closed_contest:
        await background.queue().draw(contest_id)
    if result.status is JoinStatus.joined:
        await background.queue().refresh_counter(contest_id)
    return result
