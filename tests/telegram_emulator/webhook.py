"""Webhook targets and delivery: one update per POST, retried until accepted.

Up to max_connections updates are in flight at once, never two of the same chat, so
each chat's updates arrive in order (a failed one holds back the rest of its chat).

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


class WebhookDelivery:
    """Delivers one bot's queued updates to its webhook."""

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
        self.delivered = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"webhook-{self.bot.id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        if self.target.unix_path is not None:
            connector: aiohttp.BaseConnector = aiohttp.UnixConnector(path=self.target.unix_path)
        else:
            connector = aiohttp.TCPConnector(ssl=False)
        queue = self.bot.queue
        delay = self._retry_delay
        async with aiohttp.ClientSession(connector=connector) as session:
            while True:
                with contextlib.suppress(ApiError):
                    await queue.wait(None)
                batch = _one_per_chat(queue.peek(self.webhook.max_connections))
                if not batch:
                    continue
                results = await asyncio.gather(*(self._post(session, u) for u in batch))
                delivered = [update for update, ok in zip(batch, results, strict=True) if ok]
                queue.remove(delivered)
                self.delivered += len(delivered)
                self._notify()
                if len(delivered) == len(batch):
                    delay = self._retry_delay
                else:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._retry_max)

    async def _post(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> bool:
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
                    return False
                reply = await _reply_params(response)
        except (aiohttp.ClientError, OSError, TimeoutError, msgspec.DecodeError) as exc:
            self._fail(_connection_error(exc))
            return False
        if reply is not None:
            with contextlib.suppress(ApiError):
                await self._execute(self.bot, reply[0], reply[1])
        return True

    def _fail(self, message: str) -> None:
        self.webhook.last_error_date = int(time.time())
        self.webhook.last_error_message = message


def _chat_of(update: dict[str, Any]) -> object:
    """The chat an update belongs to, for per-chat ordering."""
    for key, payload in update.items():
        if key == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if chat:
            return chat.get("id")
        sender = payload.get("from")
        return sender.get("id") if sender else update["update_id"]
    return update["update_id"]


def _one_per_chat(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[object] = set()
    batch = []
    for update in pending:
        chat = _chat_of(update)
        if chat not in seen:
            seen.add(chat)
            batch.append(update)
    return batch


def _connection_error(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "Read timeout expired"
    if isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError):
        return "Connection refused"
    if isinstance(exc, msgspec.DecodeError):
        return "Wrong response from the webhook: unparsable reply"
    return f"Connection error: {type(exc).__name__}"
