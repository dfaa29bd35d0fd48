"""The CSV export over real HTTP (uvicorn) on PostgreSQL when the database goes away:
an error status before the first byte, or a cut response, never a short file that
looks complete."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.api.app import create_app
from app.config import Settings
from app.db import export
from app.telegram.client import make_bot
from tests.api.conftest import api_settings, auth_header
from tests.nginx_stack import NginxProcess, NginxSite, free_port
from tests.telegram_emulator import TelegramEmulator
from tests.test_export import (
    OWNER,
    bulk_contest,
    copying_backends,
    lost_while_waiting,
    terminate_copy,
)

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@asynccontextmanager
async def _api(settings: Settings, **where: Any) -> AsyncIterator[None]:
    """The API under uvicorn, listening `where` (httpx's ASGI transport would buffer the
    whole response)."""
    bot = make_bot(settings)
    app = create_app(settings, bot=bot)
    app.state.bot = bot
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="critical", **where))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        await serving
        await bot.session.close()


@pytest.fixture
async def client(
    db: str, database_url: str, emulator: TelegramEmulator, state_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = api_settings(emulator, state_dir, database_url=database_url)
    port = free_port()
    async with (
        _api(settings, host="127.0.0.1", port=port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        yield client


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
    await _download_cut_mid_way(client, contest_id, database_url)


async def _download_cut_mid_way(client: httpx.AsyncClient, contest_id: int, url: str) -> None:
    """The export's backend is terminated once the first bytes are in: the download must
    fail as incomplete (no final chunk) after a part of the file."""
    whole = b"".join([chunk async for chunk in export.participants_csv(contest_id)])
    received = 0
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):  # noqa: PT012
        async with client.stream("GET", _path(contest_id), headers=auth_header(OWNER)) as response:
            assert response.status_code == 200
            async for chunk in response.aiter_raw():
                if not received:
                    await terminate_copy(url)
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


async def test_lost_mid_way_cuts_the_response_through_nginx(
    db: str, database_url: str, emulator: TelegramEmulator, state_dir: Path, tmp_path: Path
) -> None:
    """The production path: nginx passes the cut on (no final chunk), not a short file."""
    contest_id = await bulk_contest(100_000)
    (tmp_path / "miniapp").mkdir()
    site = NginxSite(
        runtime_dir=tmp_path / "nginx",
        port=free_port(),
        api_sockets=(tmp_path / "api.sock",),
        bot_sockets=(tmp_path / "bot.sock",),
        miniapp_dir=tmp_path / "miniapp",
    )
    settings = api_settings(emulator, state_dir, database_url=database_url)
    async with (
        _api(settings, uds=str(site.api_sockets[0])),
        httpx.AsyncClient(base_url=site.base_url, timeout=30) as client,
    ):
        with NginxProcess(site):
            await _download_cut_mid_way(client, contest_id, database_url)
