"""Suspicion signals of an entry, and its score: which entries look farmed.

Signals are hints, not proof: each has a weight, an entry's score is the sum of the
weights of its signals, and an entry scoring `FLAG_SCORE` or more is *flagged* for the
organizer, who decides (`app.db.exclusions`). Nothing here excludes anyone by itself.

Signals (weight; when known; what it catches / what it cannot):
- `no_username` (1; at join): throw-away accounts nobody set up / many real people have none.
- `no_photo` (1; after `getUserProfilePhotos`, cached): the same / photos hidden by privacy
  settings count as none, and farms add stock photos.
- `new_account` (2; at join, from the id): accounts registered for this giveaway / bought
  aged accounts; the estimate is rough (see `estimated_registration`).
- `referrer_burst` (2; counted): one referrer bringing many entries within minutes / farms
  that pace their joins.
- `same_second` (3; counted): scripts pressing through one link at once / nothing that
  spreads its joins over seconds; a viral post can bring real people at once (hence the
  count of three).

`at_join` is what the join path asks ("suspicious only" captcha): pure arithmetic over
what the join already has, plus the referrer's two counts (one indexed count query).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class Signal(StrEnum):
    no_username = "no_username"
    no_photo = "no_photo"
    new_account = "new_account"
    referrer_burst = "referrer_burst"
    same_second = "same_second"


WEIGHTS: dict[Signal, int] = {
    Signal.no_username: 1,
    Signal.no_photo: 1,
    Signal.new_account: 2,
    Signal.referrer_burst: 2,
    Signal.same_second: 3,
}
FLAG_SCORE = 3
"""An entry scoring this much is flagged for the organizer, and asked for a captcha under
"suspicious only": e.g. no username + no photo + a new account, or a same-second burst."""
NEW_ACCOUNT_AGE = timedelta(days=60)
"""An account estimated to be younger than this is "new"."""
REFERRER_BURST_COUNT = 20
REFERRER_BURST_WINDOW = timedelta(minutes=10)
"""`REFERRER_BURST_COUNT` entries through one referrer within the window make a burst;
every entry inside such a window carries the signal."""
SAME_SECOND_COUNT = 3
"""This many entries through one referrer's link within the same second."""
PHOTO_CACHE_AGE = timedelta(days=7)
"""How long a user's checked profile photo status is reused before asking Telegram again."""

# Telegram user ids are handed out roughly in increasing order, so an id says roughly when
# the account was registered. These anchor points (id, registration) are approximate,
# from accounts whose registration date was publicly known; between two anchors the date is
# interpolated, past the last one extrapolated at the last segment's pace. Limits: the
# allocation is not strictly monotonic (ranges were handed out in blocks, and in 2021 new
# accounts jumped from ~2.1e9 to the 64-bit range at 5e9), the estimate is off by
# weeks to months, and past the last anchor it drifts as the signup pace changes. Refresh
# the table now and then; an account judged "new" is a hint, never a reason by itself.
ID_ANCHORS: tuple[tuple[int, datetime], ...] = (
    (400_169_472, datetime(2017, 7, 31, tzinfo=UTC)),
    (805_158_066, datetime(2019, 7, 15, tzinfo=UTC)),
    (1_974_255_900, datetime(2021, 10, 12, tzinfo=UTC)),
    (2_147_483_647, datetime(2021, 12, 1, tzinfo=UTC)),
    (5_000_000_000, datetime(2021, 12, 15, tzinfo=UTC)),
    (6_000_000_000, datetime(2023, 1, 1, tzinfo=UTC)),
    (7_000_000_000, datetime(2024, 2, 1, tzinfo=UTC)),
    (8_000_000_000, datetime(2025, 2, 1, tzinfo=UTC)),
)
_ANCHOR_IDS = [anchor for anchor, _ in ID_ANCHORS]


def estimated_registration(user_id: int) -> datetime | None:
    """Roughly when a Telegram account was registered, from its id; None before the table."""
    index = bisect.bisect_right(_ANCHOR_IDS, user_id)
    if index == 0:
        return None  # older than the first anchor: old enough for this purpose
    low = min(index, len(ID_ANCHORS) - 1) - 1  # past the last anchor: extend the last segment
    (id_a, at_a), (id_b, at_b) = ID_ANCHORS[low], ID_ANCHORS[low + 1]
    return at_a + (at_b - at_a) * ((user_id - id_a) / (id_b - id_a))


def is_new_account(user_id: int, now: datetime) -> bool:
    registered = estimated_registration(user_id)
    return registered is not None and now - registered < NEW_ACCOUNT_AGE


@dataclass(frozen=True, slots=True)
class Assessment:
    """An entry's signals and score."""

    signals: frozenset[Signal]

    @property
    def score(self) -> int:
        return sum(WEIGHTS[signal] for signal in self.signals)

    @property
    def flagged(self) -> bool:
        return self.score >= FLAG_SCORE

    def codes(self) -> list[str]:
        """The signals in a fixed order (heaviest first), for storing and showing."""
        return sorted(self.signals, key=lambda s: (-WEIGHTS[s], s.value))


def account_signals(
    user_id: int, username: str | None, has_photo: bool | None, now: datetime
) -> set[Signal]:
    """The signals of the account itself; `has_photo` None means not known yet."""
    found: set[Signal] = set()
    if not username:
        found.add(Signal.no_username)
    if has_photo is False:
        found.add(Signal.no_photo)
    if is_new_account(user_id, now):
        found.add(Signal.new_account)
    return found


def referrer_signals(recent: int, same_second: int) -> set[Signal]:
    """Signals from the referrer's entries counted with this one: within
    `REFERRER_BURST_WINDOW` before it (`recent`) and in its second (`same_second`)."""
    found: set[Signal] = set()
    if recent >= REFERRER_BURST_COUNT:
        found.add(Signal.referrer_burst)
    if same_second >= SAME_SECOND_COUNT:
        found.add(Signal.same_second)
    return found


def at_join(
    user_id: int,
    username: str | None,
    now: datetime,
    *,
    has_photo: bool | None = None,
    referrer_recent: int = 0,
    referrer_same_second: int = 0,
) -> Assessment:
    """The assessment a join can make at once (the photo only if already cached)."""
    return Assessment(
        frozenset(
            account_signals(user_id, username, has_photo, now)
            | referrer_signals(referrer_recent, referrer_same_second)
        )
    )


@dataclass(frozen=True, slots=True)
class ReferredEntry:
    user_id: int
    referrer_id: int
    joined_at: datetime


def referral_bursts(entries: Iterable[ReferredEntry]) -> dict[int, set[Signal]]:
    """The referrer signals of every referred entry of a contest, looking at all of them:
    unlike `at_join`, entries early in a burst are flagged too."""
    by_referrer: dict[int, list[ReferredEntry]] = defaultdict(list)
    for entry in entries:
        by_referrer[entry.referrer_id].append(entry)
    found: dict[int, set[Signal]] = defaultdict(set)
    for referred in by_referrer.values():
        referred.sort(key=lambda e: e.joined_at)
        _mark_windows(referred, REFERRER_BURST_WINDOW, REFERRER_BURST_COUNT, found)
        by_second: dict[int, list[int]] = defaultdict(list)
        for entry in referred:
            by_second[int(entry.joined_at.timestamp())].append(entry.user_id)
        for users in by_second.values():
            if len(users) >= SAME_SECOND_COUNT:
                for user_id in users:
                    found[user_id].add(Signal.same_second)
    return dict(found)


def _mark_windows(
    ordered: Sequence[ReferredEntry],
    window: timedelta,
    count: int,
    found: dict[int, set[Signal]],
) -> None:
    """Mark every entry that lies in some `window` holding at least `count` entries
    (each entry is marked once: linear in the number of entries)."""
    first = 0  # the oldest entry inside the window ending at the current one
    marked = 0  # entries before this index are already marked
    for last, entry in enumerate(ordered):
        while entry.joined_at - ordered[first].joined_at >= window:
            first += 1
        if last - first + 1 >= count:
            for member in ordered[max(first, marked) : last + 1]:
                found[member.user_id].add(Signal.referrer_burst)
            marked = last + 1
