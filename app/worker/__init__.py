"""Background work on taskiq: the broker, the tasks, the scheduler and the outbox sender.

- `enqueue`: the task queue behind `app.telegram.background` (what the lower layers kick).
- `broker`: the taskiq broker (Redis streams, or in-process without `REDIS_URL`).
- `tasks`: publish, post, draw, announce, refresh counters, clean up.
- `scheduler`: the single active scheduler (a lease in Redis) reconciling from the database.
- `delivery`: the outbox sender loop every worker runs.
- `runner`: the `worker` and `scheduler` roles, and the in-process variant for `dev`.
"""
