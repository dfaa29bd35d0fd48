"""What the stack exposes: only nginx on TCP (127.0.0.1), and a webhook that wants its secret."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.stack import rawhttp
from tests.stack.exposure import listeners
from tests.stack.launcher import Stack
from tests.stack.probes import http_status
from tests.stack.scenario import new_user_id
from tests.telegram_emulator import TelegramEmulator

pytestmark = pytest.mark.nginx

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATE = {
    "update_id": 1,
    "message": {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": 42, "type": "private", "first_name": "Eve"},
        "from": {"id": 42, "is_bot": False, "first_name": "Eve"},
        "text": "/start",
    },
}


def test_only_nginx_listens_on_tcp(stack: Stack) -> None:
    owners = stack.pids()
    assert {"api", "bot", "scheduler", "nginx", "postgres", "redis", *stack.worker_names} <= set(
        owners
    )
    found = listeners(owners)
    tcp = [item for item in found if item.kind != "unix"]
    assert tcp, f"nginx listens on nothing? {found}"
    assert {item.owner for item in tcp} == {"nginx"}, tcp
    assert {item.address for item in tcp} == {f"127.0.0.1:{stack.port}"}, tcp
    unix = {item.owner: item.address for item in found if item.kind == "unix"}
    assert unix["api"] == str(stack.api_socket)
    assert unix["bot"] == str(stack.bot_socket)
    assert unix["redis"].endswith("redis.sock")
    assert unix["postgres"].endswith(".s.PGSQL.5432")
    for name in ("scheduler", *stack.worker_names):
        assert name not in unix, f"{name} listens on {unix[name]}"


@pytest.mark.parametrize(
    "headers",
    [{}, {SECRET_HEADER: "wrong-secret"}, {SECRET_HEADER: ""}],
    ids=["missing", "wrong", "empty"],
)
async def test_webhook_without_the_secret_is_rejected(
    stack: Stack, headers: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        response = await client.post("/telegram/webhook", json=UPDATE, headers=headers)
    assert response.status_code in (401, 403), response.text
    assert await http_status(stack.bot_socket, "/healthz") == 200


async def test_webhook_only_takes_post(stack: Stack) -> None:
    secret = {SECRET_HEADER: stack.options.webhook_secret}
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        response = await client.get("/telegram/webhook", headers=secret)
    assert response.status_code == 403


async def test_webhook_with_the_secret_is_accepted(
    stack: Stack, emulator: TelegramEmulator
) -> None:
    user = emulator.create_user(new_user_id(), "Eve")
    update = json.loads(json.dumps(UPDATE).replace("42", str(user.id)))
    headers = {SECRET_HEADER: stack.options.webhook_secret, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        response = await client.post(
            "/telegram/webhook", content=json.dumps(update), headers=headers
        )
    assert response.status_code == 200, response.text
    replies = await emulator.wait_for_bot_messages(user.id, 1, timeout=10)
    assert replies[0].text


async def test_ops_endpoints_are_not_public(stack: Stack) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/schema", "/schema/openapi.json"):
        response = await rawhttp.request(stack.port, rawhttp.get(path))
        assert response.status == 403, (path, response.status)
    inside = await rawhttp.request(stack.port, rawhttp.get("/metrics"), source="127.0.0.1")
    assert inside.status == 200
