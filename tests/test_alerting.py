"""Alerting: the rules of nix/module/alerts.nix pass promtool's checks and unit tests
(alerts.test.yml, a firing and a quiet case for every alert), Alertmanager's config from
nix/module/alertmanager.nix passes amtool, and real Prometheus and Alertmanager deliver
the Watchdog to a Telegram chat (the Bot API emulator).

promtool, amtool, prometheus and prometheus-alertmanager come from Debian's `prometheus`
and `prometheus-alertmanager` packages (tests/run installs them). Debian 12 ships
Alertmanager 0.25, which predates `bot_token_file` (nixpkgs' Alertmanager reads it): for
those binaries the token is put inline, the only change made to the rendered config.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from tests.conftest import TEST_TOKEN
from tests.nix_eval_support import evaluated
from tests.telegram_emulator import TelegramEmulator

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "nix" / "module"
UNIT_TESTS = MODULE / "alerts.test.yml"
TOKEN_FILE = "/run/credentials/alertmanager.service/telegram-bot-token"
OPS_CHAT = 5550001


def tool(*names: str) -> str:
    """The first of `names` on PATH (Debian and nixpkgs name Alertmanager differently)."""
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
        if found:
            return found
    raise AssertionError(f"{names[0]} is missing: tests/run installs Debian's prometheus packages")


def nix_eval(expression: str) -> Any:
    result = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--json", "-E", expression],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def rules() -> dict[str, Any]:
    return nix_eval('import ./nix/module/alerts.nix { domain = "contest.example.org"; }')


def alert_names(rendered: dict[str, Any]) -> set[str]:
    return {rule["alert"] for group in rendered["groups"] for rule in group["rules"]}


def alertmanager_config(**overrides: Any) -> dict[str, Any]:
    arguments = {
        "chatId": -1001234567890,
        "botTokenFile": TOKEN_FILE,
        "apiUrl": "https://api.telegram.org",
        "groupWait": "30s",
        "groupInterval": "5m",
        "repeatInterval": "4h",
        "watchdogInterval": "24h",
        **overrides,
    }
    return nix_eval(
        f"import ./nix/module/alertmanager.nix (builtins.fromJSON ''{json.dumps(arguments)}'')"
    )


def for_debian_alertmanager(config: dict[str, Any], token: str) -> dict[str, Any]:
    """The same config with the token inline (Alertmanager 0.25 lacks bot_token_file)."""
    for receiver in config["receivers"]:
        for telegram in receiver.get("telegram_configs", []):
            assert telegram.pop("bot_token_file") == TOKEN_FILE
            telegram["bot_token"] = token
    return config


def promtool_test(directory: Path, rendered: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    (directory / "alerts.rules.json").write_text(json.dumps(rendered))
    shutil.copy(UNIT_TESTS, directory / "alerts.test.yml")
    return subprocess.run(
        [tool("promtool"), "test", "rules", "alerts.test.yml"],
        cwd=directory,
        capture_output=True,
        text=True,
    )


def test_rules_pass_promtool_check(tmp_path: Path) -> None:
    path = tmp_path / "alerts.rules.json"
    path.write_text(json.dumps(rules()))
    result = subprocess.run([tool("promtool"), "check", "rules", str(path)], capture_output=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_passes_its_unit_tests(tmp_path: Path) -> None:
    result = promtool_test(tmp_path, rules())
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    cases = [
        case
        for test in yaml.safe_load(UNIT_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
    ]
    firing = {case["alertname"] for case in cases if case["exp_alerts"]}
    quiet = {case["alertname"] for case in cases if not case["exp_alerts"]}
    names = alert_names(rules())
    assert firing == names, f"alerts without a firing case: {sorted(names - firing)}"
    assert quiet >= names - {"Watchdog"}, f"without a quiet case: {sorted(names - quiet)}"


def test_the_unit_tests_catch_a_changed_rule(tmp_path: Path) -> None:
    rendered = rules()
    for rule in rendered["groups"][0]["rules"]:
        if rule["alert"] == "ContestBotRoleDown":
            del rule["for"]  # would page on every restart
    result = promtool_test(tmp_path, rendered)
    assert result.returncode == 1
    assert "ContestBotRoleDown" in result.stdout + result.stderr


def test_alertmanager_config_passes_amtool_and_routes_everything_to_telegram(
    tmp_path: Path,
) -> None:
    config = alertmanager_config()
    assert "$" not in json.dumps(config), "nixpkgs runs the config through envsubst"
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(for_debian_alertmanager(config, TEST_TOKEN)))
    checked = subprocess.run([tool("amtool"), "check-config", str(path)], capture_output=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for labels in (["alertname=Watchdog"], ["severity=critical"], ["severity=warning"]):
        routed = subprocess.run(
            [tool("amtool"), "config", "routes", "test", f"--config.file={path}", *labels],
            capture_output=True,
            text=True,
        )
        assert routed.stdout.strip() == "telegram", (labels, routed.stdout, routed.stderr)
    watchdog = config["route"]["routes"][0]
    assert watchdog["repeat_interval"] == "24h"
    assert config["route"]["repeat_interval"] == "4h"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_real_prometheus_and_alertmanager_deliver_the_watchdog_to_telegram(
    tmp_path: Path,
) -> None:
    async with TelegramEmulator(token=TEST_TOKEN) as emulator:
        emulator.create_user(OPS_CHAT, "Ops")
        manager_port, prometheus_port = free_port(), free_port()
        config = alertmanager_config(
            chatId=OPS_CHAT, apiUrl=emulator.base_url, groupWait="1s", groupInterval="1s"
        )
        (tmp_path / "alertmanager.yml").write_text(
            yaml.safe_dump(for_debian_alertmanager(config, TEST_TOKEN))
        )
        (tmp_path / "rules.json").write_text(json.dumps(rules()))
        (tmp_path / "prometheus.yml").write_text(
            yaml.safe_dump(
                {
                    "global": {"evaluation_interval": "1s"},
                    "rule_files": ["rules.json"],
                    "alerting": {
                        "alertmanagers": [
                            {"static_configs": [{"targets": [f"127.0.0.1:{manager_port}"]}]}
                        ]
                    },
                }
            )
        )
        processes = [
            await asyncio.create_subprocess_exec(
                tool("prometheus-alertmanager", "alertmanager"),
                f"--config.file={tmp_path / 'alertmanager.yml'}",
                f"--storage.path={tmp_path / 'am'}",
                f"--web.listen-address=127.0.0.1:{manager_port}",
                "--cluster.listen-address=",
                stdout=subprocess.DEVNULL,
                stderr=(tmp_path / "alertmanager.log").open("w"),
            ),
            await asyncio.create_subprocess_exec(
                tool("prometheus"),
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prometheus_port}",
                # an alert evaluated before Alertmanager is discovered is dropped; resend soon
                "--rules.alert.resend-delay=1s",
                stdout=subprocess.DEVNULL,
                stderr=(tmp_path / "prometheus.log").open("w"),
            ),
        ]
        try:
            (message,) = await emulator.wait_for_bot_messages(OPS_CHAT, 1, timeout=60)
        except TimeoutError:
            logs = (tmp_path / "alertmanager.log").read_text()[-3000:]
            raise AssertionError(f"no alert reached the chat; Alertmanager said:\n{logs}") from None
        finally:
            for process in processes:
                process.terminate()
                await process.wait()
        # What the VM test (nix/tests/vm.nix) asks the emulator, over its control API.
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{emulator.base_url}/_emulator/messages_to_user", json={"user_id": OPS_CHAT}
            ) as response,
        ):
            assert "Alerting is alive" in await response.text()
        print(f"\nthe ops chat got:\n{message.text}")
        assert "Watchdog" in message.text
        assert "Alerting is alive" in message.text


def test_the_module_runs_alertmanager_on_loopback_for_the_prod_chat() -> None:
    prometheus = evaluated("prod")["prometheus"]
    manager = prometheus["alertmanager"]
    assert manager["enable"] is True
    assert manager["listenAddress"] == "127.0.0.1"
    assert prometheus["alertmanagers"] == [
        {"static_configs": [{"targets": [f"127.0.0.1:{manager['port']}"]}]}
    ]
    terraform = json.loads((ROOT / "nix" / "hosts" / "prod" / "terraform.json").read_text())
    (telegram,) = manager["configuration"]["receivers"][0]["telegram_configs"]
    assert telegram["chat_id"] == terraform["alerts_chat_id"]
    assert telegram["api_url"] == "https://api.telegram.org"
    # sops-nix's secret, handed over by systemd (Alertmanager runs as a DynamicUser)
    assert manager["credentials"] == ["telegram-bot-token:/run/secrets/alerts_bot_token"]
    assert telegram["bot_token_file"] == TOKEN_FILE


def test_the_vm_test_sends_its_alerts_to_the_emulator() -> None:
    vm = evaluated("vm")
    (telegram,) = vm["prometheus"]["alertmanager"]["configuration"]["receivers"][0][
        "telegram_configs"
    ]
    assert telegram["api_url"] == "http://127.0.0.1:8081"
    assert "alertmanager.service" in {f"{name}.service" for name in vm["units"]["services"]}
    assert "Alerting is alive" in vm["testScript"]
