"""The join flow shared by the bot's Participate button and the Mini App.

Pass the gate (`app.telegram.gate`: the rate limits, then the contest's captcha mode),
remember the user, check every required channel, record the entry, and kick the
background work a join can cause: a throttled refresh of the button counters, and the
draw when the participant limit was reached. A check Telegram could not answer is
reported to the organizer on the contest (once per distinct reason).

The contest's eligibility rules (Premium only, new subscribers only) are conditions
checked with the channels; someone subscribed to every channel whom a rule keeps out gets
`not_eligible` and `refusal_message` saying which rule, in both the bot and the Mini App.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from aiogram import Bot
from aiogram.types import User

from app.contests.channels import ChannelRef
from app.contests.conditions import Condition, PremiumAccount
from app.contests.subscriptions import SUBSCRIBED_BEFORE, NewSubscription
from app.db import contests, participants, users
from app.db.memberships import RecordedHistory
from app.db.participants import JoinResult, JoinStatus
from app.db.tables import Contest
from app.errors import ContestChanged
from app.telegram import background, boosts, gate
from app.telegram.join_limits import JoinLimits, Limit
from app.telegram.member_cache import MemberCache
from app.telegram.membership import subscription_conditions

CHANGED_RETRIES = 3


async def join(
    bot: Bot,
    contest_id: int,
    user: User,
    source: str,
    default_language: str = "en",
    cache: MemberCache | None = None,
    *,
    limits: JoinLimits | None = None,
    captcha_passed: bool = False,
    referrer: int | None = None,
) -> JoinResult:
    """`captcha_passed`: the user just answered this contest's captcha (`gate.solve`);
    `referrer`: the participant whose link brought the user (recorded with the entry).

    Unless the limits refuse the press, the user is remembered (`users.remember`) on
    the way — for a join that gets as far as the entry, in the entry's own statement —
    and the result carries the stored user (`JoinResult.person`: their language).
    """
    over = await gate.refused(limits, Limit.join, contest_id, user.id)
    if over is not None:
        return over
    person = users.profile(
        user.id, user.first_name, user.username, user.language_code, default_language
    )
    for _ in range(CHANGED_RETRIES):
        contest = await contests.for_joining(contest_id)
        if not captcha_passed and await gate.needs_question(contest, user, referrer):
            stored = await users.remember_profile(person)
            return JoinResult(JoinStatus.captcha_required, contest.participant_count, person=stored)
        required = await contests.channels_for_joining(contest)
        conditions = subscription_conditions(bot, required, cache)
        conditions += rule_conditions(contest, user, required)
        try:
            result = await participants.join(
                contest_id, user.id, conditions, source, contest, referrer, person
            )
            break
        except ContestChanged:  # edited since the row was read: check against the new one
            contests.forget_for_joining(contest_id)
    else:
        raise ContestChanged(f"contest {contest_id} kept changing during a join")
    if result.status is JoinStatus.conditions_missing and not any(
        item.condition.startswith("channel:") for item in result.missing
    ):
        result = replace(result, status=JoinStatus.not_eligible)
    if result.status is JoinStatus.undecided:
        reasons = "; ".join(sorted({r.reason for r in result.undecided}))
        message = f"subscription checks fail: {reasons}"
        if contest.last_error != message:
            await contests.record_error(contest_id, message)
    if result.closed_contest:
        await background.queue().draw(contest_id)
    if result.status is JoinStatus.joined:
        await background.queue().refresh_counter(contest_id)
    if result.is_participant:  # pressing again after boosting counts the new boosts
        await boosts.refresh(bot, contest, user.id)
    return result


def rule_conditions(contest: Contest, user: User, required: list[ChannelRef]) -> list[Condition]:
    """The contest's eligibility rules as join conditions (`app.contests.rules`)."""
    conditions: list[Condition] = []
    if contest.premium_only:
        conditions.append(PremiumAccount(bool(user.is_premium)))
    if contest.new_subscribers != "off" and contest.published_at is not None:
        allow_unknown = contest.new_subscribers == "unknown_allowed"
        history = RecordedHistory()
        conditions += [
            NewSubscription(ref.chat_id, contest.published_at, history, allow_unknown)
            for ref in required
        ]
    return conditions


def refusal_message(result: JoinResult, required: list[ChannelRef], say: Callable[..., str]) -> str:
    """Why a `not_eligible` join was refused, in the words of `say` (a text lookup taking
    a key and its parameters: the bot's `Texts`, or the API's text in one language)."""
    parts = [say(key, channels=names) for key, names in _refusals(result, required)]
    return " ".join(parts) or say("bot.join_not_eligible")


def _refusals(result: JoinResult, required: list[ChannelRef]) -> list[tuple[str, str]]:
    """(text key, channel names) per failed rule."""
    names = {f"new_subscriber:{ref.chat_id}": ref.name for ref in required}
    earlier = [names.get(r.condition, "") for r in result.missing if r.reason == SUBSCRIBED_BEFORE]
    unknown = [
        names.get(r.condition, "")
        for r in result.missing
        if r.condition.startswith("new_subscriber:") and r.reason != SUBSCRIBED_BEFORE
    ]
    texts = []
    if any(r.condition == PremiumAccount.key for r in result.missing):
        texts.append(("bot.join_premium_only", ""))
    if earlier:
        texts.append(("bot.join_not_new", ", ".join(earlier)))
    if unknown:
        texts.append(("bot.join_new_unknown", ", ".join(unknown)))
    return texts
