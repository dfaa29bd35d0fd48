"""An organizer creates a contest through the form (client-side checks first, then the
server's answer), edits and publishes it, sees participants arrive on the chart, exports
them as CSV and cancels the contest."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from app.db import contests, draws, users
from tests.browser.conftest import OpenApp
from tests.browser.layout import shoot
from tests.browser.scenario import (
    CHANNEL_TITLE,
    CHANNEL_USERNAME,
    ORGANIZER,
    add_people,
    person,
    prize_channel,
    published_contest,
)
from tests.browser.stack import Stack
from tests.drand_emulator import TestChain

pytestmark = pytest.mark.browser

PARTICIPANTS = [person(700_200 + n, f"Reader {n}") for n in range(1, 4)]


async def test_create_publish_and_watch(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, ORGANIZER, *PARTICIPANTS)
    channel_id = prize_channel(stack)
    for user in PARTICIPANTS:
        stack.emulator.add_member(channel_id, user["id"])

    await users.remember(ORGANIZER["id"], ORGANIZER["first_name"], ORGANIZER["username"])
    await users.set_timezone(ORGANIZER["id"], "Europe/Moscow")
    page = await open_app(ORGANIZER, start_param="org")
    await expect(page.locator("h1")).to_have_text("Your contests")
    main_button = page.locator("#tg-main-button")
    await expect(main_button).to_have_text("New contest")
    await main_button.click()

    await expect(page.locator("h1")).to_have_text("New contest")
    await expect(main_button).to_have_text("Create draft")
    assert await page.evaluate("Telegram.WebApp.BackButton.isVisible")
    await page.fill("#field-winnersCount", "0")
    await page.fill("#field-requiredChannels", "not a channel")
    await main_button.click()
    await expect(page.get_by_test_id("error-title")).to_have_text("Enter a title.")
    await expect(page.get_by_test_id("error-winnersCount")).to_have_text("Between 1 and 100.")
    await expect(page.get_by_test_id("error-endsAt")).to_contain_text("An end condition is needed")
    await expect(page.get_by_test_id("error-requiredChannels")).to_contain_text("not a channel")
    await expect(page.locator("h1")).to_have_text("New contest")
    # The first bad field has the focus and says it is invalid.
    await expect(page.locator("#field-title")).to_be_focused()
    await expect(page.locator("#field-title")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#field-description")).not_to_have_attribute("aria-invalid", "true")
    await shoot(page, "form-errors", ["h1", "#field-title", "[data-testid=error-title]"])
    # A half-filled form: closing the app asks first (Telegram's closing confirmation).
    assert await page.evaluate("Telegram.WebApp.isClosingConfirmationEnabled")
    assert not await page.evaluate("window.__telegram.tryClose()")

    # The form is in the organizer's zone from the bot, whatever the device's zone.
    await expect(page.get_by_test_id("zone-note")).to_contain_text("Europe/Moscow (UTC+3)")
    utc_deadline = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    deadline = (utc_deadline + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    await page.fill("#field-title", "Summer photo contest")
    await page.fill("#field-description", "Post your best summer photo.")
    await page.fill("#field-winnersCount", "2")
    await page.fill("#field-reserveCount", "1")
    await page.fill("#field-endsAt", deadline)
    await page.fill("#field-requiredChannels", "@no_such_channel")
    await page.fill("#field-targetChannels", f"https://t.me/{CHANNEL_USERNAME}")
    await page.check("#field-notify")
    await page.check("#field-excludeLeavers")
    await page.select_option("#field-newSubscribers", "unknown_allowed")
    await expect(page.get_by_test_id("error-title")).to_be_empty()
    await main_button.click()
    await expect(page.get_by_test_id("error-text")).to_have_text(
        "The bot can't find @no_such_channel. Add the bot to that channel as an admin,"
        " then try again."
    )
    assert ["haptic", "error"] in await page.evaluate("window.__telegram.events")

    await page.fill("#field-requiredChannels", f"@{CHANNEL_USERNAME}")
    await main_button.click()

    await expect(page.get_by_test_id("manage-title")).to_have_text("Summer photo contest")
    await expect(page.locator(".badge")).to_have_text("Draft")
    contest_id = int(re.search(r"#/org/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
    settings = await stack.call(ORGANIZER, "GET", f"/api/organizer/contests/{contest_id}")
    assert settings["winnersCount"] == 2
    assert datetime.fromisoformat(settings["endsAt"]) == utc_deadline
    assert not await page.evaluate("Telegram.WebApp.isClosingConfirmationEnabled")
    assert settings["notifyParticipants"] is True
    assert (settings["excludeLeavers"], settings["newSubscribers"]) == (True, "unknown_allowed")
    assert settings["premiumOnly"] is False
    assert [c["title"] for c in settings["requiredChannels"]] == [CHANNEL_TITLE]
    await expect(page.get_by_test_id("chart-empty")).to_be_visible()

    await page.get_by_role("link", name="Edit").click()
    await expect(page.locator("h1")).to_have_text("Edit contest")
    await expect(page.locator("#field-title")).to_have_value("Summer photo contest")
    await expect(page.locator("#field-endsAt")).to_have_value(deadline)
    await expect(page.locator("#field-requiredChannels")).to_have_value(f"@{CHANNEL_USERNAME}")
    await expect(page.locator("#field-excludeLeavers")).to_be_checked()
    await expect(page.locator("#field-newSubscribers")).to_have_value("unknown_allowed")
    await expect(page.locator("#field-premiumOnly")).not_to_be_checked()
    await page.fill("#field-winnersCount", "3")
    await expect(main_button).to_have_text("Save")
    await main_button.click()
    await expect(page.get_by_test_id("manage-title")).to_have_text("Summer photo contest")
    settings = await stack.call(ORGANIZER, "GET", f"/api/organizer/contests/{contest_id}")
    assert settings["winnersCount"] == 3

    await expect(main_button).to_have_text("Publish now")
    await main_button.click()
    await expect(page.get_by_test_id("published")).to_be_visible()
    await expect(page.locator(".badge")).to_have_text("Open")
    await expect(main_button).to_be_hidden()
    posts = await stack.emulator.wait_for_bot_messages(channel_id, 1)
    assert "Summer photo contest" in (posts[0].text or posts[0].caption or "")

    for user in PARTICIPANTS:
        answer = await stack.call(user, "POST", f"/api/contests/{contest_id}/join")
        assert answer["status"] == "joined", answer
        await asyncio.sleep(0.05)
    await page.reload()
    await expect(page.get_by_test_id("stats-count")).to_have_text("3")
    path = await page.get_by_test_id("chart-line").get_attribute("d")
    assert path is not None and path.count("L") == 2 * len(PARTICIPANTS) + 1, path
    await shoot(
        page, "manage", ["h1", "[data-testid=participants-chart]", "[data-testid=export-csv]"]
    )

    async with page.expect_download() as download_info:
        await page.get_by_test_id("export-csv").click()
    download = await download_info.value
    assert download.suggested_filename == f"contest-{contest_id}-participants.csv"
    csv = (await download.path()).read_text()
    for user in PARTICIPANTS:
        assert str(user["id"]) in csv
    await expect(page.get_by_test_id("export-done")).to_be_visible()

    toggle = page.get_by_test_id("cancel-open")
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    await expect(page.get_by_test_id("cancel-reason")).to_be_focused()
    await page.get_by_test_id("cancel-reason").fill("the prize sponsor withdrew")
    # Destructive: Telegram's confirm first; "Cancel" there changes nothing.
    await page.get_by_test_id("cancel-confirm").click()
    popup = await page.evaluate("window.__telegram.popup()")
    assert popup["message"] == "Cancel “Summer photo contest”? This can't be undone."
    await page.evaluate("window.__telegram.answerPopup('cancel')")
    await expect(page.locator(".badge")).to_have_text("Open")
    await page.get_by_test_id("cancel-confirm").click()
    await page.evaluate("window.__telegram.answerPopup('ok')")
    await expect(page.get_by_test_id("cancelled")).to_be_visible()
    await expect(page.locator(".badge")).to_have_text("Cancelled")
    await expect(page.get_by_test_id("cancel-open")).to_have_count(0)

    await page.evaluate("window.__telegram.pressBack()")
    contests = page.get_by_test_id("organizer-contests")
    await expect(contests).to_contain_text("Summer photo contest")
    await expect(contests).to_contain_text("3 participants")
    await expect(contests.locator(".badge")).to_have_text("Cancelled")
    await shoot(page, "organizer", ["h1", "[data-testid=organizer-contests]", "#tg-main-button"])


async def test_draw_without_the_beacon_when_it_cannot_be_reached(
    stack: Stack, open_app: OpenApp
) -> None:
    """As the bot's /manage offers: while the draw waits for an unreachable drand beacon,
    the organizer may choose a v1 draw (Telegram's confirm first; kept in the proof)."""
    add_people(stack, ORGANIZER)
    contest_id = await published_contest(stack, title="Stuck giveaway")
    row, _ = await draws.freeze(contest_id, TestChain().chain)  # the round never comes
    card = await open_app(ORGANIZER, path=f"/#/c/{contest_id}")
    waiting = card.get_by_test_id("beacon-wait")
    await expect(waiting).to_contain_text(f"round {row.beacon['round']}, expected")
    await card.close()
    page = await open_app(ORGANIZER, path=f"/#/org/{contest_id}")
    await expect(page.get_by_test_id("manage-title")).to_have_text("Stuck giveaway")
    await expect(page.get_by_test_id("draw-without-beacon")).to_have_count(0)  # never missed

    await contests.record_error(contest_id, f"{draws.BEACON_WAIT}: no drand relay answered")
    await page.reload()
    choice = page.get_by_test_id("draw-without-beacon")
    await expect(choice).to_have_text("Draw without the beacon")
    await expect(page.get_by_test_id("skip-final-check")).to_have_count(0)
    await shoot(page, "manage-no-beacon", ["h1", "[data-testid=draw-without-beacon]"])

    await choice.click()
    popup = await page.evaluate("window.__telegram.popup()")
    assert "Draw “Stuck giveaway” now without it?" in popup["message"]
    await page.evaluate("window.__telegram.answerPopup('cancel')")
    row = await draws.frozen(contest_id)
    assert row is not None and row.fallback == {}
    await choice.click()
    await page.evaluate("window.__telegram.answerPopup('ok')")
    await expect(page.get_by_test_id("beacon-skipped")).to_be_visible()
    document = await draws.proof(contest_id)
    assert document.fallback is not None and document.fallback.by == ORGANIZER["id"]


async def test_a_winner_claims_and_the_organizer_hands_the_prize_over(
    stack: Stack, open_app: OpenApp
) -> None:
    """The results show the winner their prize with Claim (the claim deadline set in the
    form); the organizer's screen lists each prize and marks it handed over."""
    winner_ = PARTICIPANTS[0]
    add_people(stack, ORGANIZER, winner_)
    contest_id = await published_contest(stack, title="Prize run", claimHours=24, reserveCount=0)
    await stack.call(winner_, "POST", f"/api/contests/{contest_id}/join")
    drawn = await draws.run(contest_id)
    assert drawn.winners == [winner_["id"]]

    page = await open_app(winner_, path=f"/#/c/{contest_id}/results")
    state = page.get_by_test_id("claim-state")
    await expect(state).to_have_attribute("data-state", "pending")
    await expect(state).to_contain_text("Claim your prize by")
    await page.get_by_test_id("claim").click()
    await expect(state).to_have_attribute("data-state", "claimed")
    await expect(page.get_by_test_id("claim")).to_have_count(0)
    await shoot(page, "results-claimed", ["h1", "[data-testid=your-claim]"])
    await page.close()

    page = await open_app(ORGANIZER, path=f"/#/org/{contest_id}")
    prize = page.get_by_test_id(f"prize-{winner_['id']}")
    await expect(prize).to_have_attribute("data-state", "claimed")
    await page.get_by_test_id(f"hand-over-{winner_['id']}").click()
    await expect(page.get_by_test_id("handed-over")).to_be_visible()
    await expect(prize).to_have_attribute("data-state", "handed_over")
    await expect(prize).to_contain_text("handed over")
    await shoot(page, "manage-prizes", ["h1", "[data-testid=prizes]"])
