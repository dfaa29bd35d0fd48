"""Organizer views of a contest with many entries, through the API, on PostgreSQL.

    uv run python -m tests.benchmarks.organizer [--participants 1000000] [--contests 1000]

Loads N participants (and their profiles) into one contest and `--contests` more
contests with COPY, then asks the API (uvicorn in a child process) for the stats,
the CSV export and a bot admin's contest list. The export is downloaded by curl (so the
API process does only the serving) while the child samples its resident memory; then
the bot's way, the same stream (`app.db.export`) written to a temporary file. Limits,
measured in the same run straight through asyncpg: `count(*)` of the contest for the
stats, `COPY (the same join) TO STDOUT WITH csv` for the export; the CPU seconds
PostgreSQL's backend spent on that COPY and on the export's own query are printed too
(wall times on a shared machine are noisy; those are not).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
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


def _backend_cpu(pid: int) -> float:
    """CPU seconds a PostgreSQL backend has used (its /proc entry; this runs as root)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _copy(
    connection: asyncpg.Connection, query: str, *args: object, **options: str
) -> tuple[float, float]:
    """Wall and backend CPU seconds of `COPY (query) TO STDOUT` into a sink that drops it."""

    async def drop(_: bytes) -> None:
        pass

    pid = await connection.fetchval("SELECT pg_backend_pid()")
    started, cpu = time.perf_counter(), _backend_cpu(pid)
    await connection.copy_from_query(query, *args, output=drop, **options)
    return time.perf_counter() - started, _backend_cpu(pid) - cpu


async def limits(url: str, contest_id: int) -> dict[str, float]:
    from app.db import export

    connection = await asyncpg.connect(url)
    started = time.perf_counter()
    await connection.fetchval("SELECT count(*) FROM participant WHERE contest = $1", contest_id)
    counted = time.perf_counter() - started
    copy, copy_cpu = await _copy(
        connection,
        "SELECT p.user_id, u.username, u.first_name, p.source, p.joined_at FROM participant p"
        f" LEFT JOIN telegram_user u ON u.id = p.user_id WHERE p.contest = {contest_id}"
        " ORDER BY p.id",
        format="csv",
    )
    lines, lines_cpu = await _copy(connection, export.LINES, contest_id)
    await connection.close()
    return {
        "count": counted,
        "copy": copy,
        "copy_cpu": copy_cpu,
        "lines": lines,
        "lines_cpu": lines_cpu,
    }


async def _download(url: str, headers: dict[str, str], into: Path) -> tuple[float, int]:
    """curl fetches `url` into a file (a client in a process of its own); status, time."""
    started = time.perf_counter()
    curl = await asyncio.create_subprocess_exec(
        "curl", "-sS", "--fail", "-o", str(into), "-w", "%{http_code}",
        *[part for name, value in headers.items() for part in ("-H", f"{name}: {value}")],
        url,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await curl.communicate()
    assert curl.returncode == 0, out
    return time.perf_counter() - started, int(out)


async def _peak_rss(peak: list[int]) -> None:
    while True:
        peak[0] = max(peak[0], rss_kib())
        await asyncio.sleep(0.01)


async def _into_file(name: str, chunks: AsyncIterator[bytes], peak: list[int]) -> dict[str, float]:
    """Time, CPU and memory growth of writing `chunks` into an unnamed temporary file."""
    before = peak[0] = rss_kib()
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryFile() as file:
        async for chunk in chunks:
            file.write(chunk)
        size = file.tell()
    return {
        name: time.perf_counter() - started,
        f"{name}_cpu": time.process_time() - cpu,
        f"{name}_growth": peak[0] - before,
        f"{name}_bytes": size,
    }


def _rows(path: Path) -> int:
    with path.open("rb") as file:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b"")) - 1


async def measure(url: str, contest_id: int) -> dict[str, float]:
    """In the child: the API answers, with time and memory growth for each."""
    from app.api.app import create_app
    from app.config import load_settings
    from app.db import engine, export
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
    scratch = Path(tempfile.mkdtemp(prefix="organizer-export-"))
    downloaded = scratch / "participants.csv"
    before = rss_kib()
    peak = [before]
    sampling = asyncio.create_task(_peak_rss(peak))
    cpu = time.process_time()
    took, status = await _download(
        f"http://127.0.0.1:{port}{base}/participants.csv", owner, downloaded
    )
    assert status == 200
    figures.update(
        export=took,
        export_cpu=time.process_time() - cpu,
        export_bytes=downloaded.stat().st_size,
        export_rows=_rows(downloaded),
        export_growth=peak[0] - before,
    )
    # The bot's way: the same stream into an unnamed temporary file (before the upload);
    # and before: what served both until PostgreSQL wrote the lines (SQLite's path now).
    for name, chunks in (
        ("bot_file", export.participants_csv(contest_id)),
        ("python", export.written_by_python(contest_id)),
    ):
        figures.update(await _into_file(name, chunks, peak))
        assert figures[f"{name}_bytes"] == figures["export_bytes"], name
    sampling.cancel()
    downloaded.unlink()
    scratch.rmdir()
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
            f"CSV export over HTTP ({got['export_rows']:,.0f} rows,"
            f" {got['export_bytes'] / mib / mib:.0f} MiB, curl)",
            f"{got['export']:.2f} s",
            f"COPY … csv {limit['copy']:.2f} s",
            f"{got['export'] / limit['copy']:.1f}",
            "≤ 1 s, constant memory",
        ],
        [
            "before: rows read in batches, csv module (temp file)",
            f"{got['python']:.2f} s",
            f"COPY … csv {limit['copy']:.2f} s",
            f"{got['python'] / limit['copy']:.1f}",
            "",
        ],
        [
            "bot's file (same stream into a temporary file)",
            f"{got['bot_file']:.2f} s",
            f"COPY … csv {limit['copy']:.2f} s",
            f"{got['bot_file'] / limit['copy']:.1f}",
            "≤ 1 s, constant memory",
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
        f" {got['export_growth'] / mib:.1f} MiB while streaming the export (CPU"
        f" {got['export_cpu']:.2f} s) and {got['bot_file_growth'] / mib:.1f} MiB while"
        f" writing the bot's file (CPU {got['bot_file_cpu']:.2f} s; before: CPU"
        f" {got['python_cpu']:.2f} s, grew {got['python_growth'] / mib:.1f} MiB),"
        f" peak {peak / mib:.0f} MiB;"
        f" loading took {loaded:.0f} s"
    )
    print(
        f"PostgreSQL backend CPU: COPY … csv of the join {limit['copy_cpu']:.2f} s;"
        f" the export's query (COPY of its CSV lines) {limit['lines_cpu']:.2f} s"
        f" ({limit['lines']:.2f} s wall) in the same run"
    )
    lost = args.participants - int(got["export_rows"])
    print(f"export: {int(got['export_rows']):,} rows, {lost} lost")
    print(f"hardware: {hardware()}; shared with other work, so figures are noisy")


if __name__ == "__main__":
    main()
