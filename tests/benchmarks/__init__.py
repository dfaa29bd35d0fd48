"""Benchmarks (not part of the pytest suite): a burst of people pressing Participate.

    uv run python -m tests.benchmarks.joins        # production stack through nginx
    uv run python -m tests.benchmarks.dev_joins    # `contest-bot dev` on SQLite

Both take `--users N` (default 3000); `--help` lists the other options. They print a
table: answer latency (press → answerCallbackQuery executed by the Bot API
emulator) p50/p95/p99/max, joins per second, errors, participants in the database at the
end (must equal N), and the resident memory of every process before and after.
"""
