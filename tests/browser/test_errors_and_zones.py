"""Problems reach people as translated sentences that say what to do (with Telegram
unreachable, the technical text only under an organizer's "Details"), and every time is
shown with its zone: the same deadline in two device zones, the form in the organizer's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from app.db import contests, users
from tests.browser.conftest import OpenApp
from tests.browser.layout import shoot
from tests.browser.scenario import (
    CHANNEL_USERNAME,
    ORGANIZER,
    ORGANIZER_ID,
    add_people,
    person,
    prize_channel,
    published_contest,
)
from tests.browser.stack import Stack

pytestmark = pytest.mark.browser

OLGA_RU = person(ORGANIZER_ID, "Ольга", "ru")
PETR_RU = person(700_501, "Пётр", "ru")
OK_CANCEL = [{"id": "ok", "type": "ok"}, {"id": "cancel", "type": "cancel"}]
TELEGRAM_DOWN_RU = (
    "Telegram сейчас не отвечает, поэтому каналы не удалось проверить. Ничего не сохранено:"
    " попробуйте через минуту."
)


async def test_errors_are_sentences_in_the_users_language(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, OLGA_RU, PETR_RU)
    prize_channel(stack)
    contest_id = await published_contest(stack, targetChannels=[f"@{CHANNEL_USERNAME}"])
    await users.set_language(ORGANIZER_ID, "ru")

    # Telegram unreachable while the organizer saves a contest.
    page = await open_app(OLGA_RU, path="/#/org/new")
    await expect(page.locator("h1")).to_have_text("Новый конкурс")
    deadline = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    await page.fill("#field-title", "Летний конкурс")
    await page.fill("#field-endsAt", deadline)
    await page.fill("#field-targetChannels", f"@{CHANNEL_USERNAME}")
    stack.emulator.inject_fault("drop", 50, method="getChat")
    await page.locator("#tg-main-button").click()
    error = page.get_by_test_id("error-text")
    await expect(error).to_have_text(TELEGRAM_DOWN_RU)
    details = page.locator(".form-error details")
    await expect(details).not_to_have_attribute("open", "")
    await details.locator("summary").click()
    await expect(details).to_contain_text("getChat")
    await shoot(page, "error-telegram-down-ru", ["h1", "[data-testid=error-text]"])
    stack.emulator.faults.clear()

    # A stored delivery problem: a sentence in the list and on the contest, raw text only
    # under "Подробности".
    raw = "subscription checks fail: ClientConnectorError: Cannot connect to host api:443"
    await contests.record_error(contest_id, raw)
    # Leaving the half-filled form asks first (Telegram's confirm); leave anyway.
    await page.evaluate("location.hash = '#/org'")
    await page.wait_for_function("window.__telegram.popup() !== null")
    assert await page.evaluate("window.__telegram.popup()") == {
        "message": "Уйти без сохранения? Изменения пропадут.",
        "buttons": OK_CANCEL,
    }
    await page.evaluate("window.__telegram.answerPopup('ok')")
    problem = page.get_by_test_id("row-problem")
    await expect(problem).to_have_text(
        "⚠ Нужно вмешательство: откройте, чтобы узнать, что исправить"
    )
    await expect(page.get_by_test_id("organizer-contests")).not_to_contain_text("ClientConnector")
    await shoot(page, "organizer-problem-ru", ["h1", "[data-testid=row-problem]"])
    await page.get_by_test_id("organizer-contests").get_by_role("link").first.click()
    last = page.get_by_test_id("last-error")
    await expect(last).to_contain_text("У бота проблема с этим конкурсом")
    await expect(page.locator(".notice-warning details")).to_contain_text(raw)
    await expect(page.locator(".notice-warning details p")).to_be_hidden()
    await shoot(page, "manage-problem-ru", ["h1", "[data-testid=last-error]"])

    # A Russian participant asks for results too early: Russian, no developer text.
    participant = await open_app(PETR_RU, path=f"/#/c/{contest_id}/results")
    notice = participant.locator(".notice")
    await expect(notice).to_have_text(
        "Победители ещё не определены. Загляните после окончания конкурса."
    )
    await shoot(participant, "results-not-yet-ru", ["h1", ".notice"])


async def test_times_carry_their_zone(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, ORGANIZER, PETR_RU)
    prize_channel(stack)
    await users.remember(ORGANIZER["id"], ORGANIZER["first_name"], ORGANIZER["username"])
    await users.set_timezone(ORGANIZER["id"], "Asia/Tokyo")
    ends_at = (datetime.now(UTC) + timedelta(days=40)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    contest_id = await published_contest(
        stack, targetChannels=[f"@{CHANNEL_USERNAME}"], endsAt=ends_at.isoformat()
    )
    pavel = person(700_502, "Pavel")
    add_people(stack, pavel)

    # One deadline, two devices: each shows its own wall clock, and says which.
    shown = {}
    for zone, label, hour in (
        ("America/New_York", "EST", "04:00 AM"),
        ("Asia/Kolkata", "GMT+5:30", "02:30 PM"),
    ):
        page = await open_app(pavel, start_param=f"c{contest_id}", timezone=zone)
        deadline = page.get_by_test_id("deadline")
        await expect(deadline).to_contain_text(label)
        await expect(deadline).to_contain_text(hour)
        await expect(deadline).to_contain_text(re.compile(r"\(in (39|40) days\)"))
        shown[zone] = await deadline.text_content()
    assert len(set(shown.values())) == 2, shown
    await shoot(page, "contest-deadline-kolkata", ["h1", "[data-testid=deadline]"])

    # The organizer's form is in the zone chosen in the bot, not the device's.
    draft = await stack.call(
        ORGANIZER,
        "POST",
        "/api/organizer/contests",
        {
            "title": "Zoned",
            "endsAt": ends_at.isoformat(),
            "targetChannels": [f"@{CHANNEL_USERNAME}"],
        },
    )
    form = await open_app(ORGANIZER, path=f"/#/org/{draft['id']}/edit", timezone="Europe/Paris")
    await expect(form.get_by_test_id("zone-note")).to_have_text(
        "Times are in Asia/Tokyo (UTC+9), the time zone set in the bot with /timezone."
    )
    tokyo = ends_at + timedelta(hours=9)
    await expect(form.locator("#field-endsAt")).to_have_value(tokyo.strftime("%Y-%m-%dT%H:%M"))
    await expect(form.locator("#field-targetChannels")).to_have_value(f"@{CHANNEL_USERNAME}")
    await shoot(form, "form-edit-zoned", ["h1", "[data-testid=zone-note]", "#field-endsAt"])
    await form.fill("#field-endsAt", (tokyo + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    await form.locator("#tg-main-button").click()
    await expect(form.get_by_test_id("manage-title")).to_have_text("Zoned")
    saved = await stack.call(ORGANIZER, "GET", f"/api/organizer/contests/{draft['id']}")
    assert datetime.fromisoformat(saved["endsAt"]) == ends_at + timedelta(hours=1)
