"""Operational endpoints: liveness, readiness and Prometheus metrics.

`/readyz` answers 503 (problem+json naming what is wrong) while the database is
unreachable, a migration is pending, or Redis (when configured) does not answer.
`/metrics` serves this process's HTTP metrics and, when `METRICS_DIR` is set, the
metrics every role writes there (prometheus_client multiprocess mode).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import redis.asyncio as redis
from litestar import Controller, Response, get
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from app.api import auth, problems
from app.api.deps import SettingsDep
from app.api.schemas import Health, Readiness
from app.db import migrate

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 3.0
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


async def database_state() -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            if await migrate.pending():
                return "migrations pending: run `contest-bot migrate`"
    except Exception as exc:
        log.warning("readiness: database check failed: %s", exc)
        return f"unreachable ({type(exc).__name__})"
    return "ok"


async def redis_state(url: str) -> str:
    client = redis.from_url(url)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await client.ping()
    except Exception as exc:
        log.warning("readiness: redis check failed: %s", exc)
        return f"unreachable ({type(exc).__name__})"
    finally:
        await client.aclose()
    return "ok"


def metrics_text(metrics_dir: Path | None) -> bytes:
    """This process's registry plus the shared multiprocess directory, if any.

    When this process itself runs in multiprocess mode (PROMETHEUS_MULTIPROC_DIR set),
    its own metrics are already in the directory and are not added twice.
    """
    shared = metrics_dir or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    parts: list[bytes] = []
    if shared and Path(shared).is_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(shared))
        parts.append(generate_latest(registry))
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        parts.append(generate_latest(REGISTRY))
    return b"".join(parts)


class OpsController(Controller):
    """Probes and metrics for the service manager and Prometheus."""

    path = "/"
    tags = ("ops",)
    opt = auth.OPEN

    @get("/healthz", operation_id="healthz")
    async def healthz(self) -> Health:
        """The process is alive and serving."""
        return Health()

    @get("/readyz", operation_id="readyz", responses=problems.responses(503))
    async def readyz(self, settings: SettingsDep) -> Readiness:
        """The database is reachable and migrated, and Redis answers when configured."""
        checks = {"database": await database_state()}
        if settings.redis_url:
            checks["redis"] = await redis_state(settings.redis_dsn)
        failing = {name: state for name, state in checks.items() if state != "ok"}
        if failing:
            detail = "; ".join(f"{name}: {state}" for name, state in failing.items())
            raise problems.ApiProblem(503, "not_ready", detail)
        return Readiness(status="ready", checks=checks)

    @get("/metrics", operation_id="metrics", media_type=PROMETHEUS_TEXT)
    async def metrics(self, settings: SettingsDep) -> Response[bytes]:
        """Prometheus text format."""
        return Response(metrics_text(settings.metrics_dir), media_type=PROMETHEUS_TEXT)
