"""The machine's own limit, measured in the same run as a burst, and bulk loading.

The limit: single-row INSERTs per second into the participant table, straight through
asyncpg on `CONNECTIONS` connections for `SECONDS`, into a draft contest of the same
organizer (each row its own transaction, as each join is). A join does more than that
insert, so the ratio joins/s ÷ limit says how much of the database's capacity the
application leaves on the table.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import asyncpg

from tests.stack.scenario import ContestWorld

CONNECTIONS = 8
SECONDS = 3.0
FIRST_BULK_USER = 5_000_000_000


async def insert_rate(database_url: str, world: ContestWorld) -> float:
    """Single-row INSERTs per second into participant (rows removed afterwards)."""
    draft = await world.organizer.ok(
        "POST",
        "/api/organizer/contests",
        {"title": "Machine limit", "winnersCount": 1, "maxParticipants": 10},
    )
    users = itertools.count(1)
    connections = [await asyncpg.connect(database_url) for _ in range(CONNECTIONS)]
    deadline = time.monotonic() + SECONDS
    inserted = 0

    async def insert(connection: asyncpg.Connection) -> None:
        nonlocal inserted
        while time.monotonic() < deadline:
            await connection.execute(
                "INSERT INTO participant (contest, user_id, source, joined_at)"
                " VALUES ($1, $2, 'bench', now())",
                draft["id"],
                next(users),
            )
            inserted += 1

    started = time.monotonic()
    try:
        await asyncio.gather(*(insert(c) for c in connections))
        elapsed = time.monotonic() - started
        await connections[0].execute("DELETE FROM participant WHERE contest = $1", draft["id"])
    finally:
        for connection in connections:
            await connection.close()
    return inserted / elapsed


async def bulk_load(database_url: str, contest_id: int, count: int) -> None:
    """`count` participants with COPY (ids no member has), and the counter set to match."""
    connection = await asyncpg.connect(database_url)
    try:
        records = ((contest_id, FIRST_BULK_USER + n, "bulk") for n in range(count))
        await connection.copy_records_to_table(
            "participant", records=records, columns=["contest", "user_id", "source"]
        )
        await connection.execute(
            "UPDATE contest SET participant_count ="
            " (SELECT count(*) FROM participant WHERE contest = $1) WHERE id = $1",
            contest_id,
        )
        await connection.execute("ANALYZE participant")
    finally:
        await connection.close()
