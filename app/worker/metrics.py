"""Counting and timing every task run (the metrics themselves are in `app.metrics`)."""

from __future__ import annotations

import time
from typing import Any

from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from app.metrics import TASK_SECONDS, TASKS


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
