"""getUpdates and the webhook methods."""

from __future__ import annotations

import re
from typing import Any

from tests.telegram_emulator.bots import Webhook
from tests.telegram_emulator.errors import POLLING_TERMINATED, WEBHOOK_ACTIVE, bad_request, conflict

from . import Call, api_method

SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_POLL_TIMEOUT = 50.0


class Described:
    """A result that real Telegram answers with a description next to it."""

    __slots__ = ("description", "result")

    def __init__(self, result: Any, description: str) -> None:
        self.result = result
        self.description = description


def read_allowed_updates(call: Call) -> None:
    if "allowed_updates" not in call.params.values:
        return
    allowed = call.params.json("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON object")
    call.bot.allowed_updates = allowed or None
    call.bot.queue.set_allowed(allowed)


@api_method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    bot, params = call.bot, call.params
    if bot.webhook is not None:
        raise conflict(WEBHOOK_ACTIVE)
    queue = bot.queue
    queue.interrupt(conflict(POLLING_TERMINATED))
    offset = params.int("offset")
    if offset:
        queue.confirm(offset)
    limit = min(max(params.int("limit", 100) or 100, 1), 100)
    read_allowed_updates(call)
    timeout = min(float(params.int("timeout", 0) or 0), MAX_POLL_TIMEOUT)
    if timeout > 0 and not len(queue):
        await queue.wait(timeout)
    return queue.peek(limit)


@api_method("setWebhook")
async def set_webhook(call: Call) -> Described:
    params = call.params
    url = params.str("url") or ""
    if not url:
        await call.core.remove_webhook(call.bot)
        return Described(True, "Webhook was deleted")
    target = call.core.webhook_target(url)
    secret = params.str("secret_token")
    if secret is not None and not SECRET_TOKEN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.int("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    read_allowed_updates(call)
    if params.bool("drop_pending_updates"):
        call.bot.queue.clear()
    already = call.bot.webhook is not None and call.bot.webhook.url == url
    await call.core.install_webhook(call.bot, Webhook(url, secret, max_connections), target)
    return Described(True, "Webhook is already set" if already else "Webhook was set")


@api_method("deleteWebhook")
async def delete_webhook(call: Call) -> Described:
    if call.params.bool("drop_pending_updates"):
        call.bot.queue.clear()
    if call.bot.webhook is None:
        return Described(True, "Webhook is already deleted")
    await call.core.remove_webhook(call.bot)
    return Described(True, "Webhook was deleted")


@api_method("getWebhookInfo")
def get_webhook_info(call: Call) -> dict[str, Any]:
    bot = call.bot
    if bot.webhook is None:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(bot.queue)}
    return bot.webhook.info(len(bot.queue), bot.allowed_updates)
