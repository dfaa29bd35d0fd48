"""The in-browser proof check: a finished contest's results pass it, a tampered proof
is flagged precisely, and an outsider is told they were not in the draw."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser import proof_vectors
from tests.browser.conftest import OpenApp
from tests.browser.layout import shoot
from tests.browser.scenario import ORGANIZER, add_people, person, published_contest
from tests.browser.stack import Stack

pytestmark = pytest.mark.browser

PARTICIPANTS = [person(700_300 + n, f"Player {n}") for n in range(1, 5)]
OUTSIDER = person(700_399, "Оскар", "ru")


async def finished_contest(stack: Stack) -> int:
    """A contest that fills up (4 of 4), so the draw runs at once."""
    contest_id = await published_contest(
        stack, title="Quick draw", winnersCount=1, reserveCount=1, maxParticipants=4
    )
    for user in PARTICIPANTS:
        await stack.call(user, "POST", f"/api/contests/{contest_id}/join")
    deadline = time.monotonic() + 15
    while True:
        card = await stack.call(PARTICIPANTS[0], "GET", f"/api/contests/{contest_id}")
        if card["status"] == "finished":
            return contest_id
        assert time.monotonic() < deadline, f"the draw did not finish: {card['status']}"
        await asyncio.sleep(0.1)


async def paste_and_check(page: Page, document: dict) -> None:
    await page.get_by_test_id("proof-input").fill(json.dumps(document))
    await page.get_by_test_id("proof-check-button").click()


async def test_results_proof_and_tampering(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, ORGANIZER, OUTSIDER, *PARTICIPANTS)
    contest_id = await finished_contest(stack)
    first = await stack.call(PARTICIPANTS[0], "GET", f"/api/contests/{contest_id}/results")
    player = next(user for user in PARTICIPANTS if user["id"] == first["winners"][0])
    results = await stack.call(player, "GET", f"/api/contests/{contest_id}/results")
    proof = results["proof"]

    page = await open_app(player, start_param=f"c{contest_id}")
    await expect(page.locator(".badge")).to_have_text("Finished")
    await page.locator("#tg-main-button").click()
    verdict = page.get_by_test_id("proof-verdict")
    await expect(verdict).to_have_attribute("data-valid", "true")
    await expect(page.get_by_test_id("proof-inclusion")).to_have_attribute("data-included", "true")
    await expect(page.get_by_test_id("your-result")).to_have_attribute(
        "data-role", results["you"]["role"]
    )
    # Names, not ids: first name and the @username linked to the profile.
    names = {user["id"]: user for user in PARTICIPANTS}
    winner = names[results["winners"][0]]
    winners = page.get_by_test_id("winners")
    await expect(winners.locator("li").first).to_contain_text(
        f"{winner['first_name']} @{winner['username']}"
    )
    await expect(winners.get_by_role("link", name=f"@{winner['username']}")).to_have_attribute(
        "href", f"https://t.me/{winner['username']}"
    )
    reserve = names[results["reserves"][0]]
    await expect(page.get_by_test_id("reserves")).to_contain_text(reserve["first_name"])
    await expect(page.locator(".person-me")).to_contain_text(player["first_name"])
    await expect(page.locator(".person-me .chip-me")).to_have_text("you")
    await shoot(page, "results", ["h1", "[data-testid=proof-verdict]", "[data-testid=winners]"])

    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        listed = await client.get(f"/api/public/contests/{contest_id}/participants.txt")
    ids = [int(line) for line in listed.text.split("\n")]
    assert proof["participants"] == [] and proof["participant_count"] == len(ids)

    await page.goto(f"{stack.base_url}/#/proof")
    loser = next(uid for uid in ids if uid not in proof["winners"])
    await paste_and_check(page, {**proof, "winners": [loser]})
    await expect(verdict).to_have_attribute("data-valid", "false")
    problems = page.get_by_test_id("proof-problems").locator("li")
    await expect(problems).to_have_count(1)
    await expect(problems.first).to_have_attribute("data-kind", "winners")
    await expect(problems.first).to_contain_text(
        f"The winners should be [{proof['winners'][0]}], but the proof says [{loser}]"
    )
    await shoot(page, "proof-tampered", ["h1", "[data-testid=proof-problems]"])

    # A proof of the first format carries its list: the list without this player.
    others = [uid for uid in ids if uid != player["id"]]
    inline = {**proof, "format": "contest-bot-proof/1", "participants": others}
    await paste_and_check(page, inline)
    await expect(problems.first).to_have_attribute("data-kind", "list_hash")
    await expect(page.get_by_test_id("proof-inclusion")).to_have_attribute("data-included", "false")

    await paste_and_check(page, {**proof, "seed": "0" * 64})
    await expect(problems.first).to_have_attribute("data-kind", "commitment")

    await page.get_by_test_id("proof-input").fill('{"format": "contest-bot-proof/1"}')
    await page.get_by_test_id("proof-check-button").click()
    await expect(page.get_by_test_id("proof-malformed")).to_contain_text("algorithm")

    await paste_and_check(page, proof)
    await expect(verdict).to_have_attribute("data-valid", "true")


async def test_outsider_checks_the_public_proof(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, ORGANIZER, OUTSIDER, *PARTICIPANTS)
    contest_id = await finished_contest(stack)
    page = await open_app(OUTSIDER, start_param=f"proof_{contest_id}")
    await expect(page.locator("h1")).to_have_text("Проверка честности")
    verdict = page.get_by_test_id("proof-verdict")
    await expect(verdict).to_have_attribute("data-valid", "true")
    await expect(verdict).to_contain_text("Доказательство верно")
    inclusion = page.get_by_test_id("proof-inclusion")
    await expect(inclusion).to_have_attribute("data-included", "false")
    await expect(inclusion).to_have_text("Вас нет в списке участников (всего 4).")
    await expect(page.get_by_test_id("proof-number")).to_have_value(str(contest_id))
    await shoot(page, "proof-public-ru", ["h1", "[data-testid=proof-verdict]"])


async def test_anyone_opens_a_proof_by_number_or_link(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, ORGANIZER, OUTSIDER, *PARTICIPANTS)
    contest_id = await finished_contest(stack)
    page = await open_app(PARTICIPANTS[1])
    await page.get_by_role("link", name="Check a draw proof").click()
    await expect(page.locator("h1")).to_have_text("Fairness check")
    await expect(page.locator("h1")).to_be_focused()
    assert await page.title() == "Fairness check · Contests"
    number = page.get_by_test_id("proof-number")
    await number.fill("twelve")
    await number.press("Enter")
    await expect(number).to_have_attribute("aria-invalid", "true")
    await expect(number).to_be_focused()
    await expect(page.locator("#proof-number-error")).to_contain_text("Enter a contest number")
    await number.fill(f"https://t.me/contest_bot/app?startapp=proof_{contest_id}")
    await number.press("Enter")
    await expect(page.get_by_test_id("proof-verdict")).to_have_attribute("data-valid", "true")
    assert page.url.endswith(f"#/proof/{contest_id}")
    await number.fill(str(contest_id + 1000))
    await number.press("Enter")
    await expect(page.get_by_test_id("error-text")).to_have_text(
        "This contest does not exist (any more)."
    )
    await shoot(page, "proof-by-number", ["h1", "[data-testid=proof-number]"])
    # "Choose a file" is reachable by keyboard and shows where the focus is.
    await page.locator("#proof-file").focus()
    outline = await page.locator(".file-button").evaluate("(e) => getComputedStyle(e).outlineStyle")
    assert outline == "solid"


async def test_redraw_keeps_the_proof_valid(stack: Stack, open_app: OpenApp) -> None:
    add_people(stack, ORGANIZER, *PARTICIPANTS)
    contest_id = await finished_contest(stack)
    before = await stack.call(ORGANIZER, "GET", f"/api/contests/{contest_id}/results")
    replaced = before["winners"][0]

    page = await open_app(ORGANIZER, start_param="org")
    await page.goto(f"{stack.base_url}/#/org/{contest_id}")
    await expect(page.locator(".badge")).to_have_text("Finished")
    await page.get_by_test_id("redraw-do").click()
    await expect(page.locator(".notice-error")).to_have_text("Give a reason.")
    await expect(page.get_by_test_id("redraw-reason")).to_be_focused()
    names = {user["id"]: f"{user['first_name']} (@{user['username']})" for user in PARTICIPANTS}
    await expect(page.get_by_test_id("redraw-user").locator("option")).to_have_text(
        [names[uid] for uid in before["winners"]]
    )
    await page.get_by_test_id("redraw-user").select_option(str(replaced))
    await page.get_by_test_id("redraw-reason").fill("the winner did not answer for a week")
    await page.get_by_test_id("redraw-do").click()
    popup = await page.evaluate("window.__telegram.popup()")
    assert popup["message"] == (
        f"Replace {names[replaced]} with the next reserve winner? The reason is kept in the proof."
    )
    await page.evaluate("window.__telegram.answerPopup('ok')")
    done = page.get_by_test_id("redraw-done")
    await expect(done).to_be_visible()
    after = await stack.call(ORGANIZER, "GET", f"/api/contests/{contest_id}/results")
    assert replaced not in after["winners"]
    now = ", ".join(names[uid] for uid in after["winners"])
    await expect(done).to_have_text(f"Done: {names[replaced]} was replaced. Winners now: {now}.")
    await shoot(page, "redraw", ["h1", "[data-testid=redraw-done]", "[data-testid=redraw-do]"])

    await page.goto(f"{stack.base_url}/#/c/{contest_id}/results")
    await expect(page.get_by_test_id("proof-verdict")).to_have_attribute("data-valid", "true")
    assert [item["user_id"] for item in after["proof"]["excluded"]] == [replaced]


async def test_the_proof_page_lists_the_exclusions_with_their_reasons(
    stack: Stack, open_app: OpenApp
) -> None:
    """Leavers (code left_channel, with the time of leaving) and exclusions of proofs made
    before codes existed are shown; the check still passes."""
    add_people(stack, PARTICIPANTS[1])
    vectors = json.loads(proof_vectors.VECTORS_FILE.read_text())
    document = next(item for item in vectors["proofs"] if item["name"] == "valid")["document"]
    page = await open_app(PARTICIPANTS[1])
    await page.get_by_role("link", name="Check a draw proof").click()
    await paste_and_check(page, document)
    await expect(page.get_by_test_id("proof-verdict")).to_have_attribute("data-valid", "true")
    listed = page.get_by_test_id("proof-excluded")
    await expect(listed.locator("li")).to_have_count(2)
    leaver = listed.locator("li[data-code=left_channel]")
    await expect(leaver).to_contain_text("left a required channel after joining")
    await expect(leaver).to_contain_text("left News at 2026-04-01T10:00:00+00:00 after joining")
    await expect(listed.locator("li").nth(1)).to_contain_text("replaced by the organizer")


async def test_a_weighted_draw_with_invited_friends_verifies(
    stack: Stack, open_app: OpenApp
) -> None:
    """Three friends join through one participant's link: the worker freezes the list with
    4 tickets for the inviter, the proof (format 3) checks out in the browser, which shows
    the tickets; lowering the caps in the document is flagged."""
    people = [person(700_500 + n, f"Friend {n}") for n in range(1, 5)]
    add_people(stack, ORGANIZER, *people)
    contest_id = await published_contest(
        stack,
        title="Invite friends",
        winnersCount=1,
        reserveCount=1,
        maxParticipants=4,
        ticketMode="referrals",
        referralCap=3,
    )
    inviter = people[0]
    await stack.call(inviter, "POST", f"/api/contests/{contest_id}/join")
    for friend in people[1:]:
        path = f"/api/contests/{contest_id}/join?referrer={inviter['id']}"
        assert (await stack.call(friend, "POST", path))["status"] == "joined"
    deadline = time.monotonic() + 30
    while (await stack.call(inviter, "GET", f"/api/contests/{contest_id}"))["status"] != "finished":
        assert time.monotonic() < deadline, "the draw did not finish"
        await asyncio.sleep(0.1)
    proof = (await stack.call(inviter, "GET", f"/api/contests/{contest_id}/results"))["proof"]
    assert proof["format"] == "contest-bot-proof/3"
    assert proof["tickets"] == {"mode": "referrals", "referral_cap": 3, "boost_cap": 10}
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        listed = await client.get(f"/api/public/contests/{contest_id}/participants.txt")
    held = dict(line.split(" ") for line in listed.text.split("\n"))
    assert held == {str(p["id"]): "4" if p is inviter else "1" for p in people}

    page = await open_app(inviter, start_param=f"c{contest_id}")
    await page.locator("#tg-main-button").click()
    verdict = page.get_by_test_id("proof-verdict")
    await expect(verdict).to_have_attribute("data-valid", "true")
    await expect(page.get_by_test_id("proof-tickets")).to_contain_text("7 tickets in all")
    await expect(page.get_by_test_id("proof-tickets")).to_contain_text("You held 4.")

    await page.goto(f"{stack.base_url}/#/proof")
    lowered = {**proof, "tickets": {**proof["tickets"], "referral_cap": 1}}
    await paste_and_check(page, lowered)
    await expect(verdict).to_have_attribute("data-valid", "false")
    problem = page.get_by_test_id("proof-problems").locator("li").first
    await expect(problem).to_have_attribute("data-kind", "tickets_over")
    await expect(problem).to_contain_text(f"{inviter['id']} (4)")
