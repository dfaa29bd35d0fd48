"""The fair draw, algorithms `contest-bot-draw/v2` (with the beacon) and `contest-bot-draw/v1`.

Anyone can recompute a draw from published data (see `app.contests.proof`).

`contest-bot-draw/v1`:

1. At publish time a random 32-byte `seed` is drawn and `commitment = sha256(seed)` (hex)
   is shown; the seed stays secret until the results.
2. At the deadline the participant list is frozen: the distinct Telegram user ids in
   ascending numeric order. `list_hash = sha256("\\n".join(str(id) for id in ids))` (hex,
   UTF-8; an empty list hashes the empty string).
3. A byte stream is derived: block `i` (i = 0, 1, ...) is
   `HMAC-SHA256(key=seed, msg="contest-bot-draw/v1|<contest_id>|<list_hash>|<beacon>|<i>")`
   where `<beacon>` is the public randomness beacon value fixed in advance, or empty.
   The stream is read 8 bytes at a time as big-endian unsigned 64-bit integers.
4. `uniform(n)`: read integers `x` until `x < 2**64 - (2**64 mod n)`, return `x mod n`
   (rejection sampling: no modulo bias).
5. The ranking is a partial Fisher-Yates shuffle of the frozen list: for position
   `i = 0 .. k-1`, swap item `i` with item `i + uniform(n - i)`. The first `k` items, in
   order, are the ranking.
6. Walking the ranking and skipping excluded users (who failed the re-check at the draw,
   or were replaced later, each logged with a reason), the first `winners_count` are the
   winners and the next `reserve_count` the reserves. A re-draw continues the same
   ranking, so it needs no new randomness.

`contest-bot-draw/v2` is v1 with public randomness nobody knew in advance, so that not
even the operator, who knows the seed, can steer the outcome by adding accounts:

- At the freeze (step 2) the contest also commits to a drand quicknet round `R` that
  comes out at least 60 s later (`app.contests.beacon`); the list hash and `R` are
  published (the channel post is edited) before round `R` exists.
- When round `R` is out, its BLS signature is checked against the quicknet group key
  and `randomness = sha256(signature)` (hex) is the `<beacon>` of step 3, whose message
  becomes `"contest-bot-draw/v2|<contest_id>|<list_hash>|<randomness>|<i>"`. Steps 4-6
  are unchanged.

The seed (committed before anyone joined) keeps drand's operators from steering the
draw; the round (unknown to everyone at the freeze) keeps this bot's operator from it.

Tickets (either algorithm; proof format `contest-bot-proof/3`): a contest may give extra
tickets for invited friends and channel boosts (`app.contests.rules.tickets`). They are
decided at the freeze and written into the frozen list, each line `<id> <tickets>`
(`app.contests.frozen`), so `list_hash` covers them. Step 5 then becomes a weighted
draw without replacement, 5w:

5w. Number the tickets in list order: the participant at position `p` holds tickets
   `c_p .. c_p + w_p - 1`, where `w_p` are their tickets and `c_p` the sum of the tickets
   before position `p`; `T` is the total. For each next place of the ranking, read
   `t = uniform(T)`; the holder of ticket `t` takes the place, unless already ranked, in
   which case read again. Each place thus goes to a participant not yet ranked with
   probability proportional to their tickets. Integer arithmetic only, so any language
   gets the same ranking.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate

from app.contests import frozen as frozen_file

V1 = "contest-bot-draw/v1"
V2 = "contest-bot-draw/v2"
ALGORITHMS = (V1, V2)
_WORD = 8
_SPACE = 1 << 64


def new_seed() -> str:
    """A fresh secret seed, hex."""
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    """The public commitment to a seed: sha256 of its bytes, hex."""
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def freeze(user_ids: Iterable[int]) -> list[int]:
    """The canonical frozen list: distinct ids in ascending order."""
    return sorted(set(user_ids))


def list_hash(frozen: Sequence[int], tickets: Sequence[int] | None = None) -> str:
    """sha256 of the frozen list written one id a line (no trailing newline), hex; with
    `tickets`, each line is `<id> <tickets>`."""
    digest = hashlib.sha256()
    for chunk in frozen_file.chunks(frozen, tickets):
        digest.update(chunk)
    return digest.hexdigest()


class Stream:
    """The deterministic integer stream of step 3-4."""

    def __init__(
        self, seed: str, contest_id: int, frozen_hash: str, beacon: str = "", algorithm: str = V1
    ) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown draw algorithm {algorithm!r}")
        if algorithm == V2 and len(beacon) != 64:
            raise ValueError(f"{V2} needs the beacon randomness (64 hex characters)")
        self._key = bytes.fromhex(seed)
        self._prefix = f"{algorithm}|{contest_id}|{frozen_hash}|{beacon}|".encode()
        self._words = self._generate()

    def _generate(self) -> Iterator[int]:
        block = 0
        while True:
            digest = hmac.new(self._key, self._prefix + str(block).encode(), "sha256").digest()
            for offset in range(0, len(digest), _WORD):
                yield int.from_bytes(digest[offset : offset + _WORD], "big")
            block += 1

    def uniform(self, n: int) -> int:
        """An unbiased integer in [0, n)."""
        if n < 1:
            raise ValueError("n must be positive")
        limit = _SPACE - (_SPACE % n)
        for word in self._words:
            if word < limit:
                return word % n
        raise AssertionError("unreachable: the stream is infinite")


def ranking(
    seed: str,
    contest_id: int,
    frozen: Sequence[int],
    count: int,
    beacon: str = "",
    frozen_hash: str | None = None,
    *,
    algorithm: str = V1,
    tickets: Sequence[int] | None = None,
) -> list[int]:
    """The first `count` users of the draw's order (step 5, or 5w with `tickets`).

    The shuffle touches at most `2 * count` positions, so only those are tracked: the
    frozen list itself is never copied. `frozen_hash` saves hashing the list again.
    """
    total = len(frozen)
    frozen_hash = frozen_hash or list_hash(frozen, tickets)
    stream = Stream(seed, contest_id, frozen_hash, beacon, algorithm)
    if tickets is not None:
        return _weighted(stream, frozen, tickets, count)
    moved: dict[int, int] = {}  # position -> the item now there, where it differs
    order = []
    for i in range(min(count, total)):
        j = i + stream.uniform(total - i)
        order.append(moved.get(j, frozen[j]))
        moved[j] = moved.get(i, frozen[i])
    return order


def _weighted(
    stream: Stream, frozen: Sequence[int], tickets: Sequence[int], count: int
) -> list[int]:
    """Step 5w: the holder of a uniformly drawn ticket, again until one not yet ranked."""
    if len(tickets) != len(frozen) or any(weight < 1 for weight in tickets):
        raise ValueError("every participant needs one ticket count of at least 1")
    ends = array("q", accumulate(tickets))  # ends[p] = c_p + w_p
    total = ends[-1] if ends else 0
    ranked: set[int] = set()
    order = []
    while len(order) < min(count, len(frozen)):
        position = bisect_right(ends, stream.uniform(total))
        if position not in ranked:
            ranked.add(position)
            order.append(frozen[position])
    return order


def pick(
    order: Sequence[int], excluded: Iterable[int], winners_count: int, reserve_count: int
) -> tuple[list[int], list[int]]:
    """Winners and reserves from a ranking, skipping excluded users (step 6)."""
    skip = set(excluded)
    eligible = [uid for uid in order if uid not in skip]
    return eligible[:winners_count], eligible[winners_count : winners_count + reserve_count]


def needed(winners_count: int, reserve_count: int, excluded: Iterable[int]) -> int:
    """How long a ranking must be to fill winners and reserves despite exclusions."""
    return winners_count + reserve_count + len(set(excluded))
