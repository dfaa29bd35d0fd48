"""The bot loses its admin rights in a required channel right before the draw.

Real worker (and bot) processes, PostgreSQL, Redis and the Bot API emulator. Only a
definite "not subscribed" may exclude a winner: an unanswerable re-check makes the draw
wait, the organizer is told at once which channel to fix, and the draw resumes within a
minute of the rights coming back, or runs without the final check when the organizer
chooses so (recorded in the proof).
"""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest

from app.contests import proof as proofs
from app.contests.channels import ChannelRef
from app.db import contests, draws
from app.db.tables import Draw
from tests.telegram_emulator import TelegramEmulator
from tests.worker.stack import (
    CONTEST_BOT,
    WORKER_READY,
    Environment,
    Role,
    add_users,
    contest_with_participants,
    started,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ORGANIZER = 1  # the owner `contest_with_participants` gives its contests
PARTICIPANTS = 30
LEFT = 10  # participants who left the channel: a definite "no"


async def _setup(emulator: TelegramEmulator) -> tuple[int, int, list[int], set[int]]:
    emulator.create_user(ORGANIZER, "Olga")
    channel = emulator.create_channel("Sponsor News", username="sponsor_news")
    emulator.set_bot_admin(channel.id)
    contest_id, user_ids = await contest_with_participants(
        PARTICIPANTS, notify=False, channels=(ChannelRef(channel.id, "Sponsor News"),)
    )
    add_users(emulator, user_ids)
    for uid in user_ids[LEFT:]:
        emulator.add_member(channel.id, uid)
    emulator.revoke_bot_admin(channel.id)
    return contest_id, channel.id, user_ids, set(user_ids[:LEFT])


def _organizer_told(emulator: TelegramEmulator) -> list[str]:
    return [
        m.text for m in emulator.messages_to_user(ORGANIZER) if "Sponsor News" in (m.text or "")
    ]


async def _drawn(contest_id: int) -> bool:
    """Drawn, not only frozen: the row exists from the freeze on."""
    return await Draw.exists().where((Draw.contest == contest_id) & (Draw.state == draws.DRAWN))


async def test_lost_admin_rights_make_the_draw_wait_and_resume(
    environment: Environment, emulator: TelegramEmulator, client: object
) -> None:
    from app.telegram import background

    contest_id, channel_id, _, left = await _setup(emulator)
    worker = Role("worker", environment)
    try:
        await started(worker, WORKER_READY)
        assert await background.queue().draw(contest_id)
        told_after = await wait_until(
            lambda: _async(bool(_organizer_told(emulator))), 30, "the organizer told"
        )
        await asyncio.sleep(3)
        waiting = (await contests.get(contest_id)).status
        assert not await _drawn(contest_id), "the draw completed without its final check"
        emulator.set_bot_admin(channel_id)
        resumed_after = await wait_until(lambda: _drawn(contest_id), 60, "the draw resumes")
    finally:
        worker.stop()
    row = await draws.get(contest_id)
    excluded = {item["user_id"]: item["reason"] for item in row.excluded}
    told = _organizer_told(emulator)
    print(
        f"\nlost admin rights: organizer told after {told_after:.1f} s ({len(told)} message), "
        f"status while waiting {waiting!r}, drawn {resumed_after:.1f} s after the rights came "
        f"back; winners {row.winners}, excluded {excluded}"
    )
    assert len(told) == 1
    assert "admin" in told[0]
    assert waiting == "drawing"
    assert resumed_after < 60
    assert len(row.winners) == 3 and not set(row.winners) & left
    assert set(excluded) <= left
    assert all("not subscribed" in reason for reason in excluded.values())
    assert (await draws.proof(contest_id)).final_check_skipped is None


async def test_organizer_chooses_to_draw_without_the_final_check(
    environment: Environment, emulator: TelegramEmulator, client: object
) -> None:
    from app.telegram import background

    contest_id, _, user_ids, _ = await _setup(emulator)
    worker = Role("worker", environment)
    bot = Role("bot", environment)
    try:
        await started(worker, WORKER_READY)
        await wait_until(
            lambda: _async(emulator.call_counts().get("getUpdates", 0) > 0), 60, "bot polling"
        )
        assert await background.queue().draw(contest_id)
        await wait_until(lambda: _async(bool(_organizer_told(emulator))), 30, "organizer told")
        (message,) = [m for m in emulator.messages_to_user(ORGANIZER) if m.reply_markup]
        emulator.press_button(
            ORGANIZER, ORGANIZER, message.message_id, text="Draw without the final check"
        )
        pressed = time.monotonic()
        await wait_until(lambda: _drawn(contest_id), 60, "the draw without the final check")
        drawn_after = time.monotonic() - pressed
    finally:
        worker.stop()
        bot.stop()
    document = await draws.proof(contest_id)
    path = environment.directory / "proof.json"
    path.write_bytes(proofs.encode(document))
    listed = environment.directory / "participants.gz"
    listed.write_bytes(await draws.participants_file(contest_id))
    verified = subprocess.run(
        [CONTEST_BOT, "verify", str(path), "--participants", str(listed)],
        capture_output=True,
        text=True,
        check=False,
    )
    print(
        f"\ndraw without the final check: drawn {drawn_after:.1f} s after the press; "
        f"winners {document.winners}, excluded {document.excluded}, "
        f"skipped {document.final_check_skipped}; verify says: {verified.stdout.strip()}"
    )
    assert document.final_check_skipped is not None
    assert document.final_check_skipped.by == ORGANIZER
    assert document.final_check_skipped.at
    assert len(document.winners) == 3 and set(document.winners) <= set(user_ids)
    assert document.excluded == []
    assert verified.returncode == 0
    assert f"without the final check, chosen by user {ORGANIZER}" in verified.stdout


async def _async(value: bool) -> bool:
    return value
