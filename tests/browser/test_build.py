"""The production build as nginx and the API serve it: hashed assets, no inline script
(the CSP allows only 'self' and telegram.org), and the right content types from the API."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.browser.stack import Stack
from tests.browser.telegram_stub import SCRIPT_URL

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
HASHED = re.compile(r"^/assets/[\w.-]+-[\w-]{8,}\.(js|css)$")


def test_index_loads_only_hashed_assets_and_telegram(miniapp_dist: Path) -> None:
    index = (miniapp_dist / "index.html").read_text()
    sources = []
    for attributes, body in SCRIPT_TAG.findall(index):
        assert not body.strip(), f"inline script (blocked by the CSP): {body[:80]!r}"
        sources.append(re.search(r'src="([^"]+)"', attributes).group(1))  # type: ignore[union-attr]
    assert sources[0] == SCRIPT_URL, "Telegram's script must load before the app"
    assert all(HASHED.match(src) for src in sources[1:]) and len(sources) == 2, sources
    styles = re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', index)
    assert styles and all(HASHED.match(href) for href in styles), styles
    for path in [*sources[1:], *styles]:
        assert (miniapp_dist / path.lstrip("/")).is_file(), path


@pytest.mark.parametrize(
    ("pattern", "media_type"),
    [("index.html", "text/html"), ("assets/*.js", "javascript"), ("assets/*.css", "text/css")],
)
async def test_api_serves_the_build_with_content_types(
    stack: Stack, miniapp_dist: Path, pattern: str, media_type: str
) -> None:
    file = next(miniapp_dist.glob(pattern))
    path = "/" if file.name == "index.html" else f"/{file.relative_to(miniapp_dist)}"
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        response = await client.get(path)
    assert response.status_code == 200
    assert media_type in response.headers["content-type"], (
        f"GET {path} answers {response.headers['content-type']}: browsers refuse module "
        "scripts and style sheets without their content type"
    )
    assert response.content == file.read_bytes()
