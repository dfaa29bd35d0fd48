"""The background suspicion pass (app.telegram.suspicion) against the Bot API emulator:
profile photos asked once and cached, the score stored per entry, faults survived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.contests import suspicion as rules
from app.contests.suspicion import Signal
from app.db import contests, participants, suspicion, tickets, users
from app.db.tables import EntrySuspicion, Referral
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


async def test_a_burst_through_one_referral_link_is_flagged(
    in_process: broker.Worker, emulator: TelegramEmulator
) -> None:
    """A farm pushes 25 set-up old accounts through one member's link within a minute,
    three of them in one second; a real member's friends trickle in over hours."""
    contest = await contests.create(OWNER, fields())
    contest_id = (await contests.publish(contest.id, OWNER)).id
    farmer, member = 7_000_000_001, 7_000_000_002
    for uid in (farmer, member):
        await _enter(emulator, contest_id, uid, username=f"u{uid}", photos=1)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    bots = list(range(7_100_000_000, 7_100_000_025))
    friends = list(range(7_200_000_000, 7_200_000_025))
    for uid in bots + friends:
        await _enter(emulator, contest_id, uid, username=f"u{uid}", photos=1)
    for index, uid in enumerate(bots):
        await tickets.refer(contest_id, farmer, uid)
        at = start + (
            timedelta(milliseconds=100 * index) if index < 3 else timedelta(seconds=2 * index)
        )
        await Referral.update({Referral.created_at: at}).where(Referral.invitee_id == uid)
    for index, uid in enumerate(friends):
        await tickets.refer(contest_id, member, uid)
        at = start + timedelta(minutes=11 * index)
        await Referral.update({Referral.created_at: at}).where(Referral.invitee_id == uid)

    await passes.assess_contest(in_process.bot, contest_id)
    flagged = {f.user_id: f.signals for f in await suspicion.flagged(contest_id, limit=100)}
    summary = await suspicion.summary(contest_id)
    print(f"\nreferral farm: flagged {summary.flagged} of {summary.assessed}: {summary.by_signal}")
    assert set(flagged) == set(bots[:3])  # burst (2) + same second (3)
    assert flagged[bots[0]] == ["same_second", "referrer_burst"]
    assert summary.by_signal == {"referrer_burst": 3, "same_second": 3}
    scores = {row.user_id: row for row in await suspicion.flagged(contest_id, limit=100)}
    assert all(row.score == 5 for row in scores.values())
    stored = await suspicion.scores(contest_id, bots[3:] + friends)
    assert {uid for uid, (score, _) in stored.items() if score} == set(bots[3:])  # burst only

    # at join time: the next accounts through the farmer's link, in the busy second and
    # at the end of the burst; a member's friend at the same moments
    busy_second, burst_end = start + timedelta(milliseconds=500), start + timedelta(seconds=49)
    joining = await suspicion.at_join(contest_id, 7_300_000_000, "x", farmer, busy_second)
    assert joining.signals == {Signal.same_second} and joining.flagged
    joining = await suspicion.at_join(contest_id, 7_300_000_000, "x", farmer, burst_end)
    assert joining.signals == {Signal.referrer_burst} and not joining.flagged
    bare = await suspicion.at_join(contest_id, FRESH, None, farmer, burst_end)
    assert bare.score == 5 and bare.flagged  # burst + new account + no username
    for moment in (busy_second, burst_end):
        calm = await suspicion.at_join(contest_id, 7_300_000_001, "y", member, moment)
        assert calm.signals == frozenset()


async def test_a_pass_recomputes_only_what_changed(db: str) -> None:
    """Passes follow each change (a username set, a photo checked, a new account aging)
    and one where nothing changed writes nothing."""
    contest = await contests.create(OWNER, fields())
    contest_id = (await contests.publish(contest.id, OWNER)).id
    bare, named, fresh, unknown = 7_000_000_001, 7_000_000_002, FRESH + 1, FRESH + 2
    for uid, username in ((bare, None), (named, "named"), (fresh, "fresh")):
        await users.remember(uid, f"U{uid}", username)
        await participants.join(contest_id, uid, [])
    await participants.join(contest_id, unknown, [])  # never talked to the bot
    now = datetime.now(UTC) + suspicion.ASSESSED_MARGIN  # passes past the changes' margin

    async def signals() -> dict[int, list[str]]:
        rows = await EntrySuspicion.select(EntrySuspicion.user_id, EntrySuspicion.signals).output(
            load_json=True
        )
        return {row["user_id"]: row["signals"] for row in rows}

    assert await suspicion.assess(contest_id, now) == 4
    first = await signals()
    assert await suspicion.assess(contest_id, now) == 0  # nothing changed: nothing written

    await users.remember(bare, f"U{bare}", "now_named")  # a username set since
    await suspicion.record_photo(named, False, now + timedelta(seconds=1))
    later = now + 2 * suspicion.ASSESSED_MARGIN
    assert await suspicion.assess(contest_id, later) == 2
    assert await suspicion.assess(contest_id, later) == 0
    second = await signals()

    years = later + timedelta(days=3650)  # every account is old by then
    assert await suspicion.assess(contest_id, years) == 2
    third = await signals()
    print(f"\nincremental passes: {first} -> {second} -> {third}")
    assert "no_username" in first[bare] and "no_username" not in second.get(bare, [])
    assert "no_photo" in second[named]
    assert "new_account" in second[fresh] and "new_account" in second[unknown]
    assert "new_account" not in third.get(fresh, []) + third.get(unknown, [])
