"""Debian's Chromium, launched headless the way this machine allows (never a downloaded one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def launch(playwright: Playwright) -> Browser:
    """The system Chromium; a clear test failure when it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(apt-get install chromium; never `playwright install`)"
        )
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
