"""Build the Mini App (`npm ci` + Vite) when its build is missing or stale.

Part of building the Python package: `hatch_build.py` calls `ensure_built()` for every
wheel, editable install and sdist, so `uv sync` / `uv run` from a checkout and every
installed copy carry `dist/`. Stale means the sources or the lockfile changed since the
last build: a stamp file in the build directory records a hash of them. Standard
library only (it runs inside the build backend). `python app/miniapp/build.py` runs it.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

MINIAPP = Path(__file__).resolve().parent
DIST = MINIAPP / "dist"
STAMP = DIST / ".source-hash"
IGNORED = {"node_modules", "dist", "__pycache__"}
NODE_MISSING = (
    "The Mini App (app/miniapp) has to be built, and that needs Node.js >= 20.19 with npm, "
    "which are not installed: install them (Debian: apt-get install nodejs npm) and run the "
    "command again. To install without the Mini App, set CONTEST_BOT_MINIAPP=skip."
)


class MiniAppBuildError(RuntimeError):
    """The Mini App could not be built; the message says what to do."""


def source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(MINIAPP.rglob("*")):
        relative = path.relative_to(MINIAPP)
        if path.is_file() and relative.parts[0] not in IGNORED and path.suffix != ".pyc":
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_fresh() -> bool:
    return STAMP.exists() and (DIST / "index.html").exists() and STAMP.read_text() == source_hash()


def ensure_built(log: Callable[[str], object] = print) -> bool:
    """Build unless fresh; True when it built. Raises `MiniAppBuildError` without npm."""
    if not (MINIAPP / "package.json").exists():
        raise MiniAppBuildError(f"no Mini App sources at {MINIAPP}")
    if is_fresh():
        return False
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise MiniAppBuildError(NODE_MISSING)
    wanted = source_hash()
    log("building the Mini App (npm ci + vite build)…")
    for command in ([npm, "ci", "--no-audit", "--no-fund"], [npm, "run", "build"]):
        done = subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
            command, cwd=MINIAPP, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise MiniAppBuildError(
                f"`{' '.join(command[1:])}` in app/miniapp failed:\n{done.stdout}{done.stderr}"
            )
    STAMP.write_text(wanted)
    log("Mini App built")
    return True


if __name__ == "__main__":
    try:
        if not ensure_built():
            print("Mini App build is up to date")
    except MiniAppBuildError as error:
        raise SystemExit(str(error)) from None
