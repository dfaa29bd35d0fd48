"""`contest-bot dev` with nothing but BOT_TOKEN: starts, copes without Telegram, stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TEST_TOKEN
from tests.telegram_emulator import TelegramEmulator

CLI = [sys.executable, "-m", "app.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen[str], seconds: float = 90) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "dev exited early"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def start_dev(tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_TOKEN": TEST_TOKEN}
    return subprocess.Popen(
        [*CLI, "dev"],
        cwd=tmp_path,
        env={**base, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    return output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_dev_without_telegram_keeps_running_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    port = free_port()
    process = start_dev(
        tmp_path, TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}", API_PORT=str(port)
    )
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/healthz", process) == 200
        time.sleep(1.5)
        assert process.poll() is None
    finally:
        output = stop(process, signum)
    assert process.returncode == 0, output
    assert "Telegram is unreachable" in output
    assert "retrying with backoff" in output
    assert "Traceback" not in output
    assert TEST_TOKEN.split(":")[1] not in output
    assert (tmp_path / "state" / "contest-bot.sqlite3").exists()


async def test_dev_polls_the_configured_bot_api(tmp_path: Path) -> None:
    async with TelegramEmulator(token=TEST_TOKEN) as emulator:
        user = emulator.create_user(first_name="Ann", language_code="en")
        port = free_port()
        process = start_dev(tmp_path, TELEGRAM_API_URL=emulator.base_url, API_PORT=str(port))
        try:
            emulator.user_sends_command(user.id, "start")
            (reply,) = await emulator.wait_for_bot_messages(user.id, timeout=90)
            assert reply.text
        finally:
            time.sleep(1)  # a long poll is in flight at the stop
            output = stop(process, signal.SIGTERM)
        print(f"\ndev stopped with SIGTERM while polling, its last lines:\n{output[-800:]}")
        assert process.returncode == 0, output
        assert "Failed to fetch updates" not in output
        assert " ERROR " not in output and '"level": "error"' not in output, output
