"""python -m tests.telegram_emulator --host 127.0.0.1 --port 8081 [--scenario FILE]"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys

from .flood import FloodLimits
from .scenario import load_scenario
from .server import TelegramEmulator


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.telegram_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--unix", metavar="PATH", help="listen on a unix socket instead of TCP")
    parser.add_argument("--token", help="the default bot's token (random when not given)")
    parser.add_argument("--bot-username", default="contest_test_bot")
    parser.add_argument("--scenario", metavar="FILE", help="JSON scenario to preload")
    parser.add_argument("--no-flood", action="store_true", help="switch flood control off")
    parser.add_argument("--callback-timeout", type=float, default=15.0)
    parser.add_argument(
        "--strict-webhooks", action="store_true", help="require HTTPS and ports 80/88/443/8443"
    )
    parser.add_argument(
        "--webhook-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a non-loopback host webhooks may point at (test hosts only); repeatable",
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    emulator = TelegramEmulator(
        host=args.host,
        port=args.port,
        unix_path=args.unix,
        token=args.token,
        bot_username=args.bot_username,
        flood=FloodLimits.off() if args.no_flood else None,
        callback_timeout=args.callback_timeout,
        strict_webhooks=args.strict_webhooks,
        webhook_hosts=tuple(args.webhook_host),
    )
    if args.scenario:
        with open(args.scenario, encoding="utf-8") as handle:
            await load_scenario(emulator, json.load(handle))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with emulator:
        where = args.unix or emulator.base_url
        print(f"telegram emulator listening on {where}", flush=True)
        for bot in emulator.world.bots.values():
            print(f"bot @{bot.user.username} token {bot.token}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(run(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
