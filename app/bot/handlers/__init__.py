"""The bot's feature routers, in the order the dispatcher tries them."""

from __future__ import annotations

from aiogram import Router

from app.bot.handlers import (
    fallback,
    joining,
    manage,
    members,
    mine,
    preferences,
    redraw,
    start,
    wizard,
)


def create_routers() -> list[Router]:
    """New feature routers for one dispatcher (tests and `dev` build several per process).

    The wizard first (its /cancel works in any state); the fallback last.
    """
    features = (wizard, start, joining, members, mine, preferences, manage, redraw, fallback)
    return [feature.create_router() for feature in features]
