"""The control API over HTTP, for tests in another process and the NixOS VM test.

    POST /_emulator/<action>   JSON object of keyword arguments -> {"ok": true, "result": ...}
    GET  /_emulator/state      bots, users and chats

Actions are the ControlApi methods listed in ACTIONS. `data_base64` (or `data` as text)
carries file bytes; `bot` may be a token or a bot id.
"""

from __future__ import annotations

import base64
import inspect
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web

from .bots import BotAccount
from .errors import EmulatorUsageError
from .models import CallbackAnswer, CallbackQuery, Chat, Message, User

if TYPE_CHECKING:
    from .control import ControlApi

ACTIONS = (
    "create_bot",
    "create_user",
    "set_profile_photos",
    "create_channel",
    "create_group",
    "set_member",
    "add_member",
    "remove_member",
    "set_bot_admin",
    "revoke_bot_admin",
    "block_bot",
    "unblock_bot",
    "user_sends",
    "user_sends_command",
    "user_sends_document",
    "user_forwards",
    "channel_post",
    "press_button",
    "messages",
    "bot_messages",
    "messages_to_user",
    "message",
    "callback_query",
    "callback_answers",
    "file_bytes",
    "call_counts",
    "failure_counts",
    "wait_for_bot_messages",
    "wait_for_answer",
    "set_flood_limits",
    "inject_fault",
    "reset",
)


def to_json(value: Any) -> Any:
    if isinstance(value, Message | CallbackQuery):
        return value.to_control()
    if isinstance(value, User | CallbackAnswer):
        return value.to_api()
    if isinstance(value, Chat):
        return value.to_api()
    if isinstance(value, BotAccount):
        return {"token": value.token, "user": value.get_me()}
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if hasattr(value, "__slots__") and not isinstance(value, dict):
        return {name: getattr(value, name) for name in value.__slots__}
    return value


def _reply(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type="application/json"
    )


def add_control_routes(app: web.Application, emulator: ControlApi) -> None:
    async def run_action(request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action not in ACTIONS:
            return _reply(404, {"ok": False, "description": f"unknown action {action!r}"})
        body = await request.read()
        try:
            kwargs = msgspec.json.decode(body) if body else {}
        except msgspec.DecodeError:
            return _reply(400, {"ok": False, "description": "body must be a JSON object"})
        if not isinstance(kwargs, dict):
            return _reply(400, {"ok": False, "description": "body must be a JSON object"})
        if "data_base64" in kwargs:
            kwargs["data"] = base64.b64decode(kwargs.pop("data_base64"))
        elif isinstance(kwargs.get("data"), str) and action == "user_sends_document":
            kwargs["data"] = kwargs["data"].encode()
        try:
            result = getattr(emulator, action)(**kwargs)
            if inspect.isawaitable(result):
                result = await result
        except (EmulatorUsageError, TypeError, ValueError) as exc:
            return _reply(400, {"ok": False, "description": str(exc)})
        except TimeoutError as exc:
            return _reply(408, {"ok": False, "description": str(exc)})
        return _reply(200, {"ok": True, "result": to_json(result)})

    async def state(_: web.Request) -> web.Response:
        world = emulator.world
        return _reply(
            200,
            {
                "ok": True,
                "result": {
                    "bots": [to_json(bot) for bot in world.bots.values()],
                    "users": [u.to_api() for u in world.users.values() if not u.is_bot],
                    "chats": [
                        {
                            **chat.to_api(),
                            "members": {
                                str(user_id): membership.status
                                for user_id, membership in chat.members.items()
                            },
                        }
                        for chat in world.chats.values()
                    ],
                },
            },
        )

    app.router.add_get("/_emulator/state", state)
    app.router.add_post("/_emulator/{action}", run_action)
