"""The Mini App through nginx in headless Chromium, as a Telegram client would open it.

Telegram's script is replaced by the browser tests' stand-in (`tests.browser.telegram_stub`:
`window.Telegram.WebApp` with initData signed by the test token); every other request
must go to the stack's nginx.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Request, Route, async_playwright, expect

from app.api.init_data import dev_user
from tests.browser import chromium
from tests.browser.telegram_stub import SCRIPT_URL, stub_script
from tests.stack.launcher import Stack

TIMEOUT_MS = 30_000


async def join_in_mini_app(stack: Stack, user_id: int, contest_id: int) -> dict[str, Any]:
    """Open the contest's deep link (start_param `c<id>`), press the main button, and
    return the API's answer to the join; fails on page errors or foreign requests."""
    user = dev_user(user_id, "Mira")
    script = stub_script(stack.options.bot_token, user, start_param=f"c{contest_id}")
    problems: list[str] = []

    async def telegram(route: Route) -> None:
        await route.fulfill(body=script, content_type="application/javascript")

    def check_origin(request: Request) -> None:
        if not request.url.startswith((stack.base_url, SCRIPT_URL, "data:")):
            problems.append(f"request outside the stack: {request.url}")

    async with async_playwright() as playwright:
        browser = await chromium.launch(playwright)
        try:
            page = await browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("request", check_origin)
            await page.route(SCRIPT_URL + "*", telegram)
            await page.goto(stack.base_url + "/")
            main_button = page.locator("#tg-main-button")
            await expect(main_button).to_be_visible(timeout=TIMEOUT_MS)
            async with page.expect_response(
                lambda response: response.url.endswith(f"/api/contests/{contest_id}/join"),
                timeout=TIMEOUT_MS,
            ) as joined:
                await main_button.click()
            response = await joined.value
            answer = await response.json()
            status = page.get_by_test_id("join-status")
            await expect(status).to_have_attribute(
                "data-status", answer["status"], timeout=TIMEOUT_MS
            )
        finally:
            await browser.close()
    assert not problems, problems
    assert response.status == 200, answer
    return answer
