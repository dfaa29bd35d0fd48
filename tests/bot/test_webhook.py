"""The webhook acknowledges only what was handled: answers ride in the response, a failed
update is answered 500 and comes again, and a stopping server finishes what it took on."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
import pytest

from app.bot.handlers import joining as join_handler
from app.contests.channels import ChannelRef
from app.db import participants
from tests.bot.flows import buttons, published_contest
from tests.bot.harness import WEBHOOK_SECRET, BotHarness, running_bot

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OWNER, ANN = 1000, 2001
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def _post_and_press(h: BotHarness, user_id: int) -> tuple[int, int, int, str]:
    """A contest posted in a channel `user_id` is a member of: (contest, channel, post, data)."""
    h.emu.create_user(OWNER, "Olga")
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    contest_id = await published_contest(
        h, OWNER, [ChannelRef(channel.id, "Alpha", "alpha")], [channel.id]
    )
    h.emu.create_user(user_id, "Ann")
    h.emu.add_member(channel.id, user_id)
    post = h.emu.bot_messages(channel.id)[0]
    return contest_id, channel.id, post.message_id, buttons(post)[0]["callback_data"]


async def test_the_answer_is_the_webhook_response(db: str, state_dir: Path) -> None:
    async with running_bot(state_dir, "webhook") as h:
        assert h.emu.bot.webhook is not None
        assert h.emu.bot.webhook.max_connections == h.settings.webhook_max_connections
        update = {
            "update_id": 7,
            "callback_query": {
                "id": "q1",
                "from": {"id": ANN, "is_bot": False, "first_name": "Ann"},
                "chat_instance": "1",
                "data": "v1j:999",
            },
        }
        url = f"http://127.0.0.1:{h.settings.bot_port}/telegram/webhook"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}) as r:
                assert r.status == 200
                assert r.content_type == "application/json"
                body = await r.json()
            assert body == {
                "method": "answerCallbackQuery",
                "callback_query_id": "q1",
                "text": "This contest does not exist (any more).",
                "show_alert": True,
            }
            async with http.post(
                url, data=b"{not json", headers={SECRET_HEADER: WEBHOOK_SECRET}
            ) as r:
                assert r.status == 400
        assert h.emu.call_counts().get("answerCallbackQuery", 0) == 0  # no request of its own


async def test_a_failed_update_is_answered_500_and_delivered_again(
    db: str, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_join = join_handler.joining.join
    calls = 0

    async def failing_once(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database went away")
        return await real_join(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(join_handler.joining, "join", failing_once)
    async with running_bot(state_dir, "webhook") as h:
        contest_id, channel_id, message_id, data = await _post_and_press(h, ANN)
        press = h.emu.press_button(ANN, channel_id, message_id, data=data)
        answer = await h.emu.wait_for_answer(press.id, timeout=10)
        assert answer.text == "You're in! Participants: 1. Good luck!"
        assert calls == 2
        assert h.emu.bot.webhook.last_error_message.startswith(
            "Wrong response from the webhook: 500"
        )
        assert await participants.count(contest_id) == 1


async def test_stopping_drains_updates_in_flight(
    db: str, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_join = join_handler.joining.join
    started = asyncio.Event()

    async def slow(*args: object, **kwargs: object) -> object:
        started.set()
        await asyncio.sleep(1.0)
        return await real_join(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(join_handler.joining, "join", slow)
    async with running_bot(state_dir, "webhook") as h:
        contest_id, channel_id, message_id, data = await _post_and_press(h, ANN)
        press = h.emu.press_button(ANN, channel_id, message_id, data=data)
        await asyncio.wait_for(started.wait(), timeout=10)
        h.serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await h.serving
        await h.emu.wait_for(lambda: not len(h.emu.bot.queue), timeout=5)
        answer = h.emu.callback_query(press.id).answer
        assert answer is not None and answer.text
        assert await participants.count(contest_id) == 1


async def test_a_press_in_a_channel_reads_no_conversation_state(
    db: str, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(state_dir, "webhook") as h:
        storage = h.dp.fsm.storage
        reads: list[int | None] = []
        real_get_state = storage.get_state

        async def counting_get_state(key):  # type: ignore[no-untyped-def]
            reads.append(key.chat_id)
            return await real_get_state(key)

        monkeypatch.setattr(storage, "get_state", counting_get_state)
        _, channel_id, post_id, data = await _post_and_press(h, ANN)
        reads.clear()
        answer, _ = await h.press(ANN, channel_id, post_id, data=data)
        assert answer.text.startswith("You're in")
        assert reads == []  # no (channel, user) conversation exists to read
        await h.say(ANN, "/start")
        assert reads == [ANN]  # private chats keep their state (the wizard's)
