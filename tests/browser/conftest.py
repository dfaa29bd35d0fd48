"""Fixtures of the browser tests: the Mini App build, headless Chromium, the API stack,
and `open_app`, which opens the Mini App as a Telegram client would for a given user."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Route, async_playwright

from app.miniapp import build as miniapp_build
from tests.browser import chromium
from tests.browser.layout import VIEWPORT
from tests.browser.scenario import ORGANIZER_ID
from tests.browser.stack import Stack, running_stack
from tests.browser.telegram_stub import OUTSIDE_TELEGRAM, SCRIPT_URL, stub_script
from tests.conftest import TEST_TOKEN

OpenApp = Callable[..., Awaitable[Page]]
SECURITY_HEADERS = Path(__file__).resolve().parents[2] / "nginx" / "security-headers.conf"


def production_csp() -> str:
    """The Content-Security-Policy nginx sends with the Mini App in production."""
    match = re.search(r'Content-Security-Policy "([^"]+)"', SECURITY_HEADERS.read_text())
    assert match, f"no Content-Security-Policy in {SECURITY_HEADERS}"
    return match.group(1)


def console_problem(message: ConsoleMessage, problems: list[str]) -> None:
    """Console errors fail the test (CSP violations, scripts that did not load), except
    the browser's note on each 4xx answer, which the app shows the user itself."""
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(f"console error: {message.text}")


@pytest.fixture(scope="session")
def miniapp_dist() -> Path:
    """The production build, rebuilt first when missing or stale."""
    miniapp_build.ensure_built()
    return miniapp_build.DIST


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await chromium.launch(playwright)
        yield browser
        await browser.close()


@pytest.fixture
async def stack(
    request: pytest.FixtureRequest, tmp_path: Path, miniapp_dist: Path
) -> AsyncIterator[Stack]:
    """The API stack; parametrize it indirectly with True for the dev login."""
    dev_login = bool(getattr(request, "param", False))
    async with running_stack(
        tmp_path / "state", miniapp_dist, TEST_TOKEN, {ORGANIZER_ID}, dev_login=dev_login
    ) as running:
        yield running


@pytest.fixture
async def open_app(browser: Browser, stack: Stack) -> AsyncIterator[OpenApp]:
    """`await open_app(user, start_param=None, path="/")` → a page showing the Mini App
    as Telegram opens it for `user`; with `user=None`, as a normal browser opens it.
    `timezone` is the device's zone; other keywords go to `stub_script` (the client's
    Web App `version`, safe-area insets).

    The entry page carries production's Content-Security-Policy. Uncaught page errors,
    console errors (CSP violations among them) and requests to any origin but the API's
    fail the test.
    """
    contexts = []
    problems: list[str] = []
    api_host = urlparse(stack.base_url).netloc
    csp = production_csp()

    async def entry_page(route: Route) -> None:
        response = await route.fetch()
        await route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": csp}
        )

    async def open_(
        user: dict[str, Any] | None,
        start_param: str | None = None,
        path: str = "/",
        timezone: str = "UTC",
        **client: Any,
    ) -> Page:
        context = await browser.new_context(
            viewport=VIEWPORT, locale="en-US", timezone_id=timezone, accept_downloads=True
        )
        contexts.append(context)
        script = (
            OUTSIDE_TELEGRAM
            if user is None
            else stub_script(TEST_TOKEN, user, start_param=start_param, **client)
        )

        async def telegram(route: Route) -> None:
            await route.fulfill(body=script, content_type="application/javascript")

        await context.route(SCRIPT_URL, telegram)
        await context.route(
            lambda url: url.startswith(f"{stack.base_url}/") and urlparse(url).path == "/",
            entry_page,
        )
        page = await context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda message: console_problem(message, problems))
        page.on(
            "request",
            lambda request: (
                None
                if request.url == SCRIPT_URL
                or urlparse(request.url).netloc == api_host
                or request.url.startswith(("blob:", "data:"))
                else problems.append(f"request to another origin: {request.url}")
            ),
        )
        await page.goto(f"{stack.base_url}{path}")
        return page

    yield open_
    for context in contexts:
        await context.close()
    assert not problems, problems
