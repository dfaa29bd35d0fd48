"""The Litestar application: routes, auth, errors, metrics, OpenAPI, and the bot it uses.

The database engine is not started here: the role runner (`app.runtime`) starts it for
the process, and tests bind one with the `db` fixture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

from aiogram import Bot
from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ControllerRouterHandler

from app import redis_pool
from app.api import auth, dev
from app.api.card_cache import CardCache
from app.api.deps import DEPENDENCIES
from app.api.ops import OpsController
from app.api.organizer import OrganizerController
from app.api.participant import ParticipantController
from app.api.problems import EXCEPTION_HANDLERS
from app.api.public import PublicController
from app.api.review import ReviewController
from app.api.schemas import (
    CancelInput,
    CaptchaAnswer,
    ContestInput,
    ContestPatch,
    ExcludeInput,
    RedrawInput,
)
from app.config import Settings
from app.telegram.client import make_bot
from app.telegram.join_limits import JoinLimits
from app.telegram.member_cache import MemberCache, make_cache

MAX_BODY_BYTES = 64 * 1024
CLOSED_BODIES = (ContestInput, ContestPatch, CancelInput, RedrawInput, ExcludeInput, CaptchaAnswer)
METRICS = PrometheusConfig(
    app_name="contest_bot_api",
    prefix="contest_bot_api",
    group_path=True,
    exclude=["^/metrics$", "^/healthz$", "^/readyz$"],
    exclude_unhandled_paths=True,
)


def create_app(
    settings: Settings,
    *,
    bot: Bot | None = None,
    miniapp: Path | None = None,
    member_cache: MemberCache | None = None,
    join_limits: JoinLimits | None = None,
) -> Litestar:
    """The API for `settings`; a given `bot` is used (and left open), else one is made.

    `miniapp` is a Mini App build directory to serve at `/` (only `contest-bot dev`).
    `member_cache` is the bot's membership cache when both run in one process; else the
    API keeps its own, in Redis when configured (the one the bot processes share).
    `join_limits` likewise (per-user and per-contest limits on joins and captcha answers).
    """

    @asynccontextmanager
    async def telegram(app: Litestar) -> AsyncIterator[None]:
        own = bot is None
        app.state.bot = bot or make_bot(settings)
        redis = None
        if member_cache is None or join_limits is None:
            redis = redis_pool.connect(settings) if settings.redis_dsn else None
        if member_cache is None:
            app.state.member_cache = make_cache(redis)
        if join_limits is None:
            app.state.join_limits = JoinLimits(settings, redis)
        try:
            yield
        finally:
            if own:
                await app.state.bot.session.close()
            if redis is not None:
                await redis.aclose()

    handlers: list[ControllerRouterHandler] = [
        OpsController,
        PublicController,
        ParticipantController,
        OrganizerController,
        ReviewController,
    ]
    if settings.dev_login:
        handlers.append(dev.DevLoginController)
    if miniapp is not None:
        handlers.append(dev.miniapp_router(miniapp))

    app = Litestar(
        route_handlers=handlers,
        state=State(
            {
                "settings": settings,
                "card_cache": CardCache(settings.card_cache_seconds),
                "member_cache": member_cache,
                "join_limits": join_limits,
            }
        ),
        lifespan=[telegram],
        dependencies=DEPENDENCIES,
        middleware=[METRICS.middleware, auth.middleware()],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="Contest Bot API",
            version=version("contest-bot"),
            description="The Mini App API. Authenticate with `Authorization: tma <initData>`.",
            path="/schema",
            components=[auth.SECURITY_COMPONENTS],
            render_plugins=[SwaggerRenderPlugin(), RedocRenderPlugin()],
        ),
        # keep the process's logging (app.logs: JSON lines, secrets scrubbed); Litestar's
        # default config would replace the root handlers
        logging_config=None,
        debug=False,
    )
    _document_closed_bodies(app)
    return app


def _document_closed_bodies(app: Litestar) -> None:
    """Say in the schema that request bodies reject unknown fields, as msgspec does."""
    components = app.openapi_schema.components.schemas or {}
    for struct in CLOSED_BODIES:
        components[struct.__name__].additional_properties = False
