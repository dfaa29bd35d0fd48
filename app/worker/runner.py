"""The `worker` and `scheduler` roles, and the in-process variant `dev` uses.

Nothing here imports prometheus_client before `use_metrics_dir` ran, so every role on a
host writes its metrics to the shared `METRICS_DIR`.
"""

from __future__ import annotations

import asyncio
import logging

from app.config import Settings
from app.errors import NotConfiguredError
from app.worker.multiproc import use_metrics_dir

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
    use_metrics_dir(settings)
    from taskiq.api import run_receiver_task

    from app.worker import broker, tasks  # noqa: F401  (registers the tasks)
    from app.worker.delivery import Deliverer

    worker = broker.install(broker.build(settings))
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
    from app import metrics

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
    use_metrics_dir(settings)
    from app.worker import broker, scheduler

    worker = broker.install(broker.build(settings))
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
    use_metrics_dir(settings)
    from app.worker import broker, scheduler
    from app.worker.delivery import Deliverer

    worker = broker.install(broker.build(settings))
    try:
        await broker.started()
        async with asyncio.TaskGroup() as group:
            group.create_task(Deliverer(worker).run())
            group.create_task(scheduler.run(worker, None))
    finally:
        await broker.stop()
