"""Captcha challenges waiting for an answer: the pending joins of `app.contests.captcha`.

A row per contest and user. Issuing replaces the user's earlier question in that
contest (its token stops working); a right answer marks the row passed, which is what
lets the join through, so a crash between the answer and the join loses nothing: the
next press (or Telegram's redelivery of the same update) finds the row passed and joins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from app.contests.captcha import Question, new_question, new_token
from app.contests.lifecycle import Status
from app.db.tables import CaptchaChallenge, Contest


class Outcome(StrEnum):
    passed = "passed"
    wrong = "wrong"
    expired = "expired"
    unknown = "unknown"
    """No such token for this user (replaced, forged, or someone else's)."""


@dataclass(frozen=True, slots=True)
class Pending:
    token: str
    contest_id: int
    source: str
    referrer: int | None
    question: Question
    expires_at: datetime


def _key(contest_id: int, user_id: int) -> str:
    return f"{contest_id}:{user_id}"


async def passed(contest_id: int, user_id: int) -> bool:
    return await CaptchaChallenge.exists().where(
        (CaptchaChallenge.key == _key(contest_id, user_id))
        & CaptchaChallenge.passed_at.is_not_null()
    )


async def issue(
    contest_id: int, user_id: int, source: str, seconds: int, referrer: int | None = None
) -> Pending:
    """A new question for the user's join in the contest (replacing any earlier one)."""
    question, token = new_question(), new_token()
    expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
    row = CaptchaChallenge(
        key=_key(contest_id, user_id),
        contest_id=contest_id,
        user_id=user_id,
        token=token,
        source=source,
        referrer_id=referrer,
        options=list(question.options),
        answer=question.answer,
        expires_at=expires_at,
        passed_at=None,
    )
    await CaptchaChallenge.insert(row).on_conflict(
        target=CaptchaChallenge.key,
        action="DO UPDATE",
        values=[
            CaptchaChallenge.token,
            CaptchaChallenge.source,
            CaptchaChallenge.referrer_id,
            CaptchaChallenge.options,
            CaptchaChallenge.answer,
            CaptchaChallenge.expires_at,
            CaptchaChallenge.passed_at,
        ],
    )
    return Pending(token, contest_id, source, referrer, question, expires_at)


async def pending(token: str, user_id: int) -> CaptchaChallenge | None:
    return await CaptchaChallenge.objects().get(
        (CaptchaChallenge.token == token) & (CaptchaChallenge.user_id == user_id)
    )


async def answer(row: CaptchaChallenge, choice: int) -> Outcome:
    """Judge one answer to `row` (from `pending`); right ones mark it passed (for good)."""
    if row.passed_at is not None:
        return Outcome.passed  # the same answer again, e.g. a redelivered update
    if row.expires_at < datetime.now(UTC):
        return Outcome.expired
    if choice != row.answer:
        return Outcome.wrong
    await CaptchaChallenge.update({CaptchaChallenge.passed_at: datetime.now(UTC)}).where(
        CaptchaChallenge.id == row.id
    )
    return Outcome.passed


STILL_JOINABLE = (Status.draft, Status.scheduled, Status.active)
"""Contests whose challenges may still let someone in."""


async def forget_closed() -> int:
    """Delete the challenges of contests that take no more entries (drawing, finished,
    cancelled, deleted): no answer can let anyone in there any more. Returns how many."""
    joinable = Contest.select(Contest.id).where(
        Contest.status.is_in([status.value for status in STILL_JOINABLE])
    )
    removed = (
        await CaptchaChallenge.delete()
        .where(CaptchaChallenge.contest_id.not_in(joinable))
        .returning(CaptchaChallenge.id)
    )
    return len(removed)
