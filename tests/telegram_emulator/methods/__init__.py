"""The Bot API methods, registered by name (Telegram matches names case-insensitively)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.telegram_emulator.bots import BotAccount
from tests.telegram_emulator.params import Params

if TYPE_CHECKING:
    from tests.telegram_emulator.control import EmulatorCore
    from tests.telegram_emulator.world import World


@dataclass(slots=True)
class Call:
    """One Bot API call: who calls, with what, against which emulator."""

    core: EmulatorCore
    bot: BotAccount
    params: Params

    @property
    def world(self) -> World:
        return self.core.world


Handler = Callable[[Call], Any] | Callable[[Call], Awaitable[Any]]


@dataclass(slots=True, frozen=True)
class Method:
    name: str
    handler: Handler
    is_async: bool


REGISTRY: dict[str, Method] = {}


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        REGISTRY[name.lower()] = Method(name, handler, inspect.iscoroutinefunction(handler))
        return handler

    return register


def load_all() -> dict[str, Method]:
    """Import every method module so their decorators fill the registry."""
    from . import bot_info, callbacks, chats, media, messages, polling, profiles  # noqa: F401

    return REGISTRY
