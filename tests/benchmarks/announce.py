"""A results announcement to many people: the outbox drained by worker processes.

    uv run python -m tests.benchmarks.announce [--recipients 20000] [--workers 2]
                                               [--rate 1000] [--flood] [--profile DIR]

Real `contest-bot worker` processes, PostgreSQL and Redis; Telegram is the emulator (in
this process), which lets paid broadcasts through at up to 1,000/s. The workers run with
`ALLOW_PAID_BROADCAST=true` and `TELEGRAM_RATE_LIMIT=--rate`, the limit the achieved rate
is compared with. The messages are queued as an announcement queues them
(`outbox.enqueue_many`); `--flood` makes the emulator answer three sends with 429
(retry_after 1 s) once a tenth has gone. Every recipient is checked: 0 lost, 0 twice.
`--profile DIR` samples the workers with py-spy while they send.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from app.config import load_settings
from app.db import engine
from app.db.migrate import migrate
from app.telegram import outbox
from tests import servers
from tests.benchmarks.draw import hardware
from tests.benchmarks.profile import Profiler
from tests.benchmarks.report import _table as table
from tests.benchmarks.report import sample_all
from tests.conftest import TEST_TOKEN
from tests.stack.launcher import server_pids
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import (
    WORKER_READY,
    Environment,
    Role,
    add_users,
    delivery_figures,
    messages_per_user,
    started,
    wait_until,
)

FIRST_USER = 700_000


async def run(
    recipients: int, workers: int, rate: float, flood: bool, root: Path, profile: Path | None
) -> dict:
    user_ids = list(range(FIRST_USER, FIRST_USER + recipients))
    with servers.postgres(root / "pg") as pg, servers.redis(root / "redis") as redis:
        url = pg.create_database("announce_bench")
        current = engine.use(
            engine.make_engine(load_settings(database_url=url, bot_token=TEST_TOKEN))
        )
        await engine.start(current)
        await migrate()
        async with TelegramEmulator(token=TEST_TOKEN) as emulator:
            add_users(emulator, user_ids)
            environment = Environment(url, redis.url, emulator.base_url, root)
            environment.extra["TELEGRAM_RATE_LIMIT"] = str(rate)
            roles = [Role("worker", environment) for _ in range(workers)]
            try:
                for role in roles:
                    await started(role, WORKER_READY)
                pids = {
                    "workers": [role.pid for role in roles],
                    "emulator": [os.getpid()],
                    **server_pids(pg, redis),
                }
                profiler = Profiler(
                    profile, {f"worker{n}": role.pid for n, role in enumerate(roles, 1)}
                )
                profiler.start()
                before = sample_all(pids)
                began = time.monotonic()
                await outbox.enqueue_many(
                    outbox.Message(f"result:1:{uid}", uid, "result", {"text": f"Results {uid}"})
                    for uid in user_ids
                )
                queued = time.monotonic() - began

                async def sent_at_least(wanted: int) -> bool:
                    return (await outbox.counts()).get(outbox.SENT, 0) >= wanted

                if flood:
                    await wait_until(lambda: sent_at_least(recipients // 10), 600, "a tenth sent")
                    emulator.inject_fault("flood", 3, method="sendMessage", retry_after=1)
                await wait_until(lambda: sent_at_least(recipients), 1200, "every message sent")
                elapsed = time.monotonic() - began
                after = sample_all(pids)
                profiled = profiler.stop()
                cpu = {name: after[name].cpu_seconds - before[name].cpu_seconds for name in pids}
                floods = sum(role.output().count("Telegram flood control") for role in roles)
            finally:
                for role in roles:
                    role.stop()
            figures = delivery_figures(messages_per_user(emulator, user_ids), user_ids)
        await engine.stop(current)
    return {
        **figures,
        "queued": queued,
        "elapsed": elapsed,
        "floods": floods,
        "cpu": cpu,
        "profile": profiled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--flood", action="store_true")
    parser.add_argument("--profile", type=Path, help="py-spy the workers, output here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="announce-bench-") as scratch:
        root = Path(scratch)
        os.chmod(root, 0o755)
        got = asyncio.run(
            run(args.recipients, args.workers, args.rate, args.flood, root, args.profile)
        )
    achieved = got["sent"] / got["elapsed"]
    rows = [
        ["measure", "value", "target"],
        ["recipients", f"{args.recipients:,}", ""],
        [f"queued (outbox, batches of {outbox.ENQUEUE_BATCH})", f"{got['queued']:.2f} s", ""],
        ["all sent after", f"{got['elapsed']:.1f} s", ""],
        ["achieved rate", f"{achieved:,.0f} messages/s", ""],
        ["limit: TELEGRAM_RATE_LIMIT (paid broadcast)", f"{args.rate:,.0f}/s", ""],
        ["achieved / limit", f"{achieved / args.rate:.0%}", "≥ 90 %"],
        ["429s answered by the workers", str(got["floods"]), "3 with --flood"],
        ["lost / sent twice", f"{got['lost']} / {got['duplicates']}", "0 / 0"],
        [
            "CPU per message",
            ", ".join(
                f"{name} {seconds * 1000 / max(got['sent'], 1):.1f} ms"
                for name, seconds in got["cpu"].items()
            ),
            "",
        ],
    ]
    flood = ", 429s injected" if args.flood else ""
    print(f"== announcement to {args.recipients:,} people, {args.workers} workers{flood}")
    print(table(rows))
    print(f"hardware: {hardware()}; shared with other work, so figures are noisy")
    print("\n".join(got["profile"]))


if __name__ == "__main__":
    main()
