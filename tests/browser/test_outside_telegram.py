"""The Mini App in a normal browser: the loopback-only dev login when the server allows
it (then in-page main button and back link stand in for Telegram's), a clear error when
it does not."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import OpenApp
from tests.browser.scenario import ORGANIZER, add_people, published_contest
from tests.browser.stack import Stack

pytestmark = pytest.mark.browser

DEV_USER_ID = 700_501


@pytest.mark.parametrize("stack", [True], indirect=True)
async def test_dev_login_in_a_normal_browser(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, ORGANIZER)
    contest_id = await published_contest(stack, title="Browser contest")

    page = await open_app(None, path=f"/?user={DEV_USER_ID}&lang=ru#/c/{contest_id}")
    await expect(page.locator("h1")).to_have_text("Browser contest")
    join = page.locator(".main-action")
    await expect(join).to_have_text("Участвовать")
    await join.click()
    await expect(page.get_by_test_id("join-status")).to_have_attribute("data-status", "joined")
    await expect(join).to_be_hidden()

    await page.locator(".back-link").click()
    await expect(page.locator("h1")).to_have_text("Мои конкурсы")
    await expect(page.get_by_test_id("my-contests")).to_contain_text("Browser contest")
    await expect(page.locator(".back-link")).to_have_count(0)
    me = await stack.call({"id": DEV_USER_ID, "first_name": "Dev"}, "GET", "/api/me")
    assert me["user"]["id"] == DEV_USER_ID


async def test_without_telegram_or_dev_login(stack: Stack, open_app: OpenApp) -> None:
    page = await open_app(None)
    await expect(page.get_by_role("status")).to_have_text(
        "Open this app from Telegram: it needs your Telegram sign-in."
    )
