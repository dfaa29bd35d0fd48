"""Sampling the bot processes with py-spy during a burst, and what the samples say.

py-spy (a dev dependency) attaches to a running process without changing it; `--idle`
is off, so only samples where Python was running count. The summary groups each sample
by the outermost frame of interest it passes through (our code, aiogram, pydantic,
Piccolo, asyncpg, aiohttp, redis, logging) and lists the hottest functions by own time.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

RATE = 100
TOP = 12
AREAS = (  # py-spy names files from their package directory on
    ("logging", "logging/"),
    ("threads (aiogram's sync filters)", "concurrent/futures/"),
    ("pydantic", "pydantic"),
    ("piccolo", "piccolo/"),
    ("asyncpg", "asyncpg/"),
    ("redis", "redis/"),
    ("aiogram", "aiogram/"),
    ("aiohttp", "aiohttp/"),
    ("asyncio/uvloop", "asyncio/"),
    ("app", "app/"),
)
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*):\d+\)$")


class Profiler:
    def __init__(self, directory: Path | None, pids: dict[str, int | None]) -> None:
        self.directory = directory
        self.pids = {name: pid for name, pid in pids.items() if pid is not None}
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        py_spy = Path(sys.executable).parent / "py-spy"
        for name, pid in self.pids.items():
            self.running[name] = subprocess.Popen(
                [
                    str(py_spy),
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    str(RATE),
                    "--nonblocking",
                    "--format",
                    "raw",
                    "--output",
                    str(self.directory / f"{name}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def stop(self) -> list[str]:
        """Stop sampling; the summary lines (none without a directory)."""
        for process in self.running.values():
            process.send_signal(signal.SIGINT)
        for process in self.running.values():
            process.wait(timeout=60)
        assert self.directory is not None or not self.running
        return [
            line for name in self.running for line in summary(self.directory / f"{name}.txt", name)
        ]


def summary(path: Path, name: str) -> list[str]:
    if not path.exists():
        return [f"profile of {name}: py-spy wrote nothing"]
    areas: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] += count
        areas[_area(frames)] += count
    if not total:
        return [f"profile of {name}: no samples"]
    lines = [f"profile of {name} ({total} samples at {RATE}/s; area = the library a sample is in):"]
    lines += [f"  {area:<16} {n / total:6.1%}" for area, n in areas.most_common()]
    lines.append("  hottest functions (own time):")
    lines += [f"    {n / total:6.1%}  {frame[:110]}" for frame, n in own.most_common(TOP)]
    return lines


def _area(frames: list[str]) -> str:
    """The library of the innermost frame that belongs to a known area."""
    for frame in reversed(frames):
        match = _FRAME.match(frame)
        file = match.group("file") if match else frame
        for area, marker in AREAS:
            if file.startswith(marker) or f"/{marker}" in file:
                return area
    return "other"
