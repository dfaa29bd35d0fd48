"""nginx.conf as NixOS writes it from the evaluated module (tests/nix_eval/nginx-conf.nix,
nixpkgs' order: built-in http settings, upstreams, commonHttpConfig, virtual hosts,
appendHttpConfig), checked by a real `nginx -t` and by gixy, which nixpkgs runs on the
file at build time; and the local stack's nginx.conf holds the same pieces in the same
order, so the stack tests exercise what is deployed.

On the code before issue 13 all three failed: `nginx -t` (the log format came after the
virtual hosts using it), gixy (OCSP stapling without a resolver, two servers on port 80
without default_server, try_files without open_file_cache, no worker_processes) and
the order (the stack included http.conf before the upstreams, NixOS after the servers).
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import crossplane
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.nginx_stack import NGINX_DIR, NginxSite, mime_types_path, nginx_binary, render_config
from tests.nix_eval_support import evaluated

pytestmark = pytest.mark.nginx

CONFIGURATIONS = ["prod", "vm"]
TLS_ONLY = {"hsts.conf"}
# nixpkgs writes `http2 on;` for nginx >= 1.25.1 and the `http2` listen flag before
# (`oldHTTP2` in the nginx module); the installed nginx may be older than NixOS's.
HTTP2_DIRECTIVE_SINCE = (1, 25, 1)


def nginx_version() -> tuple[int, ...]:
    banner = subprocess.run([nginx_binary(), "-v"], capture_output=True, text=True).stderr
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", banner)
    assert match, banner
    return tuple(int(part) for part in match.groups())


def self_signed(directory: Path, domain: str) -> None:
    """The files nixpkgs' ACME setup provides, as a self-signed stand-in."""
    directory.mkdir(parents=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    for file_name in ("fullchain.pem", "chain.pem", "cert.pem"):
        (directory / file_name).write_bytes(pem)
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def local_paths(config: dict[str, Any], base: Path) -> str:
    """The generated nginx.conf with its store and state paths made local: the nginx/
    files of this checkout, a stand-in Mini App, logs, certificates under `base`."""
    text: str = config["nginx"]["conf"]
    mime_types = mime_types_path()
    text = text.replace("@MIME_TYPES@", str(mime_types))
    text = text.replace("@NGINX_CONF_DIR@", str(mime_types.parent))
    miniapp = base / "miniapp"
    miniapp.mkdir()
    (miniapp / "index.html").write_text("<!doctype html><title>Contest Bot</title>")

    def store_path(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith("contest-bot-miniapp"):
            return str(miniapp)
        if (NGINX_DIR / name).is_file():
            return str(NGINX_DIR / name)
        pytest.fail(f"nginx.conf names a store path the test cannot map: {match.group(0)}")

    store = re.escape(config["storeDir"])
    text = re.sub(store + r"/[0-9a-z]{32}-([\w.+-]+)", store_path, text)
    (base / "log").mkdir()
    text = text.replace("/var/log/nginx/", f"{base}/log/")
    (base / "run").mkdir()  # the unit's RuntimeDirectory on NixOS
    text = text.replace("/run/nginx/", f"{base}/run/")
    (base / "cache").mkdir()  # the unit's CacheDirectory on NixOS
    text = text.replace("/var/cache/nginx/", f"{base}/cache/")
    for domain in set(re.findall(r"/var/lib/acme/([\w.-]+)/fullchain\.pem", text)):
        self_signed(base / "acme" / domain, domain)
    text = text.replace("/var/lib/acme/", f"{base}/acme/")
    if nginx_version() < HTTP2_DIRECTIVE_SINCE:
        text = text.replace("http2 on;", "")
        text = re.sub(r"(listen \S+ )ssl ", r"\1http2 ssl ", text)
    return text


@pytest.fixture(scope="module", params=CONFIGURATIONS)
def nixos_conf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp(f"nixos-nginx-{request.param}")
    path = base / "nginx.conf"
    path.write_text(local_paths(evaluated(request.param), base))
    return path


def test_nginx_accepts_the_configuration_nixos_writes(nixos_conf: Path) -> None:
    base = nixos_conf.parent
    result = subprocess.run(
        [nginx_binary(), "-t", "-p", str(base), "-c", str(nixos_conf), "-e", str(base / "error")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_gixy_finds_nothing_in_the_configuration_nixos_writes(nixos_conf: Path) -> None:
    """What `services.nginx.validateConfigFile` runs at build time (`gixy $out`)."""
    gixy = shutil.which("gixy", path=str(Path(sys.executable).parent))
    assert gixy, "gixy-next is part of the dev dependency group"
    result = subprocess.run([gixy, str(nixos_conf)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def shared_file(path: str) -> str | None:
    """The name of an nginx/ file of this checkout, or None for anything else."""
    return Path(path).name if Path(path).parent == NGINX_DIR else None


def pieces(config_file: Path) -> list[tuple[str, tuple[str, ...]]]:
    """The http block's upstreams, included nginx/ files and servers (by the nginx/
    files they include), in order, each once."""
    payload = crossplane.parse(str(config_file), single=True, check_ctx=False, check_args=False)
    assert payload["status"] == "ok", payload["errors"]
    (http,) = (d for d in payload["config"][0]["parsed"] if d["directive"] == "http")
    found: list[tuple[str, tuple[str, ...]]] = []
    for directive in http["block"]:
        piece: tuple[str, tuple[str, ...]] | None = None
        if directive["directive"] == "upstream":
            piece = ("upstream", tuple(directive["args"]))
        elif directive["directive"] == "include" and shared_file(directive["args"][0]):
            piece = ("include", (shared_file(directive["args"][0]) or "",))
        elif directive["directive"] == "server":
            included = tuple(
                name
                for inner in directive["block"]
                if inner["directive"] == "include"
                for name in [shared_file(inner["args"][0])]
                if name and name not in TLS_ONLY
            )
            piece = ("server", included) if included else None
        if piece and piece not in found:
            found.append(piece)
    return found


def test_the_local_stack_has_the_pieces_of_nixos_in_the_same_order(
    nixos_conf: Path, tmp_path: Path
) -> None:
    site = NginxSite(
        runtime_dir=tmp_path,
        port=8080,
        api_sockets=(tmp_path / "api.sock",),
        bot_sockets=(tmp_path / "bot.sock",),
        miniapp_dir=tmp_path / "miniapp",
    )
    stack_conf = tmp_path / "stack.conf"
    stack_conf.write_text(render_config(site))
    stack = pieces(stack_conf)
    assert stack == [
        ("upstream", ("contest_bot_api",)),
        ("upstream", ("contest_bot_bot",)),
        ("include", ("http.conf",)),
        ("server", ("security-headers.conf", "locations.conf")),
    ]
    assert pieces(nixos_conf) == stack
