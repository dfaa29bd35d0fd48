"""Logging: JSON lines in production, and no token or initData in any line."""

from __future__ import annotations

import json
import logging

import pytest

from app import logs

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
