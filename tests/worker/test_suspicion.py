"""The background suspicion pass (app.telegram.suspicion) against the Bot API emulator:
profile photos asked once and cached, the score stored per entry, faults survived."""

from __future__ import annotations

from datetime import UTC, datetime

from app.contests import suspicion as rules
from app.db import contests, participants, suspicion, users
from app.telegram import suspicion as passes
from app.worker import broker, reconcile
from tests.telegram_emulator import TelegramEmulator
from tests.test_storage import OWNER, fields

FRESH = 9_900_000_000  # ids past the newest anchor: accounts registered days ago


async def _enter(emulator: TelegramEmulator, contest_id: int, uid: int, **profile: object) -> None:
    """An account joins the way the bot records it: the user, then the entry."""
    photos = int(profile.pop("photos", 0))  # type: ignore[call-overload]
    user = emulator.create_user(uid, f"U{uid}", **profile)  # type: ignore[arg-type]
    if photos:
        emulator.set_profile_photos(uid, photos)
    await users.remember(uid, user.first_name, user.username)
    await participants.join(contest_id, uid, [])


async def test_a_pass_flags_fresh_bare_accounts_and_caches_photos(
    in_process: broker.Worker, emulator: TelegramEmulator
) -> None:
    contest = await contests.create(OWNER, fields())
    contest_id = (await contests.publish(contest.id, OWNER)).id
    real = list(range(7_000_000_001, 7_000_000_011))  # older accounts, set up
    for uid in real:
        await _enter(emulator, contest_id, uid, username=f"person{uid}", photos=1)
    farm = list(range(FRESH, FRESH + 15))  # fresh, no username, no photo
    for uid in farm:
        await _enter(emulator, contest_id, uid)
    await _enter(emulator, contest_id, FRESH + 100, username="newbie", photos=2)  # only new
    await _enter(emulator, contest_id, 7_000_000_100)  # bare, but an older account

    kicked = await reconcile.run_once(in_process)  # the scheduler's pass kicks the task
    assert kicked["assess"] == [contest_id]
    summary = await suspicion.summary(contest_id)
    print(f"\nassessed {summary.assessed}, flagged {summary.flagged}: {summary.by_signal}")
    assert summary.assessed == 27 and summary.flagged == 15
    flagged = await suspicion.flagged(contest_id)
    assert {f.user_id for f in flagged} == set(farm)
    assert flagged[0].signals == ["new_account", "no_photo", "no_username"]
    assert flagged[0].score == 4 and flagged[0].excluded is None
    calls = emulator.call_counts()["getUserProfilePhotos"]
    assert calls == 27

    again = await passes.assess_contest(in_process.bot, contest_id)  # cached: nobody asked
    assert again == passes.Pass(0, 0, 0)
    assert emulator.call_counts()["getUserProfilePhotos"] == calls
    assert (await suspicion.at_join(contest_id, farm[0], None)).flagged


async def test_telegram_faults_leave_photos_unknown_and_asked_again(
    in_process: broker.Worker, emulator: TelegramEmulator
) -> None:
    contest = await contests.create(OWNER, fields())
    contest_id = (await contests.publish(contest.id, OWNER)).id
    for uid in range(FRESH, FRESH + 4):
        await _enter(emulator, contest_id, uid)
    emulator.inject_fault("server_error", 2, method="getUserProfilePhotos")
    first = await passes.assess_contest(in_process.bot, contest_id)
    print(f"\nfirst pass with two 5xx answers: {first}")
    assert first.photos_checked == 2 and first.photos_failed == 2
    # unknown photos are no signal: no username (1) + new account (2) still flag
    assert (await suspicion.summary(contest_id)).by_signal.get("no_photo") == 2
    emulator.inject_fault("flood", 1, method="getUserProfilePhotos", retry_after=1)
    done = await passes.assess_contest(in_process.bot, contest_id)  # the limiter waits
    assert done.photos_checked == 2 and done.photos_failed == 0
    assert (await suspicion.summary(contest_id)).by_signal.get("no_photo") == 4
    assert await suspicion.stale_photos(contest_id, datetime.now(UTC), 10) == []
    stale_later = datetime.now(UTC) + rules.PHOTO_CACHE_AGE
    assert len(await suspicion.stale_photos(contest_id, stale_later, 10)) == 4
