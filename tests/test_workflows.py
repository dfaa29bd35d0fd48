"""The hosted CI workflows: actionlint-clean, actions pinned by commit, least privilege,
and the release's tag check refusing a tag that is not the package version."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def actionlint() -> str:
    found = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    assert Path(found).exists(), "actionlint comes with the dev dependency group (uv sync)"
    return found


def load(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_actionlint_passes_on_every_workflow() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} == {"ci.yml", "release.yml"}
    result = subprocess.run(
        [actionlint(), "-no-color", *map(str, files)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on:\n  push:\n    branch: main\njobs:\n  x:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - run: echo ${{ steps.nothing.outputs.x }}\n"
    )
    result = subprocess.run(
        [actionlint(), "-no-color", str(broken)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert 'unexpected key "branch"' in result.stdout


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_third_party_actions_are_pinned_by_commit(name: str) -> None:
    lines = (WORKFLOWS / name).read_text().splitlines()
    uses = [line.split("uses:", 1)[1].strip() for line in lines if "uses:" in line]
    assert uses
    for use in uses:
        ref, _, comment = use.partition("#")
        assert PINNED.match(ref.strip()), f"{use}: pin the action by a full commit SHA"
        assert re.fullmatch(r" v\d+(\.\d+)*", comment), f"{use}: name the release it is"


def test_least_privilege_permissions() -> None:
    ci, release = load("ci.yml"), load("release.yml")
    assert ci["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in ci["jobs"].values())
    assert release["permissions"] == {}
    assert release["jobs"]["images"]["permissions"] == {"contents": "read", "packages": "write"}
    for workflow in (ci, release):
        for step in steps(workflow):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_ci_runs_the_readme_test_command_and_the_flake_checks() -> None:
    ci = load("ci.yml")
    assert ci[True] == {"push": {"branches": ["main"]}, "pull_request": None}
    runs = [step.get("run", "") for step in steps(ci)]
    assert "tests/run" in runs
    assert "nix flake check -L" in runs
    readme = (ROOT / "README.md").read_text()
    assert "tests/run" in readme


def _tag_check(tag: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (step,) = [s for s in steps(load("release.yml")) if s.get("id") == "version"]
    output = tmp_path / "output"
    output.touch()
    env = {**os.environ, "GITHUB_REF_NAME": tag, "GITHUB_OUTPUT": str(output)}
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_release_accepts_the_tag_of_the_package_version(tmp_path: Path) -> None:
    result = _tag_check(f"v{VERSION}", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "output").read_text() == f"version={VERSION}\n"


@pytest.mark.parametrize("tag", ["v99.0.0", VERSION, f"v{VERSION}-rc1"])
def test_release_refuses_a_tag_that_is_not_the_package_version(tag: str, tmp_path: Path) -> None:
    result = _tag_check(tag, tmp_path)
    assert result.returncode == 1
    assert f"does not match the package version {VERSION}" in result.stdout


def test_release_pushes_both_tags_with_the_workflow_token() -> None:
    release = load("release.yml")
    assert release[True] == {"push": {"tags": ["v*"]}}
    script = "\n".join(step.get("run", "") for step in steps(release))
    assert 'nix run .#push-images -- "$registry"\n' in script
    assert 'nix run .#push-images -- "$registry" "$GITHUB_REF_NAME"' in script
    login = [s for s in steps(release) if "docker login" in s.get("run", "")]
    assert login[0]["env"] == {"REGISTRY_TOKEN": "${{ github.token }}"}
