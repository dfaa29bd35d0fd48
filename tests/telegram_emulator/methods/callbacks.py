"""answerCallbackQuery: answers must come within the emulator's callback timeout."""

from __future__ import annotations

import time

from tests.telegram_emulator.errors import QUERY_TOO_OLD, bad_request
from tests.telegram_emulator.models import CallbackAnswer

from . import Call, api_method

MAX_ANSWER_TEXT = 200


@api_method("answerCallbackQuery")
def answer_callback_query(call: Call) -> bool:
    params = call.params
    query = call.world.callbacks.get(params.str("callback_query_id") or "")
    now = time.monotonic()
    if (
        query is None
        or query.bot_id != call.bot.id
        or query.answer is not None
        or now - query.created_at > call.core.callback_timeout
    ):
        raise bad_request(QUERY_TOO_OLD)
    text = params.str("text")
    if text is not None and len(text) > MAX_ANSWER_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = CallbackAnswer(
        text=text or None,
        show_alert=params.bool("show_alert"),
        url=params.str("url"),
        cache_time=params.int("cache_time", 0) or 0,
        answered_at=now,
    )
    return True
