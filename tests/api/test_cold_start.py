"""A freshly started API under a burst of Mini App cards: every request is answered.

A giveaway post sends a hundred people to the same card at once, often right after the
API process started (a deploy, a restart). Nothing is cached yet: neither the card's
shared part nor the bot's own username (getMe), and Telegram may be slow to answer.
Each test gives a fresh card cache and a fresh Bot, fires 100 requests at once and
requires all of them answered within a few seconds, with one read of the shared card
and at most one getMe.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiogram import Bot

from app.api import card_cache
from app.db import participants
from app.db.tables import Participant
from app.telegram.client import make_bot
from tests.api.conftest import Api, auth_header

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

BURST = 100
ANSWERED_WITHIN_SECONDS = 5.0
SLOW_TELEGRAM_SECONDS = 30.0  # longer than the test waits: answering must not need it
VIEWERS = range(50_000, 50_000 + BURST)


@dataclass
class Cold:
    api: Api
    reads: list[int]  # contest ids of the shared-card reads
    bots: list[Bot]
    get_me: int = 0  # getMe calls the last burst caused

    def restart(self) -> None:
        """Forget what the process learnt while the test set up its contest: a fresh
        card cache (1 s, as deployed) and a Bot that has not asked getMe yet."""
        self.api.app.state.card_cache = card_cache.CardCache(1.0)
        self.reads.clear()
        self.api.app.state.bot = make_bot(self.api.settings)
        self.bots.append(self.api.app.state.bot)

    def get_me_calls(self) -> int:
        return self.api.emulator.call_counts().get("getMe", 0)


@pytest.fixture
async def cold(db: str, make_client: Callable[..., Any], database_url: str) -> AsyncIterator[Cold]:
    async with make_client(database_url) as api:
        cold = Cold(api, [], [])
        load = card_cache.load

        async def counted(contest):  # type: ignore[no-untyped-def]
            cold.reads.append(contest.id)
            return await load(contest)

        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(card_cache, "load", counted)
                yield cold
        finally:
            for bot in cold.bots:
                await bot.session.close()


async def burst(cold: Cold, what: str, path: str, *, signed: bool = True) -> Counter[Any]:
    """Status codes (or the error, or "unanswered") of `BURST` concurrent GETs of `path`,
    one viewer each; prints them with the card reads and getMe calls they caused."""

    async def one(user_id: int) -> Any:
        headers = auth_header(user_id) if signed else {}
        try:
            response = await cold.api.client.get(path, headers=headers)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return response.status_code

    asked = cold.get_me_calls()
    started = time.monotonic()
    tasks = [asyncio.ensure_future(one(user_id)) for user_id in VIEWERS]
    done, pending = await asyncio.wait(tasks, timeout=ANSWERED_WITHIN_SECONDS)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    answers = Counter(task.result() for task in done)
    answers["unanswered"] += len(pending)
    cold.get_me = cold.get_me_calls() - asked
    print(
        f"{what} x{BURST}: {dict(+answers)} in {time.monotonic() - started:.2f} s, "
        f"{len(cold.reads)} card read(s), {cold.get_me} getMe"
    )
    return +answers


async def test_cold_status_burst_with_telegram_slow_is_all_answered(cold: Cold) -> None:
    contest_id = await cold.api.published_contest()
    cold.restart()
    cold.api.emulator.inject_fault("slow", BURST, method="getMe", delay=SLOW_TELEGRAM_SECONDS)
    answers = await burst(cold, "status, getMe slow", f"/api/contests/{contest_id}/status")
    assert answers == {200: BURST}
    assert cold.reads == [contest_id]
    assert cold.get_me == 0  # nobody here holds tickets: the bot's username is not needed


async def test_cold_status_burst_of_ticket_holders_asks_getme_once(cold: Cold) -> None:
    api = cold.api
    contest_id = await api.published_contest(ticketMode="referrals", referralCap=2)
    await Participant.insert(*(Participant(contest=contest_id, user_id=uid) for uid in VIEWERS))
    await participants.recount(contest_id)
    cold.restart()
    api.emulator.inject_fault("slow", BURST, method="getMe", delay=1.0)
    path = f"/api/contests/{contest_id}/status"
    answers = await burst(cold, "status of ticket holders, getMe 1 s", path)
    assert answers == {200: BURST}
    assert cold.reads == [contest_id]
    assert cold.get_me == 1
    mine = (await api.client.get(path, headers=auth_header(VIEWERS[7]))).json()["tickets"]
    assert mine["total"] == 1 and mine["botLink"].endswith(f"r{VIEWERS[7]}")  # their own link


@pytest.mark.parametrize("which", ["public card", "whole card"])
async def test_cold_card_burst_reads_the_shared_part_once(cold: Cold, which: str) -> None:
    contest_id = await cold.api.published_contest()
    cold.restart()
    cold.api.emulator.inject_fault("slow", BURST, method="getMe", delay=SLOW_TELEGRAM_SECONDS)
    public = which == "public card"
    path = f"/api/public/contests/{contest_id}/card" if public else f"/api/contests/{contest_id}"
    assert await burst(cold, which, path, signed=not public) == {200: BURST}
    assert cold.reads == [contest_id]


async def test_cold_burst_on_a_missing_contest_is_all_404(cold: Cold) -> None:
    cold.restart()
    answers = await burst(cold, "status of a missing contest", "/api/contests/999999/status")
    assert answers == {404: BURST}


async def test_ticket_holder_status_while_telegram_fails_getme_is_503_then_recovers(
    cold: Cold,
) -> None:
    api = cold.api
    contest_id = await api.published_contest(ticketMode="referrals", referralCap=2)
    await Participant.insert(Participant(contest=contest_id, user_id=VIEWERS[0]))
    cold.restart()
    api.emulator.inject_fault("server_error", 1, method="getMe")
    path = f"/api/contests/{contest_id}/status"
    failed = await api.client.get(path, headers=auth_header(VIEWERS[0]))
    assert failed.status_code == 503, failed.text
    assert failed.json()["code"] == "telegram_unavailable"
    again = await api.client.get(path, headers=auth_header(VIEWERS[0]))  # a failure is not kept
    assert again.status_code == 200, again.text
    assert again.json()["tickets"]["botLink"].endswith(f"r{VIEWERS[0]}")
