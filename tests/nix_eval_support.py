"""Evaluate the NixOS module offline with the real module system (tests/nix_eval).

The pinned sources (nixpkgs' lib, sops-nix, disko, nixos-anywhere's terraform/) come
from the directory named by NIX_EVAL_SOURCES, which tests/run points at
../shared/nix/src when it exists. Without them these checks cannot run, so they fail
and say how to get the sources.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "nix_eval"
SOURCES_ENV = "NIX_EVAL_SOURCES"
MODULE_SOURCES = (
    "nixpkgs-lib/lib/default.nix",
    "sops-nix/modules/sops/default.nix",
    "disko/module.nix",
)
NIXOS_ANYWHERE_VARIABLES = "nixos-anywhere/terraform/all-in-one/variables.tf"
HOW_TO_GET_SOURCES = f"""\
{SOURCES_ENV} must name the pinned Nix sources ({", ".join(MODULE_SOURCES)}, and
{NIXOS_ANYWHERE_VARIABLES} for the Terraform checks).
tests/run sets it to ../shared/nix/src when that folder exists. Elsewhere, with network:
  nix flake archive --json   # store paths of nixpkgs, sops-nix and disko
and lay them out as nix/README.md ("Offline evaluation") describes, plus the
terraform/ folder of github.com/nix-community/nixos-anywhere at tag 1.13.0."""
# The repository parts the module, the hosts and the VM test read.
REPO_PARTS = ("nix", "nginx")


@cache
def nix_instantiate() -> str:
    found = shutil.which("nix-instantiate")
    if found is None:
        pytest.fail(
            "nix-instantiate is missing: apt-get install nix-bin (Debian) to run these checks"
        )
    return found


def nix_eval_json(expression: str) -> object:
    """Evaluate a pure Nix expression (no nixpkgs) relative to the repository."""
    result = subprocess.run(
        [nix_instantiate(), "--eval", "--strict", "--json", "-E", expression],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def eval_sources(needed: tuple[str, ...] = MODULE_SOURCES) -> Path:
    """The pinned sources holding `needed`, or a test failure that says how to get them."""
    value = os.environ.get(SOURCES_ENV)
    if not value:
        pytest.fail(f"{SOURCES_ENV} is not set.\n{HOW_TO_GET_SOURCES}")
    sources = Path(value).resolve()
    missing = [part for part in needed if not (sources / part).exists()]
    if missing:
        pytest.fail(f"{sources} lacks {', '.join(missing)}.\n{HOW_TO_GET_SOURCES}")
    return sources


def repo_copy(destination: Path, *, secrets: bool) -> Path:
    """The parts of the repository the evaluation reads, with or without secrets.yaml.

    A stand-in `secrets.yaml` is enough: evaluation only checks the file exists and
    hashes it (sops-nix decrypts on the host).
    """
    for part in REPO_PARTS:
        shutil.copytree(ROOT / part, destination / part, ignore=shutil.ignore_patterns("result*"))
    secrets_file = destination / "nix" / "hosts" / "prod" / "secrets.yaml"
    secrets_file.unlink(missing_ok=True)
    if secrets:
        secrets_file.write_text("bot_token: ENC[AES256_GCM,data:c3RhbmQtaW4=]\nsops: {}\n")
    return destination


def run_nix_eval(attribute: str, repo: Path) -> subprocess.CompletedProcess[str]:
    """`nix-instantiate --eval --strict --json` of one attribute of tests/nix_eval."""
    command = [nix_instantiate(), "--eval", "--strict", "--json", str(HARNESS)]
    command += ["--argstr", "sources", str(eval_sources()), "--argstr", "repo", str(repo)]
    return subprocess.run([*command, "-A", attribute], capture_output=True, text=True, check=False)


def nix_eval(attribute: str, repo: Path) -> Any:
    result = run_nix_eval(attribute, repo)
    assert result.returncode == 0, f"evaluation of {attribute} failed:\n{result.stderr}"
    return json.loads(result.stdout)


@cache
def evaluated(name: str) -> dict[str, Any]:
    """One evaluated configuration: `prod`, `prod-without-secrets` or `vm`, cached."""
    attribute = name.removesuffix("-without-secrets")
    with tempfile.TemporaryDirectory(prefix="contest-bot-nix-eval-") as raw:
        repo = repo_copy(Path(raw), secrets=not name.endswith("-without-secrets"))
        return nix_eval(attribute, repo)
