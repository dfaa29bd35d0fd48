"""A burst of people pressing Participate on one channel post, on the production stack.

    uv run python -m tests.benchmarks.joins [--users 3000] [--rate 0] [--bots 1]
        [--existing 0] [--fresh-subscribers] [--max-connections 40]
        [--load wrk|emulator] [--profile DIR]

The stack is the one the end-to-end tests use (PostgreSQL, Redis, api, `--bots` bot
processes in webhook mode behind nginx, two workers, scheduler). The contest requires a
subscription to its channel. Each press (`--rate` a second, or all at once) is a
callback_query update delivered to nginx the way Telegram's Bot API server does (up to
max_connections at once, an update answered non-2xx sent again); the bot's answer comes
back in the webhook response. Telegram shows an answer only within 15 s.

Who plays Telegram's delivery side (`--load`):
- `wrk` (default): Debian's compiled HTTP load generator posts pre-built updates
  (`wrk_presses.py`, `presses.lua`); latency is from the moment a press was due to its
  webhook response. The Bot API emulator only answers what the bot asks (getChatMember).
- `emulator`: the Python Bot API emulator makes each press and delivers it; latency is
  from the press to the moment it executed the answer. Costs about as much CPU per press
  as the bot, so on 2 cores it competes with what is measured.

The members are long-time subscribers by default: the bot has to ask getChatMember for
each. `--fresh-subscribers` has them join the channel just before (Telegram then sends
chat_member updates, which fill the bot's membership cache).

`--existing N` bulk-loads N participants into the contest first (COPY), to compare the
cost of a join in a big contest. In the same run the benchmark measures the machine's
own limit: single-row INSERTs per second into the participant table straight through
asyncpg (8 connections, 3 s), and prints the ratio. `--profile DIR` samples every bot
process with py-spy during the burst and prints where their time went.

The command exits non-zero when a press was lost or recorded twice, or fewer than
99.5 % were answered within 15 s. The machine may be shared: the load average before
and after is printed with the figures, and CPU per join (per process) is the figure that
compares across runs.

What the profile showed, and what changed (README, "Benchmarks", has the figures):
- before (this session's start): a join was 5 database statements through Piccolo's
  query builder (user read, user insert, contest read, "already in?", the entry), a
  Redis read of the FSM state, 2-3 Redis commands (membership cache, counter-refresh
  throttle), one getChatMember, and a multipart webhook reply. Piccolo ~16 %, asyncpg
  ~19 %, aiohttp ~15 %, pydantic ~13 % of the bot's samples.
- after: 2 statements for a new joiner (user insert-or-read; lock-check-insert-count of
  the entry), 0 for the contest (a row cached 2 s per process, its version checked in the
  entry statement), no FSM read for presses in channels, the counter-refresh claim
  skipped while this process's own claim runs, a JSON webhook reply. Piccolo ~5 %; what
  is left is mostly the round trips themselves (asyncpg, aiohttp writes, uvloop).
- then: one statement per join (the user's upsert rides in the entry's statement), one
  read of an expired cached contest row per process instead of one per join in flight,
  the membership cache written by one script call, getChatMember answers parsed through
  the union tagged by `status`: bot CPU per join −16 % (1 bot) and −20 % (2 bots) in
  alternating before/after runs. Left: Redis ~17 % (three commands), getChatMember ~15 %,
  aiogram's Update parse ~14 % and dispatch ~14 %, the webhook reply's write ~13 %, the
  statement ~12 %. The table prints each process's share of CPU spent in the kernel.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import asyncpg

from tests.benchmarks.burst import (
    answered_after,
    press_at_rate,
    wait_for_answers,
    wait_for_participants,
)
from tests.benchmarks.machine import bulk_load, insert_rate
from tests.benchmarks.profile import Profiler
from tests.benchmarks.report import BurstResult, notes, render, sample_all
from tests.benchmarks.wrk_presses import WrkPresses
from tests.conftest import TEST_TOKEN
from tests.stack.conftest import ORGANIZER_ID
from tests.stack.launcher import Stack, StackOptions
from tests.stack.scenario import ContestWorld, make_world, publish_contest
from tests.telegram_emulator import TelegramEmulator

ANSWER_WINDOW_SECONDS = 15.0
ANSWERED_SHARE_NEEDED = 0.995


WRK = "wrk (presses: load generator)"


def with_self(pids: dict[str, list[int]], load: str) -> dict[str, list[int]]:
    """The stack's processes plus this one (the Bot API emulator: Telegram's side)."""
    role = "presses, getChatMember" if load == "emulator" else "getChatMember"
    return {**pids, f"benchmark (Telegram emulator: {role})": [os.getpid()]}


async def count_participants(database_url: str, contest_id: int) -> tuple[int, int]:
    """(rows, distinct users) of the contest."""
    connection = await asyncpg.connect(database_url)
    try:
        rows, distinct = await connection.fetchrow(
            "SELECT count(*), count(DISTINCT user_id) FROM participant WHERE contest = $1",
            contest_id,
        )
        return rows, distinct
    finally:
        await connection.close()


async def rows_of(database_url: str, contest_id: int) -> int:
    return (await count_participants(database_url, contest_id))[0]


def subscribers(emulator: TelegramEmulator, stack: Stack, users: int, fresh: bool) -> ContestWorld:
    """The channel and its members; long-time members send the bot no chat_member update."""
    queue = emulator.bot.queue
    allowed = queue.allowed
    if not fresh:
        queue.allowed = allowed - {"chat_member"}
    try:
        return make_world(emulator, stack, ORGANIZER_ID, members=users, outsiders=0)
    finally:
        queue.allowed = allowed


async def run(args: argparse.Namespace, log_dir: Path) -> tuple[BurstResult, int]:
    async with TelegramEmulator(token=TEST_TOKEN) as emulator:
        options = StackOptions(
            telegram_api_url=emulator.base_url,
            bot_token=TEST_TOKEN,
            log_dir=log_dir,
            admin_ids=(ORGANIZER_ID,),
            bots=args.bots,
            extra_env={"WEBHOOK_MAX_CONNECTIONS": str(args.max_connections)},
        )
        async with Stack(options) as stack:
            world = subscribers(emulator, stack, args.users, args.fresh_subscribers)
            await publish_contest(
                world, title="Benchmark", deadline_in=3600, winners=1, notify=False
            )
            limit = await insert_rate(stack.database_url, world)
            if args.existing:
                await bulk_load(stack.database_url, world.contest_id, args.existing)
            await emulator.wait_for(lambda: not len(emulator.bot.queue), timeout=120)
            await asyncio.sleep(3)  # let the counter refresh after publishing settle
            bots = [name for name in stack.roles if name.startswith("bot")]
            profiler = Profiler(args.profile, {name: stack.roles[name].pid for name in bots})
            presser = None
            pids = with_self(stack.pids(), args.load)
            if args.load == "wrk":
                presser = WrkPresses(stack, world, world.members, args.rate, args.max_connections)
                pids[WRK] = [presser.launch()]
            before = sample_all(pids)
            load_before = os.getloadavg()[0]
            profiler.start()
            if presser is not None:
                started = presser.start
                await presser.wait(presser.last_due + ANSWER_WINDOW_SECONDS + 15)
            else:
                started = time.monotonic()
                queries = await press_at_rate(world, world.members, args.rate)
                errors = dict(await wait_for_answers(emulator, queries))
                elapsed = answered_after(queries, started)
                latencies = [q.answer.answered_at - q.created_at for q in queries if q.answer]
                resent = None
            expected = args.users + args.existing
            _, recorded_after = await wait_for_participants(
                lambda: rows_of(stack.database_url, world.contest_id), expected, started
            )
            # CPU until the last join was recorded, late answers included
            after = sample_all(pids)
            load_after = os.getloadavg()[0]
            profile = profiler.stop()
            if presser is not None:  # answers that came while the last joins were recorded
                pressed = await presser.wait(time.monotonic() + 5)
                latencies = [p.responded - p.due for p in pressed.values() if p.answered]
                elapsed = max((p.responded for p in pressed.values()), default=started) - started
                errors = {
                    "presses never answered 2xx": args.users - len(pressed),
                    "2xx without the answer": sum(not p.answered for p in pressed.values()),
                }
                resent = presser.failed_deliveries()
                presser.stop()
            participants, distinct = await count_participants(stack.database_url, world.contest_id)
            stack.check_alive()
    in_time = sum(latency <= ANSWER_WINDOW_SECONDS for latency in latencies)
    joined = participants - args.existing
    result = BurstResult(
        title=f"{args.users} presses ({f'{args.rate:g}/s' if args.rate else 'all at once'},"
        f" made by {args.load}),"
        f" {args.bots} bot process{'es' if args.bots > 1 else ''},"
        f" max_connections {args.max_connections},"
        f" {'fresh' if args.fresh_subscribers else 'long-time'} subscribers"
        + (f", {args.existing:,} participants already in the contest" if args.existing else ""),
        users=args.users,
        latencies=latencies,
        elapsed=elapsed,
        errors={kind: count for kind, count in errors.items() if count},
        participants=joined,
        recorded_after=recorded_after,
        before=before,
        after=after,
        notes=[
            f"answered within {ANSWER_WINDOW_SECONDS:g} s: {in_time} of {args.users}",
            f"duplicates: {participants - distinct}",
            *(
                [f"deliveries answered non-2xx (sent again): {resent}"]
                if resent is not None
                else []
            ),
            f"machine limit: {limit:.0f} single-row INSERTs/s into participant via asyncpg"
            f" (8 connections); joins recorded/s ÷ limit ="
            f" {joined / max(recorded_after, 1e-3) / limit:.1%}",
            *profile,
            *notes(joined, args.users, load_before, load_after, log_dir),
        ],
    )
    failures = int(joined != args.users) + int(participants != distinct)
    failures += int(in_time < ANSWERED_SHARE_NEEDED * args.users)
    return result, failures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.joins",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument(
        "--rate", type=float, default=0, help="presses per second (default: all at once)"
    )
    parser.add_argument("--bots", type=int, default=1, help="bot processes behind nginx")
    parser.add_argument(
        "--max-connections", type=int, default=40, help="WEBHOOK_MAX_CONNECTIONS (Telegram's)"
    )
    parser.add_argument(
        "--existing", type=int, default=0, help="participants bulk-loaded before the burst"
    )
    parser.add_argument(
        "--fresh-subscribers",
        action="store_true",
        help="members join the channel just before (chat_member updates fill the cache)",
    )
    parser.add_argument(
        "--load",
        choices=("wrk", "emulator"),
        default="wrk",
        help="who presses: wrk posting updates to the webhook (cheap), or the emulator",
    )
    parser.add_argument("--profile", type=Path, help="py-spy the bot processes, output here")
    parser.add_argument("--logs", type=Path, help="where the stack's logs go (default: a temp dir)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="contest-bot-bench-"))
    result, failures = asyncio.run(run(args, log_dir))
    print(render(result))
    if failures:
        raise SystemExit("FAIL: a press was lost or doubled, or too few answered in time")


if __name__ == "__main__":
    main()
