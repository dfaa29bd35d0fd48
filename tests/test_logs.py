"""Logging: JSON lines in production, and no token or initData in any line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from app import logs, runtime
from app.config import load_settings

TOKEN = "123456789:AAHsecretsecretsecretsecretsecret00"


@pytest.fixture
def captured(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def setup(fmt: str) -> None:
        logs.setup("INFO", fmt, (TOKEN, "webhooksecret"))

    yield setup, capsys
    logging.getLogger().handlers.clear()


def test_json_lines_and_scrubbing(captured) -> None:  # type: ignore[no-untyped-def]
    setup, capsys = captured
    setup("json")
    log = logging.getLogger("test")
    log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN, extra={"contest_id": 7})
    log.warning("init data: query_id=AAE&user=%7B%22id%22%3A1%7D&auth_date=1&hash=abcdef")
    log.info("secret header webhooksecret seen")
    try:
        raise RuntimeError(f"boom with {TOKEN}")
    except RuntimeError:
        log.exception("failed")
    lines = capsys.readouterr().err.strip().splitlines()
    entries = [json.loads(line) for line in lines]
    assert entries[0]["contest_id"] == 7
    assert entries[0]["level"] == "info"
    assert entries[0]["logger"] == "test"
    text = "\n".join(lines)
    assert TOKEN not in text
    assert "AAHsecret" not in text
    assert "abcdef" not in text
    assert "webhooksecret" not in text
    assert "%7B%22id" not in text
    assert "RuntimeError" in entries[3]["exception"]


def test_text_format_is_readable(captured) -> None:  # type: ignore[no-untyped-def]
    setup, capsys = captured
    setup("text")
    logging.getLogger("app.test").info("hello %s", "world")
    line = capsys.readouterr().err.strip()
    assert line.endswith("INFO    app.test: hello world")


def test_url_passwords_never_reach_a_log_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """DATABASE_URL and REDIS_URL may carry passwords: hidden in settings and in every log."""
    settings = load_settings(
        database_url="postgresql://contest:pg%2Fpass-1@db.internal:5432/contest",
        redis_url="redis://:redis-pass-2@127.0.0.1:6379/0",
        state_dir=tmp_path,
    )
    shown = f"{settings!r} {settings.model_dump()} {settings.model_dump_json()}"
    try:
        runtime.configure_logging(settings, "json")
        log = logging.getLogger("test")
        log.error("cannot reach %s", settings.database_dsn)
        log.warning("redis %s is down", settings.redis_dsn)
        log.info("a library repeats the password alone: %s", "redis-pass-2")
        log.info("or decoded: %s", "pg/pass-1")
        log.info("any URL: amqp://guest:other-pass@mq/")
    finally:
        logging.getLogger().handlers.clear()
    text = capsys.readouterr().err
    print(f"\nsettings shown as: {shown[:300]}\nlogged:\n{text}")
    for secret in ("pg%2Fpass-1", "pg/pass-1", "redis-pass-2", "other-pass"):
        assert secret not in shown
        assert secret not in text
    assert "postgresql://contest:[redacted]@db.internal:5432/contest" in text
    assert settings.database_dsn == "postgresql://contest:pg%2Fpass-1@db.internal:5432/contest"
