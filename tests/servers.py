"""Real PostgreSQL and Redis servers for the tests, started and stopped by the suite.

Both listen on unix sockets only, inside a directory of their own. PostgreSQL refuses
to run as root, so as root its commands run as the `postgres` system user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class ServerUnavailable(RuntimeError):
    """A server binary is missing; the test command installs it."""


def _postgres_bin() -> Path:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parts[-3]),
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ServerUnavailable("PostgreSQL is not installed (apt-get install postgresql)")


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class Postgres:
    directory: Path
    bin_dir: Path

    @property
    def socket_dir(self) -> Path:
        return self.directory

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def create_database(self, name: str) -> str:
        self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _psql(self, sql: str) -> None:
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin_dir / "psql"),
                    "-h",
                    str(self.socket_dir),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-qc",
                    sql,
                ]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.directory / "data"),
                    "-l",
                    str(self.directory / "postgres.log"),
                    "-w",
                    "-o",
                    f"-c listen_addresses='' -k {self.directory} -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.directory / "data"),
                    "-m",
                    mode,
                    "-w",
                    "stop",
                ]
            ),
            check=False,
            capture_output=True,
        )


@contextlib.contextmanager
def postgres(directory: Path) -> Iterator[Postgres]:
    """An initialised, running PostgreSQL in `directory`, stopped afterwards."""
    bin_dir = _postgres_bin()
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(directory / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    server = Postgres(directory, bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop("immediate")


@dataclass
class Redis:
    directory: Path
    password: str | None = None

    @property
    def socket(self) -> Path:
        return self.directory / "redis.sock"

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"unix://{auth}{self.socket}?db=0"

    def start(self) -> None:
        command = [
            "redis-server",
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(self.directory / "redis.pid"),
            "--logfile",
            str(self.directory / "redis.log"),
            "--dir",
            str(self.directory),
        ]
        if self.password:
            command += ["--requirepass", self.password]
        subprocess.run(command, check=True, capture_output=True)
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not create its socket within 10 s")
            time.sleep(0.01)

    def stop(self) -> None:
        pidfile = self.directory / "redis.pid"
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            pid = int(pidfile.read_text().strip())
            os.kill(pid, 15)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                os.kill(pid, 0)
                time.sleep(0.01)
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()


@contextlib.contextmanager
def redis(directory: Path, password: str | None = None) -> Iterator[Redis]:
    """A running Redis on a unix socket in `directory`, stopped afterwards."""
    if shutil.which("redis-server") is None:
        raise ServerUnavailable("Redis is not installed (apt-get install redis-server)")
    directory.mkdir(parents=True, exist_ok=True)
    server = Redis(directory, password)
    server.start()
    try:
        yield server
    finally:
        server.stop()
