"""Telegram's conventions: destructive actions confirmed with Telegram's own dialog (the
browser's on clients too old for it), unsaved forms guarded, the stable viewport and the
safe areas followed, nothing called that the client's version lacks."""

from __future__ import annotations

import pytest
from playwright.async_api import Dialog, expect

from tests.browser.conftest import OpenApp
from tests.browser.layout import shoot
from tests.browser.scenario import (
    CHANNEL_USERNAME,
    ORGANIZER,
    add_people,
    person,
    prize_channel,
    published_contest,
)
from tests.browser.stack import Stack
from tests.browser.telegram_stub import telegram_events

pytestmark = pytest.mark.browser

READERS = [person(700_600 + n, f"Reader {n}") for n in range(1, 3)]


async def open_contest(stack: Stack) -> int:
    add_people(stack, ORGANIZER, *READERS)
    channel_id = prize_channel(stack)
    contest_id = await published_contest(
        stack, title="Autumn books", targetChannels=[f"@{CHANNEL_USERNAME}"]
    )
    for user in READERS:
        stack.emulator.add_member(channel_id, user["id"])
        await stack.call(user, "POST", f"/api/contests/{contest_id}/join")
    return contest_id


async def test_draw_now_is_confirmed_and_unsaved_forms_are_guarded(
    stack: Stack, open_app: OpenApp
) -> None:
    contest_id = await open_contest(stack)
    page = await open_app(ORGANIZER, path=f"/#/org/{contest_id}")
    await expect(page.get_by_test_id("manage-title")).to_have_text("Autumn books")
    await expect(page.get_by_test_id("manage-title")).to_be_focused()
    assert await page.title() == "Autumn books · Contests"

    draw = page.get_by_test_id("draw-now")
    await draw.click()
    ask = "Close entries for “Autumn books” now and draw the winners? This can't be undone."
    assert (await page.evaluate("window.__telegram.popup()"))["message"] == ask
    await page.evaluate("window.__telegram.answerPopup('cancel')")
    settings = await stack.call(ORGANIZER, "GET", f"/api/organizer/contests/{contest_id}")
    assert settings["status"] == "active"
    await draw.click()
    await page.evaluate("window.__telegram.answerPopup('ok')")
    await expect(page.get_by_test_id("draw-started")).to_be_visible()
    results = await stack.call(READERS[0], "GET", f"/api/contests/{contest_id}")
    assert results["status"] in ("drawing", "finished")
    await shoot(page, "draw-started", ["h1", "[data-testid=draw-started]"])

    # A half-filled form: Back asks first; staying keeps what was typed.
    await page.evaluate("location.hash = '#/org/new'")
    await expect(page.locator("h1")).to_have_text("New contest")
    await page.fill("#field-title", "Winter books")
    assert await page.evaluate("Telegram.WebApp.isClosingConfirmationEnabled")
    await page.evaluate("window.__telegram.pressBack()")
    await page.wait_for_function("window.__telegram.popup() !== null")
    assert (await page.evaluate("window.__telegram.popup()"))["message"] == (
        "Leave without saving? Your changes will be lost."
    )
    await page.evaluate("window.__telegram.answerPopup('cancel')")
    await expect(page.locator("h1")).to_have_text("New contest")
    await expect(page.locator("#field-title")).to_have_value("Winter books")
    await page.evaluate("window.__telegram.pressBack()")
    await page.wait_for_function("window.__telegram.popup() !== null")
    await page.evaluate("window.__telegram.answerPopup('ok')")
    await expect(page.locator("h1")).to_have_text("Your contests")
    await expect(page.locator("h1")).to_be_focused()
    assert not await page.evaluate("Telegram.WebApp.isClosingConfirmationEnabled")
    haptics = [e[1] for e in await telegram_events(page) if e[0] == "haptic"]
    assert haptics == ["success"]


async def test_an_older_client_gets_only_what_it_has(stack: Stack, open_app: OpenApp) -> None:
    """Web App 6.0: no BackButton, popups, header colour or haptics yet."""
    contest_id = await open_contest(stack)
    page = await open_app(ORGANIZER, path=f"/#/org/{contest_id}", version="6.0")
    await expect(page.get_by_test_id("manage-title")).to_have_text("Autumn books")
    back = page.locator(".back-link")
    await expect(back).to_be_visible()
    assert not await page.evaluate("Telegram.WebApp.BackButton.isVisible")

    asked: list[str] = []

    async def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", answer)
    await page.get_by_test_id("draw-now").click()
    for _ in range(50):
        if asked:
            break
        await page.wait_for_timeout(100)
    assert asked == [
        "Close entries for “Autumn books” now and draw the winners? This can't be undone."
    ]
    settings = await stack.call(ORGANIZER, "GET", f"/api/organizer/contests/{contest_id}")
    assert settings["status"] == "active"
    await back.click()
    await expect(page.locator("h1")).to_have_text("Your contests")
    events = await telegram_events(page)
    names = {event if isinstance(event, str) else event[0] for event in events}
    assert "unsupported" not in names, events
    assert not names & {"setHeaderColor", "popup", "closingConfirmation", "haptic"}, events
    await shoot(page, "organizer-old-client", ["h1", "#tg-main-button"])


async def test_viewport_and_safe_areas(stack: Stack, open_app: OpenApp) -> None:
    contest_id = await open_contest(stack)
    page = await open_app(
        READERS[0],
        start_param=f"c{contest_id}",
        safe_area={"top": 0, "bottom": 34, "left": 0, "right": 0},
        content_safe_area={"top": 48, "bottom": 0, "left": 0, "right": 0},
    )
    await expect(page.get_by_test_id("contest-title")).to_have_text("Autumn books")
    body = page.locator("body")
    await expect(body).to_have_css("padding-top", "48px")
    await expect(body).to_have_css("padding-bottom", "34px")
    await page.evaluate("window.__telegram.resizeViewport(500)")
    await expect(body).to_have_css("min-height", "500px")
    # Back on the page's own colour: Telegram's header and background match it.
    assert await page.evaluate("Telegram.WebApp.headerColor") == await page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()"
    )
    await shoot(page, "contest-safe-area", ["h1", "[data-testid=countdown]"])
