"""Real worker and scheduler processes against real Redis, PostgreSQL and the emulator."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.contests.channels import ChannelRef
from app.contests.rules import ContestFields
from app.db import contests, participants
from app.db.tables import Participant, TelegramUser
from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import TelegramEmulator

CONTEST_BOT = str(Path(sys.executable).parent / "contest-bot")


@dataclass
class Environment:
    """What the role processes are pointed at."""

    database_url: str
    redis_url: str
    telegram_url: str
    directory: Path
    extra: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "BOT_TOKEN": TEST_TOKEN,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "TELEGRAM_API_URL": self.telegram_url,
            "STATE_DIR": str(self.directory / "state"),
            "LOG_FORMAT": "text",
            "LOG_LEVEL": "INFO",
            "TELEGRAM_RATE_LIMIT": "1000",
            "ALLOW_PAID_BROADCAST": "true",
            "SCHEDULER_LEASE_SECONDS": "3",
            **self.extra,
        }


class Role:
    """One `contest-bot <role>` process; its output goes to a log file."""

    counter = 0

    def __init__(self, role: str, environment: Environment) -> None:
        Role.counter += 1
        self.role = role
        self.log_path = environment.directory / f"{role}-{Role.counter}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [CONTEST_BOT, role],
            env=environment.env(),
            cwd=environment.directory,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()
        return self.process.returncode

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")


async def wait_until(
    check: Callable[[], Awaitable[bool]], timeout: float, what: str, every: float = 0.1
) -> float:
    """Poll `check` until true; returns the seconds it took."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(every)
    return time.monotonic() - started


async def contest_with_participants(
    count: int,
    *,
    notify: bool = True,
    targets: tuple[int, ...] = (),
    channels: tuple[ChannelRef, ...] = (),
    first_user: int = 10_000,
    owner: int = 1,
) -> tuple[int, list[int]]:
    """An active contest with `count` participants (also known as users)."""
    contest = await contests.create(
        owner,
        ContestFields(
            title="Fault test",
            winners_count=3,
            reserve_count=2,
            ends_at=datetime.now(UTC) + timedelta(hours=1),
        ),
        required=channels,
        targets=targets,
        notify_participants=notify,
    )
    await contests.publish(contest.id)
    user_ids = list(range(first_user, first_user + count))
    for start in range(0, count, 1000):
        batch = user_ids[start : start + 1000]
        await TelegramUser.insert(
            *[TelegramUser(id=uid, first_name=f"U{uid}") for uid in batch]
        ).on_conflict(action="DO NOTHING")
        await Participant.insert(*[Participant(contest=contest.id, user_id=uid) for uid in batch])
    await participants.recount(contest.id)
    return contest.id, user_ids


def add_users(emu: TelegramEmulator, user_ids: list[int]) -> None:
    for uid in user_ids:
        emu.create_user(uid, f"U{uid}")


def messages_per_user(emu: TelegramEmulator, user_ids: list[int]) -> Counter[int]:
    return Counter({uid: len(emu.messages_to_user(uid)) for uid in user_ids})


def delivery_figures(per_user: Counter[int], user_ids: list[int]) -> dict[str, int]:
    return {
        "recipients": len(user_ids),
        "sent": sum(per_user.values()),
        "exactly_once": sum(1 for uid in user_ids if per_user[uid] == 1),
        "duplicates": sum(per_user[uid] - 1 for uid in user_ids if per_user[uid] > 1),
        "lost": sum(1 for uid in user_ids if per_user[uid] == 0),
    }


async def started(role: Role, marker: str, timeout: float = 60) -> None:
    """Wait for a line of the role's log (processes start slowly on a loaded machine)."""

    async def seen() -> bool:
        if role.process.poll() is not None:
            raise AssertionError(f"{role.role} exited early:\n{role.output()[-3000:]}")
        return marker in role.output()

    await wait_until(seen, timeout, f"{role.role}: {marker!r}", every=0.2)


WORKER_READY = "Listening started"
SCHEDULER_READY = "scheduler "
LEADING = "is now the active scheduler"
