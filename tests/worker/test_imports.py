"""What a worker process loads: the worker and scheduler roles import neither the API
nor the bot, nor the libraries only those need.

Every module a process imports stays in its memory for its whole life; a worker holds
~200 MB after its imports (most of it aiogram's Telegram types, which it needs to talk
to Telegram), and the draw of a big contest must fit next to that (README, "Giveaway
scale"). A lower layer reaching for an API or bot helper would add Litestar, its
OpenAPI models or dateparser's language data to every worker unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys

API_OR_BOT_ONLY = ("app.api", "app.bot", "litestar", "uvicorn", "dateparser")
"""Modules (and their submodules) that no worker or scheduler needs."""

ROLES_IMPORTS = """
import json, sys
from app import cli, runtime
cli._entry("worker"), cli._entry("scheduler")
print(json.dumps(sorted(sys.modules)))
"""
"""What `contest-bot worker` and `contest-bot scheduler` import before they run their
role (`app.cli._run_role`)."""


def test_a_worker_imports_neither_the_api_nor_the_bot() -> None:
    result = subprocess.run(
        [sys.executable, "-c", ROLES_IMPORTS],
        capture_output=True,
        text=True,
        check=True,
    )
    modules = json.loads(result.stdout)
    assert "app.worker.runner" in modules and "aiogram" in modules
    loaded = [
        name
        for name in modules
        if any(name == top or name.startswith(f"{top}.") for top in API_OR_BOT_ONLY)
    ]
    assert not loaded, f"the worker and scheduler import {loaded[:10]}"
