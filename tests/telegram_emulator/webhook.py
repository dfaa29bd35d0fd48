"""Webhook targets and delivery: one update per POST, retried until accepted.

Delivery follows Telegram's Bot API server (tdlib/telegram-bot-api, WebhookActor.cpp
and the queue ids Client.cpp gives each update kind): see `WebhookDelivery`.

Targets are http(s) URLs on loopback (or on hosts the emulator was told about) and
`http+unix://<percent-encoded socket path>/<path>` for unix sockets. The emulator never
sends traffic anywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp
import msgspec

from .bots import BotAccount, Webhook
from .errors import ApiError, bad_request
from .params import Params

WEBHOOK_PORTS = (80, 88, 443, 8443)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Executor = Callable[[BotAccount, str, Params], Awaitable[Any]]


@dataclass(slots=True, frozen=True)
class WebhookTarget:
    url: str
    unix_path: str | None = None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_target(url: str, *, strict: bool, extra_hosts: frozenset[str]) -> WebhookTarget:
    """Check a setWebhook URL; strict mode applies Telegram's HTTPS and port rules."""
    parts = urlsplit(url)
    if parts.scheme == "http+unix":
        if strict:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return WebhookTarget(f"http://localhost{path}", unquote(parts.netloc))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if strict:
        if parts.scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
    if not _is_loopback(parts.hostname) and parts.hostname not in extra_hosts:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    return WebhookTarget(url)


async def _reply_params(response: aiohttp.ClientResponse) -> tuple[str, Params] | None:
    """A method call returned in the webhook reply, as aiogram may answer."""
    content_type = response.content_type
    values: dict[str, Any] = {}
    if content_type == "application/json":
        body = await response.read()
        if not body:
            return None
        decoded = msgspec.json.decode(body)
        if isinstance(decoded, dict):
            values = decoded
    elif content_type.startswith("multipart/"):
        reader = aiohttp.MultipartReader(response.headers, response.content)
        async for part in reader:
            if isinstance(part, aiohttp.BodyPartReader) and part.name:
                values[part.name] = await part.text()
    method = values.pop("method", None)
    if not isinstance(method, str):
        return None
    return method, Params(values)


@dataclass(slots=True)
class _Attempts:
    """Delivery state of one queued update."""

    lane: object
    expires_at: float
    wakeup_at: float = 0.0
    delay: float = 0.0
    failures: int = 0


class WebhookDelivery:
    """Delivers one bot's queued updates to its webhook, as Telegram's Bot API server does.

    Up to `max_connections` requests are in flight at once. Updates of one lane go in
    order, one at a time (a chat's messages; a user's callback queries; a user's
    chat_member changes); other updates, e.g. presses by different users on one channel
    post, go in parallel. A non-2xx answer or a broken connection makes the update wait
    and go again: after `Retry-After` seconds when the answer has that header, else
    after a delay doubling from `retry_delay` up to `retry_max`. An update older than
    its kind's lifetime (150 s for a callback query) is dropped, as Telegram does.
    """

    def __init__(
        self,
        bot: BotAccount,
        webhook: Webhook,
        target: WebhookTarget,
        execute: Executor,
        retry_delay: float,
        retry_max: float,
        notify: Callable[[], None],
    ) -> None:
        self.bot = bot
        self.webhook = webhook
        self.target = target
        self._execute = execute
        self._retry_delay = retry_delay
        self._retry_max = retry_max
        self._notify = notify
        self._task: asyncio.Task[None] | None = None
        self._states: dict[int, _Attempts] = {}
        self._busy_lanes: set[object] = set()
        self._running: set[asyncio.Task[None]] = set()
        self._finished = asyncio.Event()
        self.delivered = 0
        self.failed_attempts = 0
        self.dropped = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"webhook-{self.bot.id}")

    async def stop(self) -> None:
        tasks = [task for task in (self._task, *self._running) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._running.clear()

    async def _run(self) -> None:
        if self.target.unix_path is not None:
            connector: aiohttp.BaseConnector = aiohttp.UnixConnector(
                path=self.target.unix_path, limit=self.webhook.max_connections
            )
        else:
            connector = aiohttp.TCPConnector(ssl=False, limit=self.webhook.max_connections)
        queue = self.bot.queue
        async with aiohttp.ClientSession(connector=connector) as session:
            while True:
                queue.pushed.clear()
                self._finished.clear()
                next_wakeup = self._start_ready(session)
                waits = [
                    asyncio.ensure_future(queue.pushed.wait()),
                    asyncio.ensure_future(self._finished.wait()),
                ]
                timeout = None if next_wakeup is None else max(0.0, next_wakeup - _now())
                try:
                    await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waits:
                        waiter.cancel()

    def _start_ready(self, session: aiohttp.ClientSession) -> float | None:
        """Start every update that may go now; return when the next waiting one may go."""
        now = _now()
        next_wakeup: float | None = None
        blocked = set(self._busy_lanes)
        expired = []
        for update in self.bot.queue.peek(len(self.bot.queue)):
            if len(self._running) >= self.webhook.max_connections:
                break
            state = self._states.get(update["update_id"])
            if state is None:
                state = self._states[update["update_id"]] = _Attempts(
                    _lane_of(update), now + _lifetime(update)
                )
            if state.lane in blocked:
                continue
            blocked.add(state.lane)  # later updates of this lane wait for this one
            if state.expires_at <= now:
                expired.append(update)
                continue
            if state.wakeup_at > now:
                next_wakeup = min(next_wakeup or state.wakeup_at, state.wakeup_at)
                continue
            self._busy_lanes.add(state.lane)
            task = asyncio.create_task(self._deliver(session, update, state))
            self._running.add(task)
        if expired:
            self._forget(expired)
            self.dropped += len(expired)
        return next_wakeup

    async def _deliver(
        self, session: aiohttp.ClientSession, update: dict[str, Any], state: _Attempts
    ) -> None:
        try:
            retry_after = await self._post(session, update)
            if retry_after is None:
                self._forget([update])
                self.delivered += 1
            else:
                self.failed_attempts += 1
                self.bot.webhook_failures += 1
                state.failures += 1
                state.delay = min(max(state.delay * 2, self._retry_delay), self._retry_max)
                state.wakeup_at = _now() + (retry_after if retry_after > 0 else state.delay)
        finally:
            self._busy_lanes.discard(state.lane)
            self._running.discard(asyncio.current_task())  # type: ignore[arg-type]
            self._finished.set()
            self._notify()

    def _forget(self, updates: list[dict[str, Any]]) -> None:
        self.bot.queue.remove(updates)
        for update in updates:
            self._states.pop(update["update_id"], None)

    async def _post(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> float | None:
        """POST one update; None when accepted, else the seconds Telegram would wait (0: own)."""
        headers = {"Content-Type": "application/json"}
        if self.webhook.secret_token:
            headers[SECRET_HEADER] = self.webhook.secret_token
        try:
            async with session.post(
                self.target.url,
                data=msgspec.json.encode(update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=60),
            ) as response:
                if not 200 <= response.status < 300:
                    self._fail(
                        f"Wrong response from the webhook: {response.status} {response.reason}"
                    )
                    return _retry_after(response.headers.get("Retry-After"))
                reply = await _reply_params(response)
        except (aiohttp.ClientError, OSError, TimeoutError, msgspec.DecodeError) as exc:
            self._fail(_connection_error(exc))
            return 0.0
        if reply is not None:
            with contextlib.suppress(ApiError):
                await self._execute(self.bot, reply[0], reply[1])
        return None

    def _fail(self, message: str) -> None:
        self.webhook.last_error_date = int(time.time())
        self.webhook.last_error_message = message


_now = time.monotonic
# Seconds an update waits for delivery before Telegram drops it (Bot API server).
_LIFETIMES = {"callback_query": 150.0, "inline_query": 30.0}
_DEFAULT_LIFETIME = 86400.0
_RETRY_AFTER_MAX = 3600.0


def _kind_of(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def _lifetime(update: dict[str, Any]) -> float:
    return _LIFETIMES.get(_kind_of(update), _DEFAULT_LIFETIME)


def _retry_after(header: str | None) -> float:
    try:
        return min(max(float(header or 0), 0.0), _RETRY_AFTER_MAX)
    except ValueError:
        return 0.0


def _lane_of(update: dict[str, Any]) -> object:
    """The ordered lane an update travels in (the Bot API server's webhook queue id)."""
    kind = _kind_of(update)
    payload = update[kind]
    if not isinstance(payload, dict):
        return ("update", update["update_id"])
    if kind in ("callback_query", "chat_join_request"):
        return (kind, (payload.get("from") or {}).get("id"))
    if kind == "chat_member":
        return (kind, ((payload.get("new_chat_member") or {}).get("user") or {}).get("id"))
    chat = payload.get("chat")
    if isinstance(chat, dict) and "id" in chat:
        return ("chat", chat["id"])
    return ("update", update["update_id"])


def _connection_error(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "Read timeout expired"
    if isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError):
        return "Connection refused"
    if isinstance(exc, msgspec.DecodeError):
        return "Wrong response from the webhook: unparsable reply"
    return f"Connection error: {type(exc).__name__}"
