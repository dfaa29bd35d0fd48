"""Prometheus multiprocess mode for the roles of one host.

prometheus_client picks its value store when it is first imported, so a role calls
`use_metrics_dir(settings)` before anything imports it; every process then writes its
samples under `METRICS_DIR`, and the API's /metrics adds them up.
"""

from __future__ import annotations

import logging
import os
import sys

from app.config import Settings

log = logging.getLogger(__name__)


def use_metrics_dir(settings: Settings) -> None:
    if settings.metrics_dir is None:
        return
    settings.metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(settings.metrics_dir)
    if "prometheus_client" in sys.modules:
        log.warning(
            "prometheus_client was imported before METRICS_DIR was set; "
            "this process's metrics stay in memory"
        )
