"""The bot's feature routers, in the order the dispatcher tries them."""

from __future__ import annotations

from aiogram import Router

from app.bot.handlers import (
    boosts,
    captcha,
    claims,
    fallback,
    joining,
    manage,
    members,
    mine,
    preferences,
    redraw,
    review,
    start,
    wizard,
)


def create_routers() -> list[Router]:
    """New feature routers for one dispatcher (tests and `dev` build several per process).

    Joining first, the wizard next (its /cancel works in any state), the fallback last.
    A Participate press is the hot path of a giveaway: first in line, its one async
    filter decides it, before the wizard's state filters, which aiogram (being plain
    callables) runs in a thread each.
    """
    features = (
        joining,
        captcha,
        members,
        boosts,
        wizard,
        start,
        mine,
        claims,
        preferences,
        manage,
        redraw,
        review,
        fallback,
    )
    return [feature.create_router() for feature in features]
