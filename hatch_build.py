"""Hatch build hook: every wheel, editable install and sdist carries the built Mini App.

The build itself is `app/miniapp/build.py` (loaded by path: the package's own imports
are not available inside the build backend). `CONTEST_BOT_MINIAPP=skip` builds the
Python package without it (the Nix package builds the Mini App as its own derivation).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class MiniAppBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if os.environ.get("CONTEST_BOT_MINIAPP") == "skip":
            return
        path = Path(self.root) / "app" / "miniapp" / "build.py"
        spec = importlib.util.spec_from_file_location("miniapp_build", path)
        assert spec is not None
        assert spec.loader is not None
        build = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(build)
        try:
            build.ensure_built(self.app.display_info)
        except build.MiniAppBuildError as error:
            self.app.abort(str(error))
