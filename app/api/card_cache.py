"""What every viewer of a contest card sees the same, kept for a moment in each API process.

A giveaway post in a big channel sends thousands of people to the same card within
seconds. The contest row, its required channels, who may manage it and the participant
count are the same for all of them, so an API process reads them at most once per `ttl`
seconds per contest. Whether *this* viewer has joined is read for every request; nothing
personal is kept. A join, an edit or a status change shows within `ttl`.

The burst comes before anything is cached: requests finding no entry wait for the one
read already under way instead of each starting its own (a hundred reads of five
queries each would queue on the connection pool behind one another).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from app.contests.channels import ChannelRef
from app.db import contests, draws, participants
from app.db.tables import Contest, ContestOwner
from app.single_flight import SingleFlight

MAX_CONTESTS = 1000


@dataclass(frozen=True, slots=True)
class SharedCard:
    """The viewer-independent part of a contest card."""

    contest: Contest
    required: list[ChannelRef]
    managers: frozenset[int]  # the owner and the co-owners
    participant_count: int
    beacon: draws.BeaconWait | None = None  # while the draw waits for its drand round

    def may_manage(self, user_id: int, admin_ids: frozenset[int]) -> bool:
        return user_id in self.managers or user_id in admin_ids


async def load(contest: Contest) -> SharedCard:
    """Read the shared part of a card now (organizer views use it uncached)."""
    co_owners = await ContestOwner.select(ContestOwner.user_id).where(
        ContestOwner.contest == contest.id
    )
    return SharedCard(
        contest,
        await contests.required_channels(contest.id),
        frozenset([contest.owner_id, *(row["user_id"] for row in co_owners)]),
        await participants.count(contest.id),
        await draws.beacon_wait(contest),
    )


class CardCache:
    """Shared card parts by contest id, each kept `ttl` seconds (0: not kept)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[int, tuple[float, SharedCard]] = {}
        self._reading: SingleFlight[int, SharedCard] = SingleFlight()

    async def get(self, contest_id: int) -> SharedCard:
        if self.ttl <= 0:  # read fresh: a read begun before this request may miss a change
            return await load(await contests.get(contest_id))
        found = self._entries.get(contest_id)
        if found is not None and found[0] > self._clock():
            return found[1]
        return await self._reading.run(contest_id, lambda: self._read(contest_id))

    async def _read(self, contest_id: int) -> SharedCard:
        now = self._clock()
        shared = await load(await contests.get(contest_id))
        if len(self._entries) >= MAX_CONTESTS:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
        if len(self._entries) < MAX_CONTESTS:
            self._entries[contest_id] = (now + self.ttl, shared)
        return shared
