"""prometheus_client picks its value store when first imported, so the command line sets
METRICS_DIR up before anything imports it (the worker, scheduler and dev roles share it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# What `app.cli._run_role` does for a role in SHARED_METRICS, up to running it.
ROLE_START = """
import sys
from app import cli
assert "prometheus_client" not in sys.modules, "app.cli imported prometheus_client"
from app.config import load_settings
from app.worker.multiproc import use_metrics_dir
use_metrics_dir(load_settings(bot_token=sys.argv[1], metrics_dir=sys.argv[2]))
from app import runtime
from app.worker import runner
import prometheus_client.values as values
print(values.ValueClass.__name__)
"""


def test_roles_import_metrics_only_after_the_metrics_dir(tmp_path: Path) -> None:
    token = "123456:abcdefghijklmnopqrstuvwxyz_-AB"
    out = subprocess.run(
        [sys.executable, "-c", ROLE_START, token, str(tmp_path / "metrics")],
        capture_output=True,
        text=True,
        check=True,
    )
    # MutexValue would mean the process keeps its metrics in memory, unseen by /metrics
    assert out.stdout.strip() == "MmapedValue", out.stderr
