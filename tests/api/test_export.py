"""The CSV export over real HTTP (uvicorn) on PostgreSQL when the database goes away:
an error status before the first byte, or a cut response, never a short file that
looks complete."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.api.app import create_app
from app.db import export
from app.telegram.client import make_bot
from tests.api.conftest import api_settings, auth_header
from tests.nginx_stack import free_port
from tests.telegram_emulator import TelegramEmulator
from tests.test_export import (
    OWNER,
    bulk_contest,
    copying_backends,
    lost_while_waiting,
    terminate_copy,
)

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
async def client(
    db: str, database_url: str, emulator: TelegramEmulator, state_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The API under uvicorn (httpx's ASGI transport would buffer the whole response)."""
    settings = api_settings(emulator, state_dir, database_url=database_url)
    bot = make_bot(settings)
    app = create_app(settings, bot=bot)
    app.state.bot = bot
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="critical")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        await serving
        await bot.session.close()


def _path(contest_id: int) -> str:
    return f"/api/organizer/contests/{contest_id}/participants.csv"


async def test_lost_before_the_first_byte_is_an_error_status(
    client: httpx.AsyncClient, database_url: str
) -> None:
    contest_id = await bulk_contest(1000)
    async with lost_while_waiting(database_url):
        request = asyncio.create_task(client.get(_path(contest_id), headers=auth_header(OWNER)))
    response = await request
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "database_unavailable"
    again = await client.get(_path(contest_id), headers=auth_header(OWNER))
    assert again.status_code == 200
    assert again.content == b"".join([c async for c in export.participants_csv(contest_id)])


async def test_lost_mid_way_cuts_the_response(client: httpx.AsyncClient, database_url: str) -> None:
    contest_id = await bulk_contest(20_000)
    whole = b"".join([chunk async for chunk in export.participants_csv(contest_id)])
    received = 0
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):  # noqa: PT012
        async with client.stream("GET", _path(contest_id), headers=auth_header(OWNER)) as response:
            assert response.status_code == 200
            async for chunk in response.aiter_raw():
                if not received:
                    await terminate_copy(database_url)
                received += len(chunk)
    print(f"cut after {received:,} of {len(whole):,} bytes")
    assert 0 < received < len(whole)


async def test_a_client_that_leaves_cancels_the_copy(
    client: httpx.AsyncClient, database_url: str
) -> None:
    contest_id = await bulk_contest(20_000)
    async with client.stream("GET", _path(contest_id), headers=auth_header(OWNER)) as response:
        async for _ in response.aiter_raw():
            assert await copying_backends(database_url)
            break
    for _ in range(200):
        if not await copying_backends(database_url):
            break
        await asyncio.sleep(0.05)
    assert not await copying_backends(database_url)
