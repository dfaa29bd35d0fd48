"""Backups proven by a restore: a dump taken the way the prod host takes it (nixpkgs'
postgresqlBackup with the module's settings) goes back into a fresh PostgreSQL with
nix/module/restore.sh, the `contest-bot-restore` command the runbook (terraform/README.md)
tells ops to run, and contests, participants, draws and the outbox come back unchanged."""

from __future__ import annotations

import os
import pwd
import shlex
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from app.config import load_settings
from app.db import draws, engine
from app.db.migrate import migrate
from app.telegram import outbox
from tests import servers
from tests.nix_eval_support import evaluated
from tests.worker.stack import contest_with_participants

ROOT = Path(__file__).resolve().parent.parent
RESTORE = ROOT / "nix" / "module" / "restore.sh"
DATABASE = "contest-bot"
TABLES = ("contest", "participant", "draw", "notification", "telegram_user", "publication")

pytestmark = pytest.mark.postgres


@pytest.fixture
def place(server_root: Path, tmp_path: Path) -> Path:
    """A directory the postgres user can reach (tmp_path is root's alone)."""
    directory = server_root / f"backup-{tmp_path.name}"
    directory.mkdir(mode=0o755)
    return directory


def as_postgres(command: str, env: dict[str, str]) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "bash", "-euo", "pipefail", "-c", command],
        env=env,
        check=True,
        capture_output=True,
    )


def create_like_the_module(server: servers.Postgres) -> None:
    """What services.postgresql's ensureUsers/ensureDatabases leave on a new host."""
    server._psql(f'CREATE ROLE "{DATABASE}" LOGIN')
    server._psql(f'CREATE DATABASE "{DATABASE}" OWNER "{DATABASE}"')


def backup_like_the_module(server: servers.Postgres, location: Path) -> Path:
    """nixpkgs' postgresqlBackup-<db> script (services/backup/postgresql-backup.nix, the
    fork copy faukah/nixpkgs 3b20077c), with the settings the prod host evaluates to."""
    backup = evaluated("prod")["postgresqlBackup"]
    assert backup["enable"] and backup["databases"] == [DATABASE]
    assert backup["compression"] == "zstd"
    compress = f"zstd -c -{backup['compressionLevel']} --rsyncable"
    current = location / f"{DATABASE}.sql.zstd"
    in_progress = location / f"{DATABASE}.in-progress.sql.zstd"
    location.mkdir(parents=True)
    os.chown(location, *_postgres_ids())
    command = (
        "umask 0077; "
        f"pg_dump {backup['pgdumpOptions']} {shlex.quote(DATABASE)} | {compress} > {in_progress} "
        f"&& mv {in_progress} {current}"
    )
    env = {**os.environ, "PGHOST": str(server.socket_dir), "PATH": _path_with(server)}
    as_postgres(command, env)
    return current


def _postgres_ids() -> tuple[int, int]:
    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def _path_with(server: servers.Postgres) -> str:
    return f"{server.bin_dir}:{os.environ['PATH']}"


async def fill(url: str, state_dir: Path) -> None:
    """Contests with participants, a draw, and outbox rows in several states."""
    current = engine.use(engine.make_engine(load_settings(database_url=url, state_dir=state_dir)))
    await engine.start(current)
    try:
        await migrate()
        drawn, _ = await contest_with_participants(40)
        await contest_with_participants(7, first_user=20_000)
        await draws.run(drawn)
        await outbox.enqueue(f"winner:{drawn}:10000", 10000, "winner", {"text": "You won"})
        await outbox.enqueue(f"result:{drawn}:10001", 10001, "result", {"text": "Results"})
        row = await outbox.claim("backup-test")
        assert row is not None
        await outbox.mark_sent(row.id, 777)
    finally:
        await engine.stop(current)


async def rows(server: servers.Postgres) -> dict[str, list[Any]]:
    connection = await asyncpg.connect(
        host=str(server.socket_dir), user="postgres", database=DATABASE
    )
    try:
        return {
            table: [
                tuple(row) for row in await connection.fetch(f"SELECT * FROM {table} ORDER BY id")
            ]
            for table in TABLES
        }
    finally:
        await connection.close()


def restore(server: servers.Postgres, dump: Path, shims: Path) -> subprocess.CompletedProcess[str]:
    """restore.sh as the runbook runs it; `systemctl` is a stand-in that logs its calls."""
    shims.mkdir()
    (shims / "systemctl").write_text('#!/bin/sh\necho "systemctl $*" >> "$SYSTEMCTL_LOG"\n')
    (shims / "systemctl").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{shims}:{_path_with(server)}",
        "PGHOST": str(server.socket_dir),
        "SYSTEMCTL_LOG": str(shims / "calls"),
    }
    return subprocess.run(
        ["bash", str(RESTORE), str(dump)], env=env, capture_output=True, text=True
    )


async def test_a_backup_restores_into_a_fresh_postgresql(place: Path, tmp_path: Path) -> None:
    with servers.postgres(place / "old") as old:
        create_like_the_module(old)
        await fill(f"postgresql://{DATABASE}@/{DATABASE}?host={old.socket_dir}", tmp_path / "state")
        before = await rows(old)
        dump = backup_like_the_module(old, place / "backup")
    assert len(before["participant"]) == 47 and len(before["draw"]) == 1
    assert len(before["notification"]) >= 2  # one sent, one pending
    print(f"\ndump of {sum(map(len, before.values()))} rows: {dump.stat().st_size} bytes (zstd)")

    with servers.postgres(place / "new") as new:
        create_like_the_module(new)  # the module ran on the new host before the restore
        result = restore(new, dump, tmp_path / "shims")
        assert result.returncode == 0, result.stdout + result.stderr
        calls = (tmp_path / "shims" / "calls").read_text().splitlines()
        assert calls == ["systemctl stop contest-bot.target", "systemctl start contest-bot.target"]
        after = await rows(new)
        assert after == before
        # The app works on the restored database: migrations are a no-op and the
        # sequences continue after the restored rows.
        url = f"postgresql://{DATABASE}@/{DATABASE}?host={new.socket_dir}"
        current = engine.use(
            engine.make_engine(load_settings(database_url=url, state_dir=tmp_path))
        )
        await engine.start(current)
        try:
            await migrate()
            contest_id, _ = await contest_with_participants(1, first_user=30_000)
        finally:
            await engine.stop(current)
        assert contest_id > max(row[0] for row in before["contest"])


async def test_a_broken_dump_is_refused_before_anything_is_dropped(
    place: Path, tmp_path: Path
) -> None:
    dump = tmp_path / "contest-bot.sql.zstd"
    dump.write_bytes(b"\x28\xb5\x2f\xfd truncated")
    with servers.postgres(place / "pg") as server:
        create_like_the_module(server)
        result = restore(server, dump, tmp_path / "shims")
        assert result.returncode != 0
        assert not (tmp_path / "shims" / "calls").exists()  # nothing was stopped
        connection = await asyncpg.connect(host=str(server.socket_dir), user="postgres")
        try:
            assert await connection.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", DATABASE
            )
        finally:
            await connection.close()


def test_the_host_has_the_restore_command_and_the_runbook_uses_it() -> None:
    prod = evaluated("prod")
    assert any(name.endswith("contest-bot-restore") for name in prod["systemPackages"])
    runbook = (ROOT / "terraform" / "README.md").read_text()
    assert "contest-bot-restore /var/backup/postgresql/contest-bot.sql.zstd" in runbook
