"""An in-memory Telegram Bot API emulator for tests and benchmarks.

Start it with `async with TelegramEmulator() as emu:` and point aiogram at
`TelegramAPIServer.from_base(emu.base_url)` with `emu.token`; drive the emulated users
and chats through the control API (methods on the emulator, or POST /_emulator/<action>).
"""

from .errors import ApiError, EmulatorUsageError
from .flood import FloodLimits
from .models import CallbackAnswer, CallbackQuery, Chat, Membership, Message, StoredFile, User
from .scenario import load_scenario
from .server import TelegramEmulator

__all__ = [
    "ApiError",
    "CallbackAnswer",
    "CallbackQuery",
    "Chat",
    "EmulatorUsageError",
    "FloodLimits",
    "Membership",
    "Message",
    "StoredFile",
    "TelegramEmulator",
    "User",
    "load_scenario",
]
