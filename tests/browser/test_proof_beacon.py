"""The Mini App checks a v2 proof's drand signature in the browser (the BLS chunk is
loaded on demand under the page's CSP): a real quicknet round passes, tampering fails."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.browser import proof_vectors
from tests.browser.conftest import OpenApp
from tests.browser.scenario import add_people, person
from tests.browser.stack import Stack
from tests.browser.test_proof import paste_and_check

pytestmark = pytest.mark.browser

READER = person(700_500, "Vera")


def vector(name: str) -> dict:  # type: ignore[type-arg]
    vectors = json.loads(proof_vectors.VECTORS_FILE.read_text())
    return next(case["document"] for case in vectors["proofs"] if case["name"] == name)


async def test_a_v2_proof_is_checked_against_quicknet_in_the_browser(
    stack: Stack, open_app: OpenApp
) -> None:
    add_people(stack, READER)
    page = await open_app(READER)
    await page.goto(f"{stack.base_url}/#/proof")
    verdict = page.get_by_test_id("proof-verdict")

    await paste_and_check(page, vector("v2 valid"))
    await expect(verdict).to_have_attribute("data-valid", "true", timeout=20_000)
    await expect(page.get_by_test_id("proof-beacon")).to_contain_text("drand quicknet round 1000")

    await paste_and_check(page, vector("v2 signature tampered"))
    await expect(verdict).to_have_attribute("data-valid", "false", timeout=20_000)
    problems = page.get_by_test_id("proof-problems").locator("li")
    await expect(problems.first).to_have_attribute("data-kind", "beacon_signature")

    await paste_and_check(page, vector("v1 organizer fallback"))
    await expect(verdict).to_have_attribute("data-valid", "true", timeout=20_000)
    await expect(page.get_by_test_id("proof-beacon")).to_contain_text(
        "Drawn WITHOUT the public randomness beacon"
    )
