"""Presses made by `wrk` instead of the Bot API emulator: Telegram's side made cheap.

The emulator (a Python process) costs about as much CPU per press as the bot itself, so
on 2 cores it would be what the benchmark measures. Here each press is a pre-built
callback_query update that wrk (a compiled HTTP load generator, Debian's `wrk`) posts
straight to the webhook through nginx, as Telegram's Bot API server would: at most
`connections` at once (Telegram's max_connections), a non-2xx answer sent again after a
second. The bot's answerCallbackQuery comes back in the response, so an answer is a 200
whose body names it; the emulator is left answering what the bot still asks Telegram
(getChatMember). The Lua side is `presses.lua`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.stack.launcher import Stack
from tests.stack.scenario import ContestWorld, join_data

SCRIPT = Path(__file__).with_name("presses.lua")
FIRST_UPDATE_ID = 1_000_000_000
START_DELAY_SECONDS = 1.5  # wrk's threads read their updates before the first press


@dataclass(frozen=True)
class Press:
    """What happened to one press: its first 2xx response."""

    due: float  # CLOCK_MONOTONIC second the user pressed
    status: int
    answered: bool
    responded: float


def write_updates(world: ContestWorld, users: list[int], path: Path) -> None:
    """One callback_query update per user, a JSON line each, as Telegram would send it."""
    assert world.post is not None
    message = world.post.to_api()
    data = join_data(world.contest_id)
    bot_id = world.emulator.bot.id
    with path.open("w") as out:
        for number, user_id in enumerate(users):
            update = {
                "update_id": FIRST_UPDATE_ID + number,
                "callback_query": {
                    "id": str(secrets.randbits(62)),
                    "from": world.emulator.world.users[user_id].to_api(),
                    "message": message,
                    "chat_instance": str((bot_id * 1_000_003 ^ world.channel.id) & (2**62 - 1)),
                    "data": data,
                },
            }
            out.write(json.dumps(update, separators=(",", ":")) + "\n")


class WrkPresses:
    """wrk pressing for `users`, `rate` a second (0: all at once), over `connections`."""

    def __init__(
        self, stack: Stack, world: ContestWorld, users: list[int], rate: float, connections: int
    ) -> None:
        self.users, self.rate, self.connections = users, rate, connections
        self.directory = stack.options.log_dir / "wrk"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.bodies = self.directory / "updates.jsonl"
        write_updates(world, users, self.bodies)
        self.start = 0.0
        self.url = stack.webhook_url
        self.secret = stack.options.webhook_secret
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> int:
        """Start wrk; the first press is `START_DELAY_SECONDS` from now. Returns its pid."""
        self.start = time.monotonic() + START_DELAY_SECONDS
        config = self.directory / "config.lua"
        config.write_text(
            "return {"
            f"bodies={json.dumps(str(self.bodies))}, out={json.dumps(str(self.out))},"
            f" secret={json.dumps(self.secret)}, start={self.start!r},"
            f" rate={float(self.rate)!r}, threads={self.connections}"
            "}\n"
        )
        threads = self.connections
        command = ["wrk", f"-t{threads}", f"-c{threads}", "-d3600s", "-s", str(SCRIPT)]
        command += [self.url, "--", str(config)]
        self.process = subprocess.Popen(
            command, stdout=self.directory.joinpath("wrk.out").open("wb"), stderr=subprocess.STDOUT
        )
        return self.process.pid

    @property
    def out(self) -> Path:
        return self.directory / "answers"

    def due(self, index: int) -> float:
        return self.start + (index / self.rate if self.rate > 0 else 0.0)

    def presses(self) -> dict[int, Press]:
        """Each press's first 2xx response so far, and every non-2xx seen (by index)."""
        found: dict[int, Press] = {}
        for path in self.directory.glob("answers.thread-*"):
            for line in path.read_text().splitlines():
                parts = line.split()
                if len(parts) != 4:
                    continue  # a line being written
                index, status, answered, at = int(parts[0]), int(parts[1]), parts[2], parts[3]
                if 200 <= status < 300 and index not in found:
                    found[index] = Press(self.due(index), status, answered == "1", float(at))
        return found

    def failed_deliveries(self) -> int:
        """Responses that were not 2xx (each such update was sent again)."""
        count = 0
        for path in self.directory.glob("answers.thread-*"):
            for line in path.read_text().splitlines():
                parts = line.split()
                if len(parts) == 4 and not 200 <= int(parts[1]) < 300:
                    count += 1
        return count

    @property
    def last_due(self) -> float:
        return self.due(len(self.users) - 1)

    async def wait(self, deadline: float) -> dict[int, Press]:
        """Until every press got a 2xx, or the CLOCK_MONOTONIC second `deadline`."""
        while True:
            found = self.presses()
            if len(found) >= len(self.users) or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.25)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # wrk prints its summary and exits
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
