"""The answer to a join from the Mini App: status, count, missing channels and a message.

The message is the bot's own answer to the Participate button (`bot.join_*` texts in
`app.locales`, plain text), in the user's language, so both ways of joining say the
same thing. A join that needs the captcha carries the question (the pictures with their
names, and the proof-of-work challenge).
"""

from __future__ import annotations

import math
from functools import partial

from app.api.schemas import CaptchaOption, CaptchaQuestion, JoinAnswer
from app.api.views import channel_link
from app.contests.captcha import PICTURES
from app.contests.channels import ChannelRef
from app.db.captchas import Pending
from app.db.participants import JoinResult, JoinStatus
from app.locales import text
from app.telegram import joining

TEXT_KEYS: dict[JoinStatus, str] = {
    JoinStatus.joined: "bot.join_joined",
    JoinStatus.already_joined: "bot.join_already_joined",
    JoinStatus.conditions_missing: "bot.join_missing",
    JoinStatus.undecided: "bot.join_undecided",
    JoinStatus.not_open: "bot.join_not_open",
    JoinStatus.full: "bot.join_full",
    JoinStatus.not_eligible: "bot.join_not_eligible",
    JoinStatus.captcha_required: "bot.captcha_question",
    JoinStatus.captcha_failed: "bot.captcha_again",
    JoinStatus.rate_limited: "bot.join_rate_limited",
}


def join_answer(
    result: JoinResult,
    required: list[ChannelRef],
    count: int,
    language: str,
    *,
    title: str = "",
    question: Pending | None = None,
    work: dict | None = None,
) -> JoinAnswer:
    """`count` is the current participant count (a refused join's result carries 0);
    `question` the captcha asked (with `work`, its proof-of-work challenge)."""
    by_key = {f"channel:{ref.chat_id}": ref for ref in required}
    missing = [by_key[item.condition] for item in result.missing if item.condition in by_key]
    names = ", ".join(ref.name for ref in missing)
    picture = text(language, f"bot.picture_{question.question.asked}") if question else ""
    seconds = math.ceil(result.retry_after)
    if result.status is JoinStatus.not_eligible:
        message = joining.refusal_message(result, required, partial(text, language))
    else:
        message = text(
            language,
            TEXT_KEYS[result.status],
            count=count,
            channels=names,
            title=title,
            picture=picture,
            seconds=seconds,
        )
    return JoinAnswer(
        status=result.status.value,  # type: ignore[arg-type]
        participant_count=count,
        missing=[channel_link(ref) for ref in missing],
        message=message,
        captcha=_question(question, work, language) if question else None,
        retry_after=seconds,
    )


def _question(question: Pending, work: dict | None, language: str) -> CaptchaQuestion:
    return CaptchaQuestion(
        token=question.token,
        options=[
            CaptchaOption(emoji=PICTURES[name], label=text(language, f"bot.picture_{name}"))
            for name in question.question.options
        ],
        work=work,
    )
