"""How the bot's session reads Telegram's answers: a getChatMember answer parsed through
the union tagged by `status` comes out as aiogram's own parse, and errors stay aiogram's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import GetChatMember

from app.telegram.client import Session

USER = {"id": 5, "is_bot": False, "first_name": "Ann", "username": "ann", "language_code": "en"}
METHOD = GetChatMember(chat_id=-100123, user_id=5)


@pytest.fixture
def bot() -> Bot:
    return Bot("123:abc", session=Session())


@pytest.mark.parametrize(
    "member",
    [
        {"status": "member", "user": USER},
        {"status": "member", "user": USER, "until_date": 1900000000},
        {"status": "creator", "user": USER, "is_anonymous": False, "custom_title": "boss"},
        {"status": "left", "user": USER},
        {"status": "kicked", "user": USER, "until_date": 0},
    ],
)
def test_a_member_answer_parses_as_aiogram_parses_it(
    bot: Bot, member: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    content = json.dumps({"ok": True, "result": member})
    theirs = AiohttpSession.check_response(bot.session, bot, METHOD, 200, content)

    def untagged(*_: object) -> None:
        raise AssertionError("parsed aiogram's way, not through the tagged union")

    monkeypatch.setattr(AiohttpSession, "check_response", untagged)
    ours = bot.session.check_response(bot, METHOD, 200, content)
    assert type(ours.result) is type(theirs.result)
    assert ours == theirs
    assert ours.result.bot is bot and ours.result.user.bot is bot


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: user not found"},
            TelegramBadRequest,
        ),
        (
            403,
            {"ok": False, "error_code": 403, "description": "Forbidden: bot is not a member"},
            TelegramForbiddenError,
        ),
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 7},
            },
            TelegramRetryAfter,
        ),
        (200, {"ok": True, "result": {"status": "someday", "user": USER}}, ClientDecodeError),
        (200, {"ok": True, "result": {"status": "restricted", "user": USER}}, ClientDecodeError),
    ],
)
def test_errors_and_answers_the_tag_does_not_take_are_aiogram_s(
    bot: Bot, status: int, answer: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        bot.session.check_response(bot, METHOD, status, json.dumps(answer))
