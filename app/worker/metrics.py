"""Worker metrics: tasks run, failed and retried, queue depth, messages sent and limited.

Send rate is `rate(contest_bot_messages_total{outcome="sent"}[1m])`.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

TASKS = Counter(
    "contest_bot_tasks_total", "Background tasks finished, by outcome.", ["task", "outcome"]
)
TASKS_RETRIED = Counter(
    "contest_bot_task_retries_total", "Transient failures retried inside tasks.", ["task"]
)
TASK_SECONDS = Histogram(
    "contest_bot_task_seconds",
    "Time a background task ran.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
QUEUE_DEPTH = Gauge(
    "contest_bot_queue_depth", "Task messages not yet acknowledged.", multiprocess_mode="max"
)
OUTBOX_PENDING = Gauge(
    "contest_bot_outbox_pending", "Outbox messages waiting to be sent.", multiprocess_mode="max"
)
MESSAGES = Counter(
    "contest_bot_messages_total",
    "Outbox messages by outcome (sent, blocked, failed, retried, resent after a crash).",
    ["outcome"],
)
RATE_LIMITED_SECONDS = Counter(
    "contest_bot_rate_limit_wait_seconds_total", "Time requests waited for the Telegram limiter."
)
FLOOD_WAITS = Counter(
    "contest_bot_telegram_flood_waits_total", "429 answers (retry_after) from Telegram."
)


class TaskMetricsMiddleware(TaskiqMiddleware):
    """Counts every task run by outcome and times it."""

    def __init__(self) -> None:
        super().__init__()
        self._started: dict[str, float] = {}

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        self._started[message.task_id] = time.monotonic()
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        started = self._started.pop(message.task_id, None)
        if started is not None:
            TASK_SECONDS.labels(message.task_name).observe(time.monotonic() - started)
        TASKS.labels(message.task_name, "failed" if result.is_err else "ok").inc()
