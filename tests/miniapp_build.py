"""Build the Mini App (npm ci + vite build) when the build is missing or stale.

Stale means the sources or the lockfile changed since the last build: a stamp file in
the build directory records a hash of them.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

MINIAPP = Path(__file__).resolve().parent.parent / "app" / "miniapp"
DIST = MINIAPP / "dist"
STAMP = DIST / ".source-hash"
IGNORED = {"node_modules", "dist"}


def source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(MINIAPP.rglob("*")):
        relative = path.relative_to(MINIAPP)
        if path.is_file() and relative.parts[0] not in IGNORED:
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build() -> None:
    if not (MINIAPP / "package.json").exists():
        sys.exit(f"no Mini App sources at {MINIAPP}")
    wanted = source_hash()
    if STAMP.exists() and STAMP.read_text() == wanted and (DIST / "index.html").exists():
        print("Mini App build is up to date")
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not installed (apt-get install npm)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=MINIAPP, check=True)
    subprocess.run([npm, "run", "build"], cwd=MINIAPP, check=True)
    STAMP.write_text(wanted)
    print("Mini App built")


if __name__ == "__main__":
    build()
