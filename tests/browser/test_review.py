"""The organizer reviews suspicious entries in the Mini App: a farm of fresh accounts
without username or photo is listed with its reasons, excluded with a reason (one undone),
and the proof page shows the exclusions while the check passes."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.db import draws
from app.telegram import suspicion as passes
from app.telegram.client import make_bot
from tests.browser.conftest import OpenApp
from tests.browser.layout import shoot
from tests.browser.scenario import ORGANIZER, add_people, person, published_contest
from tests.browser.stack import Stack

pytestmark = pytest.mark.browser

FRESH = 9_900_000_000
REAL = [person(700_500 + n, f"Reader {n}") for n in range(1, 3)]
FARM = [{"id": FRESH + n, "first_name": "A", "language_code": "en"} for n in range(4)]


async def test_flagged_entries_are_excluded_and_shown_in_the_proof(
    stack: Stack, open_app: OpenApp
) -> None:
    add_people(stack, ORGANIZER, *REAL)
    contest_id = await published_contest(stack, title="Farmed giveaway", reserveCount=1)
    for user in REAL:
        stack.emulator.set_profile_photos(user["id"], 1)
    for user in FARM:
        stack.emulator.create_user(user["id"], user["first_name"])
    for user in [*FARM, *REAL]:
        await stack.call(user, "POST", f"/api/contests/{contest_id}/join")
    bot = make_bot(stack.settings)
    try:
        await passes.assess_contest(bot, contest_id)  # what the worker's pass does
    finally:
        await bot.session.close()

    page = await open_app(ORGANIZER, path=f"/#/org/{contest_id}")
    summary = page.get_by_test_id("review-summary")
    await expect(summary).to_have_text("4 of 6 checked entries are flagged; 0 excluded.")
    entries = page.get_by_test_id("review-entry")
    await expect(entries).to_have_count(4)
    await expect(entries.first.get_by_test_id("review-signals").locator("li")).to_have_text(
        ["a very new account (judged by its id)", "no profile photo", "no username"]
    )
    await expect(entries.first).to_contain_text("score 4")
    await page.get_by_test_id("review-exclude").click()
    await expect(page.locator(".notice-error")).to_have_text("Select at least one entry.")
    await page.get_by_test_id("review-select-all").click()
    await page.get_by_test_id("review-exclude").click()
    await expect(page.locator(".notice-error")).to_have_text("Give a reason.")
    await page.get_by_test_id("review-reason").fill("fresh accounts with no username or photo")
    await page.get_by_test_id("review-exclude").click()
    popup = await page.evaluate("window.__telegram.popup()")
    assert popup["message"].startswith("Exclude 4 selected entries from the draw?")
    await page.evaluate("window.__telegram.answerPopup('ok')")
    await expect(page.get_by_test_id("review-done")).to_be_visible()
    await expect(summary).to_have_text("4 of 6 checked entries are flagged; 4 excluded.")
    await expect(page.get_by_test_id("review-excluded")).to_have_count(4)
    await shoot(page, "review", ["h1", "[data-testid=review-summary]", "[data-testid=review]"])
    await page.get_by_test_id(f"review-undo-{FARM[0]['id']}").click()
    await expect(summary).to_have_text("4 of 6 checked entries are flagged; 3 excluded.")

    await draws.run(contest_id)
    page = await open_app(REAL[0], path=f"/#/c/{contest_id}/results")
    await expect(page.get_by_test_id("proof-verdict")).to_have_attribute("data-valid", "true")
    listed = page.get_by_test_id("proof-excluded").locator("li")
    farmer = await open_app(FARM[1], path=f"/#/c/{contest_id}/results")
    await expect(farmer.get_by_test_id("your-result")).to_have_attribute("data-role", "excluded")
    await expect(farmer.get_by_test_id("your-exclusion")).to_contain_text(
        "excluded by the organizer before the draw — fresh accounts with no username or photo"
    )
    await expect(listed).to_have_count(3)
    await expect(listed.first).to_contain_text(
        f"{FARM[1]['id']}: excluded by the organizer before the draw — "
        "fresh accounts with no username or photo"
    )
