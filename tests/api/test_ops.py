"""Ops endpoints: liveness, readiness (database, migrations, Redis) and metrics."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import load_settings
from app.db import engine
from tests.api.conftest import PARTICIPANT, Api
from tests.servers import Redis


async def test_healthz_needs_nothing(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_checks_the_database(api: Api) -> None:
    response = await api.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_readyz_names_pending_migrations(
    make_client: Callable[..., Any], tmp_path: Path
) -> None:
    fresh = engine.use(engine.make_engine(load_settings(state_dir=tmp_path / "empty")))
    await engine.start(fresh)
    async with make_client(None) as api:
        response = await api.client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_ready"
    assert "database: migrations pending" in response.json()["detail"]


async def test_readyz_checks_redis_when_configured(
    db: str, make_client: Callable[..., Any], redis_server: Redis, tmp_path: Path
) -> None:
    async with make_client(None, redis_url=redis_server.url) as api:
        response = await api.client.get("/readyz")
        assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
    async with make_client(None, redis_url=f"unix://{tmp_path}/no-redis.sock") as api:
        response = await api.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("redis: unreachable")


async def test_metrics_include_requests_and_other_processes(
    api: Api, make_client: Callable[..., Any], tmp_path: Path
) -> None:
    await api.client.get("/api/me", headers=api.as_user(PARTICIPANT))
    text = (await api.client.get("/metrics")).text
    assert (
        'contest_bot_api_requests_total{app_name="contest_bot_api",method="GET",path="/api/me"'
        in text
    )

    shared = tmp_path / "metrics"
    shared.mkdir()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from prometheus_client import Counter; Counter('contest_bot_demo', 'x').inc(3)",
        ],
        env={"PROMETHEUS_MULTIPROC_DIR": str(shared)},
        check=True,
    )
    async with make_client(None, metrics_dir=shared) as other:
        response = await other.client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "contest_bot_demo_total 3.0" in response.text


def test_the_app_keeps_the_process_logging(tmp_path: Path) -> None:
    """Litestar must not replace the root handlers that scrub tokens and initData."""
    import logging

    from app import logs
    from app.api.app import create_app

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        logs.setup("INFO", "json")
        handlers = root.handlers[:]
        create_app(load_settings(state_dir=tmp_path))
        assert root.handlers == handlers
        assert any(isinstance(f, logs.ScrubFilter) for f in root.handlers[0].filters)
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


async def test_a_database_that_cannot_be_reached_is_503_not_500(
    make_client: Callable[..., Any], tmp_path: Path
) -> None:
    """Any endpoint, not only the export: a connection refused is worth trying again."""
    nowhere = "postgresql://contest:secret@127.0.0.1:1/contest"
    engine.use(engine.make_engine(load_settings(database_url=nowhere, state_dir=tmp_path)))
    async with make_client(None) as api:
        response = await api.client.get("/api/me", headers=api.as_user(PARTICIPANT))
    print(f"\nno database: {response.status_code} {response.text}")
    assert response.status_code == 503
    assert response.json()["code"] == "temporarily_unavailable"
    assert response.headers["retry-after"] == "1"
