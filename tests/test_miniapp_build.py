"""The Mini App is built with the Python package (hatch_build.py), tested from a fresh clone:
`uv run contest-bot dev` serves it, wheel and sdist carry it, and without Node the build
stops with a sentence saying what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import pytest

from app.miniapp.build import NODE_MISSING
from tests.conftest import TEST_TOKEN
from tests.test_dev import free_port, stop, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv")
pytestmark = pytest.mark.skipif(
    not (ROOT / ".git").exists() or UV is None, reason="needs a git checkout and uv"
)


def fresh_clone(tmp_path: Path) -> Path:
    """A clone of the committed tree: no node_modules, no dist, no venv."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    assert not (clone / "app" / "miniapp" / "dist").exists()
    return clone


def uv_env(path: str) -> dict[str, str]:
    """This environment (registry certificates, caches), with `path` and no active venv."""
    env = {name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"}
    env.update(PATH=path, UV_PYTHON_DOWNLOADS="never", UV_PYTHON=sys.executable)
    return env


def test_fresh_clone_dev_serves_the_mini_app_and_packages_carry_it(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path)
    env = uv_env(os.environ["PATH"])
    port = free_port()
    process = subprocess.Popen(
        [UV, "run", "--frozen", "contest-bot", "dev"],
        cwd=clone,
        env={
            **env,
            "BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}",
            "API_PORT": str(port),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/healthz", process, seconds=240) == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            page = response.read().decode()
        assert '<main id="view"' in page
    finally:
        output = stop(process, 15)
    assert "Mini App build not found" not in output
    built = sorted(p.name for p in (clone / "app" / "miniapp" / "dist" / "assets").iterdir())
    print("built:", built)

    out = tmp_path / "packages"
    subprocess.run(
        [UV, "build", "--wheel", "--sdist", "-o", str(out)], cwd=clone, env=env, check=True
    )
    wheel = zipfile.ZipFile(next(out.glob("*.whl")))
    names = wheel.namelist()
    assert "app/miniapp/dist/index.html" in names
    assert {Path(n).name for n in names if "/assets/" in n} == set(built)
    assert not [n for n in names if n.startswith("app/miniapp/src/")], "sources in the wheel"
    with tarfile.open(next(out.glob("*.tar.gz"))) as sdist:
        members = sdist.getnames()
    assert any(m.endswith("app/miniapp/dist/index.html") for m in members)
    assert not [m for m in members if "node_modules" in m]


def test_without_node_the_build_says_what_to_install(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("uv", "git"):
        (bin_dir / tool).symlink_to(shutil.which(tool))  # type: ignore[arg-type]
    done = subprocess.run(
        [UV, "build", "--wheel", "-o", str(tmp_path / "out")],
        cwd=clone,
        env=uv_env(str(bin_dir)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert NODE_MISSING.split(":")[0] in done.stderr + done.stdout, done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.whl"))
