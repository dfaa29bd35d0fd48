"""The Prometheus metrics the roles count: tasks, queue depth, outbox messages, Telegram limits.

Neutral ground: the Telegram layer (rate limiter) and the worker both count here, so no
layer reaches up into another to find a counter. prometheus_client picks its value store
when it is first imported, so the roles that share `METRICS_DIR` set it up first
(`app.worker.multiproc`). Send rate is `rate(contest_bot_messages_total{outcome="sent"}[1m])`.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
JOINS_LIMITED = Counter(
    "contest_bot_limited_total",
    "Join presses and captcha answers refused by the per-user / per-contest limits"
    " (limit=unchecked: let through because Redis failed).",
    ["limit"],
)
