"""The weighted draw (tickets) in memory, next to the unweighted one and to what neither
can beat: hashing the participants file once.

    uv run python -m tests.benchmarks.weighted [--participants 1000000] [--ranked 300]

For N participants (a tenth of them with 2-21 tickets) it times: building the file and
its hash (the limit: every draw hashes its list), reading the file back
(`frozen.Reader`, as `contest-bot verify` does), the unweighted ranking of `--ranked`
places (step 5) over the ids-only list, and the weighted ranking (step 5w) over the
tickets. The machine is shared: figures are noisy; the ratios to the limit are the point.
"""

from __future__ import annotations

import argparse
import random
import time

from app.contests import draw, frozen
from tests.benchmarks.draw import hardware


def timed(what: str, action, rows: list[tuple[str, float]]):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    rows.append((what, time.perf_counter() - started))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1_000_000)
    parser.add_argument("--ranked", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(7)
    ids = sorted(rng.sample(range(1, 8_000_000_000), args.participants))
    tickets = [1 + (rng.randrange(1, 21) if rng.random() < 0.1 else 0) for _ in ids]
    seed = draw.new_seed()
    rows: list[tuple[str, float]] = []
    data = timed(
        "limit: write and sha256 the tickets file",
        lambda: draw.list_hash(ids, tickets),
        rows,
    )
    body = b"".join(frozen.chunks(ids, tickets))

    def read() -> frozen.FrozenList:
        reader = frozen.Reader(with_tickets=True)
        reader.feed(body)
        return reader.finish()

    listed = timed("read the tickets file back (verify)", read, rows)
    assert listed.hash == data
    plain_hash = draw.list_hash(ids)
    timed(
        f"unweighted ranking of {args.ranked}",
        lambda: draw.ranking(seed, 1, listed.ids, args.ranked, frozen_hash=plain_hash),
        rows,
    )
    timed(
        f"weighted ranking of {args.ranked}",
        lambda: draw.ranking(
            seed, 1, listed.ids, args.ranked, frozen_hash=data, tickets=listed.tickets
        ),
        rows,
    )
    limit = rows[0][1]
    print(f"{args.participants:,} participants, {sum(tickets):,} tickets; {hardware()}")
    print("(shared machine, 2 cores for 7 engineers: figures are noisy)")
    for what, seconds in rows:
        print(f"  {what:<42} {seconds:7.3f} s  {seconds / limit:5.2f}x the limit")


if __name__ == "__main__":
    main()
