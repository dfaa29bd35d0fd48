"""Telegram people, channels and contests the browser scenarios start from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.api.init_data import dev_user
from tests.browser.stack import Stack

ORGANIZER_ID = 700_001
ORGANIZER = dev_user(ORGANIZER_ID, "Olga", "en")
CHANNEL_USERNAME = "prize_channel"
CHANNEL_TITLE = "Prize Channel"


def person(user_id: int, name: str = "Pavel", language: str = "en") -> dict[str, Any]:
    return dev_user(user_id, name, language)


def add_people(stack: Stack, *people: dict[str, Any]) -> None:
    for user in people:
        stack.emulator.create_user(
            user["id"], user["first_name"], username=user["username"], language_code="en"
        )


def prize_channel(stack: Stack) -> int:
    """A channel owned by the organizer, with the bot as its admin."""
    channel = stack.emulator.create_channel(
        CHANNEL_TITLE, username=CHANNEL_USERNAME, creator=ORGANIZER["id"]
    )
    stack.emulator.set_bot_admin(channel.id)
    return channel.id


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def published_contest(stack: Stack, **fields: Any) -> int:
    body = {"title": "Spring giveaway", "winnersCount": 1, "endsAt": in_days(2), **fields}
    card = await stack.call(ORGANIZER, "POST", "/api/organizer/contests", body)
    await stack.call(ORGANIZER, "POST", f"/api/organizer/contests/{card['id']}/publish")
    return card["id"]
