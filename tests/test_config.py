"""Settings: .env.example matches the settings, and bad values give one clear line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import env_names, load_settings
from app.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
VALID = "123456:abcdefghijklmnopqrstuvwxyz_-AB"


def example_names() -> list[str]:
    text = (ROOT / ".env.example").read_text()
    return re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)


def test_env_example_lists_exactly_the_settings() -> None:
    names = example_names()
    assert len(names) == len(set(names)), "a name appears twice in .env.example"
    assert set(names) == set(env_names())


def test_env_example_comments_every_name() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            previous = [entry for entry in lines[:index] if entry.strip()]
            assert previous[-1].startswith("#"), f"{line.split('=')[0]} has no comment"


def test_env_example_defaults_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for line in (ROOT / ".env.example").read_text().splitlines():
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            name, value = line.split("=", 1)
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("BOT_TOKEN", VALID)
    settings = load_settings()
    assert settings.database_url is None
    assert settings.redis_url is None
    assert settings.bot_id == 123456


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bot_token": "nonsense"}, "BOT_TOKEN must look like <digits>:<secret>"),
        ({"database_url": "mysql://x"}, "DATABASE_URL must be a postgresql:// URL"),
        ({"redis_url": "http://x"}, "REDIS_URL must be a redis://, rediss:// or unix:// URL"),
        ({"telegram_api_url": "not a url"}, "TELEGRAM_API_URL"),
        ({"api_port": 70000}, "API_PORT"),
        ({"admin_ids": "12,abc"}, "ADMIN_IDS must be comma-separated numeric"),
        ({"default_timezone": "Mars/Base"}, "DEFAULT_TIMEZONE must be an IANA time zone"),
        ({"default_language": "de"}, "DEFAULT_LANGUAGE must be ru or en"),
        ({"webhook_secret": "has space"}, "WEBHOOK_SECRET must be 1-256 characters"),
        ({"bot_mode": "webhook"}, "BOT_MODE=webhook needs WEBHOOK_BASE_URL and WEBHOOK_SECRET"),
        ({"log_level": "LOUD"}, "LOG_LEVEL must be DEBUG"),
    ],
)
def test_bad_values_name_the_variable(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(**{"bot_token": VALID, **overrides})


def test_admin_ids_parse() -> None:
    assert load_settings(bot_token=VALID, admin_ids="1, 2,3").admin_ids == {1, 2, 3}


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "BOT_TOKEN is required but not set"),
        ({"BOT_TOKEN": "12:short"}, "BOT_TOKEN must look like"),
        ({"BOT_TOKEN": VALID, "DATABASE_URL": "sqlite:///x"}, "DATABASE_URL must be"),
    ],
)
def test_cli_config_errors_exit_2_without_traceback(
    env: dict[str, str], expected: str, tmp_path: Path
) -> None:
    result = run_cli("migrate", env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env})
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_rate_above_the_free_one_needs_paid_broadcast() -> None:
    with pytest.raises(ConfigError, match="ALLOW_PAID_BROADCAST=true"):
        load_settings(bot_token=VALID, telegram_rate_limit=31)
    paid = load_settings(bot_token=VALID, telegram_rate_limit=1000, allow_paid_broadcast=True)
    assert paid.allow_paid_broadcast and paid.telegram_rate_limit == 1000
    assert not load_settings(bot_token=VALID).allow_paid_broadcast  # off by default
    with pytest.raises(ConfigError, match="TELEGRAM_RATE_LIMIT"):
        load_settings(bot_token=VALID, telegram_rate_limit=1001, allow_paid_broadcast=True)
