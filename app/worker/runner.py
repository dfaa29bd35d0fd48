"""The `worker` and `scheduler` roles, and the in-process variant `dev` uses.

These roles write their metrics to the shared `METRICS_DIR`: the command line sets it
up (`multiproc.use_metrics_dir`) before this module, and prometheus_client, is imported.
"""

from __future__ import annotations

import asyncio
import logging

from taskiq.api import run_receiver_task

from app import metrics
from app.config import Settings
from app.errors import NotConfiguredError
from app.worker import broker, enqueue, scheduler
from app.worker.delivery import Deliverer

log = logging.getLogger(__name__)

MAX_CONCURRENT_TASKS = 50
DEPTH_EVERY_SECONDS = 5.0


def _needs_redis(settings: Settings, role: str) -> None:
    if not settings.redis_url:
        raise NotConfiguredError(
            f"the {role} role needs REDIS_URL; `contest-bot dev` runs tasks without Redis"
        )


async def run_worker(settings: Settings) -> None:
    """Run tasks from the Redis stream and send the outbox until cancelled."""
    _needs_redis(settings, "worker")
    worker = enqueue.install(broker.build(settings))
    worker.broker.is_worker_process = True
    try:
        await broker.started()
        log.info("worker started (%s)", worker.broker.__class__.__name__)
        async with asyncio.TaskGroup() as group:
            group.create_task(
                run_receiver_task(
                    worker.broker, run_startup=False, max_async_tasks=MAX_CONCURRENT_TASKS
                )
            )
            group.create_task(Deliverer(worker).run())
            group.create_task(_report_depth(worker))
    finally:
        await broker.stop()


async def _report_depth(worker: object) -> None:
    depth = getattr(getattr(worker, "broker", None), "depth", None)
    while depth is not None:
        try:
            metrics.QUEUE_DEPTH.set(await depth())
        except Exception as exc:
            log.debug("queue depth unavailable: %s", exc)
        await asyncio.sleep(DEPTH_EVERY_SECONDS)


async def run_scheduler(settings: Settings) -> None:
    """Lead (or stand by) and fire deadlines from the database until cancelled."""
    _needs_redis(settings, "scheduler")
    worker = enqueue.install(broker.build(settings))
    lease = scheduler.Lease(worker, settings.scheduler_lease_seconds)
    try:
        await broker.started()
        log.info("scheduler %s started; waiting for the lease", lease.owner)
        await scheduler.run(worker, lease)
    finally:
        try:
            await lease.release()
        except Exception as exc:
            log.debug("could not release the scheduler lease: %s", exc)
        await broker.stop()


async def run_embedded(settings: Settings) -> None:
    """`dev`: tasks, outbox and deadlines in this process (no Redis) until cancelled."""
    worker = enqueue.install(broker.build(settings))
    try:
        await broker.started()
        async with asyncio.TaskGroup() as group:
            group.create_task(Deliverer(worker).run())
            group.create_task(scheduler.run(worker, None))
    finally:
        await broker.stop()
