"""The winner claim flow in the bot: the setting in /manage, Claim, the organizer's view,
handing a prize over, and what "Did I win?" says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.contests import rules
from app.contests.rules import ContestFields
from app.db import contests
from tests.bot.flows import button_texts, press_in_private
from tests.bot.harness import BotHarness

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OWNER = 1000


async def test_claim_deadline_is_set_bounded_and_removed_in_manage(harness: BotHarness) -> None:
    """/manage sets the hours winners have to claim (the API's `claimHours`), refuses what
    `rules.check_fields` refuses, and «Winners need not claim» clears it."""
    h = harness
    h.emu.create_user(OWNER, "Olga")
    contest = await contests.create(
        OWNER, ContestFields(title="Claimed", ends_at=datetime.now(UTC) + timedelta(days=5))
    )
    (listing,) = await h.say(OWNER, "/manage")
    (summary,) = await press_in_private(
        h, OWNER, next(t for t in button_texts(listing) if "Claimed" in t)
    )
    assert "must claim" not in summary.text
    (asked,) = await press_in_private(h, OWNER, "🎁 Claim deadline")
    assert f"{rules.CLAIM_HOURS_MIN}–{rules.CLAIM_HOURS_MAX}" in asked.text
    assert "✖️ Winners need not claim" in button_texts(asked)
    (unreadable,) = await h.say(OWNER, "two days")
    assert "whole number" in unreadable.text
    (refused,) = await h.say(OWNER, str(rules.CLAIM_HOURS_MAX + 1))
    assert "claim deadline must be between 1 and 720 hours" in refused.text
    assert (await contests.get(contest.id)).claim_hours is None
    (saved,) = await h.say(OWNER, "48")
    assert saved.text.startswith("Saved.") and "Winners must claim within 48 h" in saved.text
    assert (await contests.get(contest.id)).claim_hours == 48

    await press_in_private(h, OWNER, "🎁 Claim deadline")
    (cleared,) = await press_in_private(h, OWNER, "✖️ Winners need not claim")
    assert cleared.text.startswith("Saved.") and "must claim" not in cleared.text
    assert (await contests.get(contest.id)).claim_hours is None
