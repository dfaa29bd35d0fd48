"""The production nginx configuration (`nginx/`), run by a real nginx.

nginx listens on 127.0.0.1 in front of two small aiohttp upstreams on unix sockets that
echo what reached them. Requests from 127.0.0.1 are the host itself; requests bound to
127.0.0.2 stand for the outside world (not on the loopback allow-list).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.nginx_stack import NginxProcess, NginxSite, free_port

pytestmark = pytest.mark.nginx

OUTSIDE = "127.0.0.2"
INDEX_HTML = "<!doctype html><title>Contest Bot</title><script src='/assets/app-3f9a.js'></script>"
ASSET_JS = "console.log('plain');" * 40
ASSET_JS_GZ_MARKER = "console.log('precompressed');"
TELEGRAM_ORIGINS = {"https://telegram.org", "https://web.telegram.org"}


def write_miniapp(root: Path) -> None:
    """A stand-in Mini App build: entry page, hashed asset with a .gz twin, an icon."""
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX_HTML)
    (root / "assets" / "app-3f9a.js").write_text(ASSET_JS)
    (root / "assets" / "app-3f9a.js.gz").write_bytes(gzip.compress(ASSET_JS_GZ_MARKER.encode()))
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")


def echo_app(name: str) -> web.Application:
    """An upstream that answers every request with what it saw."""

    served = 0

    async def echo(request: web.Request) -> web.Response:
        nonlocal served
        served += 1
        body = await request.read()
        return web.json_response(
            {
                "upstream": name,
                "served": served,
                "authorization": request.headers.get("Authorization"),
                "method": request.method,
                "path": request.path_qs,
                "body_size": len(body),
                "x_forwarded_for": request.headers.get("X-Forwarded-For"),
                "x_real_ip": request.headers.get("X-Real-IP"),
                "x_request_id": request.headers.get("X-Request-ID"),
                "host": request.headers.get("Host"),
            }
        )

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


@pytest.fixture(scope="module")
def site() -> Iterator[NginxSite]:
    with tempfile.TemporaryDirectory(prefix="contest-bot-nginx-") as raw:
        base = Path(raw)
        write_miniapp(base / "miniapp")
        yield NginxSite(
            runtime_dir=base / "nginx",
            port=free_port(),
            api_sockets=(base / "api.sock",),
            bot_sockets=(base / "bot.sock",),
            miniapp_dir=base / "miniapp",
        )


@pytest.fixture(scope="module")
async def nginx(site: NginxSite) -> AsyncIterator[NginxSite]:
    runners = []
    for name, path in (("api", site.api_sockets[0]), ("bot", site.bot_sockets[0])):
        runner = web.AppRunner(echo_app(name), access_log=None)
        await runner.setup()
        await web.UnixSite(runner, str(path)).start()
        runners.append(runner)
    process = NginxProcess(site)
    process.start()
    try:
        yield site
    finally:
        process.stop()
        for runner in runners:
            await runner.cleanup()


@pytest.fixture
async def local(nginx: NginxSite) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=nginx.base_url) as client:
        yield client


@pytest.fixture
async def outside(nginx: NginxSite) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.AsyncHTTPTransport(local_address=OUTSIDE)
    async with httpx.AsyncClient(base_url=nginx.base_url, transport=transport) as client:
        yield client


async def raw_get(site: NginxSite, target: str) -> tuple[int, bytes]:
    """Send a request line exactly as written (HTTP clients normalise `..` away)."""
    reader, writer = await asyncio.open_connection(site.host, site.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    status = int(response.split(b" ", 2)[1])
    return status, response


@pytest.mark.parametrize(
    ("method", "path", "upstream"),
    [
        ("GET", "/api/contests", "api"),
        ("GET", "/api/contests/42?lang=ru", "api"),
        ("POST", "/api/contests/42/join", "api"),
        ("POST", "/telegram/webhook", "bot"),
    ],
)
async def test_public_routes_reach_their_upstream(
    outside: httpx.AsyncClient, method: str, path: str, upstream: str
) -> None:
    response = await outside.request(method, path, content=b"{}")
    assert response.status_code == 200
    seen = response.json()
    assert (seen["upstream"], seen["method"], seen["path"]) == (upstream, method, path)


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/metrics", "/schema", "/schema/openapi.json"]
)
async def test_internal_endpoints_only_from_the_host(
    local: httpx.AsyncClient, outside: httpx.AsyncClient, path: str
) -> None:
    inside = await local.get(path)
    assert inside.status_code == 200
    assert inside.json()["path"] == path
    refused = await outside.get(path)
    assert refused.status_code == 403
    assert "upstream" not in refused.text


async def test_webhook_accepts_only_post(outside: httpx.AsyncClient) -> None:
    assert (await outside.get("/telegram/webhook")).status_code == 403
    assert (await outside.get("/telegram/webhook/extra")).status_code == 404


async def test_miniapp_entry_page_is_revalidated(outside: httpx.AsyncClient) -> None:
    for path in ("/", "/index.html"):
        response = await outside.get(path)
        assert response.status_code == 200
        assert response.text == INDEX_HTML
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_immutable_and_precompressed(outside: httpx.AsyncClient) -> None:
    plain = await outside.get("/assets/app-3f9a.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.text == ASSET_JS
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    packed = await outside.get("/assets/app-3f9a.js", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.text == ASSET_JS_GZ_MARKER  # the .gz file on disk, not gzip on the fly


async def test_other_build_files_are_served_without_cache_policy(
    outside: httpx.AsyncClient,
) -> None:
    response = await outside.get("/favicon.svg")
    assert response.status_code == 200
    assert "cache-control" not in response.headers


async def test_proxied_responses_keep_their_own_cache_policy(outside: httpx.AsyncClient) -> None:
    response = await outside.get("/api/contests")
    assert "cache-control" not in response.headers


@pytest.mark.parametrize(
    "path",
    ["/nope", "/contest/7", "/assets/missing.js", "/.env", "/api", "/index.php", "/assets/"],
)
async def test_unknown_paths_are_404(outside: httpx.AsyncClient, path: str) -> None:
    response = await outside.get(path)
    assert response.status_code == 404
    assert "upstream" not in response.text


@pytest.mark.parametrize(
    "target",
    [
        "/../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/../../../etc/passwd",
        "/assets/..%2f..%2f..%2fetc/passwd",
        "/api/../../etc/passwd",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    ],
)
async def test_path_traversal_is_refused(nginx: NginxSite, target: str) -> None:
    status, response = await raw_get(nginx, target)
    assert status in (400, 404)
    assert b"root:" not in response
    assert b"upstream" not in response


async def test_security_headers_on_every_response(outside: httpx.AsyncClient) -> None:
    for path in ("/", "/assets/app-3f9a.js", "/api/contests", "/nope", "/metrics"):
        headers = (await outside.get(path)).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert "content-security-policy" in headers, path
        assert "strict-transport-security" not in headers, path  # plain HTTP here
        assert headers["server"] == "nginx", path  # no version


async def test_csp_allows_only_telegram_from_outside(outside: httpx.AsyncClient) -> None:
    policy = (await outside.get("/")).headers["content-security-policy"]
    directives = {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }
    assert directives["script-src"] == ["'self'", "https://telegram.org"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert "https://web.telegram.org" in directives["frame-ancestors"]
    external = {src for sources in directives.values() for src in sources if "://" in src}
    assert external <= TELEGRAM_ORIGINS
    assert not any("*" in src for sources in directives.values() for src in sources)


async def test_proxy_headers_name_the_real_client(outside: httpx.AsyncClient) -> None:
    response = await outside.get("/api/me", headers={"X-Forwarded-For": "203.0.113.9"})
    seen = response.json()
    assert seen["x_forwarded_for"] == OUTSIDE
    assert seen["x_real_ip"] == OUTSIDE
    assert re.fullmatch(r"[0-9a-f]{32}", seen["x_request_id"])


@pytest.mark.parametrize("path", ["/api/contests", "/telegram/webhook"])
async def test_oversized_bodies_are_413(outside: httpx.AsyncClient, path: str) -> None:
    response = await outside.post(path, content=b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    small = await outside.post(path, content=b"x" * (512 * 1024))
    assert small.status_code == 200
    assert small.json()["body_size"] == 512 * 1024


async def burst(client: httpx.AsyncClient, path: str, count: int) -> list[int]:
    responses = await asyncio.gather(*(client.post(path, content=b"{}") for _ in range(count)))
    return [response.status_code for response in responses]


async def test_join_flood_from_one_client_is_limited(
    outside: httpx.AsyncClient, local: httpx.AsyncClient
) -> None:
    statuses = await burst(outside, "/api/contests/9/join", 40)
    assert set(statuses) == {200, 429}
    assert 5 <= statuses.count(200) <= 15  # burst of 10 plus what the rate refills
    assert (await outside.get("/api/contests/9")).status_code == 200  # only joins limited
    assert set(await burst(local, "/api/contests/9/join", 40)) == {200}  # the host itself


async def test_webhook_flood_is_limited(
    outside: httpx.AsyncClient, local: httpx.AsyncClient
) -> None:
    statuses = await burst(outside, "/telegram/webhook", 60)
    assert set(statuses) == {200, 429}
    assert 15 <= statuses.count(200) <= 30  # burst of 20 plus what the rate refills
    assert set(await burst(local, "/telegram/webhook", 60)) == {200}  # exempt senders


async def test_access_log_is_json_without_query_strings(
    nginx: NginxSite, outside: httpx.AsyncClient
) -> None:
    await outside.get("/api/contests?init_data=secret-value")
    await outside.get("/missing-page")
    await asyncio.sleep(0.05)
    lines = nginx.access_log.read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert "secret-value" not in nginx.access_log.read_text()
    by_uri = {entry["uri"]: entry for entry in entries}
    api = by_uri["/api/contests"]
    assert api["status"] == 200
    assert api["remote_addr"] == OUTSIDE
    assert api["upstream_addr"].startswith("unix:")
    assert isinstance(api["request_time"], float | int)
    assert re.fullmatch(r"[0-9a-f]{32}", api["request_id"])
    assert by_uri["/missing-page"]["status"] == 404


async def test_public_card_is_kept_a_second_and_nothing_personal_is(
    outside: httpx.AsyncClient,
) -> None:
    """The public card is answered from nginx's cache for a second (a query string does
    not get around it); the viewer's status and the full card reach the API every time,
    each with the asker's own initData."""
    card = "/api/public/contests/7/card"
    first = (await outside.get(card)).json()
    assert first["path"] == card
    again = await outside.get(f"{card}?fresh=1", headers={"Authorization": "tma user=2"})
    assert again.json() == first  # from the cache: the API did not see this request
    await asyncio.sleep(2.1)  # "1s" in whole seconds of nginx's clock: expired by now
    await outside.get(card)  # stale: answered as is while the cache refreshes
    await asyncio.sleep(0.3)
    assert (await outside.get(card)).json()["served"] > first["served"]
    for path in ("/api/contests/7/status", "/api/contests/7"):
        seen = [
            (await outside.get(path, headers={"Authorization": f"tma user={user}"})).json()
            for user in (1, 2, 1)
        ]
        assert [s["authorization"] for s in seen] == ["tma user=1", "tma user=2", "tma user=1"]
        assert len({s["served"] for s in seen}) == 3  # each one reached the API
