"""What stands in front of a join: the per-user / per-contest limits and the captcha.

`joining.join` asks `admit` before it does any work: a press over the limits is refused
with one Redis round trip, and a join the contest's captcha mode asks a question of
stops there (nothing recorded). With the captcha off this costs nothing beyond the
limits: the mode is a column of the contest row the join reads anyway.
`solve` judges an answer: a right one lets the pending join through (recorded by
`joining.join` like any other), a wrong or expired one gets a new question; answers are
limited per user and per contest like joins.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import User

from app.config import Settings
from app.contests import captcha
from app.contests.lifecycle import Status
from app.db import captchas, participants, suspicion
from app.db.captchas import Outcome, Pending
from app.db.participants import JoinResult, JoinStatus
from app.db.tables import Contest
from app.telegram.join_limits import JoinLimits, Limit

WORK_SOURCES = frozenset({"miniapp"})
"""Where a question also needs the proof of work (the browser can do it, a chat cannot)."""


async def refused(
    limits: JoinLimits | None, limit: Limit, contest_id: int, user_id: int
) -> JoinResult | None:
    """A `rate_limited` result when the press is over a limit."""
    if limits is None:
        return None
    refusal = await limits.check(limit, contest_id, user_id)
    if refusal is None:
        return None
    return JoinResult(JoinStatus.rate_limited, retry_after=refusal.retry_after)


async def needs_question(contest: Contest, user: User, referrer: int | None = None) -> bool:
    """Whether this join must pass the captcha first (never for someone already in, or
    who passed it in this contest, nor when the contest takes no entries: that answer
    comes first). "suspicious" asks `app.db.suspicion.at_join`: the account's signals and
    the referrer's recent entries, flagged at `suspicion.FLAG_SCORE`."""
    if contest.captcha_mode == "off" or contest.status != Status.active.value:
        return False
    if await participants.is_participant(contest.id, user.id) or await captchas.passed(
        contest.id, user.id
    ):
        return False
    if contest.captcha_mode == "everyone":
        return True
    assessment = await suspicion.at_join(contest.id, user.id, user.username, referrer)
    return assessment.flagged


async def ask(
    settings: Settings, contest_id: int, user_id: int, source: str, referrer: int | None = None
) -> Pending:
    """A question for this join; the pending join keeps where it came from (`source`,
    `referrer`) for when the answer lets it through."""
    return await captchas.issue(contest_id, user_id, source, settings.captcha_seconds, referrer)


def work_for(settings: Settings, pending: Pending) -> dict | None:
    """The proof-of-work challenge of a question asked in the Mini App."""
    if pending.source not in WORK_SOURCES:
        return None
    key = captcha.work_key(settings.bot_token.get_secret_value())
    return captcha.work_challenge(key, pending.token, settings.captcha_work, pending.expires_at)


@dataclass(frozen=True, slots=True)
class Answer:
    """How an answer went: `outcome`; the contest; a new question after a wrong or
    expired one; `refused` when the user answered too often."""

    outcome: Outcome
    contest_id: int = 0
    source: str = "bot"
    referrer: int | None = None
    next_question: Pending | None = None
    refused: JoinResult | None = None


async def solve(
    settings: Settings,
    limits: JoinLimits | None,
    token: str,
    user_id: int,
    choice: int,
    work: str | None = None,
) -> Answer:
    """Judge one answer; the caller joins on `Outcome.passed` (`joining.join(...,
    captcha_passed=True)`)."""
    row = await captchas.pending(token, user_id)
    if row is None:
        return Answer(Outcome.unknown)
    over = await refused(limits, Limit.captcha, row.contest_id, user_id)
    if over is not None:
        return Answer(Outcome.wrong, row.contest_id, row.source, refused=over)
    if row.source in WORK_SOURCES and row.passed_at is None:
        key = captcha.work_key(settings.bot_token.get_secret_value())
        if not work or not captcha.work_done(key, token, work):
            choice = -1  # no valid proof of work: judged as a wrong answer
    outcome = await captchas.answer(row, choice)
    if outcome is Outcome.passed:
        return Answer(outcome, row.contest_id, row.source, row.referrer_id)
    again = await ask(settings, row.contest_id, user_id, row.source, row.referrer_id)
    return Answer(outcome, row.contest_id, row.source, row.referrer_id, next_question=again)
