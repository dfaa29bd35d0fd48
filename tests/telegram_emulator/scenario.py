"""Preloading a scenario from JSON, for the standalone emulator.

    {
      "bots": [{"token": "123:AA...", "username": "contest_bot", "first_name": "Contest"}],
      "users": [{"user_id": 1001, "first_name": "Alice", "username": "alice"}],
      "chats": [{"type": "channel", "title": "News", "username": "news", "chat_id": -1001234,
                 "creator": 1001, "members": [1002, {"user_id": 1003, "status": "kicked"}],
                 "bot_admin": true}],
      "flood": {"enabled": false},
      "actions": [{"action": "user_sends_command", "args": {"user_id": 1001, "command": "start"}}]
    }

The first bot, if any, replaces the default bot. `bot_admin` is true (all rights) or an
object of rights. `actions` are control API calls, as over HTTP.
"""

from __future__ import annotations

import inspect
from typing import Any

from .control import ControlApi
from .errors import EmulatorUsageError


async def load_scenario(emulator: ControlApi, scenario: dict[str, Any]) -> None:
    bots = scenario.get("bots", [])
    if bots:
        first = bots[0]
        emulator.world.bots_by_token.pop(emulator.bot.token)
        emulator.world.bots.pop(emulator.bot.id)
        emulator.world.users.pop(emulator.bot.id)
        emulator.bot = emulator.create_bot(
            first["token"],
            username=first.get("username"),
            first_name=first.get("first_name", "Test Bot"),
        )
    for extra in bots[1:]:
        emulator.create_bot(
            extra["token"],
            username=extra.get("username"),
            first_name=extra.get("first_name", "Test Bot"),
        )
    for user in scenario.get("users", []):
        emulator.create_user(**user)
    for chat in scenario.get("chats", []):
        _load_chat(emulator, dict(chat))
    if "flood" in scenario:
        emulator.set_flood_limits(**scenario["flood"])
    for step in scenario.get("actions", []):
        result = getattr(emulator, step["action"])(**step.get("args", {}))
        if inspect.isawaitable(result):
            await result


def _load_chat(emulator: ControlApi, chat: dict[str, Any]) -> None:
    kind = chat.pop("type", "channel")
    members = chat.pop("members", [])
    bot_admin = chat.pop("bot_admin", False)
    if kind == "channel":
        created = emulator.create_channel(**chat)
    elif kind in ("group", "supergroup"):
        created = emulator.create_group(**chat, supergroup=kind == "supergroup")
    else:
        raise EmulatorUsageError(f"unknown chat type {kind!r}")
    for member in members:
        if isinstance(member, int):
            emulator.add_member(created.id, member)
        else:
            emulator.set_member(created.id, **member)
    if bot_admin:
        emulator.set_bot_admin(created.id, bot_admin if isinstance(bot_admin, dict) else None)
