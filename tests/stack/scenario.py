"""A contest on the running stack, driven as people would: an organizer in the Mini App
API, a channel in the emulated Telegram, participants pressing the channel post's button.

Every request goes through nginx (or to `contest-bot dev`, for its benchmark).
Deadlines: the API wants a deadline at least a minute after the start, and accepts a
publish time up to a minute in the past; a publish time 50 s ago therefore lets a test's
deadline come a few seconds from now, legitimately.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.api.init_data import dev_user, sign
from app.contests import frozen
from app.contests import proof as proofs
from app.contests.frozen import FrozenList
from tests.stack.launcher import Stack
from tests.telegram_emulator import CallbackAnswer, Chat, Message, TelegramEmulator

BACKDATED_START = timedelta(seconds=50)
_user_ids = itertools.count(810_000_001)
_channel_numbers = itertools.count(1)


def new_user_id() -> int:
    return next(_user_ids)


@dataclass(frozen=True)
class Site:
    """Where the Mini App API answers and the bot token its initData is signed with: the
    stack's nginx, or `contest-bot dev` on its own port."""

    base_url: str
    token: str


def site_of(target: Stack | Site) -> Site:
    if isinstance(target, Site):
        return target
    return Site(target.base_url, target.options.bot_token)


class ApiUser:
    """One Telegram user calling the Mini App API with signed initData."""

    def __init__(self, target: Stack | Site, user_id: int, first_name: str = "Tester") -> None:
        self.site = site_of(target)
        self.user = dev_user(user_id, first_name)
        self.id = user_id

    @property
    def init_data(self) -> str:
        return sign(self.site.token, self.user)

    async def call(self, method: str, path: str, json: Any = None) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.site.base_url, timeout=30) as client:
            return await client.request(
                method, path, json=json, headers={"Authorization": f"tma {self.init_data}"}
            )

    async def ok(self, method: str, path: str, json: Any = None) -> Any:
        response = await self.call(method, path, json)
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response.json()


@dataclass
class ContestWorld:
    """A channel (bot is admin, subscription required) with members and outsiders."""

    emulator: TelegramEmulator
    site: Site
    organizer: ApiUser
    channel: Chat
    members: list[int]
    outsiders: list[int]
    contest_id: int = 0
    post: Message | None = None
    answers: dict[int, list[CallbackAnswer]] = field(default_factory=dict)

    @property
    def handle(self) -> str:
        return f"@{self.channel.username}"


def make_world(
    emulator: TelegramEmulator,
    target: Stack | Site,
    organizer_id: int,
    members: int,
    outsiders: int,
) -> ContestWorld:
    if organizer_id not in emulator.world.users:
        emulator.create_user(organizer_id, "Olga", username="olga_organizer")
    number = next(_channel_numbers)
    channel = emulator.create_channel(
        f"Stack channel {number}", username=f"stack_channel_{number}", creator=organizer_id
    )
    emulator.set_bot_admin(channel.id)
    member_ids = []
    for index in range(members):
        user = emulator.create_user(new_user_id(), f"Member{index}")
        emulator.add_member(channel.id, user.id)
        member_ids.append(user.id)
    outsider_ids = [
        emulator.create_user(new_user_id(), f"Outsider{index}").id for index in range(outsiders)
    ]
    site = site_of(target)
    organizer = ApiUser(site, organizer_id, "Olga")
    return ContestWorld(emulator, site, organizer, channel, member_ids, outsider_ids)


async def publish_contest(
    world: ContestWorld, *, title: str, deadline_in: float, winners: int, notify: bool
) -> Message:
    """Create and publish through the API; returns the post the worker made in the channel."""
    now = datetime.now(UTC)
    card = await world.organizer.ok(
        "POST",
        "/api/organizer/contests",
        {
            "title": title,
            "description": "End-to-end contest on the production stack",
            "winnersCount": winners,
            "reserveCount": 1,
            "publishAt": (now - BACKDATED_START).isoformat(),
            "endsAt": (now + timedelta(seconds=deadline_in)).isoformat(),
            "requiredChannels": [world.handle],
            "targetChannels": [world.handle],
            "notifyParticipants": notify,
            "resultsMode": "reply",
        },
    )
    world.contest_id = card["id"]
    published = await world.organizer.ok(
        "POST", f"/api/organizer/contests/{world.contest_id}/publish"
    )
    assert published["status"] == "active", published
    posts = await world.emulator.wait_for_bot_messages(world.channel.id, 1, timeout=20)
    world.post = posts[0]
    return world.post


def join_data(contest_id: int) -> str:
    return f"v1j:{contest_id}"


async def press_join(world: ContestWorld, user_id: int, timeout: float = 20) -> CallbackAnswer:
    """The user taps Participate under the channel post; returns the bot's answer."""
    assert world.post is not None
    query = world.emulator.press_button(
        user_id, world.channel.id, world.post.message_id, data=join_data(world.contest_id)
    )
    answer = await world.emulator.wait_for_answer(query.id, timeout=timeout)
    world.answers.setdefault(user_id, []).append(answer)
    return answer


async def wait_for_status(world: ContestWorld, status: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    path = f"/api/organizer/contests/{world.contest_id}/stats"
    while True:
        stats = await world.organizer.ok("GET", path)
        if stats["status"] == status:
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"contest {world.contest_id} is {stats} after {timeout} s")
        await asyncio.sleep(0.5)


async def public_proof(world: ContestWorld) -> tuple[proofs.Proof, FrozenList]:
    """The published proof and the participants file it names, both through nginx."""
    async with httpx.AsyncClient(base_url=world.site.base_url) as client:
        response = await client.get(f"/api/public/contests/{world.contest_id}/proof")
        assert response.status_code == 200, response.text
        proof = proofs.decode(response.content)
        listed = await client.get(f"/api/public/contests/{world.contest_id}/participants.txt")
        assert listed.status_code == 200, listed.text
    reader = frozen.Reader()
    reader.feed(listed.content)
    return proof, reader.finish()


def private_messages(world: ContestWorld, user_id: int) -> list[Message]:
    return world.emulator.messages_to_user(user_id)


def mentions(message: Message, words: str) -> bool:
    return words in (message.text or message.caption or "")
