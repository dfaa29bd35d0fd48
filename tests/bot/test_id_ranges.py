"""Ids typed or forged by people that do not fit the database are answered 'not found'."""

from __future__ import annotations

import logging

import pytest

from app.telegram.callbacks import JoinButton, ManageAction, ManageButton, ResultsButton
from tests.bot.harness import BotHarness
from tests.bot.test_bad_input import STRANGER, forge_press

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

TOO_BIG = 2**31  # one past PostgreSQL's serial
NOT_FOUND = "This contest does not exist (any more)."


async def test_ids_past_int32_are_not_found_without_errors(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.emu.create_user(STRANGER, "Sam")
    caplog.set_level(logging.WARNING)
    answers = {}
    for text in (f"/start c{TOO_BIG}", "/start c9999999999"):
        (answer,) = await harness.say(STRANGER, text)
        answers[text] = answer.text
    for text in (f"/start proof_{TOO_BIG}", f"/proof {TOO_BIG}", "/proof 123456789012345678901"):
        (answer,) = await harness.say(STRANGER, text)
        answers[text] = answer.text
    (welcome,) = await harness.say(STRANGER, "/start")
    for data in (
        JoinButton(contest_id=TOO_BIG).pack(),
        ManageButton(action=ManageAction.open, contest_id=TOO_BIG).pack(),
        ResultsButton(contest_id=TOO_BIG).pack(),
    ):
        answers[data] = (await forge_press(harness, STRANGER, welcome, data)).text
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    print(f"\nid ranges: answers {answers}, errors logged {errors}")
    assert errors == []
    assert answers == dict.fromkeys(answers, NOT_FOUND)
