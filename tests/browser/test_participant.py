"""A participant opens a contest from its deep link, joins, is told which channel to
subscribe to, subscribes, checks again and is in."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from app.db import participants
from app.db.tables import CaptchaChallenge
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
from tests.browser.telegram_stub import THEMES, contrast, telegram_events

pytestmark = pytest.mark.browser

PARTICIPANT = person(700_101, "Pavel")


async def test_join_after_missing_subscription(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, ORGANIZER, PARTICIPANT)
    channel_id = prize_channel(stack)
    contest_id = await published_contest(
        stack,
        title="Spring giveaway",
        description="Three books for three readers.\nGood luck!",
        winnersCount=3,
        requiredChannels=[f"@{CHANNEL_USERNAME}"],
        targetChannels=[f"@{CHANNEL_USERNAME}"],
    )

    page = await open_app(PARTICIPANT, start_param=f"c{contest_id}")
    await expect(page.get_by_test_id("contest-title")).to_have_text("Spring giveaway")
    await expect(page.get_by_test_id("countdown")).to_have_text(
        re.compile(r"^\d d \d\d:\d\d:\d\d$")
    )
    await expect(page.get_by_test_id("required-channels")).to_contain_text(CHANNEL_TITLE)
    main_button = page.locator("#tg-main-button")
    await expect(main_button).to_have_text("Join the contest")
    names = [e if isinstance(e, str) else e[0] for e in await telegram_events(page)]
    assert names.index("ready") < names.index("expand")
    # Telegram's header and background match the page; its MainButton is readable.
    assert (
        await page.evaluate("Telegram.WebApp.headerColor") == THEMES["light"]["secondary_bg_color"]
    )
    button_colour = await page.evaluate("Telegram.WebApp.MainButton.color")
    assert contrast(button_colour, THEMES["light"]["button_text_color"]) >= 4.5
    await shoot(page, "contest", ["h1", "[data-testid=countdown]", "#tg-main-button"])

    await main_button.click()
    status = page.get_by_test_id("join-status")
    await expect(status).to_have_attribute("data-status", "conditions_missing")
    await expect(status).to_have_text(
        "Almost there: subscribe to these channels, then check again."
    )
    # One list of channels, the missing one marked, one Open button, one Check again.
    channels = page.get_by_test_id("required-channels")
    await expect(channels.get_by_test_id("channel-missing")).to_have_count(1)
    await expect(page.get_by_role("link", name="Open")).to_have_count(1)
    open_link = channels.get_by_role("link", name="Open")
    await expect(open_link).to_have_attribute("href", f"https://t.me/{CHANNEL_USERNAME}")
    await expect(page.get_by_text(CHANNEL_TITLE)).to_have_count(1)
    await open_link.click()
    await expect(main_button).to_have_text("Check again")
    await expect(page.get_by_role("button", name="Check again")).to_have_count(1)
    await shoot(page, "join-missing", ["[data-testid=channel-missing]", "#tg-main-button"])

    stack.emulator.add_member(channel_id, PARTICIPANT["id"])
    await main_button.click()
    await expect(status).to_have_attribute("data-status", "joined")
    await expect(status).to_have_text("You're in! Good luck.")
    await expect(page.get_by_test_id("participant-count")).to_have_text("1")
    await expect(page.get_by_test_id("joined")).to_be_visible()
    await expect(main_button).to_be_hidden()
    events = await telegram_events(page)
    assert ["openTelegramLink", f"https://t.me/{CHANNEL_USERNAME}"] in events
    haptics = [event[1] for event in events if event[0] == "haptic"]
    assert haptics == ["warning", "success"]
    await shoot(page, "joined", ["h1", "[data-testid=joined]"])

    assert await page.evaluate("Telegram.WebApp.BackButton.isVisible")
    await page.evaluate("window.__telegram.pressBack()")
    my_contests = page.get_by_test_id("my-contests")
    await expect(my_contests).to_contain_text("Spring giveaway")
    await expect(my_contests).to_contain_text("1 participant")
    assert not await page.evaluate("Telegram.WebApp.BackButton.isVisible")
    await shoot(page, "home", ["h1", "[data-testid=my-contests]"])


async def test_a_check_that_cannot_be_made_is_said_once(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, ORGANIZER, PARTICIPANT)
    channel_id = prize_channel(stack)
    contest_id = await published_contest(
        stack, requiredChannels=[f"@{CHANNEL_USERNAME}"], targetChannels=[f"@{CHANNEL_USERNAME}"]
    )
    stack.emulator.add_member(channel_id, PARTICIPANT["id"])
    page = await open_app(PARTICIPANT, start_param=f"c{contest_id}")
    main_button = page.locator("#tg-main-button")
    await expect(main_button).to_have_text("Join the contest")
    stack.emulator.inject_fault("drop", 20, method="getChatMember")
    await main_button.click()
    status = page.get_by_test_id("join-status")
    await expect(status).to_have_attribute("data-status", "undecided")
    # One sentence, one Check again (Telegram's MainButton), the channel listed once.
    await expect(page.locator(".answer")).to_have_text(
        "Your subscriptions could not be checked right now. Try again in a minute."
    )
    await expect(main_button).to_have_text("Check again")
    await expect(page.get_by_role("button", name="Check again")).to_have_count(1)
    await expect(page.get_by_text(CHANNEL_TITLE)).to_have_count(1)
    await shoot(page, "join-undecided", ["[data-testid=join-status]", "#tg-main-button"])
    stack.emulator.faults.clear()
    await main_button.click()
    await expect(status).to_have_attribute("data-status", "joined")


async def test_premium_only_says_why_and_lets_premium_accounts_in(
    stack: Stack, open_app: OpenApp
) -> None:
    """The rule reads `is_premium` of the signed initData user; the refusal names it."""
    plain, star = person(700_102, "Paula"), {**person(700_103, "Stella"), "is_premium": True}
    add_people(stack, ORGANIZER, plain, star)
    channel_id = prize_channel(stack)
    contest_id = await published_contest(
        stack,
        requiredChannels=[f"@{CHANNEL_USERNAME}"],
        targetChannels=[f"@{CHANNEL_USERNAME}"],
        premiumOnly=True,
    )
    for user in (plain, star):
        stack.emulator.add_member(channel_id, user["id"])
    page = await open_app(plain, start_param=f"c{contest_id}")
    await expect(page.get_by_test_id("contest-rules")).to_have_text(
        "Telegram Premium accounts only."
    )
    await page.locator("#tg-main-button").click()
    status = page.get_by_test_id("join-status")
    await expect(status).to_have_attribute("data-status", "not_eligible")
    await expect(status).to_have_text(
        "You can't take part: this contest has entry rules you don't meet."
    )
    await expect(page.get_by_test_id("join-reason")).to_have_text(
        "This contest is for Telegram Premium accounts only."
    )
    await expect(page.get_by_role("button", name="Check again")).to_have_count(0)
    page = await open_app(star, start_param=f"c{contest_id}")
    await page.locator("#tg-main-button").click()
    await expect(page.get_by_test_id("join-status")).to_have_attribute("data-status", "joined")


async def test_captcha_before_the_join_by_keyboard(stack: Stack, open_app: OpenApp) -> None:
    """Captcha "everyone": Join shows a picture question while the browser does the proof
    of work; the pictures are buttons named for screen readers (axe-clean), answered with
    the keyboard; a wrong one brings a new question, the right one records the join."""
    keyboard_user = person(700_104, "Kira")
    add_people(stack, ORGANIZER, keyboard_user)
    prize_channel(stack)
    contest_id = await published_contest(stack, title="Captcha giveaway", captchaMode="everyone")
    page = await open_app(keyboard_user, start_param=f"c{contest_id}")
    main_button = page.locator("#tg-main-button")
    await expect(main_button).to_have_text("Join the contest")
    await main_button.click()

    status = page.get_by_test_id("join-status")
    await expect(status).to_have_attribute("data-status", "captcha_required")
    options = page.get_by_test_id("captcha-option")
    await expect(options).to_have_count(6)
    await expect(page.get_by_test_id("captcha-work")).to_have_text("Device check done.")
    row = await CaptchaChallenge.objects().get(CaptchaChallenge.user_id == keyboard_user["id"])
    names = await options.evaluate_all("(buttons) => buttons.map((b) => b.ariaLabel)")
    question = await page.get_by_test_id("captcha-question").inner_text()
    assert names[row.answer] in question  # "tap the <name>": the label a screen reader reads
    assert await page.evaluate("document.activeElement.dataset.testid") == "captcha-option"
    await shoot(page, "captcha", ["[data-testid=captcha-question]", "[data-testid=captcha]"])

    wrong = (row.answer + 1) % 6
    for _ in range(wrong):
        await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(status).to_have_attribute("data-status", "captcha_failed")
    await expect(page.get_by_test_id("captcha-work")).to_have_text("Device check done.")
    assert not await participants.is_participant(contest_id, keyboard_user["id"])

    row = await CaptchaChallenge.objects().get(CaptchaChallenge.user_id == keyboard_user["id"])
    await options.nth(row.answer).focus()
    await page.keyboard.press(" ")
    await expect(status).to_have_attribute("data-status", "joined")
    await expect(page.get_by_test_id("captcha")).to_have_count(0)
    assert await participants.is_participant(contest_id, keyboard_user["id"])
