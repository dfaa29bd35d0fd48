"""The Telegram emulator, driven by a real aiogram Bot so shape drift fails here first."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router, types
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BufferedInputFile,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    WebAppInfo,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.telegram_emulator import TelegramEmulator
from tests.telegram_emulator.images import image_size

PNG_16x10 = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000100000000a08020000")


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared_emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(webhook_retry_delay=0.02) as emulator:
        yield emulator


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def bot(shared_emulator: TelegramEmulator) -> AsyncIterator[Bot]:
    api = TelegramAPIServer.from_base(shared_emulator.base_url)
    async with Bot(shared_emulator.token, session=AiohttpSession(api=api)) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def emu(shared_emulator: TelegramEmulator) -> TelegramEmulator:
    await shared_emulator.reset()
    return shared_emulator


@pytest_asyncio.fixture(loop_scope="session")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_get_me_and_raw_protocol(
    emu: TelegramEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == emu.bot.id and me.username == "contest_test_bot"

    async with http.get(f"{emu.base_url}/bot{emu.token}/getMe") as response:
        assert (await response.json())["result"]["id"] == emu.bot.id
    wrong = f"{emu.bot.id}:AAwrongwrongwrongwrongwrongwrongwrong"
    async with http.post(f"{emu.base_url}/bot{wrong}/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    async with http.post(f"{emu.base_url}/bot{emu.token}/noSuchMethod") as response:
        assert response.status == 404
        assert (await response.json())["description"] == "Not Found"

    user = emu.create_user(first_name="Ann")
    async with http.post(
        f"{emu.base_url}/bot{emu.token}/SENDMESSAGE", json={"chat_id": user.id, "text": "json"}
    ) as response:
        assert (await response.json())["result"]["text"] == "json"
    query = f"chat_id={user.id}&text=query"
    async with http.get(f"{emu.base_url}/bot{emu.token}/sendMessage?{query}") as response:
        assert (await response.json())["result"]["text"] == "query"
    assert [m.text for m in emu.messages_to_user(user.id)] == ["json", "query"]


async def test_send_and_edit_with_keyboards(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.create_user(first_name="Ann", username="ann")
    markup = keyboard(
        InlineKeyboardButton(text="Join", callback_data="join:1"),
        InlineKeyboardButton(text="Open", web_app=WebAppInfo(url="https://example.org/app")),
    )
    sent = await bot.send_message(
        user.id, "<b>Giveaway</b> &amp; more", reply_markup=markup, parse_mode="HTML"
    )
    assert sent.text == "Giveaway & more"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 8
    assert sent.reply_markup.model_dump() == markup.model_dump()

    edited = await bot.edit_message_text(
        text="Updated", chat_id=user.id, message_id=sent.message_id, reply_markup=markup
    )
    assert edited.text == "Updated" and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="Updated", chat_id=user.id, message_id=sent.message_id, reply_markup=markup
        )
    await bot.edit_message_reply_markup(chat_id=user.id, message_id=sent.message_id)
    view = emu.message(user.id, sent.message_id).to_control()
    assert view["text"] == "Updated" and "reply_markup" not in view and view["edit_count"] == 2
    assert view["history"][0]["text"] == "Giveaway & more"

    assert await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    assert emu.call_counts()["sendMessage"] == 1


async def test_message_validation_errors(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.create_user()
    channel = emu.create_channel("News", username="news")
    emu.set_bot_admin(channel.id)
    cases = [
        ({"chat_id": -100999, "text": "x"}, "Bad Request: chat not found"),
        ({"chat_id": user.id, "text": "  "}, "Bad Request: message text is empty"),
        ({"chat_id": user.id, "text": "x" * 4097}, "Bad Request: message is too long"),
        (
            {"chat_id": user.id, "text": "<b>x</i>", "parse_mode": "HTML"},
            'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
        ),
        (
            {"chat_id": user.id, "text": "<blink>x</blink>", "parse_mode": "HTML"},
            'Unsupported start tag "blink" at byte offset 0',
        ),
        (
            {"chat_id": user.id, "text": "1.5", "parse_mode": "MarkdownV2"},
            "Character '.' is reserved",
        ),
        (
            {
                "chat_id": user.id,
                "text": "x",
                "reply_markup": keyboard(InlineKeyboardButton(text="b", callback_data="x" * 65)),
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {
                "chat_id": channel.id,
                "text": "x",
                "reply_markup": keyboard(
                    InlineKeyboardButton(text="b", web_app=WebAppInfo(url="https://example.org"))
                ),
            },
            "Bad Request: BUTTON_TYPE_INVALID",
        ),
    ]
    for arguments, description in cases:
        with pytest.raises(TelegramBadRequest, match=description.replace("(", r"\(")):
            await bot.send_message(**arguments)
    exact_limit = await bot.send_message(user.id, "я" * 4096)
    assert len(exact_limit.text) == 4096
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(user.id, BufferedInputFile(PNG_16x10, "p.png"), caption="c" * 1025)
    photo = await bot.send_photo(user.id, BufferedInputFile(PNG_16x10, "p.png"), caption="ok")
    assert (photo.photo[0].width, photo.photo[0].height) == (16, 10)
    again = await bot.send_photo(user.id, photo.photo[-1].file_id)
    assert again.photo[0].file_id == photo.photo[0].file_id


async def test_callback_press_and_answer(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.create_user(first_name="Bob")
    sent = await bot.send_message(
        user.id, "Join?", reply_markup=keyboard(InlineKeyboardButton(text="Yes", callback_data="y"))
    )
    press = emu.press_button(user.id, user.id, sent.message_id, data="y")
    updates = await bot.get_updates(timeout=1)
    assert len(updates) == 1
    callback = updates[0].callback_query
    assert callback.id == press.id and callback.data == "y" and callback.from_user.id == user.id
    assert callback.message.message_id == sent.message_id

    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(press.id, text="x" * 201)
    assert await bot.answer_callback_query(press.id, text="You are in", show_alert=True)
    answer = await emu.wait_for_answer(press.id, timeout=1)
    assert answer.text == "You are in" and answer.show_alert
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(press.id)

    emu.callback_timeout = 0.05
    late = emu.press_button(user.id, user.id, sent.message_id, text="Yes")
    await asyncio.sleep(0.1)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(late.id)
    assert emu.callback_query(late.id).answer is None

    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert [u.callback_query.id for u in updates] == [late.id]


async def test_get_user_chat_boosts(emu: TelegramEmulator, bot: Bot) -> None:
    owner = emu.create_user(first_name="Owner")
    fan = emu.create_user(first_name="Fan", is_premium=True)
    channel = emu.create_channel("Boosted", username="boosted", creator=owner.id)
    first = emu.add_boost(channel.id, fan.id)
    emu.add_boost(channel.id, fan.id, days=-1)  # expired: not listed

    with pytest.raises(TelegramBadRequest, match="CHAT_ADMIN_REQUIRED"):
        await bot.get_user_chat_boosts(channel.id, fan.id)
    emu.set_bot_admin(channel.id)
    found = await bot.get_user_chat_boosts("@boosted", fan.id)
    assert [boost.boost_id for boost in found.boosts] == [first]
    (boost,) = found.boosts
    assert boost.source.source == "premium" and boost.source.user.id == fan.id
    assert boost.expiration_date > boost.add_date
    assert (await bot.get_user_chat_boosts(channel.id, owner.id)).boosts == []
    with pytest.raises(TelegramBadRequest, match="user not found"):
        await bot.get_user_chat_boosts(channel.id, 42)
    emu.remove_boosts(channel.id, fan.id)
    assert (await bot.get_user_chat_boosts(channel.id, fan.id)).boosts == []


async def test_get_chat_member_rights(emu: TelegramEmulator, bot: Bot) -> None:
    owner = emu.create_user(first_name="Owner")
    fan = emu.create_user(first_name="Fan")
    stranger = emu.create_user(first_name="Stranger")
    public = emu.create_channel("Public", username="public_news", creator=owner.id)
    private = emu.create_channel("Private", creator=owner.id)
    emu.add_member(public.id, fan.id)

    with pytest.raises(TelegramBadRequest, match="member list is inaccessible"):
        await bot.get_chat_member(public.id, fan.id)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat_member(private.id, fan.id)
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the channel chat"):
        await bot.send_message(public.id, "post")

    emu.set_bot_admin(public.id)
    assert isinstance(await bot.get_chat_member("@public_news", fan.id), ChatMemberMember)
    assert isinstance(await bot.get_chat_member(public.id, owner.id), ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(public.id, stranger.id), ChatMemberLeft)
    me = await bot.get_chat_member(public.id, emu.bot.id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_post_messages
    with pytest.raises(TelegramBadRequest, match="user not found"):
        await bot.get_chat_member(public.id, 42)
    admins = await bot.get_chat_administrators(public.id)
    assert [a.user.id for a in admins] == [owner.id]
    assert await bot.get_chat_member_count(public.id) == 3

    emu.remove_member(public.id, fan.id, kicked=True)
    assert (await bot.get_chat_member(public.id, fan.id)).status == "kicked"
    post = await bot.send_message(public.id, "post")
    assert post.sender_chat.id == public.id and post.from_user is None

    emu.revoke_bot_admin(public.id)
    with pytest.raises(TelegramBadRequest, match="member list is inaccessible"):
        await bot.get_chat_member(public.id, fan.id)
    kinds = [
        next(k for k in ("my_chat_member", "message") if getattr(u, k))
        for u in await bot.get_updates(timeout=0)
    ]
    assert kinds == ["my_chat_member", "my_chat_member"]


async def test_flood_control_and_injected_faults(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.create_user()
    emu.set_flood_limits(private_burst=2, private_rate=0.5)
    await bot.send_message(user.id, "1")
    await bot.send_message(user.id, "2")
    with pytest.raises(TelegramRetryAfter) as flood:
        await bot.send_message(user.id, "3")
    assert flood.value.retry_after == 2
    assert len(emu.messages_to_user(user.id)) == 2

    emu.set_flood_limits(enabled=False)
    emu.inject_fault("flood", 2, method="sendMessage", retry_after=7)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as forced:
            await bot.send_message(user.id, "x")
        assert forced.value.retry_after == 7
    await bot.send_message(user.id, "through")

    emu.inject_fault("server_error", error_code=502, description="Bad Gateway")
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    emu.inject_fault("drop")
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    emu.inject_fault("drop_after", method="sendMessage")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.id, "sent but unanswered")
    assert emu.messages_to_user(user.id)[-1].text == "sent but unanswered"
    assert (await bot.get_me()).id == emu.bot.id


async def test_paid_broadcast_has_its_own_higher_rate(emu: TelegramEmulator, bot: Bot) -> None:
    users = [emu.create_user() for _ in range(8)]
    emu.set_flood_limits(bot_rate=0.5, bot_burst=3, paid_rate=0.5, paid_burst=5)
    for user in users[:3]:
        await bot.send_message(user.id, "free")
    with pytest.raises(TelegramRetryAfter):  # the free overall rate is spent
        await bot.send_message(users[3].id, "free")
    for user in users[3:8]:  # a paid broadcast is counted apart, at its own rate
        await bot.send_message(user.id, "paid", allow_paid_broadcast=True)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(users[0].id, "paid", allow_paid_broadcast=True)


async def test_blocked_and_unstarted_users(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.create_user()
    silent = emu.create_user(started=False)
    emu.block_bot(user.id)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user.id, "hi")
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(silent.id, "hi")
    emu.user_sends_command(user.id, "start")
    assert (await bot.send_message(user.id, "welcome back")).text == "welcome back"


async def test_document_upload_download_and_user_files(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.create_user()
    csv = b"user_id,name\n1,Ann\n2,Bob\n"
    sent = await bot.send_document(user.id, BufferedInputFile(csv, "participants.csv"))
    assert sent.document.file_name == "participants.csv"
    assert sent.document.mime_type == "text/csv"
    assert emu.file_bytes(sent.document.file_id) == csv
    file = await bot.get_file(sent.document.file_id)
    assert (await bot.download_file(file.file_path)).read() == csv

    incoming = emu.user_sends_document(user.id, b"hello", "note.txt", caption="see")
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.message.document.file_id == incoming.document.file_id
    assert update.message.caption == "see"
    assert (await bot.download(update.message.document.file_id)).read() == b"hello"
    with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
        await bot.send_photo(user.id, incoming.document.file_id)


async def test_user_profile_photos(emu: TelegramEmulator, bot: Bot) -> None:
    plain = emu.create_user()
    posed = emu.create_user()
    shy = emu.create_user()
    emu.set_profile_photos(posed.id, 3)
    emu.set_profile_photos(shy.id, 2, hidden=True)

    none = await bot.get_user_profile_photos(plain.id)
    assert none.total_count == 0 and none.photos == []
    some = await bot.get_user_profile_photos(posed.id, offset=1, limit=1)
    assert some.total_count == 3 and len(some.photos) == 1
    sizes = some.photos[0]
    assert [(s.width, s.height) for s in sizes] == [(160, 160), (320, 320), (640, 640)]
    assert sizes[0].file_id == emu.world.users[posed.id].profile_photos[1][0].file_id
    file = await bot.get_file(sizes[-1].file_id)
    assert image_size((await bot.download_file(file.file_path)).read()) == (640, 640)
    everything = await bot.get_user_profile_photos(posed.id, limit=500)  # clamped to 100
    assert len(everything.photos) == 3
    assert (await bot.get_user_profile_photos(posed.id, offset=5)).photos == []
    hidden = await bot.get_user_profile_photos(shy.id)
    assert hidden.total_count == 0
    with pytest.raises(TelegramBadRequest, match="user not found"):
        await bot.get_user_profile_photos(42)


async def test_long_polling_returns_when_update_arrives(emu: TelegramEmulator, bot: Bot) -> None:
    user = emu.create_user()
    assert await bot.get_updates(timeout=0) == []
    started = time.monotonic()
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, emu.user_sends, user.id, "hello")
    updates = await bot.get_updates(timeout=10)
    assert 0.15 < time.monotonic() - started < 2
    assert updates[0].message.text == "hello"
    assert updates[0].message.chat.id == user.id

    emu.user_sends(user.id, "second")
    again = await bot.get_updates(timeout=0)
    assert [u.message.text for u in again] == ["hello", "second"]
    confirmed = await bot.get_updates(offset=again[-1].update_id + 1, timeout=0)
    assert confirmed == []


class WebhookReceiver:
    """A tiny bot-side webhook endpoint that fails its first request."""

    def __init__(self) -> None:
        self.received: list[tuple[str | None, dict]] = []
        self.failures_left = 1
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        if self.failures_left:
            self.failures_left -= 1
            return web.Response(status=500)
        update = await request.json()
        self.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update))
        self.arrived.set()
        if "message" in update:
            reply = {
                "method": "sendMessage",
                "chat_id": update["message"]["chat"]["id"],
                "text": "got it",
            }
            return web.json_response(reply)
        return web.Response()


async def start_receiver(receiver: WebhookReceiver, unix_path: Path | None = None) -> web.AppRunner:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = (
        web.UnixSite(runner, str(unix_path)) if unix_path else web.TCPSite(runner, "127.0.0.1", 0)
    )
    await site.start()
    return runner


async def test_webhook_delivery_secret_retry_and_conflict(emu: TelegramEmulator, bot: Bot) -> None:
    receiver = WebhookReceiver()
    runner = await start_receiver(receiver)
    port = runner.addresses[0][1]
    try:
        user = emu.create_user()
        emu.user_sends(user.id, "queued before")
        assert await bot.set_webhook(
            f"http://127.0.0.1:{port}/hook", secret_token="s3cret", drop_pending_updates=True
        )
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        for text in ("one", "two", "three"):
            emu.user_sends(user.id, text)
        await emu.wait_for(lambda: len(receiver.received) == 3, timeout=5)
        assert [secret for secret, _ in receiver.received] == ["s3cret"] * 3
        assert [u["message"]["text"] for _, u in receiver.received] == ["one", "two", "three"]
        await emu.wait_for_bot_messages(user.id, count=3)
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )

        with pytest.raises(TelegramBadRequest, match="Failed to resolve host"):
            await bot.set_webhook("http://example.org/hook")
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == []
    finally:
        await runner.cleanup()


async def test_webhook_over_unix_socket(emu: TelegramEmulator, bot: Bot, tmp_path: Path) -> None:
    receiver = WebhookReceiver()
    receiver.failures_left = 0
    socket_path = tmp_path / "bot.sock"
    runner = await start_receiver(receiver, socket_path)
    try:
        user = emu.create_user()
        await bot.set_webhook(f"http+unix://{quote(str(socket_path), safe='')}/hook")
        emu.user_sends(user.id, "via socket")
        await asyncio.wait_for(receiver.arrived.wait(), 5)
        assert receiver.received[0][1]["message"]["text"] == "via socket"
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


async def test_strict_webhooks_follow_telegram_rules() -> None:
    async with TelegramEmulator(strict_webhooks=True) as strict:
        api = TelegramAPIServer.from_base(strict.base_url)
        async with Bot(strict.token, session=AiohttpSession(api=api)) as client:
            with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
                await client.set_webhook("http://127.0.0.1:8080/hook")
            with pytest.raises(TelegramBadRequest, match="ports 80, 88, 443 or 8443"):
                await client.set_webhook("https://127.0.0.1:9999/hook")


async def test_commands_menu_and_groups(emu: TelegramEmulator, bot: Bot) -> None:
    from aiogram.types import BotCommand, MenuButtonWebApp

    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    user = emu.create_user()
    button = MenuButtonWebApp(text="Open", web_app=WebAppInfo(url="https://example.org/app"))
    assert await bot.set_chat_menu_button(chat_id=user.id, menu_button=button)
    assert (await bot.get_chat_menu_button(chat_id=user.id)).type == "web_app"

    group = emu.create_group("Chat", creator=user.id)
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup chat"):
        await bot.send_message(group.id, "hi")
    emu.add_member(group.id, emu.bot.id)
    emu.user_sends(user.id, "hello group", chat_id=group.id)
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].message.chat.id == group.id and updates[-1].message.text == "hello group"
    copied = await bot.copy_message(user.id, group.id, updates[-1].message.message_id)
    assert emu.message(user.id, copied.message_id).text == "hello group"
    channel = emu.create_channel("Posts", username="posts")
    post = emu.channel_post(channel.id, "Big giveaway!")
    forwarded = emu.user_forwards(user.id, channel.id, post.message_id)
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.message.message_id == forwarded.message_id
    assert update.message.forward_origin.chat.id == channel.id
    assert update.message.forward_from_chat.id == channel.id


async def test_http_control_api(
    emu: TelegramEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    base = f"{emu.base_url}/_emulator"

    async def control(action: str, **kwargs: object) -> object:
        async with http.post(f"{base}/{action}", json=kwargs) as response:
            body = await response.json()
            assert body["ok"], body
            return body["result"]

    user = await control("create_user", first_name="Remote", username="remote")
    await control("user_sends_command", user_id=user["id"], command="start", args="ref")
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.message.text == "/start ref" and update.message.entities[0].type == "bot_command"
    sent = await bot.send_message(
        user["id"],
        "Join",
        reply_markup=keyboard(InlineKeyboardButton(text="Go", callback_data="go")),
    )
    press = await control(
        "press_button",
        user_id=user["id"],
        chat_id=user["id"],
        message_id=sent.message_id,
        data="go",
    )
    await bot.answer_callback_query(press["id"], text="done")
    answer = await control("wait_for_answer", query_id=press["id"], timeout=1)
    assert answer["text"] == "done"
    messages = await control("bot_messages", chat_id=user["id"])
    assert messages[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "go"
    assert (await control("call_counts"))["answerCallbackQuery"] == 1
    async with http.post(f"{base}/create_user", json={"user_id": user["id"]}) as response:
        assert response.status == 400
    async with http.get(f"{base}/state") as response:
        assert [u["id"] for u in (await response.json())["result"]["users"]] == [user["id"]]


async def test_standalone_process_with_scenario(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    token = "4242:AAscenarioTokenScenarioTokenScenario0"
    scenario = {
        "bots": [{"token": token, "username": "scenario_bot"}],
        "users": [{"user_id": 1001, "first_name": "Alice"}],
        "chats": [
            {
                "type": "channel",
                "title": "News",
                "chat_id": -1001234,
                "creator": 1001,
                "bot_admin": True,
            }
        ],
        "flood": {"enabled": False},
    }
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    socket_path = tmp_path / "emu.sock"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.telegram_emulator",
            "--unix",
            str(socket_path),
            "--scenario",
            str(path),
        ],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening on" in process.stdout.readline()
        connector = aiohttp.UnixConnector(path=str(socket_path))
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.post(
                f"http://emu/bot{token}/getChatMember",
                data={"chat_id": "-1001234", "user_id": "1001"},
            ) as response,
        ):
            assert (await response.json())["result"]["status"] == "creator"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def contest_dispatcher() -> Dispatcher:
    """A minimal aiogram bot: /start answers with a button, the button is acknowledged."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: types.Message) -> object:
        markup = keyboard(InlineKeyboardButton(text="Participate", callback_data="join"))
        return message.answer(f"Hello, {message.from_user.first_name}", reply_markup=markup)

    @router.callback_query(F.data == "join")
    async def join(callback: types.CallbackQuery) -> object:
        return callback.answer("You are in")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def test_aiogram_dispatcher_polling(emu: TelegramEmulator, bot: Bot) -> None:
    dispatcher = contest_dispatcher()
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    try:
        user = emu.create_user(first_name="Ann")
        emu.user_sends_command(user.id, "start")
        (greeting,) = await emu.wait_for_bot_messages(user.id)
        assert greeting.text == "Hello, Ann"
        press = emu.press_button(user.id, user.id, greeting.message_id, data="join")
        assert (await emu.wait_for_answer(press.id)).text == "You are in"
    finally:
        await dispatcher.stop_polling()
        await polling


async def test_aiogram_webhook_replies_with_methods(emu: TelegramEmulator, bot: Bot) -> None:
    app = web.Application()
    SimpleRequestHandler(
        contest_dispatcher(), bot, handle_in_background=False, secret_token="hook-secret"
    ).register(app, path="/hook")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="hook-secret")
        user = emu.create_user(first_name="Bob")
        emu.user_sends_command(user.id, "start")
        (greeting,) = await emu.wait_for_bot_messages(user.id)
        assert greeting.text == "Hello, Bob"
        press = emu.press_button(user.id, user.id, greeting.message_id, text="Participate")
        assert (await emu.wait_for_answer(press.id)).text == "You are in"

        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="wrong-secret")
        emu.user_sends(user.id, "rejected")
        await emu.wait_for(lambda: emu.bot.webhook.last_error_message is not None)
        assert "401" in emu.bot.webhook.last_error_message
        assert (await bot.get_webhook_info()).pending_update_count == 1
    finally:
        await bot.delete_webhook(drop_pending_updates=True)
        await runner.cleanup()


class LaneReceiver:
    """A slow webhook endpoint counting how many updates it handles at once, per user."""

    def __init__(self, fail_first_of: int | None = None) -> None:
        self.running: dict[int, int] = {}
        self.peak = 0
        self.order: list[tuple[int, str]] = []
        self.fail_first_of = fail_first_of
        self.arrivals: dict[str, list[float]] = {}

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        query = update["callback_query"]
        user_id = query["from"]["id"]
        self.arrivals.setdefault(query["id"], []).append(time.monotonic())
        if user_id == self.fail_first_of and len(self.arrivals[query["id"]]) == 1:
            return web.Response(status=503, headers={"Retry-After": "1"})
        assert not self.running.get(user_id), "two updates of one user at once"
        self.running[user_id] = 1
        self.peak = max(self.peak, sum(self.running.values()))
        await asyncio.sleep(0.2)
        self.running[user_id] = 0
        self.order.append((user_id, query["id"]))
        return web.json_response(
            {"method": "answerCallbackQuery", "callback_query_id": query["id"]}
        )


async def test_webhook_lanes_follow_the_bot_api_server(emu: TelegramEmulator, bot: Bot) -> None:
    """Presses by different users on one channel post arrive in parallel (up to
    max_connections); one user's presses arrive in order; Retry-After is honoured."""
    receiver = LaneReceiver()
    runner = await start_receiver_at(receiver.handle)
    port = runner.addresses[0][1]
    try:
        owner = emu.create_user()
        channel = emu.create_channel("Giveaways", username="giveaways", creator=owner.id)
        emu.set_bot_admin(channel.id)
        post = await bot.send_message(
            channel.id,
            "Join",
            reply_markup=keyboard(InlineKeyboardButton(text="Go", callback_data="go")),
        )
        users = [emu.create_user() for _ in range(6)]
        receiver.fail_first_of = users[1].id
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", max_connections=4)
        presses = [emu.press_button(u.id, channel.id, post.message_id, data="go") for u in users]
        again = emu.press_button(users[0].id, channel.id, post.message_id, data="go")
        for press in [*presses, again]:
            await emu.wait_for_answer(press.id, timeout=10)
        assert 1 < receiver.peak <= 4
        first = [query for user, query in receiver.order if user == users[0].id]
        assert first == [presses[0].id, again.id]
        tries = receiver.arrivals[presses[1].id]
        assert len(tries) == 2 and tries[1] - tries[0] >= 0.9
    finally:
        await bot.delete_webhook(drop_pending_updates=True)
        await runner.cleanup()


async def test_webhook_drops_an_undeliverable_callback_after_its_lifetime(
    emu: TelegramEmulator, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.telegram_emulator import webhook

    monkeypatch.setitem(webhook._LIFETIMES, "callback_query", 0.3)

    async def refuse(_: web.Request) -> web.Response:
        return web.Response(status=500)

    runner = await start_receiver_at(refuse)
    try:
        user = emu.create_user()
        sent = await bot.send_message(
            user.id,
            "Join?",
            reply_markup=keyboard(InlineKeyboardButton(text="Y", callback_data="y")),
        )
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        emu.press_button(user.id, user.id, sent.message_id, data="y")
        delivery = emu.deliveries[emu.bot.id]
        await emu.wait_for(lambda: delivery.dropped == 1, timeout=5)
        assert delivery.failed_attempts >= 2 and len(emu.bot.queue) == 0
    finally:
        await bot.delete_webhook(drop_pending_updates=True)
        await runner.cleanup()


async def start_receiver_at(
    handler: Callable[[web.Request], Awaitable[web.Response]],
) -> web.AppRunner:
    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner
