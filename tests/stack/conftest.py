"""Fixtures of the stack tests: one Bot API emulator and one stack for the whole package.

Starting the stack costs several seconds (six Python processes on two cores), so the
modules share it; each test makes its own users, channels and contests, and the tests
that restart or kill a role leave it running again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import TEST_TOKEN
from tests.drand_emulator import DrandEmulator
from tests.stack.launcher import Stack, StackOptions
from tests.telegram_emulator import TelegramEmulator

ORGANIZER_ID = 700_000_001


@pytest.fixture(scope="package")
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(token=TEST_TOKEN) as emu:
        yield emu


@pytest.fixture(scope="package")
async def drand() -> AsyncIterator[DrandEmulator]:
    """The stack's drand relay; its clock runs 2 minutes ahead, so draws need not wait."""
    async with DrandEmulator(ahead=120) as relay:
        yield relay


@pytest.fixture(scope="package")
async def stack(
    emulator: TelegramEmulator, drand: DrandEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    options = StackOptions(
        telegram_api_url=emulator.base_url,
        bot_token=TEST_TOKEN,
        log_dir=tmp_path_factory.mktemp("stack-logs"),
        admin_ids=(ORGANIZER_ID,),
        extra_env={
            "BEACON_URLS": drand.url,
            "BEACON_CHAIN_HASH": drand.chain_hash,
            "BEACON_PUBLIC_KEY": drand.public_key,
        },
    )
    async with Stack(options) as running:
        yield running
        running.check_alive()


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path / "logs"
