"""Bot accounts: identity, token, update queue, webhook and per-bot settings."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .models import User
from .updates import UpdateQueue

TOKEN_FORMAT = re.compile(r"^(\d+):[A-Za-z0-9_-]{30,}$")


def make_token(bot_id: int) -> str:
    return f"{bot_id}:AA{secrets.token_urlsafe(25)[:33]}"


@dataclass(slots=True)
class Webhook:
    """The webhook a bot set with setWebhook."""

    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None

    def info(self, pending: int, allowed: list[str] | None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
            "max_connections": self.max_connections,
            "ip_address": "127.0.0.1",
        }
        if allowed:
            data["allowed_updates"] = allowed
        if self.last_error_date is not None:
            data["last_error_date"] = self.last_error_date
            data["last_error_message"] = self.last_error_message
        return data


@dataclass(slots=True)
class BotAccount:
    """One bot known to the emulator, addressed by its token."""

    user: User
    token: str
    queue: UpdateQueue
    webhook: Webhook | None = None
    allowed_updates: list[str] | None = None
    blocked_by: set[int] = field(default_factory=set)
    started_by: set[int] = field(default_factory=set)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    menu_buttons: dict[int | None, dict[str, Any]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    webhook_failures: int = 0  # webhook POSTs answered non-2xx or cut off, every webhook

    @property
    def id(self) -> int:
        return self.user.id

    def get_me(self) -> dict[str, Any]:
        data = self.user.to_api()
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return data


def new_bot(bot_id: int, username: str, first_name: str, token: str | None) -> BotAccount:
    token = token or make_token(bot_id)
    if not TOKEN_FORMAT.match(token) or int(token.split(":", 1)[0]) != bot_id:
        raise ValueError(f"bot token must look like '{bot_id}:<35 url-safe chars>'")
    user = User(id=bot_id, first_name=first_name, is_bot=True, username=username)
    return BotAccount(
        user=user, token=token, queue=UpdateQueue(first_update_id=bot_id % 1000 * 1000 + 1)
    )
