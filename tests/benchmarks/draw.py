"""The draw of a big contest, on PostgreSQL, next to the cost of just reading its ids.

    uv run python -m tests.benchmarks.draw [--participants 1000000] [--winners 100]
                                           [--reserves 100] [--failing 0.05] [--profile]

Loads N participants into a fresh PostgreSQL with COPY, then runs the draw the worker
runs (`app.db.draws.run`) in a child process: freeze the list, hash it, rank, re-check
candidates (a stand-in re-check fails `--failing` of them, as if they had left the
channel) and store the outcome and the frozen list. It then writes the published proof
and participants file as the API serves them and runs `contest-bot verify` on them, also
in a child process. Peak RSS is each child's own (`getrusage`).

The limit is what the draw cannot beat: streaming the same ids out of PostgreSQL
(asyncpg, no ORM), measured in the same run. `--profile` writes a pyinstrument profile
of the draw (`uv run --with pyinstrument python -m tests.benchmarks.draw --profile`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from app.cli import ENTRY_POINTS
from tests import servers
from tests.benchmarks.report import _table as table
from tests.conftest import TEST_TOKEN

OWNER = 1000
WORKER_ENTRY = ENTRY_POINTS["worker"].split(":")[0]


def hardware() -> str:
    """The machine the figures come from (shared with other people's work: noisy)."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = os.getloadavg()[0]
    python = platform.python_version()
    return f"{os.cpu_count()} CPUs ({model}), load average {load:.1f}, Python {python}"


def peak_rss_kib() -> int:
    """This process's own peak RSS since it started (`ru_maxrss` would include the
    parent's peak from before the exec)."""
    return _status_kib("VmHWM:")


def rss_kib() -> int:
    return _status_kib("VmRSS:")


def _status_kib(field: str) -> int:
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith(field))


def fails_recheck(user_id: int, failing: float) -> bool:
    """Deterministic stand-in for 'left the channel': a fixed fraction of users."""
    return (user_id * 2654435761 % 2**32) / 2**32 < failing


async def load(url: str, count: int) -> int:
    """Migrate, create an active contest with 100 + 100 winners, COPY `count` participants."""
    from app.config import load_settings
    from app.contests import draw
    from app.contests.rules import ContestFields
    from app.db import contests, engine
    from app.db.migrate import migrate

    current = engine.use(engine.make_engine(load_settings(database_url=url, bot_token=TEST_TOKEN)))
    await engine.start(current)
    await migrate()
    contest = await contests.create(
        OWNER, ContestFields(title="Big giveaway", description="", max_participants=10_000_000)
    )
    await engine.stop(current)
    connection = await asyncpg.connect(url)
    await connection.execute(
        "UPDATE contest SET status = 'active', seed = $2, seed_commitment = $3 WHERE id = $1",
        contest.id,
        "ab" * 32,
        draw.commitment("ab" * 32),
    )
    rng = random.Random(16)
    ids = rng.sample(range(10_000_000, 8_000_000_000), count)
    now = datetime.now(UTC)
    await connection.copy_records_to_table(
        "participant",
        records=((contest.id, uid, "bot", now) for uid in ids),
        columns=["contest", "user_id", "source", "joined_at"],
    )
    await connection.execute("ANALYZE participant")
    await connection.close()
    return contest.id


async def stream_ids(url: str, contest_id: int) -> tuple[float, float, int]:
    """The limit: read every id of the contest in order with a server-side cursor."""
    connection = await asyncpg.connect(url)
    started, cpu = time.perf_counter(), time.process_time()
    seen = 0
    async with connection.transaction():
        cursor = connection.cursor(
            "SELECT user_id FROM participant WHERE contest = $1 ORDER BY user_id",
            contest_id,
            prefetch=50_000,
        )
        async for _ in cursor:
            seen += 1
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    await connection.close()
    return took, cpu, seen


async def draw_child(url: str, contest_id: int, failing: float, out: Path, profile: bool) -> None:
    """In the child: run the draw, write the proof (and list), print figures as JSON.

    The child first imports what `contest-bot worker` imports, so its peak RSS is the
    worker's: the modules every worker holds plus what the draw adds."""
    importlib.import_module(WORKER_ENTRY)
    imported = rss_kib()
    from app.config import load_settings
    from app.contests.conditions import CheckResult, Outcome
    from app.db import draws, engine

    async def recheck(user_id: int) -> list[CheckResult]:
        outcome = Outcome.missing if fails_recheck(user_id, failing) else Outcome.passed
        return [CheckResult("channel:-100", outcome, "left the channel")]

    current = engine.use(engine.make_engine(load_settings(database_url=url, bot_token=TEST_TOKEN)))
    await engine.start(current)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="enabled")
        profiler.start()
    started, cpu = time.perf_counter(), time.process_time()
    outcome = await draws.run(contest_id, recheck)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        profiler.stop()
        (out / "draw-profile.txt").write_text(profiler.output_text(unicode=True))
    rss = peak_rss_kib()
    published = await write_proof(contest_id, out)
    await engine.stop(current)
    print(
        json.dumps(
            {
                "draw_seconds": took,
                "draw_cpu": cpu,
                "rss_kib": rss,
                "imported_kib": imported,
                "winners": len(outcome.winners),
                "reserves": len(outcome.reserves),
                "excluded": len(outcome.excluded),
                "participants": outcome.participant_count,
                **published,
            }
        )
    )


async def write_proof(contest_id: int, out: Path) -> dict[str, int]:
    """The proof document and the participants file as the API publishes them; sizes."""
    from app.contests import proof as proofs
    from app.db import draws

    document = proofs.encode(await draws.proof(contest_id))
    (out / "proof.json").write_bytes(document)
    listed = await draws.participants_file(contest_id)
    (out / "participants.txt.gz").write_bytes(listed)
    return {"proof_bytes": len(document), "list_bytes": len(listed)}


def run_child(command: list[str]) -> tuple[float, int, str]:
    """Wall time, peak RSS (KiB) and output of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - started
    assert process.stdout is not None and process.stderr is not None
    output = process.stdout.read().decode()
    errors = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}\n{errors}")
    return took, usage.ru_maxrss, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=1_000_000)
    parser.add_argument("--winners", type=int, default=100)
    parser.add_argument("--reserves", type=int, default=100)
    parser.add_argument("--failing", type=float, default=0.05)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument(
        "--child", nargs=3, metavar=("URL", "CONTEST", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        url, contest_id, out = args.child
        asyncio.run(draw_child(url, int(contest_id), args.failing, Path(out), args.profile))
        return
    if args.load:
        print(asyncio.run(load(args.load, args.participants)))
        return
    with tempfile.TemporaryDirectory(prefix="draw-bench-") as scratch:
        root = Path(scratch)
        os.chmod(root, 0o755)
        with servers.postgres(root / "pg") as pg:
            url = pg.create_database("draw_bench")
            # Loading runs in a child too, so this process stays small: the children's
            # peak RSS measured by wait4 starts from this process's size.
            loaded, _, output = run_child(
                [*_me(), "--participants", str(args.participants), "--load", url]
            )
            contest_id = int(output.strip().splitlines()[-1])
            asyncio.run(_winners(url, contest_id, args.winners, args.reserves))
            limit, limit_cpu, streamed = asyncio.run(stream_ids(url, contest_id))
            child = [*_me(), "--failing", str(args.failing)]
            if args.profile:
                child.append("--profile")
            _, _, output = run_child([*child, "--child", url, str(contest_id), str(root)])
            drawn = json.loads(output.strip().splitlines()[-1])
            verify_seconds, verify_rss, verdict = run_child(_verify_command(root))
            print_report(
                args,
                loaded,
                (limit, limit_cpu),
                streamed,
                drawn,
                verify_seconds,
                verify_rss,
                verdict,
            )
            if args.profile:
                target = Path("draw-profile.txt")
                target.write_text((root / "draw-profile.txt").read_text())
                print(f"profile of the draw: {target.resolve()}")


def _me() -> list[str]:
    return [sys.executable, "-m", "tests.benchmarks.draw"]


def _verify_command(root: Path) -> list[str]:
    command = [str(Path(sys.executable).parent / "contest-bot"), "verify", str(root / "proof.json")]
    return [*command, "--participants", str(root / "participants.txt.gz")]


async def _winners(url: str, contest_id: int, winners: int, reserves: int) -> None:
    connection = await asyncpg.connect(url)
    await connection.execute(
        "UPDATE contest SET winners_count = $2, reserve_count = $3 WHERE id = $1",
        contest_id,
        winners,
        reserves,
    )
    await connection.close()


def print_report(
    args: argparse.Namespace,
    loaded: float,
    limits: tuple[float, float],
    streamed: int,
    drawn: dict[str, float],
    verify_seconds: float,
    verify_rss: int,
    verdict: str,
) -> None:
    draw_seconds, draw_cpu = drawn["draw_seconds"], drawn["draw_cpu"]
    limit, limit_cpu = limits
    rows = [
        ["measure", "value", "target"],
        ["participants (COPY)", f"{args.participants:,} in {loaded:.1f} s", ""],
        [
            "limit: stream the ids out of PostgreSQL",
            f"{limit:.2f} s, CPU {limit_cpu:.2f} s ({streamed:,} ids)",
            "",
        ],
        [
            "draw: freeze, hash, rank, re-check, store",
            f"{draw_seconds:.2f} s, CPU {draw_cpu:.2f} s",
            "≤ 5 s",
        ],
        ["draw / limit (wall)", f"{draw_seconds / limit:.1f}", "≤ 2"],
        ["worker after its imports", f"{drawn['imported_kib'] / 1024:.0f} MiB", ""],
        [
            "draw peak RSS (worker process)",
            f"{drawn['rss_kib'] / 1024:.0f} MiB = {drawn['rss_kib'] * 1024 / 1e6:.0f} MB",
            "≤ 300 MB",
        ],
        [
            "winners / reserves / excluded",
            f"{drawn['winners']:.0f} / {drawn['reserves']:.0f} / {drawn['excluded']:.0f}",
            "",
        ],
        ["proof document", f"{drawn['proof_bytes'] / 1024:,.0f} KiB", ""],
    ]
    if "list_bytes" in drawn:
        rows.append(["participants file (gzip)", f"{drawn['list_bytes'] / 1024:,.0f} KiB", ""])
    rows += [
        ["contest-bot verify", f"{verify_seconds:.2f} s", "≤ 5 s"],
        ["verify peak RSS", f"{verify_rss / 1024:.0f} MiB", ""],
    ]
    print(f"== draw of {args.participants:,} participants, {args.winners} + {args.reserves}")
    print(table(rows))
    print(f"verify: {verdict.strip().splitlines()[-1][:160]}")
    lost = args.participants - int(drawn["participants"])
    print(
        f"frozen list: {int(drawn['participants']):,} ids, {lost} lost, "
        "0 duplicated (verify checks it is strictly ascending)"
    )
    print(f"hardware: {hardware()}; shared with other work, so figures are noisy")


if __name__ == "__main__":
    main()
