"""Draws with the drand beacon, in process against the drand and Bot API emulators.

The freeze commits to a round at least 60 s ahead and shows it on the post; the draw
waits for the round, verifies it, and the proof checks out offline. An unreachable
beacon makes the draw wait (the organizer is told once), never fall back by itself;
the organizer's explicit fallback draws v1 and the proof says so.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from app.config import load_settings
from app.contests import draw, proof
from app.contests.lifecycle import Status
from app.db import contests, draws
from app.db.tables import Contest, Notification
from app.errors import ValidationError
from app.telegram import publication
from app.worker import beacon as relays
from app.worker import broker, tasks
from tests.drand_emulator import DrandEmulator, TestChain
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import add_users, contest_with_participants

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
OWNER = 1  # contest_with_participants creates contests owned by user 1


@pytest.fixture
async def relay() -> AsyncIterator[DrandEmulator]:
    async with DrandEmulator(ahead=120) as emulator:
        yield emulator


@pytest.fixture
async def worker(
    db: str, emulator: TelegramEmulator, relay: DrandEmulator, state_dir: object
) -> AsyncIterator[broker.Worker]:
    settings = load_settings(
        state_dir=state_dir,
        telegram_api_url=emulator.base_url,
        beacon_enabled=True,
        beacon_urls=f"http://127.0.0.1:9,{relay.url}",  # the first relay is down for good
        beacon_chain_hash=relay.chain_hash,
        beacon_public_key=relay.public_key,
    )
    current = broker.install(broker.build(settings, in_place=True))
    await broker.started()
    try:
        yield current
    finally:
        await broker.stop()


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relays, "RETRY_DELAYS", (0.05, 0.05))
    monkeypatch.setattr(relays, "MAX_WAIT_SECONDS", 0.2)


async def due_contest(emulator: TelegramEmulator, worker: broker.Worker) -> tuple[int, int]:
    """A contest with 40 participants, posted in a channel, whose deadline has passed."""
    emulator.create_user(OWNER, "Olga")
    channel = emulator.create_channel("Beacon channel", creator=OWNER)
    emulator.set_bot_admin(channel.id)
    contest_id, user_ids = await contest_with_participants(40, targets=(channel.id,))
    add_users(emulator, user_ids)
    assert await publication.post(worker.bot, contest_id, worker.settings) == 1
    await Contest.update({Contest.ends_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Contest.id == contest_id
    )
    return contest_id, channel.id


async def test_a_draw_commits_to_a_future_round_and_uses_it(
    worker: broker.Worker, emulator: TelegramEmulator, relay: DrandEmulator
) -> None:
    contest_id, channel_id = await due_contest(emulator, worker)
    started = time.time()
    assert await tasks.draw_contest(contest_id, worker) == "drawn"

    document = await draws.proof(contest_id)
    assert document.algorithm == draw.V2
    assert document.drand is not None
    listed = await draws.frozen_list(contest_id)
    assert proof.verify(document, listed, frozenset({relay.public_key})) == []
    assert proof.verify(document, listed) != []  # the test chain is not quicknet
    committed = document.drand.round
    round_time = relay.chain.chain.time_of(committed)
    assert round_time - datetime.fromisoformat(document.frozen_at).timestamp() >= 60
    assert round_time >= started + 59  # committed a minute ahead of the freeze
    assert f"/public/{committed}" in "".join(relay.requests)

    post = emulator.bot_messages(channel_id)[0]
    shown = emulator.message(channel_id, post.message_id)
    assert document.list_hash in shown.text
    assert f"round {committed}" in shown.text
    assert "v1j:" not in str(shown.reply_markup)  # entries closed: no Participate button
    results = await publication.results_text(worker.bot, contest_id, worker.settings)
    assert f"Randomness: drand round {committed}; list hash" in results
    assert (await contests.get(contest_id)).status == Status.finished.value


async def test_the_draw_waits_for_a_round_not_out_yet(
    worker: broker.Worker, emulator: TelegramEmulator, relay: DrandEmulator
) -> None:
    relay.ahead = 55  # the committed round comes out about 5 s from now (period 3 s)
    contest_id, _ = await due_contest(emulator, worker)
    started = time.monotonic()
    assert await tasks.draw_contest(contest_id, worker) == "drawn"
    waited = time.monotonic() - started
    print(f"waited {waited:.1f} s for the committed round")
    assert 1 <= waited <= 12
    document = await draws.proof(contest_id)
    listed = await draws.frozen_list(contest_id)
    assert proof.verify(document, listed, frozenset({relay.public_key})) == []
    assert any("not" in path or "/public/" in path for path in relay.requests)


async def organizer_messages(contest_id: int) -> list[Notification]:
    return (
        await Notification.objects()
        .where(Notification.key.like(f"beacon-missing:{contest_id}:%"))
        .output(load_json=True)
    )


async def test_an_unreachable_beacon_makes_the_draw_wait_and_tells_the_organizer(
    worker: broker.Worker,
    emulator: TelegramEmulator,
    relay: DrandEmulator,
    quick_retries: None,
) -> None:
    relay.down = True
    contest_id, _ = await due_contest(emulator, worker)
    assert await tasks.draw_contest(contest_id, worker) == "waiting"
    contest = await contests.get(contest_id)
    assert contest.status == Status.drawing.value  # closed to joins, not drawn
    assert contest.last_error.startswith("the draw waits for the drand beacon")
    assert await draws.frozen(contest_id) is None  # no chain info: nothing committed yet
    assert await tasks.draw_contest(contest_id, worker) == "waiting"
    told = await organizer_messages(contest_id)
    assert len(told) == 1  # told once per outage, not on every retry
    assert "Draw without the beacon" in told[0].payload["text"]

    relay.down = False
    assert await tasks.draw_contest(contest_id, worker) == "drawn"
    document = await draws.proof(contest_id)
    assert document.algorithm == draw.V2
    listed = await draws.frozen_list(contest_id)
    assert proof.verify(document, listed, frozenset({relay.public_key})) == []
    assert (await contests.get(contest_id)).last_error is None


async def test_never_a_silent_fallback_only_the_organizers_choice(
    worker: broker.Worker,
    emulator: TelegramEmulator,
    relay: DrandEmulator,
    quick_retries: None,
) -> None:
    relay.ahead = 0  # frozen now; the round is a minute away and the relay then fails
    contest_id, _ = await due_contest(emulator, worker)
    assert await tasks.draw_contest(contest_id, worker) == "waiting"
    row = await draws.frozen(contest_id)
    assert row is not None
    assert row.state == draws.FROZEN
    committed = row.beacon["round"]
    relay.down = True
    for _ in range(3):
        assert await tasks.draw_contest(contest_id, worker) == "waiting"
    assert (await contests.get(contest_id)).status == Status.drawing.value

    await draws.fallback(contest_id, OWNER)
    assert await tasks.draw_contest(contest_id, worker) == "drawn"
    document = await draws.proof(contest_id)
    assert document.algorithm == draw.V1
    assert document.drand is not None
    assert document.drand.round == committed
    assert document.drand.signature == ""
    assert document.fallback is not None
    assert document.fallback.by == OWNER
    assert document.fallback.reason.startswith("the draw waits for the drand beacon")
    assert proof.verify(document, await draws.frozen_list(contest_id)) == []
    assert "drawn WITHOUT the public beacon" in proof.notes(document)[0]
    results = await publication.results_text(worker.bot, contest_id, worker.settings)
    assert "Drawn without the public randomness beacon" in results


async def test_a_fallback_needs_a_frozen_draw_waiting_for_its_round(
    worker: broker.Worker, emulator: TelegramEmulator, relay: DrandEmulator
) -> None:
    contest_id, _ = await due_contest(emulator, worker)
    with pytest.raises(ValidationError, match="is not waiting for an unreachable beacon"):
        await draws.fallback(contest_id, OWNER)  # nothing frozen yet
    await draws.freeze(contest_id, relay.chain.chain)
    with pytest.raises(ValidationError, match="is not waiting for an unreachable beacon"):
        await draws.fallback(contest_id, OWNER)  # frozen, but the beacon was never missed
    assert await tasks.draw_contest(contest_id, worker) == "drawn"
    with pytest.raises(ValidationError, match="is not waiting for an unreachable beacon"):
        await draws.fallback(contest_id, OWNER)  # after the fact


async def test_a_forged_round_from_one_relay_is_skipped(
    db: str, emulator: TelegramEmulator, relay: DrandEmulator, state_dir: object
) -> None:
    """The signature is what counts: a relay serving another key's rounds is passed over."""
    async with DrandEmulator(relay.chain, ahead=120, forger=TestChain(secret=7)) as forged:
        settings = load_settings(
            state_dir=state_dir,
            telegram_api_url=emulator.base_url,
            beacon_enabled=True,
            beacon_urls=f"{forged.url},{relay.url}",
            beacon_chain_hash=relay.chain_hash,
            beacon_public_key=relay.public_key,
        )
        current = broker.install(broker.build(settings, in_place=True))
        await broker.started()
        try:
            contest_id, _ = await due_contest(emulator, current)
            assert await tasks.draw_contest(contest_id, current) == "drawn"
        finally:
            await broker.stop()
    document = await draws.proof(contest_id)
    listed = await draws.frozen_list(contest_id)
    assert proof.verify(document, listed, frozenset({relay.public_key})) == []
    assert document.drand is not None
    assert document.drand.signature == relay.chain.signature(document.drand.round)
    assert any("/public/" in path for path in forged.requests)  # asked first, not believed
