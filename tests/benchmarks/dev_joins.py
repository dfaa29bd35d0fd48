"""A burst of people pressing Participate, on the embedded default (`contest-bot dev`).

    uv run python -m tests.benchmarks.dev_joins [--users 3000] [--rate 0] [--logs DIR]

One process: SQLite under a fresh state directory, tasks in-process, the bot long-polling
the Bot API emulator, the API on a loopback port (used to create and publish the contest).
Presses are made in the emulator (all at once, or `--rate` per second) and reach the bot
through getUpdates; latency is from the press to the emulator receiving the bot's
answerCallbackQuery.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from pathlib import Path

import httpx

from app.config import env_names
from tests.benchmarks.burst import (
    answered_after,
    press_at_rate,
    wait_for_answers,
    wait_for_participants,
)
from tests.benchmarks.report import BurstResult, notes, render, sample_all
from tests.conftest import TEST_TOKEN
from tests.nginx_stack import free_port
from tests.stack.conftest import ORGANIZER_ID
from tests.stack.probes import PROBE_TIMEOUT_SECONDS
from tests.stack.roles import RoleProcess
from tests.stack.scenario import Site, make_world, publish_contest
from tests.telegram_emulator import TelegramEmulator

READY_TIMEOUT_SECONDS = 120.0


def dev_process(emulator: TelegramEmulator, state: Path, port: int, log_dir: Path) -> RoleProcess:
    settings = set(env_names())
    env = {key: value for key, value in os.environ.items() if key not in settings}
    env.update(
        {
            "BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_URL": emulator.base_url,
            "STATE_DIR": str(state),
            "API_HOST": "127.0.0.1",
            "API_PORT": str(port),
            "ADMIN_IDS": str(ORGANIZER_ID),
            "LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
        }
    )

    async def ready(_: RoleProcess) -> bool:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS) as client:
            try:
                response = await client.get(f"http://127.0.0.1:{port}/readyz")
            except httpx.TransportError:
                return False
        polling = emulator.call_counts().get("getUpdates", 0) > 0
        return response.status_code == 200 and polling

    return RoleProcess("dev", "dev", env, log_dir / "dev.log", state, ready)


def count_participants(database: Path, contest_id: int) -> int:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT count(*) FROM participant WHERE contest = ?", (contest_id,)
        ).fetchone()
    return int(row[0])


async def run(users: int, rate: float, log_dir: Path) -> BurstResult:
    state = Path(tempfile.mkdtemp(prefix="contest-bot-dev-bench-"))
    port = free_port()
    async with TelegramEmulator(token=TEST_TOKEN) as emulator:
        dev = dev_process(emulator, state, port, log_dir)
        await dev.start(READY_TIMEOUT_SECONDS)
        try:
            site = Site(f"http://127.0.0.1:{port}", TEST_TOKEN)
            world = make_world(emulator, site, ORGANIZER_ID, members=users, outsiders=0)
            await publish_contest(
                world, title="Benchmark", deadline_in=3600, winners=1, notify=False
            )
            await asyncio.sleep(3)
            pids = {"dev (every role)": [dev.pid], "benchmark (emulator)": [os.getpid()]}
            before = sample_all(pids)  # type: ignore[arg-type]
            load_before = os.getloadavg()[0]
            started = time.monotonic()
            queries = await press_at_rate(world, world.members, rate)
            errors = await wait_for_answers(emulator, queries)
            elapsed = answered_after(queries, started)
            after = sample_all(pids)  # type: ignore[arg-type]
            load_after = os.getloadavg()[0]
            database = state / "contest-bot.sqlite3"
            participants, recorded_after = await wait_for_participants(
                lambda: asyncio.to_thread(count_participants, database, world.contest_id),
                users,
                started,
            )
            if not dev.alive:
                raise dev.failure("died during the benchmark")
        finally:
            await dev.stop()
    return BurstResult(
        title=f"{users} joins on `contest-bot dev` (SQLite, polling,"
        f" {f'{rate:g} presses/s' if rate else 'all at once'})",
        users=users,
        latencies=[q.answer.answered_at - q.created_at for q in queries if q.answer],
        elapsed=elapsed,
        errors=dict(errors),
        participants=participants,
        recorded_after=recorded_after,
        before=before,
        after=after,
        notes=notes(participants, users, load_before, load_after, log_dir),
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.dev_joins",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument(
        "--rate", type=float, default=0, help="presses per second (default: all at once)"
    )
    parser.add_argument("--logs", type=Path, help="where the log goes (default: a temp dir)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="contest-bot-bench-"))
    result = asyncio.run(run(args.users, args.rate, log_dir))
    print(render(result))
    if result.participants != args.users:
        raise SystemExit(f"FAIL: {result.participants} participants for {args.users} presses")


if __name__ == "__main__":
    main()
