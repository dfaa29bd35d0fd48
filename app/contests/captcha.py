"""The captcha's challenges (who is asked: `app.telegram.gate`, by the contest's
`rules.CaptchaMode`).

Two parts, chosen for Telegram's WebView and for the bot's chat (see the README's
anti-fraud section for what each can and cannot catch):
- a picture question, everywhere: "tap the <name>" among `OPTIONS` emoji in random
  order. The answer stays on the server (`app.db.captchas`): the buttons carry only the
  challenge's random token and a position, so nothing in them tells which is right, and
  every wrong answer replaces the challenge (one guess per question).
- proof of work, in the Mini App: an ALTCHA challenge (the `altcha` library, solved in
  the browser by `altcha-lib`, no third-party service): the server picks a counter below
  `work` and the browser must find it by hashing, about `work / 2` SHA-256 hashes; it is
  signed with a key derived from the bot token, expires with the question, and is bound
  to its token, so it cannot be reused for another question or user.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import altcha

PICTURES: dict[str, str] = {
    "apple": "🍎",
    "cat": "🐱",
    "car": "🚗",
    "moon": "🌙",
    "star": "⭐",
    "key": "🔑",
    "balloon": "🎈",
    "fish": "🐟",
    "umbrella": "☂️",
    "banana": "🍌",
    "dog": "🐶",
    "bicycle": "🚲",
    "bell": "🔔",
    "gift": "🎁",
    "house": "🏠",
    "flower": "🌸",
}
"""Pictures with one obvious name each (screen readers announce the emoji by it too)."""
OPTIONS = 6
WORK_ALGORITHM = "SHA-256"


@dataclass(frozen=True, slots=True)
class Question:
    """Picture names in the order shown, and the position of the one asked for."""

    options: tuple[str, ...]
    answer: int

    @property
    def asked(self) -> str:
        return self.options[self.answer]


def new_question() -> Question:
    rng = secrets.SystemRandom()
    options = tuple(rng.sample(sorted(PICTURES), OPTIONS))
    return Question(options, rng.randrange(OPTIONS))


def new_token() -> str:
    """A challenge's name: unguessable, short enough for callback data."""
    return secrets.token_urlsafe(12)


def work_key(bot_token: str) -> bytes:
    return hmac.new(b"contest-bot captcha", bot_token.encode(), hashlib.sha256).digest()


def work_challenge(key: bytes, token: str, work: int, expires_at: datetime) -> dict:
    """A signed ALTCHA v2 challenge for `token`, as JSON for the browser."""
    challenge = altcha.create_challenge(
        WORK_ALGORITHM,
        1,
        counter=secrets.randbelow(work),
        expires_at=expires_at,
        data={"token": token},
        hmac_secret=key,
    )
    return challenge.to_dict()


def work_done(key: bytes, token: str, payload: str) -> bool:
    """Whether `payload` (base64 JSON of challenge and solution, as ALTCHA sends it)
    solves a challenge this server signed for `token` that has not expired."""
    result = altcha.verify_solution(payload, key)
    if not result.verified:
        return False
    parsed = altcha.Payload.from_base64(payload)
    return (parsed.challenge.parameters.data or {}).get("token") == token
