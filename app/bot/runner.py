"""The `bot` role: long polling (dev) or a webhook server (production).

Both start by reaching Telegram with getMe; if it cannot be reached, one clear line is
logged and the call is retried (the reconnect policy of `app.retries`) instead of
crashing the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import User
from redis.asyncio import Redis

from app import locales, redis_pool
from app.bot.dispatcher import create_dispatcher
from app.bot.webhook import make_app, start_server
from app.config import BotMode, Settings
from app.retries import RECONNECT, Policy, retrying
from app.telegram.client import make_bot
from app.telegram.limits import RateLimitMiddleware, make_limiter

log = logging.getLogger(__name__)
# aiogram logs every update at INFO; in a burst that is most of the log and of the CPU.
logging.getLogger("aiogram.event").setLevel(logging.WARNING)


async def reach_telegram(bot: Bot, *, policy: Policy = RECONNECT) -> User:
    """getMe until it answers; logs once per failure streak."""
    warned = False

    def notice(exc: Exception, _attempt: int) -> None:
        nonlocal warned
        if not warned:
            log.warning(
                "Telegram is unreachable (%s); retrying with backoff up to %.0f s",
                exc,
                policy.max_delay,
            )
            warned = True

    me = await retrying("getMe", bot.get_me, policy, on_retry=notice, quiet=True)
    if warned:
        log.info("Telegram is reachable again")
    return me


async def run_polling(settings: Settings, bot: Bot, dp: Dispatcher) -> None:
    """Long polling inside the running event loop (the `bot` role and `dev`)."""
    me = await reach_telegram(bot)
    await bot.delete_webhook(drop_pending_updates=False)
    log.info("bot @%s polling %s", me.username, settings.telegram_api_url)
    polling = asyncio.create_task(
        dp.start_polling(
            bot,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=dp.resolve_used_update_types(),
        )
    )
    try:
        await asyncio.shield(polling)
    except asyncio.CancelledError:
        # Stop as aiogram documents (`stop_polling`): it ends the long poll in flight and
        # waits for it, so the session is closed only afterwards and no fetch fails.
        if not polling.done():
            try:
                await dp.stop_polling()
            except RuntimeError:  # cancelled before polling began: nothing is in flight
                polling.cancel()
        raise


async def run_webhook(settings: Settings, bot: Bot, dp: Dispatcher) -> None:
    """Serve the webhook, then register it with Telegram; runs until cancelled.

    On cancellation the server stops accepting and lets the updates in flight finish.
    """
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    runner = await start_server(settings, make_app(settings, bot, dp))
    try:
        me = await reach_telegram(bot)
        await bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=dp.resolve_used_update_types(),
            drop_pending_updates=False,
            max_connections=settings.webhook_max_connections,
        )
        log.info("bot @%s receives updates at %s", me.username, settings.webhook_url)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def build(settings: Settings, redis: Redis | None = None) -> tuple[Bot, Dispatcher]:
    """The rate-limited Bot and the dispatcher of this process (sharing `redis`)."""
    bot = make_bot(settings, RateLimitMiddleware(make_limiter(settings, redis)))
    return bot, create_dispatcher(settings, redis=redis)


async def run(settings: Settings) -> None:
    """The `bot` role."""
    locales.load(settings.locales_dir)
    redis = redis_pool.connect(settings) if settings.redis_dsn else None
    bot, dp = build(settings, redis)
    try:
        if settings.bot_mode is BotMode.polling:
            await run_polling(settings, bot, dp)
        else:
            await run_webhook(settings, bot, dp)
    finally:
        await bot.session.close()
        await dp.storage.close()
        if redis is not None:
            with contextlib.suppress(Exception):
                await redis.aclose()
