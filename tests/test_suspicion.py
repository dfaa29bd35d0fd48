"""The suspicion signals and score of an entry (app.contests.suspicion)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.contests import suspicion
from app.contests.suspicion import ReferredEntry, Signal

NOW = datetime(2026, 12, 1, tzinfo=UTC)
OLD_ID = 123_456_789  # registered around 2016
FRESH_ID = 9_900_000_000  # past the last anchor: extrapolated to late 2026


def test_the_registration_estimate_interpolates_between_anchors_and_extends_the_last() -> None:
    (id_a, at_a), (id_b, at_b) = suspicion.ID_ANCHORS[-2:]
    middle = suspicion.estimated_registration((id_a + id_b) // 2)
    assert middle is not None and abs(middle - (at_a + (at_b - at_a) / 2)) < timedelta(hours=1)
    later = suspicion.estimated_registration(id_b + (id_b - id_a))
    assert later is not None and abs(later - (at_b + (at_b - at_a))) < timedelta(hours=1)
    assert suspicion.estimated_registration(1000) is None  # before the table: old
    ids = [anchor for anchor, _ in suspicion.ID_ANCHORS]
    assert ids == sorted(ids)
    dates = [suspicion.estimated_registration(i) for i in range(ids[0], 10**10, 10**8)]
    assert dates == sorted(dates)  # the estimate never goes back in time


def test_new_accounts_are_told_by_their_id() -> None:
    assert suspicion.is_new_account(FRESH_ID, NOW)
    assert not suspicion.is_new_account(OLD_ID, NOW)
    assert not suspicion.is_new_account(FRESH_ID, NOW + suspicion.NEW_ACCOUNT_AGE * 3)


def test_the_score_is_the_sum_of_the_weights_and_flags_at_the_threshold() -> None:
    plain = suspicion.at_join(OLD_ID, "alice", NOW, has_photo=True)
    assert plain.signals == frozenset() and plain.score == 0 and not plain.flagged
    bare = suspicion.at_join(OLD_ID, None, NOW, has_photo=False)
    assert bare.signals == {Signal.no_username, Signal.no_photo}
    assert bare.score == 2 and not bare.flagged
    farmed = suspicion.at_join(FRESH_ID, "", NOW, has_photo=False)
    assert farmed.score == 4 and farmed.flagged
    assert farmed.codes() == ["new_account", "no_photo", "no_username"]


def test_an_unknown_photo_is_no_signal() -> None:
    assert Signal.no_photo not in suspicion.at_join(OLD_ID, None, NOW).signals


def test_referrer_counts_at_join() -> None:
    burst = suspicion.at_join(OLD_ID, "bob", NOW, referrer_recent=suspicion.REFERRER_BURST_COUNT)
    assert burst.signals == {Signal.referrer_burst}
    calm = suspicion.at_join(OLD_ID, "bob", NOW, referrer_recent=suspicion.REFERRER_BURST_COUNT - 1)
    assert calm.signals == frozenset()
    same = suspicion.at_join(OLD_ID, "bob", NOW, referrer_same_second=suspicion.SAME_SECOND_COUNT)
    assert same.signals == {Signal.same_second} and same.flagged


def _entries(
    referrer: int, start: datetime, step: timedelta, count: int, first_user: int
) -> list[ReferredEntry]:
    return [ReferredEntry(first_user + i, referrer, start + step * i) for i in range(count)]


def test_a_referral_burst_flags_every_entry_inside_it_and_none_outside() -> None:
    window = suspicion.REFERRER_BURST_WINDOW
    count = suspicion.REFERRER_BURST_COUNT
    step = window / count  # `count` entries span just under the window
    burst = _entries(1, NOW, step, count, 1000)
    paced = _entries(2, NOW, step * 1.01 * count / (count - 1), count * 3, 5000)
    before = ReferredEntry(999, 1, NOW - window)  # a window earlier: outside the burst
    found = suspicion.referral_bursts([*burst, *paced, before])
    assert {u for u, s in found.items() if Signal.referrer_burst in s} == {e.user_id for e in burst}
    assert 999 not in found


def test_same_second_joins_through_one_link() -> None:
    second = NOW.replace(microsecond=0)
    together = [
        ReferredEntry(10 + i, 7, second + timedelta(milliseconds=300 * i)) for i in range(3)
    ]
    spread = [ReferredEntry(20 + i, 8, second + timedelta(milliseconds=600 * i)) for i in range(3)]
    other_links = [ReferredEntry(30 + i, 40 + i, second) for i in range(5)]
    found = suspicion.referral_bursts([*together, *spread, *other_links])
    assert found == {10: {Signal.same_second}, 11: {Signal.same_second}, 12: {Signal.same_second}}
