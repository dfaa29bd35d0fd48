"""Fixtures of the bot tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.bot.harness import BotHarness, running_bot


@pytest.fixture
async def harness(db: str, state_dir: Path) -> AsyncIterator[BotHarness]:
    """A polling bot against the emulator, on the `db` engine."""
    async with running_bot(state_dir) as running:
        yield running


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """SQLite on tmpfs when there is one: the build VMs' disks take ~20 ms per fsync,
    which would make every join in these tests wait for the disk, not for the bot."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        yield tmp_path / "state"
        return
    directory = Path(tempfile.mkdtemp(prefix="contest-bot-", dir=shm))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
