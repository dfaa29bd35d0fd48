"""Run the production nginx configuration (`nginx/`) locally, in front of unix sockets.

Renders `nginx/local-stack.conf.template` (the shared files plus paths, a listen address
and the upstream sockets) and starts nginx as a foreground child process with every
runtime path under one directory, as FACTS.md describes. Used by the nginx config tests
and by the local production stack.
"""

from __future__ import annotations

import getpass
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

NGINX_DIR = Path(__file__).resolve().parent.parent / "nginx"
TEMPLATE = NGINX_DIR / "local-stack.conf.template"
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")
MIME_TYPES_CANDIDATES = (Path("/etc/nginx/mime.types"), Path("/usr/share/nginx/mime.types"))


class NginxError(RuntimeError):
    """nginx is missing, rejected its configuration, or did not come up."""


@dataclass(frozen=True)
class NginxSite:
    """Where nginx keeps its runtime files and what it sits in front of."""

    runtime_dir: Path
    port: int
    api_sockets: tuple[Path, ...]  # one per API process; nginx balances over them
    bot_sockets: tuple[Path, ...]  # one per bot process; nginx balances over them
    miniapp_dir: Path
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.runtime_dir / "nginx.conf"

    @property
    def access_log(self) -> Path:
        return self.runtime_dir / "access.log"

    @property
    def error_log(self) -> Path:
        return self.runtime_dir / "error.log"


def nginx_binary() -> str:
    """The nginx executable; nginx is a hard requirement of the tests that use it."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        raise NginxError("nginx is not installed (apt-get install nginx)")
    return found


def mime_types_path() -> Path:
    """The `mime.types` file shipped with the installed nginx."""
    for candidate in MIME_TYPES_CANDIDATES:
        if candidate.is_file():
            return candidate
    version = subprocess.run(
        [nginx_binary(), "-V"], capture_output=True, text=True, check=True
    ).stderr
    match = re.search(r"--conf-path=(\S+)", version)
    if match and (Path(match.group(1)).parent / "mime.types").is_file():
        return Path(match.group(1)).parent / "mime.types"
    raise NginxError("cannot find nginx's mime.types")


def render_config(site: NginxSite, template: Path = TEMPLATE) -> str:
    """The template with every @NAME@ filled in; fails on a placeholder left unknown."""
    values = {
        "RUNTIME_DIR": str(site.runtime_dir),
        "NGINX_DIR": str(NGINX_DIR),
        "MIME_TYPES": str(mime_types_path()),
        "WORKER_USER": getpass.getuser(),
        "LISTEN": f"{site.host}:{site.port}",
        "API_SERVERS": "\n".join(f"        server unix:{path};" for path in site.api_sockets),
        "BOT_SERVERS": "\n".join(f"        server unix:{path};" for path in site.bot_sockets),
        "MINIAPP_DIR": str(site.miniapp_dir),
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise NginxError(f"{template.name}: unknown placeholder @{name}@")
        return values[name]

    return PLACEHOLDER.sub(fill, template.read_text())


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class NginxProcess:
    """nginx in the foreground for one `NginxSite`; `start()`/`stop()` or `with`."""

    def __init__(self, site: NginxSite) -> None:
        self.site = site
        self._process: subprocess.Popen[bytes] | None = None

    def test_config(self) -> None:
        """Write the rendered configuration and have nginx check it (`nginx -t`)."""
        self.site.runtime_dir.mkdir(parents=True, exist_ok=True)
        self.site.config_path.write_text(render_config(self.site))
        result = subprocess.run(
            [*self._command(), "-t"], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise NginxError(f"nginx rejected {self.site.config_path}:\n{result.stderr}")

    def start(self, timeout: float = 5.0) -> None:
        """Start nginx and wait until it accepts connections."""
        self.test_config()
        self._process = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise NginxError(f"nginx exited early; see {self.site.error_log}")
            try:
                socket.create_connection((self.site.host, self.site.port), timeout=0.2).close()
            except OSError:
                time.sleep(0.02)
            else:
                return
        self.stop()
        raise NginxError(f"nginx did not listen on {self.site.base_url} within {timeout}s")

    def stop(self, timeout: float = 5.0) -> None:
        """Graceful shutdown (SIGQUIT), then SIGKILL if nginx lingers."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def __enter__(self) -> NginxProcess:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _command(self) -> list[str]:
        runtime = str(self.site.runtime_dir)
        return [
            nginx_binary(),
            "-p",
            runtime,
            "-c",
            str(self.site.config_path),
            "-e",
            str(self.site.error_log),
            "-g",
            "daemon off;",
        ]
