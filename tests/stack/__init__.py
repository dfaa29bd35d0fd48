"""The local production stack: every role as its own process behind nginx.

`launcher.Stack` starts PostgreSQL and Redis (unix sockets, Redis with a password), runs
`contest-bot migrate`, then the api, the bot (webhook mode), the workers, the scheduler
and nginx on 127.0.0.1, waiting for each to be ready before starting the next. It can
stop, restart or kill -9 any one of them, and stops them all cleanly at the end.

The end-to-end tests here (`test_*.py`, marked `nginx`) drive it with Telegram-shaped
updates from the Bot API emulator and a headless Chromium; `tests/benchmarks/` reuses
the launcher to measure a burst of joins.
"""
