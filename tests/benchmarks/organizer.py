"""Organizer views of a contest with many entries, through the API, on PostgreSQL.

    uv run python -m tests.benchmarks.organizer [--participants 1000000] [--contests 1000]

Loads N participants (and their profiles) into one contest and `--contests` more
contests with COPY, then asks the API (uvicorn in a child process) for the stats,
the CSV export and a bot admin's contest list, measuring time and how far the child's
resident memory grows while each answer streams. The bot's CSV file is the same
stream (`app.db.export`). Limits, measured in the same run straight through asyncpg:
`count(*)` of the contest for the stats, `COPY (the same join) TO STDOUT` for the export.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
import uvicorn

from tests import servers
from tests.benchmarks.draw import OWNER, hardware, load, run_child
from tests.benchmarks.report import _table as table
from tests.conftest import TEST_TOKEN
from tests.nginx_stack import free_port

ADMIN = 1


def rss_kib() -> int:
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


async def load_more(url: str, contest_id: int, contests: int) -> None:
    """Profiles for every participant, and `contests` more contests for the lists."""
    connection = await asyncpg.connect(url)
    await connection.execute(
        "INSERT INTO telegram_user (id, first_name, username, language, blocked_bot,"
        " created_at, updated_at)"
        " SELECT user_id, 'Name ' || user_id, 'user' || user_id, 'en', false, now(), now()"
        " FROM participant WHERE contest = $1",
        contest_id,
    )
    await connection.execute(
        "INSERT INTO contest (owner_id, title, description, winners_count, reserve_count,"
        " status, language, notify_participants, results_mode, created_at, updated_at,"
        " participant_count)"
        " SELECT $1 + n % 50, 'Contest ' || n, '', 1, 0, 'active', 'en', false, 'reply',"
        " now(), now(), 0 FROM generate_series(1, $2) AS n",
        OWNER,
        contests,
    )
    await connection.execute(
        "UPDATE contest SET participant_count = (SELECT count(*) FROM participant"
        " WHERE contest = $1) WHERE id = $1",
        contest_id,
    )
    await connection.execute("ANALYZE")
    await connection.close()


async def limits(url: str, contest_id: int) -> dict[str, float]:
    connection = await asyncpg.connect(url)
    started = time.perf_counter()
    await connection.fetchval("SELECT count(*) FROM participant WHERE contest = $1", contest_id)
    counted = time.perf_counter() - started
    size = 0

    async def sink(chunk: bytes) -> None:
        nonlocal size
        size += len(chunk)

    started = time.perf_counter()
    await connection.copy_from_query(
        "SELECT p.user_id, u.username, u.first_name, p.source, p.joined_at FROM participant p"
        f" LEFT JOIN telegram_user u ON u.id = p.user_id WHERE p.contest = {contest_id}"
        " ORDER BY p.id",
        output=sink,
        format="csv",
    )
    copied = time.perf_counter() - started
    await connection.close()
    return {"count": counted, "copy": copied, "copy_bytes": size}


async def measure(url: str, contest_id: int) -> dict[str, float]:
    """In the child: the API answers, with time and memory growth for each."""
    from app.api.app import create_app
    from app.config import load_settings
    from app.db import engine
    from app.telegram.client import make_bot
    from tests.api.conftest import auth_header

    settings = load_settings(database_url=url, bot_token=TEST_TOKEN, admin_ids=str(ADMIN))
    current = engine.use(engine.make_engine(settings))
    await engine.start(current)
    bot = make_bot(settings)
    app = create_app(settings, bot=bot)
    app.state.bot = bot
    # A real HTTP server (httpx's ASGI transport would hold a whole response in memory).
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    figures: dict[str, float] = {"rss_start": rss_kib()}
    base = f"/api/organizer/contests/{contest_id}"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
        owner, admin = auth_header(OWNER), auth_header(ADMIN)
        for name, path, headers in (
            ("stats", f"{base}/stats", owner),
            ("list", "/api/organizer/contests?limit=20", admin),
            ("list_owner", "/api/organizer/contests", owner),
        ):
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            figures[name] = time.perf_counter() - started
            assert response.status_code == 200, response.text
            if name == "stats":
                figures["stats_points"] = len(response.json()["series"])
            else:
                figures[f"{name}_rows"] = len(response.json())
        before = rss_kib()
        peak = before
        size = rows = 0
        started = time.perf_counter()
        async with client.stream("GET", f"{base}/participants.csv", headers=owner) as response:
            assert response.status_code == 200
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                rows += chunk.count(b"\n")
                peak = max(peak, rss_kib())
        figures.update(
            export=time.perf_counter() - started,
            export_bytes=size,
            export_rows=rows - 1,
            export_growth=peak - before,
        )
    server.should_exit = True
    await serving
    await bot.session.close()
    await engine.stop(current)
    figures["rss_end"] = rss_kib()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=1_000_000)
    parser.add_argument("--contests", type=int, default=1000)
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=2, metavar=("URL", "CONTEST"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        contest_id = asyncio.run(load(args.load, args.participants))
        asyncio.run(load_more(args.load, contest_id, args.contests))
        print(contest_id)
        return
    if args.measure:
        url, contest_id = args.measure
        print(json.dumps(asyncio.run(measure(url, int(contest_id)))))
        return
    me = [sys.executable, "-m", "tests.benchmarks.organizer"]
    with tempfile.TemporaryDirectory(prefix="organizer-bench-") as scratch:
        root = Path(scratch)
        os.chmod(root, 0o755)
        with servers.postgres(root / "pg") as pg:
            url = pg.create_database("organizer_bench")
            sizes = ["--participants", str(args.participants), "--contests", str(args.contests)]
            loaded, _, output = run_child([*me, *sizes, "--load", url])
            contest_id = int(output.strip().splitlines()[-1])
            limit = asyncio.run(limits(url, contest_id))
            _, peak, output = run_child([*me, "--measure", url, str(contest_id)])
            got = json.loads(output.strip().splitlines()[-1])
    mib = 1024
    rows = [
        ["view", "time", "limit (asyncpg, same run)", "ratio", "target"],
        [
            f"stats ({got['stats_points']:.0f} points)",
            f"{got['stats']:.2f} s",
            f"count(*) {limit['count']:.2f} s",
            f"{got['stats'] / limit['count']:.1f}",
            "≤ 1 s",
        ],
        [
            f"CSV export ({got['export_rows']:,.0f} rows,"
            f" {got['export_bytes'] / mib / mib:.0f} MiB)",
            f"{got['export']:.2f} s",
            f"COPY TO STDOUT {limit['copy']:.2f} s",
            f"{got['export'] / limit['copy']:.1f}",
            "constant memory",
        ],
        [
            f"admin's contest list, one page ({got['list_rows']:.0f} of {args.contests + 1})",
            f"{got['list']:.3f} s",
            "",
            "",
            "≤ 1 s",
        ],
        [
            f"owner's contest list ({got['list_owner_rows']:.0f})",
            f"{got['list_owner']:.3f} s",
            "",
            "",
            "≤ 1 s",
        ],
    ]
    print(f"== organizer views, one contest of {args.participants:,} participants")
    print(table(rows))
    print(
        f"API process memory: {got['rss_start'] / mib:.0f} MiB at start, grew"
        f" {got['export_growth'] / mib:.0f} MiB while streaming the export,"
        f" peak {peak / mib:.0f} MiB; loading took {loaded:.0f} s"
    )
    lost = args.participants - int(got["export_rows"])
    print(f"export: {int(got['export_rows']):,} rows, {lost} lost")
    print(f"hardware: {hardware()}; shared with other work, so figures are noisy")


if __name__ == "__main__":
    main()
