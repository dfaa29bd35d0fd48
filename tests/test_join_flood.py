"""Limits that hold under attack, through the Bot API emulator and the API at once: the
per-user and per-contest limits live in one Redis, so the bot and the Mini App API (two
processes in production; two `JoinLimits` with their own clients here) spend the same
buckets. Each scenario prints what was refused; nobody with a right to join is lost:
every refused press is told when to try again, and trying then succeeds."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from app import redis_pool
from app.api.app import create_app
from app.contests.channels import ChannelRef
from app.db import participants
from app.db.tables import CaptchaChallenge
from app.telegram.join_limits import JoinLimits
from app.telegram.member_cache import make_cache
from tests import servers
from tests.api.conftest import auth_header
from tests.bot.flows import buttons, published_contest
from tests.bot.harness import BotHarness, running_bot

pytestmark = [
    pytest.mark.redis,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

OWNER, FLOODER = 1000, 5000
PEOPLE = range(10_001, 10_201)


async def _world(h: BotHarness, *users: int, captcha: str = "off"):  # type: ignore[no-untyped-def]
    # the bot's, with the production pool: redis-py's default one refuses its 101st
    # concurrent command ("Too many connections"), which let presses through unlimited
    h.dp["join_limits"] = JoinLimits(h.settings, redis_pool.connect(h.settings))
    h.emu.create_user(OWNER, "Olga")
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    for uid in users:
        h.emu.create_user(uid, f"User{uid}", username=f"user{uid}")
        h.emu.add_member(channel.id, uid)
    contest_id = await published_contest(
        h, OWNER, [ChannelRef(channel.id, "Alpha", "alpha")], [channel.id], captcha_mode=captcha
    )
    (post,) = await h.emu.wait_for_bot_messages(channel.id, 1, timeout=10)
    return contest_id, channel.id, post


async def _presses(h: BotHarness, chat_id: int, message_id: int, presses: list[tuple[int, str]]):  # type: ignore[no-untyped-def]
    queries = [h.emu.press_button(uid, chat_id, message_id, data=data) for uid, data in presses]
    return [await h.emu.wait_for_answer(q.id, timeout=30) for q in queries]


def _kind(text: str | None) -> str:
    for prefix, kind in (
        ("You're in", "joined"),
        ("You are already", "already"),
        ("Too many", "limited"),
        ("Checking", "busy"),
    ):
        if (text or "").startswith(prefix):
            return kind
    return text or ""


async def test_one_user_flooding_the_bot_and_the_api(
    db: str, state_dir: Path, redis_server: servers.Redis
) -> None:
    """30 Mini App joins, then 20 presses on the post, by one user: the user's bucket (10
    at once, then 30 a minute) is one for both ways in, so once the API has spent it the
    bot refuses too."""
    async with running_bot(state_dir, redis_url=redis_server.url) as h:
        contest_id, channel_id, post = await _world(h, FLOODER)
        api_limits = JoinLimits(h.settings, redis_pool.connect(h.settings))
        app = create_app(
            h.settings, bot=h.bot, member_cache=make_cache(None), join_limits=api_limits
        )
        app.state.bot = h.bot
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            join = f"/api/contests/{contest_id}/join"
            api_kinds = Counter(
                [
                    (await client.post(join, headers=auth_header(FLOODER))).json()["status"]
                    for _ in range(30)
                ]
            )
        data = buttons(post)[0]["callback_data"]
        bot_kinds: Counter[str] = Counter()
        for _ in range(20):
            answer, _ = await h.press(FLOODER, channel_id, post.message_id, data=data)
            bot_kinds[_kind(answer.text)] += 1
        print(f"\none user, 50 presses: Mini App {dict(api_kinds)}, then bot {dict(bot_kinds)}")
        assert await participants.count(contest_id) == 1
        allowed = 50 - bot_kinds["limited"] - api_kinds["rate_limited"]
        # the burst, and a press or so at 30 a minute while the presses last
        assert allowed <= h.settings.join_user_burst + 3
        assert api_kinds["rate_limited"] >= 30 - h.settings.join_user_burst - 2
        assert bot_kinds["limited"] >= 20 - 3


async def test_many_users_on_one_contest_are_paced_not_lost(
    db: str, state_dir: Path, redis_server: servers.Redis
) -> None:
    """200 people press within a moment on a contest limited to 50 at once and 25 a
    second: the ones over the limit are told when to try again, and all 200 are in after."""
    limits = {"join_contest_burst": 50, "join_contest_per_second": 25.0}
    async with running_bot(state_dir, redis_url=redis_server.url, **limits) as h:
        contest_id, channel_id, post = await _world(h, *PEOPLE)
        data = buttons(post)[0]["callback_data"]
        waiting = list(PEOPLE)
        rounds: list[dict[str, int]] = []
        while waiting and len(rounds) < 20:
            answers = await _presses(h, channel_id, post.message_id, [(u, data) for u in waiting])
            kinds = Counter(_kind(a.text) for a in answers)
            rounds.append(dict(kinds))
            retry = [a.text for a in answers if _kind(a.text) == "limited"]
            waiting = [
                u for u, a in zip(waiting, answers, strict=True) if _kind(a.text) != "joined"
            ]
            if retry:  # "… try again in N s": wait as told
                await asyncio.sleep(max(int(t.rsplit(" in ", 1)[1].split()[0]) for t in retry))
        print(f"\n200 people on one contest, rounds of presses: {rounds}")
        assert rounds[0].get("limited", 0) > 0  # the limit held
        assert waiting == [] and await participants.count(contest_id) == len(PEOPLE)


async def test_wrong_captcha_answers_are_limited_per_user(
    db: str, state_dir: Path, redis_server: servers.Redis
) -> None:
    """A script guessing the picture gets a fresh question per guess, and after 5 answers
    (then 30 an hour) is refused before its guess is judged; a right answer still works
    once the user may answer again."""
    async with running_bot(state_dir, redis_url=redis_server.url) as h:
        contest_id, channel_id, post = await _world(
            h, redis_server.url, FLOODER, captcha="everyone"
        )
        data = buttons(post)[0]["callback_data"]
        _, (question,) = await h.press(FLOODER, channel_id, post.message_id, data=data, replies=1)
        kinds: Counter[str] = Counter()
        for _ in range(12):
            row = await CaptchaChallenge.objects().get(CaptchaChallenge.user_id == FLOODER)
            wrong = f"v1q:{row.token}:{(row.answer + 1) % 6}"
            answer, _ = await h.press(FLOODER, FLOODER, question.message_id, data=wrong)
            kinds["limited" if (answer.text or "").startswith("Too many") else "judged"] += 1
        print(f"\n12 wrong captcha answers by one user: {dict(kinds)}")
        assert kinds["judged"] <= h.settings.captcha_user_burst + 1
        assert not await participants.is_participant(contest_id, FLOODER)
        await Redis.from_url(redis_server.url).flushall()  # an hour later
        row = await CaptchaChallenge.objects().get(CaptchaChallenge.user_id == FLOODER)
        right = f"v1q:{row.token}:{row.answer}"
        answer, _ = await h.press(FLOODER, FLOODER, question.message_id, data=right)
        assert (answer.text or "").startswith("You're in")
