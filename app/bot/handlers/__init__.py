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


def _detached(router: Router) -> Router:
    """The router, freed from a dispatcher built earlier in this process.

    aiogram routers attach to one parent; tests (and a restart inside `dev`) build a new
    dispatcher per run, which takes the feature routers over from the previous one.
    """
    parent = router.parent_router
    if parent is not None:
        parent.sub_routers.remove(router)
        router._parent_router = None
    return router


def get_routers() -> list[Router]:
    """The wizard first (its /cancel works in any state); the fallback last."""
    return [
        _detached(router)
        for router in (
            wizard.router,
            start.router,
            joining.router,
            members.router,
            mine.router,
            preferences.router,
            manage.router,
            redraw.router,
            fallback.router,
        )
    ]
