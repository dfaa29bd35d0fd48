"""The local production stack: PostgreSQL, Redis, migrate, api, bot, workers, scheduler, nginx.

    async with Stack(StackOptions(telegram_api_url=..., bot_token=..., log_dir=...)) as stack:
        stack.base_url          # nginx on 127.0.0.1, the only TCP listener
        await stack.restart("api"); await stack.kill("worker-1"); await stack.start_role(...)

Start order: PostgreSQL and Redis, then `contest-bot migrate` (which must exit 0 before
anything serves), then the roles (started together, as systemd would start units that
are ordered only after migrate; each waited for in turn: api, bot, workers, scheduler),
nginx last, once every upstream is ready. Stop is the reverse (the roles together),
SIGTERM first and SIGKILL after a timeout; the logs of every process end up in
`log_dir`. A watcher notices a role that dies on its own and prints its log tail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.config import env_names
from tests import servers
from tests.nginx_stack import NginxProcess, NginxSite, free_port
from tests.stack import readiness
from tests.stack.roles import RoleFailed, RoleProcess

MINIAPP_DIST = Path(__file__).resolve().parents[2] / "app" / "miniapp" / "dist"
DATABASE_NAME = "contest_bot"
# Importing aiogram and Litestar takes seconds per process, much longer on a busy machine.
READY_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class StackOptions:
    """What differs between uses of the stack; everything else is fixed here."""

    telegram_api_url: str
    bot_token: str
    log_dir: Path
    workers: int = 2
    bots: int = 1  # bot processes (the NixOS module's bot.instances), one socket each
    apis: int = 1  # API processes (the NixOS module's api.instances), one socket each
    admin_ids: tuple[int, ...] = ()
    miniapp_dir: Path = MINIAPP_DIST
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    redis_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    extra_env: Mapping[str, str] = field(default_factory=dict)


class Stack:
    """Every process of a production deployment on this machine, in a fresh directory."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        # unix socket paths must stay short (108 bytes): a short directory of our own
        self.runtime = Path(tempfile.mkdtemp(prefix="cb-stack-"))
        self.runtime.chmod(0o755)
        self.port = free_port()
        self.roles: dict[str, RoleProcess] = {}
        self.postgres: servers.Postgres | None = None
        self.redis: servers.Redis | None = None
        self.database_url = ""
        self.nginx = NginxProcess(
            NginxSite(
                runtime_dir=self.runtime / "nginx",
                port=self.port,
                api_sockets=tuple(self.api_sockets.values()),
                bot_sockets=tuple(self.bot_sockets.values()),
                miniapp_dir=options.miniapp_dir,
            )
        )
        self.unexpected_exits: list[str] = []
        self._servers = contextlib.ExitStack()
        self._stopping: set[str] = set()
        self._watcher: asyncio.Task[None] | None = None

    # addresses -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return self.base_url + "/telegram/webhook"

    @property
    def api_sockets(self) -> dict[str, Path]:
        """Role name -> API socket: `api` alone, or `api-1`, `api-2`, ..."""
        if self.options.apis == 1:
            return {"api": self.runtime / "api.sock"}
        return {f"api-{n}": self.runtime / f"api-{n}.sock" for n in range(1, self.options.apis + 1)}

    @property
    def api_socket(self) -> Path:
        """The first API process's socket."""
        return next(iter(self.api_sockets.values()))

    @property
    def bot_sockets(self) -> dict[str, Path]:
        """Role name -> webhook socket: `bot` alone, or `bot-1`, `bot-2`, ..."""
        if self.options.bots == 1:
            return {"bot": self.runtime / "bot.sock"}
        return {f"bot-{n}": self.runtime / f"bot-{n}.sock" for n in range(1, self.options.bots + 1)}

    @property
    def bot_socket(self) -> Path:
        """The first bot process's socket."""
        return next(iter(self.bot_sockets.values()))

    @property
    def redis_url(self) -> str:
        assert self.redis is not None
        return self.redis.url

    @property
    def worker_names(self) -> list[str]:
        return [f"worker-{n}" for n in range(1, self.options.workers + 1)]

    # start and stop --------------------------------------------------------------------

    async def start(self) -> Stack:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise
        self._watcher = asyncio.create_task(self._watch())
        return self

    async def _start(self) -> None:
        self.options.log_dir.mkdir(parents=True, exist_ok=True)
        self.postgres = await asyncio.to_thread(
            self._servers.enter_context, servers.postgres(self.runtime / "pg")
        )
        self.database_url = await asyncio.to_thread(self.postgres.create_database, DATABASE_NAME)
        self.redis = await asyncio.to_thread(
            self._servers.enter_context,
            servers.redis(self.runtime / "redis", password=self.options.redis_password),
        )
        migrate = self._role("migrate", "migrate")
        status = await migrate.run_to_completion()
        if status != 0:
            raise migrate.failure(f"migrate exited with status {status}; nothing was started")
        self.roles.pop("migrate")
        serving = self._serving_roles()
        for role in serving:  # all import at once (seconds each); readiness in order
            role.spawn()
        for role in serving:
            await role.wait_ready(READY_TIMEOUT_SECONDS)
        await asyncio.to_thread(self.nginx.start)
        await readiness.wait_for_nginx(self)

    def _serving_roles(self) -> list[RoleProcess]:
        roles = [
            self._role(name, "api", readiness.api_ready, API_SOCKET=str(socket))
            for name, socket in self.api_sockets.items()
        ]
        roles += [
            self._role(name, "bot", readiness.bot_ready, BOT_SOCKET=str(socket))
            for name, socket in self.bot_sockets.items()
        ]
        roles += [self._role(name, "worker", readiness.worker_ready) for name in self.worker_names]
        roles.append(self._role("scheduler", "scheduler", readiness.scheduler_ready))
        return roles

    async def stop(self) -> None:
        """Stop everything (nginx first, then the roles together, the databases last) and
        collect the logs."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        await asyncio.to_thread(self.nginx.stop)
        self._stopping.update(self.roles)
        await asyncio.gather(*(role.stop() for role in self.roles.values()))
        await asyncio.to_thread(self._servers.close)
        self._collect_logs()
        shutil.rmtree(self.runtime, ignore_errors=True)

    async def __aenter__(self) -> Stack:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # one role at a time --------------------------------------------------------------

    async def stop_role(self, name: str) -> int | None:
        self._stopping.add(name)
        return await self.roles[name].stop()

    async def kill(self, name: str) -> int | None:
        """kill -9 one role (it stays down until `start_role`)."""
        self._stopping.add(name)
        return await self.roles[name].kill()

    async def start_role(self, name: str) -> None:
        await self.roles[name].start(READY_TIMEOUT_SECONDS)
        self._stopping.discard(name)

    async def restart(self, name: str) -> int | None:
        """SIGTERM one role, start it again and wait until it is ready; returns its exit status."""
        status = await self.stop_role(name)
        await self.start_role(name)
        return status

    async def restart_redis(self) -> None:
        """Stop Redis (its data is not persisted, as with a wiped cache) and start it again."""
        assert self.redis is not None
        await asyncio.to_thread(self.redis.stop)
        await asyncio.to_thread(self.redis.start)

    async def restart_postgres(self) -> None:
        assert self.postgres is not None
        await asyncio.to_thread(self.postgres.stop, "fast")
        await asyncio.to_thread(self.postgres.start)

    # health --------------------------------------------------------------------------

    def check_alive(self) -> None:
        """Raise if a role died without being asked to, with its log tail."""
        if self.unexpected_exits:
            raise RoleFailed("\n\n".join(self.unexpected_exits))
        for name, role in self.roles.items():
            if name not in self._stopping and not role.alive:
                raise role.failure("is not running")

    def pids(self) -> dict[str, list[int]]:
        """Process ids per component, children included (nginx workers, PostgreSQL backends)."""
        found: dict[str, list[int]] = {
            name: [role.pid] for name, role in self.roles.items() if role.pid is not None
        }
        if self.nginx.pid is not None:
            found["nginx"] = [self.nginx.pid, *_descendants(self.nginx.pid)]
        found.update(server_pids(self.postgres, self.redis))
        for name, pids in list(found.items()):
            if name in self.roles:
                found[name] = [*pids, *(c for pid in pids for c in _descendants(pid))]
        return found

    def role_env(self) -> dict[str, str]:
        """The environment every role gets (like the NixOS module's one environment file)."""
        assert self.redis is not None
        settings = set(env_names())
        env = {key: value for key, value in os.environ.items() if key not in settings}
        env.update(
            {
                "BOT_TOKEN": self.options.bot_token,
                "TELEGRAM_API_URL": self.options.telegram_api_url,
                "BOT_MODE": "webhook",
                "WEBHOOK_BASE_URL": self.base_url,
                "WEBHOOK_SECRET": self.options.webhook_secret,
                "ADMIN_IDS": ",".join(str(i) for i in self.options.admin_ids),
                "STATE_DIR": str(self.runtime / "state"),
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis.url,
                "PUBLIC_URL": self.base_url,
                "API_SOCKET": str(self.api_socket),
                "BOT_SOCKET": str(self.bot_socket),
                "MINIAPP_DIR": str(self.options.miniapp_dir),
                "METRICS_DIR": str(self.runtime / "metrics"),
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
                **self.options.extra_env,
            }
        )
        return env

    def _role(
        self, name: str, role: str, ready: readiness.Check | None = None, **env: str
    ) -> RoleProcess:
        (self.runtime / "metrics").mkdir(exist_ok=True)
        process = RoleProcess(
            name=name,
            role=role,
            env={**self.role_env(), **env},
            log_path=self.options.log_dir / f"{name}.log",
            cwd=self.runtime,
        )
        if ready is not None:
            process.ready = lambda p: ready(self, p)
        self.roles[name] = process
        return process

    async def _watch(self) -> None:
        reported: set[tuple[str, int]] = set()
        while True:
            await asyncio.sleep(0.5)
            for name, role in self.roles.items():
                if name in self._stopping or role.alive or (name, role.starts) in reported:
                    continue
                reported.add((name, role.starts))
                code = role.process.poll() if role.process is not None else None
                message = str(role.failure(f"died on its own (status {code})"))
                self.unexpected_exits.append(message)
                print(message, file=sys.stderr, flush=True)

    def _collect_logs(self) -> None:
        extra = {
            "postgres.log": self.runtime / "pg" / "postgres.log",
            "redis.log": self.runtime / "redis" / "redis.log",
            "nginx-error.log": self.nginx.site.error_log,
            "nginx-access.log": self.nginx.site.access_log,
        }
        for name, source in extra.items():
            with contextlib.suppress(OSError):
                shutil.copyfile(source, self.options.log_dir / name)


def server_pids(
    postgres: servers.Postgres | None, redis: servers.Redis | None
) -> dict[str, list[int]]:
    """PostgreSQL's processes (backends included) and Redis's, for CPU accounting."""
    found: dict[str, list[int]] = {}
    if postgres is not None:
        postmaster = _read_pid(postgres.directory / "data" / "postmaster.pid")
        if postmaster is not None:
            found["postgres"] = [postmaster, *_descendants(postmaster)]
    if redis is not None:
        redis_pid = _read_pid(redis.directory / "redis.pid")
        if redis_pid is not None:
            found["redis"] = [redis_pid]
    return found


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc/<pid>/task/*/children."""
    found: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                for child in children.read_text().split():
                    found.append(int(child))
                    stack.append(int(child))
    return found
