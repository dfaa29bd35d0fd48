"""The emulator's engine: state, method dispatch, webhooks, update fan-out, waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .bots import BotAccount, Webhook, new_bot
from .errors import NOT_FOUND, ApiError, EmulatorUsageError, conflict
from .faults import FaultInjector
from .flood import FloodControl, FloodLimits
from .methods import Call, load_all
from .models import Chat, Membership, User
from .params import Params
from .webhook import WebhookDelivery, WebhookTarget, webhook_target
from .world import World

T = TypeVar("T")
DEFAULT_BOT_ID = 5_000_000_001


class EmulatorCore:
    """State plus the Bot API dispatcher, independent of HTTP."""

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "contest_test_bot",
        bot_name: str = "Contest Bot",
        flood: FloodLimits | None = None,
        callback_timeout: float = 15.0,
        strict_webhooks: bool = False,
        webhook_hosts: tuple[str, ...] = (),
        webhook_retry_delay: float = 0.05,
        webhook_retry_max: float = 2.0,
    ) -> None:
        self.methods = load_all()
        self.world = World()
        self.initial_flood = flood or FloodLimits()
        self.initial_callback_timeout = callback_timeout
        self.flood = FloodControl(self.initial_flood)
        self.faults = FaultInjector()
        self.callback_timeout = callback_timeout
        self.strict_webhooks = strict_webhooks
        self.webhook_hosts = frozenset(webhook_hosts)
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_retry_max = webhook_retry_max
        self.deliveries: dict[int, WebhookDelivery] = {}
        self._watchers: list[asyncio.Future[None]] = []
        self._default_bot_spec = (token, bot_username, bot_name)
        self.bot = self.create_bot(token=token, username=bot_username, first_name=bot_name)

    @property
    def token(self) -> str:
        """The default bot's token."""
        return self.bot.token

    def create_bot(
        self,
        token: str | None = None,
        *,
        username: str | None = None,
        first_name: str = "Test Bot",
        bot_id: int | None = None,
    ) -> BotAccount:
        """Register a bot; its id comes from the token when one is given."""
        if token is not None:
            bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else None
            if bot_id is None:
                raise EmulatorUsageError("bot token must start with the numeric bot id")
        bot_id = bot_id or DEFAULT_BOT_ID + len(self.world.bots)
        if bot_id in self.world.users:
            raise EmulatorUsageError(f"account {bot_id} already exists")
        bot = new_bot(bot_id, username or f"test{bot_id}_bot", first_name, token)
        self.world.add_bot(bot)
        return bot

    def bot_for(self, bot: BotAccount | str | int | None) -> BotAccount:
        """The default bot, or one named by account, token or id."""
        if bot is None:
            return self.bot
        if isinstance(bot, BotAccount):
            return bot
        found = (
            self.world.bots_by_token.get(bot) if isinstance(bot, str) else self.world.bots.get(bot)
        )
        if found is None:
            raise EmulatorUsageError(f"no such bot: {bot!r}")
        return found

    # dispatch ---------------------------------------------------------------------------

    async def execute(self, bot: BotAccount, name: str, params: Params) -> Any:
        """Run one Bot API method as this bot; raises ApiError with Telegram's answer."""
        method = self.methods.get(name.lower())
        if method is None:
            raise NOT_FOUND
        bot.calls[method.name] += 1
        call = Call(self, bot, params)
        try:
            if method.is_async:
                return await method.handler(call)
            return method.handler(call)
        except ApiError:
            bot.failures[method.name] += 1
            raise
        finally:
            self.notify()

    # webhooks ---------------------------------------------------------------------------

    def webhook_target(self, url: str) -> WebhookTarget:
        return webhook_target(url, strict=self.strict_webhooks, extra_hosts=self.webhook_hosts)

    async def install_webhook(
        self, bot: BotAccount, webhook: Webhook, target: WebhookTarget
    ) -> None:
        await self.remove_webhook(bot)
        bot.queue.interrupt(conflict("terminated by setWebhook request"))
        bot.webhook = webhook
        delivery = WebhookDelivery(
            bot,
            webhook,
            target,
            self.execute,
            self.webhook_retry_delay,
            self.webhook_retry_max,
            self.notify,
        )
        self.deliveries[bot.id] = delivery
        delivery.start()

    async def remove_webhook(self, bot: BotAccount) -> None:
        delivery = self.deliveries.pop(bot.id, None)
        if delivery is not None:
            await delivery.stop()
        bot.webhook = None

    async def stop_webhooks(self) -> None:
        for bot_id in list(self.deliveries):
            await self.remove_webhook(self.world.bots[bot_id])

    def interrupt_polling(self, description: str) -> None:
        """End every pending getUpdates long poll with a 409 (reset, shutdown)."""
        for bot in self.world.bots.values():
            bot.queue.interrupt(ApiError(409, description))

    # updates ----------------------------------------------------------------------------

    def push_update(self, bot: BotAccount, kind: str, payload: dict[str, Any]) -> int | None:
        update_id = bot.queue.push(kind, payload)
        self.notify()
        return update_id

    def push_to_admins(self, chat: Chat, kind: str, payload: dict[str, Any]) -> None:
        """An update only administrators of the chat get (chat_boost, removed_chat_boost)."""
        for bot in self.world.bots.values():
            seen_by = chat.members.get(bot.id)
            if seen_by is not None and seen_by.is_admin:
                self.push_update(bot, kind, {"chat": chat.to_api(), **payload})

    def change_membership(
        self, chat: Chat, user: User, membership: Membership, *, actor: User | None = None
    ) -> None:
        """Set a member's status and send my_chat_member/chat_member updates as Telegram does."""
        old = chat.members.get(user.id) or Membership("left")
        chat.members[user.id] = membership
        actor = actor or user
        for bot in self.world.bots.values():
            if bot.id == user.id:
                kind = "my_chat_member"
            else:
                seen_by = chat.members.get(bot.id)
                if seen_by is None or not seen_by.is_admin:
                    continue
                kind = "chat_member"
            self.push_update(
                bot,
                kind,
                {
                    "chat": chat.to_api(),
                    "from": actor.to_api(),
                    "date": int(time.time()),
                    "old_chat_member": old.to_api(user, chat.type, bot.id),
                    "new_chat_member": membership.to_api(user, chat.type, bot.id),
                },
            )

    # waiting ----------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake wait_for() callers; runs after every Bot API call and control action."""
        if not self._watchers:
            return
        watchers, self._watchers = self._watchers, []
        for watcher in watchers:
            if not watcher.done():
                watcher.set_result(None)

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until predicate() is truthy (re-checked after each call) and return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            watcher = loop.create_future()
            self._watchers.append(watcher)
            try:
                await asyncio.wait_for(watcher, remaining)
            except TimeoutError:
                continue
