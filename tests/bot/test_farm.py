"""A farm simulation in the Bot API emulator: fresh accounts without username or photo
press Participate together, and a farmer's link brings a burst; the scheduler's pass
flags them, the organizer excludes every flagged entry from /manage with a reason, the
draw skips them, and the proof the bot hands out verifies with `contest-bot verify`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from app.contests import proof as proofs
from app.contests.channels import ChannelRef
from app.db import contests, suspicion, tickets
from app.worker import reconcile
from tests.bot.flows import button_texts, buttons, press_in_private, published_contest
from tests.bot.harness import BotHarness
from tests.test_draw import run_verify

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

OWNER = 1000
REAL = list(range(7_000_000_001, 7_000_000_007))  # older accounts with a name and a photo
FARM = list(range(9_900_000_000, 9_900_000_016))  # registered days ago, bare
REFERRED = list(range(7_050_000_000, 7_050_000_006))  # set-up accounts pushed through a link


async def test_a_farm_is_flagged_excluded_and_the_proof_verifies(
    harness: BotHarness, tmp_path: Path
) -> None:
    h = harness
    h.emu.create_user(OWNER, "Olga", username="olga")
    channel = h.emu.create_channel("Alpha", username="alpha", creator=OWNER)
    h.emu.set_bot_admin(channel.id)
    contest_id = await published_contest(
        h,
        OWNER,
        [ChannelRef(channel.id, "Alpha", "alpha")],
        [channel.id],
        title="Farmed",
        winners=2,
    )
    post = h.emu.bot_messages(channel.id)[0]
    participate = buttons(post)[0]["callback_data"]

    async def enter(uid: int) -> None:
        h.emu.add_member(channel.id, uid)
        await h.press(uid, channel.id, post.message_id, data=participate)

    for uid in REAL + REFERRED:
        h.emu.create_user(uid, f"Reader{uid % 100}", username=f"reader{uid}")
        h.emu.set_profile_photos(uid, 1)
    for uid in FARM:
        h.emu.create_user(uid, "A")
    for uid in REAL:
        await enter(uid)
    started = time.monotonic()
    await asyncio.gather(*(enter(uid) for uid in FARM))  # the farm presses at once
    print(f"\n{len(FARM)} farm presses answered in {time.monotonic() - started:.2f} s")
    # The farmer's link: entries recorded with their referrer (as i18t's links record them),
    # all in the same moment.
    await asyncio.gather(*(enter(uid) for uid in REFERRED))
    for uid in REFERRED:
        assert await tickets.refer(contest_id, REAL[0], uid)
    assert (await contests.get(contest_id)).participant_count == len(REAL + FARM + REFERRED)

    kicked = await reconcile.run_once(h.worker)  # the scheduler's pass kicks the task
    assert kicked["assess"] == [contest_id]
    entries = len(REAL + FARM + REFERRED)
    deadline = time.monotonic() + 20
    while (found := await suspicion.summary(contest_id)).assessed < entries:
        assert time.monotonic() < deadline, f"assessed only {found.assessed} of {entries}"
        await asyncio.sleep(0.1)
    flagged = set(await suspicion.flagged_unexcluded(contest_id))
    print(f"assessed {found.assessed}, flagged {found.flagged}: {found.by_signal}")
    assert set(FARM) <= flagged and not flagged & set(REAL)
    assert flagged - set(FARM) <= set(REFERRED)  # same-second joins through the link

    (listing,) = await h.say(OWNER, "/manage")
    label = next(t for t in button_texts(listing) if "Farmed" in t)
    (summary,) = await press_in_private(h, OWNER, label)
    assert f"Flagged as suspicious: {len(flagged)} of {found.assessed}" in summary.text
    (review,) = await press_in_private(h, OWNER, "Suspicious entries")
    assert "score 4 — a very new account, no profile photo, no username" in review.text
    (question,) = await press_in_private(h, OWNER, "Exclude all flagged")
    assert f"({len(flagged)})" in question.text or str(len(flagged)) in question.text
    (done,) = await h.say(OWNER, "farm: fresh accounts, no username or photo, one burst")
    assert f"Excluded {len(flagged)} entries" in done.text

    (confirm,) = await press_in_private(h, OWNER, "🎲 Draw now")
    await h.press(OWNER, OWNER, confirm.message_id, text="Yes")
    await h.emu.wait_for(
        lambda: [m for m in h.emu.bot_messages(channel.id) if m.reply_to is not None], timeout=15
    )
    document, listed = await h.say(REAL[1], f"/start proof_{contest_id}", replies=2)
    proof_path, list_path = tmp_path / "proof.json", tmp_path / "participants.txt.gz"
    proof_path.write_bytes(h.emu.file_bytes(document.document.file_id))
    list_path.write_bytes(h.emu.file_bytes(listed.document.file_id))
    proof = proofs.decode(proof_path.read_bytes())
    organizer = {e.user_id for e in proof.excluded if e.code == proofs.ORGANIZER}
    assert organizer == flagged
    assert not flagged & set(proof.winners + proof.reserves)
    result = run_verify(str(proof_path), "--participants", str(list_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("excluded by the organizer before the draw: farm") == len(flagged)
    assert result.stdout.splitlines()[-1].startswith(f"OK: contest {contest_id}")

    (listing,) = await h.say(FARM[0], "/mycontests")
    answer, _ = await h.press(FARM[0], FARM[0], listing.message_id, text="Did I win? Farmed")
    assert answer.text == (
        "The organizer excluded your entry before the draw: "
        "farm: fresh accounts, no username or photo, one burst"
    )
