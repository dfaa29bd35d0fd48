"""The reason an organizer types for a re-draw or an exclusion (`app.bot.reasons`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import Chat, Message

from app.bot import reasons
from app.contests import rules


def _typed(text: str | None) -> Message:
    return Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=1, type="private"), text=text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("  left the channel  ", "left the channel"),
        ("x" * rules.REASON_MAX, "x" * rules.REASON_MAX),
        ("", None),
        ("   ", None),
        (None, None),
        ("/cancel", None),
        ("x" * (rules.REASON_MAX + 1), None),
    ],
)
def test_typed_reason(text: str | None, reason: str | None) -> None:
    assert reasons.typed_in(_typed(text)) == reason
