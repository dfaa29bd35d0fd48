"""A burst of people pressing Participate on one channel post, on the production stack.

    uv run python -m tests.benchmarks.joins [--users 3000] [--connections 40]
                                            [--rate 0] [--source 127.0.0.1] [--logs DIR]

The stack is the one the end-to-end tests use (PostgreSQL, Redis, api, bot in webhook
mode, two workers, scheduler, nginx). The contest requires a subscription to its channel,
so every join makes the bot ask Telegram (the emulator) getChatMember.

Telegram delivers webhook updates over up to `max_connections` (default 40) parallel
connections; this benchmark does the same: each press is made in the emulator just
before its update goes out (so the callback query exists and answerCallbackQuery is
accepted within the emulator's 15 s, as with Telegram), then POSTed to nginx as a
webhook update with the secret header, retried on a non-2xx answer as Telegram would.
Latency is from the first POST of an update to the moment the emulator received the
bot's answerCallbackQuery for it.

`--source 127.0.0.2` sends from an address nginx rate-limits (the webhook zone), as
Telegram's own addresses would be unless the deployment exempts them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.benchmarks.burst import answered_after, wait_for_answers, wait_for_participants
from tests.benchmarks.report import BurstResult, notes, render, sample_all
from tests.conftest import TEST_TOKEN
from tests.stack.conftest import ORGANIZER_ID
from tests.stack.launcher import Stack, StackOptions
from tests.stack.scenario import join_data, make_world, publish_contest
from tests.telegram_emulator import CallbackQuery, TelegramEmulator

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRIES = 10


def callback_update(update_id: int, query: CallbackQuery) -> dict[str, Any]:
    """The update Telegram sends for a press (as the emulator's own delivery builds it)."""
    assert query.message is not None
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query.id,
            "from": query.user.to_api(),
            "message": query.message.to_api(),
            "chat_instance": str(query.message.chat.id),
            "data": query.data,
        },
    }


async def deliver(
    client: httpx.AsyncClient,
    secret: str,
    press: Callable[[int], CallbackQuery],
    user_ids: list[int],
    connections: int,
    rate: float,
) -> tuple[list[CallbackQuery], dict[str, float], Counter[str]]:
    """Each user presses (just before the update goes out, so the 15 s answer window starts
    then) and the update is POSTed, `connections` at a time; `rate` > 0 spreads the presses
    at that many per second instead of all at once. Returns the queries, their first-send
    times and the errors."""
    queries: list[CallbackQuery] = []
    sent_at: dict[str, float] = {}
    errors: Counter[str] = Counter()
    pending = iter(enumerate(user_ids))
    started = time.monotonic()
    headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}

    async def sender() -> None:
        for number, user_id in pending:
            if rate > 0:
                await asyncio.sleep(max(0.0, started + number / rate - time.monotonic()))
            query = press(user_id)
            queries.append(query)
            update = callback_update(10_000_000 + number, query)
            body = httpx.Request("POST", "/", json=update).content
            delay = 0.05
            for _ in range(RETRIES):
                sent_at.setdefault(query.id, time.monotonic())
                try:
                    response = await client.post("/telegram/webhook", content=body, headers=headers)
                except httpx.TransportError as exc:
                    errors[f"webhook {type(exc).__name__} (retried)"] += 1
                else:
                    if response.is_success:
                        break
                    errors[f"webhook HTTP {response.status_code} (retried)"] += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            else:
                errors["webhook gave up"] += 1

    await asyncio.gather(*(sender() for _ in range(connections)))
    return queries, sent_at, errors


def with_self(pids: dict[str, list[int]]) -> dict[str, list[int]]:
    """The stack's processes plus this one (the Bot API emulator and the HTTP client)."""
    return {**pids, "benchmark (emulator, client)": [os.getpid()]}


async def count_participants(database_url: str, contest_id: int) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetchval(
            "SELECT count(*) FROM participant WHERE contest = $1", contest_id
        )
    finally:
        await connection.close()


async def run(users: int, connections: int, source: str, rate: float, log_dir: Path) -> BurstResult:
    async with TelegramEmulator(token=TEST_TOKEN) as emulator:
        options = StackOptions(
            telegram_api_url=emulator.base_url,
            bot_token=TEST_TOKEN,
            log_dir=log_dir,
            admin_ids=(ORGANIZER_ID,),
        )
        async with Stack(options) as stack:
            world = make_world(emulator, stack, ORGANIZER_ID, members=users, outsiders=0)
            post = await publish_contest(
                world, title="Benchmark", deadline_in=3600, winners=1, notify=False
            )
            # from here on the benchmark delivers the updates itself, 40 at a time
            await emulator.remove_webhook(emulator.bot)

            def press(user_id: int) -> CallbackQuery:
                return emulator.press_button(
                    user_id, world.channel.id, post.message_id, data=join_data(world.contest_id)
                )

            await asyncio.sleep(3)  # let the counter refresh after publishing settle
            before = sample_all(with_self(stack.pids()))
            load_before = os.getloadavg()[0]
            transport = httpx.AsyncHTTPTransport(
                local_address=source, limits=httpx.Limits(max_connections=connections)
            )
            async with httpx.AsyncClient(
                base_url=stack.base_url, transport=transport, timeout=60
            ) as client:
                started = time.monotonic()
                queries, sent_at, errors = await deliver(
                    client, options.webhook_secret, press, world.members, connections, rate
                )
            errors.update(await wait_for_answers(emulator, queries))
            elapsed = answered_after(queries, started)
            after = sample_all(with_self(stack.pids()))
            load_after = os.getloadavg()[0]
            participants, recorded_after = await wait_for_participants(
                lambda: count_participants(stack.database_url, world.contest_id), users, started
            )
            stack.check_alive()
            return BurstResult(
                title=f"{users} joins through nginx ({connections} connections from {source},"
                f" {f'{rate:g} presses/s' if rate else 'all at once'}),"
                " PostgreSQL + Redis + 2 workers",
                users=users,
                latencies=[q.answer.answered_at - sent_at[q.id] for q in queries if q.answer],
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
        prog="python -m tests.benchmarks.joins",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=40, help="parallel webhook POSTs")
    parser.add_argument("--source", default="127.0.0.1", help="local address to send from")
    parser.add_argument(
        "--rate", type=float, default=0, help="presses per second (default: all at once)"
    )
    parser.add_argument("--logs", type=Path, help="where the stack's logs go (default: a temp dir)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="contest-bot-bench-"))
    result = asyncio.run(run(args.users, args.connections, args.source, args.rate, log_dir))
    print(render(result))
    if result.participants != args.users:
        raise SystemExit(f"FAIL: {result.participants} participants for {args.users} presses")


if __name__ == "__main__":
    main()
