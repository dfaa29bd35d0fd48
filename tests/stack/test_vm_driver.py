"""The NixOS VM test's contest driver (`nix/tests/drive_contest.py`), run here against the
local production stack: the very file the VM runs, in a process of its own, talking to
nginx and to the emulator's HTTP control API only. The VM test cannot run on machines
without Nix; this proves its driver drives a real contest to the end.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.stack.conftest import ORGANIZER_ID
from tests.stack.launcher import Stack
from tests.stack.scenario import make_world
from tests.telegram_emulator import TelegramEmulator

pytestmark = pytest.mark.nginx

DRIVER = Path(__file__).resolve().parents[2] / "nix" / "tests" / "drive_contest.py"


async def run_driver(
    stack: Stack,
    emulator: TelegramEmulator,
    channel: str,
    members: list[int],
    *options: str,
) -> tuple[int, str, str]:
    """Run the driver as the VM test does, against this stack; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(DRIVER),
        "--site",
        stack.base_url,
        "--emulator",
        emulator.base_url,
        "--token",
        stack.options.bot_token,
        "--organizer",
        str(ORGANIZER_ID),
        "--channel",
        channel,
        "--members",
        ",".join(map(str, members)),
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_driver_runs_a_whole_contest(stack: Stack, emulator: TelegramEmulator) -> None:
    world = make_world(emulator, stack, ORGANIZER_ID, members=4, outsiders=1)
    code, stdout, stderr = await run_driver(
        stack,
        emulator,
        world.handle,
        world.members,
        "--outsiders",
        ",".join(map(str, world.outsiders)),
        "--winners",
        "2",
        "--deadline-in",
        "15",
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["participants"] == len(world.members)
    assert len(summary["winners"]) == 2
    assert set(summary["winners"]) <= set(world.members)
    for user_id in world.members:
        expected = 1 if user_id in summary["winners"] else 0
        assert len(emulator.messages_to_user(user_id)) == expected, user_id


async def test_driver_fails_when_a_member_cannot_join(
    stack: Stack, emulator: TelegramEmulator
) -> None:
    """An outsider passed as a member is not a participant: the driver must say so."""
    world = make_world(emulator, stack, ORGANIZER_ID, members=2, outsiders=1)
    code, _, stderr = await run_driver(
        stack,
        emulator,
        world.handle,
        [*world.members, *world.outsiders],
        "--winners",
        "1",
        "--deadline-in",
        "12",
    )
    assert code == 1
    assert "participants, not 3" in stderr, stderr
