"""getMe, bot commands and the chat menu button."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from tests.telegram_emulator.errors import bad_request

from . import Call, api_method

COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
MENU_BUTTON_TYPES = ("commands", "web_app", "default")


@api_method("getMe")
def get_me(call: Call) -> dict[str, Any]:
    return call.bot.get_me()


def command_scope(call: Call) -> tuple[str, str]:
    scope = call.params.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    key = msgspec.json.encode(dict(sorted(scope.items()))).decode()
    return key, call.params.str("language_code") or ""


@api_method("setMyCommands")
def set_my_commands(call: Call) -> bool:
    commands = call.params.json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    call.bot.commands[command_scope(call)] = [
        {"command": command["command"], "description": command["description"]}
        for command in commands
    ]
    return True


@api_method("getMyCommands")
def get_my_commands(call: Call) -> list[dict[str, Any]]:
    return call.bot.commands.get(command_scope(call), [])


@api_method("deleteMyCommands")
def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(command_scope(call), None)
    return True


@api_method("setChatMenuButton")
def set_chat_menu_button(call: Call) -> bool:
    chat_id = call.params.int("chat_id")
    if chat_id is not None and chat_id not in call.world.private_chats:
        raise bad_request("chat not found")
    button = call.params.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in MENU_BUTTON_TYPES:
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "web_app":
        url = (button.get("web_app") or {}).get("url", "")
        if not button.get("text") or not url.startswith("https://"):
            raise bad_request("BUTTON_URL_INVALID")
    call.bot.menu_buttons[chat_id] = button
    return True


@api_method("getChatMenuButton")
def get_chat_menu_button(call: Call) -> dict[str, Any]:
    chat_id = call.params.int("chat_id")
    button = call.bot.menu_buttons.get(chat_id) or call.bot.menu_buttons.get(None)
    if button is None or button["type"] == "default":
        return {"type": "commands"}
    return button
