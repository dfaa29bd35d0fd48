"""One `contest-bot <role>` process of the stack: start, readiness, stop, kill, logs.

Each start appends to the role's log file (stdout and stderr together) after a marker
line, so a restarted role keeps the history of its earlier lives in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

CONTEST_BOT = Path(sys.executable).with_name("contest-bot")
STOP_TIMEOUT_SECONDS = 15.0

ReadyCheck = Callable[["RoleProcess"], Awaitable[bool]]


class RoleFailed(RuntimeError):
    """A role exited, or did not become ready in time; the message ends with its log tail."""


def tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log file (empty if it does not exist yet)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


async def _always_ready(_: RoleProcess) -> bool:
    return True


@dataclass
class RoleProcess:
    """`contest-bot <role>` with its own environment, log file and readiness check."""

    name: str
    role: str
    env: dict[str, str]
    log_path: Path
    cwd: Path
    ready: ReadyCheck = _always_ready
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    exits: list[int] = field(default_factory=list)

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.log_path, lines)

    def failure(self, what: str) -> RoleFailed:
        return RoleFailed(
            f"{self.name}: {what}\n--- last lines of {self.log_path} ---\n{self.log_tail()}"
        )

    def spawn(self) -> None:
        """Start the process without waiting for it (see `start`)."""
        if self.alive:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.starts += 1
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"=== {self.name}: start #{self.starts} at {time.ctime()} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [str(CONTEST_BOT), self.role],
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def start(self, timeout: float = 30.0) -> None:
        """Start the process and wait until its readiness check passes."""
        self.spawn()
        await self.wait_ready(timeout)

    async def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive:
                raise self.failure(f"exited with status {self._returncode()} while starting")
            with contextlib.suppress(OSError):
                if await self.ready(self):
                    return
            if time.monotonic() > deadline:
                raise self.failure(f"not ready within {timeout} s")
            await asyncio.sleep(0.05)

    async def run_to_completion(self, timeout: float = 120.0) -> int:
        """For one-shot roles (`migrate`): start, wait for the exit, return its status."""
        self.spawn()
        deadline = time.monotonic() + timeout
        while self.alive:
            if time.monotonic() > deadline:
                await self.kill()
                raise self.failure(f"still running after {timeout} s")
            await asyncio.sleep(0.05)
        return self._finish()

    async def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit status (None: not running).

        A negative status means a signal ended it: -9 if SIGTERM was not enough.
        """
        if self.process is None:
            return None
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self.alive and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if self.alive:
                self._write_log(f"=== {self.name}: no exit {timeout} s after SIGTERM, SIGKILL ===")
                self._kill_group()
                while self.alive:
                    await asyncio.sleep(0.02)
        return self._finish()

    async def kill(self) -> int | None:
        """kill -9, as a crash or the OOM killer would."""
        if self.process is None:
            return None
        if self.alive:
            self._kill_group()
            while self.alive:
                await asyncio.sleep(0.02)
        return self._finish()

    def _kill_group(self) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def _returncode(self) -> int:
        assert self.process is not None
        code = self.process.poll()
        assert code is not None
        return code

    def _finish(self) -> int:
        code = self._returncode()
        self.exits.append(code)
        self._write_log(f"=== {self.name}: exited with status {code} ===")
        self.process = None
        return code

    def _write_log(self, line: str) -> None:
        with self.log_path.open("a") as log:
            log.write(line + "\n")

    def rss_kib(self) -> int | None:
        """Resident memory of the process in KiB (from /proc), None if not running."""
        if not self.alive:
            return None
        return rss_kib(self.pid)  # type: ignore[arg-type]


def rss_kib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None
