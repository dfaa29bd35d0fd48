"""Hostile clients against the stack, from 127.0.0.2 (the outside world): path traversal,
oversized bodies, slow clients and a flood on the join path. Each is refused by nginx or
the app with the right status, and the app keeps serving the host and normal users.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest

from tests.stack import rawhttp
from tests.stack.conftest import ORGANIZER_ID
from tests.stack.launcher import Stack
from tests.stack.probes import http_status
from tests.stack.scenario import ApiUser, ContestWorld, make_world, publish_contest
from tests.telegram_emulator import TelegramEmulator

pytestmark = pytest.mark.nginx

MEGABYTE = 1024 * 1024
SLOW_CLIENTS = 40
NGINX_CLIENT_TIMEOUT = 10  # client_header_timeout / client_body_timeout in nginx/locations.conf
FLOOD_REQUESTS = 300


async def assert_healthy(stack: Stack) -> None:
    """The api and the bot answer, directly and through nginx, and no role died."""
    assert await http_status(stack.api_socket, "/readyz") == 200
    assert await http_status(stack.bot_socket, "/healthz") == 200
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=5) as client:
        assert (await client.get("/readyz")).status_code == 200
    stack.check_alive()


@pytest.fixture(scope="module")
async def open_contest(stack: Stack, emulator: TelegramEmulator) -> ContestWorld:
    """An active contest whose deadline lies beyond this module's tests."""
    world = make_world(emulator, stack, ORGANIZER_ID, members=2, outsiders=0)
    await publish_contest(world, title="Hardening", deadline_in=900, winners=1, notify=False)
    return world


@pytest.mark.parametrize(
    "path",
    [
        "/../../../../etc/passwd",
        "/assets/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/../../../etc/passwd",
        "/api/..%2f..%2fhealthz",
        "/api/%2e%2e/metrics",
        "/telegram/webhook/../../etc/passwd",
        "/index.html/..%00/etc/passwd",
    ],
)
async def test_path_traversal_is_refused(stack: Stack, path: str) -> None:
    response = await rawhttp.request(stack.port, rawhttp.get(path))
    assert response.status in (400, 403, 404), (path, response.status, response.body[:200])
    assert b"root:" not in response.body
    assert b"# HELP" not in response.body
    assert b'"status"' not in response.body or response.status != 200


async def test_oversized_bodies_are_refused(stack: Stack, open_contest: ContestWorld) -> None:
    big = b"{" + b" " * (2 * MEGABYTE) + b"}"
    user = ApiUser(stack, open_contest.members[0])
    headers = {"Authorization": f"tma {user.init_data}", "Content-Type": "application/json"}
    transport = httpx.AsyncHTTPTransport(local_address=rawhttp.OUTSIDE)
    async with httpx.AsyncClient(base_url=stack.base_url, transport=transport) as client:
        for path in (
            f"/api/contests/{open_contest.contest_id}/join",
            "/api/organizer/contests",
            "/telegram/webhook",
        ):
            response = await client.post(path, content=big, headers=headers)
            assert response.status_code == 413, (path, response.status_code)
    await assert_healthy(stack)


async def test_slow_clients_are_cut_off_and_others_served(stack: Stack) -> None:
    """Slowloris: headers (or a body) that never finish. nginx drops them after its client
    timeouts; meanwhile the site keeps answering everyone else."""
    started = time.monotonic()
    slow = []
    for number in range(SLOW_CLIENTS):
        reader, writer = await rawhttp.connect(stack.port)
        if number % 2:
            writer.write(b"GET /api/me HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        else:
            writer.write(
                b"POST /telegram/webhook HTTP/1.1\r\nHost: localhost\r\n"
                b'Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"update'
            )
        await writer.drain()
        slow.append((reader, writer))
    for _ in range(3):
        await asyncio.sleep(2)
        page = await rawhttp.request(stack.port, rawhttp.get("/"))
        assert page.status == 200
        await assert_healthy(stack)
    outcomes = await asyncio.gather(
        *(rawhttp.closed_by_server(reader, NGINX_CLIENT_TIMEOUT + 10) for reader, _ in slow)
    )
    elapsed = time.monotonic() - started
    assert NGINX_CLIENT_TIMEOUT - 1 < elapsed < NGINX_CLIENT_TIMEOUT + 5, elapsed
    for sent in outcomes:
        assert sent == b"" or sent.startswith(b"HTTP/1.1 408"), sent[:100]
    for _, writer in slow:
        writer.close()
    await assert_healthy(stack)


async def test_join_flood_is_refused_and_the_app_stays_healthy(
    stack: Stack, open_contest: ContestWorld
) -> None:
    flooder = ApiUser(stack, open_contest.members[0])
    path = f"/api/contests/{open_contest.contest_id}/join"
    headers = {"Authorization": f"tma {flooder.init_data}"}
    limits = httpx.Limits(max_connections=50)
    transport = httpx.AsyncHTTPTransport(local_address=rawhttp.OUTSIDE, limits=limits)
    async with httpx.AsyncClient(
        base_url=stack.base_url, transport=transport, timeout=30
    ) as client:
        started = time.monotonic()
        responses = await asyncio.gather(
            *(client.post(path, headers=headers) for _ in range(FLOOD_REQUESTS))
        )
        elapsed = time.monotonic() - started
    statuses = Counter(response.status_code for response in responses)
    refused = statuses[429] + statuses[503]
    passed = statuses[200]
    assert passed + refused == FLOOD_REQUESTS, statuses
    # burst=10 plus 5 r/s for however long the flood took (nginx/http.conf)
    assert 1 <= passed <= 10 + 5 * (elapsed + 1), (statuses, elapsed)
    assert refused >= FLOOD_REQUESTS - passed
    await assert_healthy(stack)

    other = ApiUser(stack, open_contest.members[1])
    joined = await other.ok("POST", path)
    assert joined["status"] == "joined"
    stats = await open_contest.organizer.ok(
        "GET", f"/api/organizer/contests/{open_contest.contest_id}/stats"
    )
    assert stats["participantCount"] == 2
