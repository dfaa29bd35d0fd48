"""The suspicion assessment of a big contest, on PostgreSQL, next to the cost of just
reading what it reads; and the join-time check's latency.

    uv run python -m tests.benchmarks.suspicion [--participants 100000]

Loads N entries with their users (a third fresh accounts without username, photo status
cached for everyone so no Telegram call is made) and referrals (one farmer's burst of
500 entries within a minute, the rest spread over a day) into a fresh PostgreSQL with
COPY, then times `app.db.suspicion.assess` (the worker's pass: the first one stores
every entry, the second finds nothing changed) and `at_join` with a referrer (what the
"suspicious only" captcha asks at a join). The limit is what a pass cannot beat:
streaming the same joined rows out of PostgreSQL (asyncpg, no ORM), measured in the
same run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from tests import servers
from tests.benchmarks.draw import OWNER, hardware, peak_rss_kib
from tests.benchmarks.report import _table as table
from tests.conftest import TEST_TOKEN

FARMER_BURST = 500
JOIN_CHECKS = 500


async def load(url: str, count: int) -> tuple[int, int]:
    """Migrate, create an active contest, COPY entries, users and referrals."""
    from app.config import load_settings
    from app.contests.rules import ContestFields
    from app.db import contests, engine
    from app.db.migrate import migrate

    current = engine.use(engine.make_engine(load_settings(database_url=url, bot_token=TEST_TOKEN)))
    await engine.start(current)
    await migrate()
    contest = await contests.create(
        OWNER, ContestFields(title="Big giveaway", description="", max_participants=10_000_000)
    )
    await contests.publish(contest.id, OWNER)
    await engine.stop(current)
    rng = random.Random(19)
    old = rng.sample(range(10_000_000, 7_000_000_000), count - count // 3)
    fresh = rng.sample(range(9_900_000_000, 9_990_000_000), count // 3)
    # The accounts were recorded (and their photos checked) a while before the passes: a
    # pass looks again at accounts changed within `suspicion.ASSESSED_MARGIN` of it.
    now = datetime.now(UTC) - timedelta(hours=1)
    connection = await asyncpg.connect(url)
    await connection.copy_records_to_table(
        "telegram_user",
        records=(
            (
                uid,
                "A",
                None if uid in fresh_set else f"u{uid}",
                "en",
                False,
                now,
                now,
                uid % 7 != 0,
                now,
            )
            for fresh_set in [set(fresh)]
            for uid in [*old, *fresh]
        ),
        columns=[
            "id",
            "first_name",
            "username",
            "language",
            "blocked_bot",
            "created_at",
            "updated_at",
            "has_photo",
            "photo_checked_at",
        ],
    )
    await connection.copy_records_to_table(
        "participant",
        records=((contest.id, uid, "bot", now) for uid in [*old, *fresh]),
        columns=["contest", "user_id", "source", "joined_at"],
    )
    farmer = old[0]
    referred = [*fresh[:FARMER_BURST], *rng.sample(old[1:], min(len(old) - 1, count // 10))]
    await connection.copy_records_to_table(
        "referral",
        records=(
            (
                contest.id,
                farmer if index < FARMER_BURST else rng.choice(old[1:1000]),
                uid,
                now
                - timedelta(seconds=index * 0.1 if index < FARMER_BURST else rng.random() * 86400),
            )
            for index, uid in enumerate(referred)
        ),
        columns=["contest", "referrer_id", "invitee_id", "created_at"],
    )
    await connection.execute(
        "UPDATE contest SET participant_count = $2 WHERE id = $1", contest.id, count
    )
    await connection.execute("ANALYZE")
    await connection.close()
    return contest.id, farmer


async def stream_rows(url: str, contest_id: int) -> tuple[float, int]:
    """The limit: the rows a pass reads, streamed with a server-side cursor."""
    connection = await asyncpg.connect(url)
    started, seen = time.perf_counter(), 0
    async with connection.transaction():
        for query in (
            "SELECT p.user_id, u.username, u.has_photo, u.photo_checked_at, u.id"
            " FROM participant p LEFT JOIN telegram_user u ON u.id = p.user_id"
            " WHERE p.contest = $1",
            "SELECT invitee_id, referrer_id, created_at FROM referral WHERE contest = $1",
        ):
            async for _ in connection.cursor(query, contest_id, prefetch=50_000):
                seen += 1
    took = time.perf_counter() - started
    await connection.close()
    return took, seen


async def measure(url: str, contest_id: int, farmer: int) -> dict[str, float]:
    from app.config import load_settings
    from app.db import engine, suspicion

    current = engine.use(engine.make_engine(load_settings(database_url=url, bot_token=TEST_TOKEN)))
    await engine.start(current)
    figures: dict[str, float] = {}
    for name in ("first", "second"):
        started, cpu = time.perf_counter(), time.process_time()
        figures[f"{name}_changed"] = await suspicion.assess(contest_id)
        figures[f"{name}_seconds"] = time.perf_counter() - started
        figures[f"{name}_cpu"] = time.process_time() - cpu
    figures["rss_mib"] = peak_rss_kib() / 1024
    found = await suspicion.summary(contest_id)
    figures["flagged"] = found.flagged
    latencies = []
    now = datetime.now(UTC)
    for index in range(JOIN_CHECKS):
        started = time.perf_counter()
        await suspicion.at_join(contest_id, 9_999_000_000 + index, None, farmer, now)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    figures["join_p50_ms"] = statistics.median(latencies) * 1000
    figures["join_p99_ms"] = latencies[int(len(latencies) * 0.99) - 1] * 1000
    await engine.stop(current)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="suspicion-bench-") as scratch:
        root = Path(scratch)
        root.chmod(0o755)
        with servers.postgres(root / "pg") as pg:
            url = pg.create_database("suspicion_bench")
            started = time.perf_counter()
            contest_id, farmer = asyncio.run(load(url, args.participants))
            loaded = time.perf_counter() - started
            limit, streamed = asyncio.run(stream_rows(url, contest_id))
            figures = asyncio.run(measure(url, contest_id, farmer))
    first, second = figures["first_seconds"], figures["second_seconds"]
    rows = [
        ["measure", "value"],
        ["entries (COPY, with users and referrals)", f"{args.participants:,} in {loaded:.1f} s"],
        ["limit: stream the rows a pass reads", f"{limit:.2f} s ({streamed:,} rows)"],
        [
            "first pass: assess and store every entry",
            f"{first:.2f} s, CPU {figures['first_cpu']:.2f} s, "
            f"{figures['first_changed']:,.0f} stored",
        ],
        [
            "second pass: nothing changed",
            f"{second:.2f} s, CPU {figures['second_cpu']:.2f} s, "
            f"{figures['second_changed']:,.0f} stored",
        ],
        ["second pass / limit (wall)", f"{second / limit:.1f}"],
        ["peak RSS of this process", f"{figures['rss_mib']:.0f} MiB"],
        ["flagged", f"{figures['flagged']:,.0f}"],
        [
            f"at_join with a referrer ({JOIN_CHECKS} calls)",
            f"p50 {figures['join_p50_ms']:.1f} ms, p99 {figures['join_p99_ms']:.1f} ms",
        ],
    ]
    print(f"machine: {hardware()} (shared with other work: figures are noisy)")
    print(table(rows))


if __name__ == "__main__":
    main()
