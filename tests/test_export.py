"""The one participant export (bot file and API download): format and streaming."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from app.contests.rules import ContestFields
from app.db import contests, export, participants, users
from app.db.tables import Participant
from app.errors import DatabaseUnavailable

OWNER = 1000
PEOPLE = [
    (2001, "Ann", "ann"),
    (2002, "=HYPERLINK(1)", None),
    (2003, "-5", "minus"),
    (2004, "Олег", None),
]


async def _contest_with(people: list[tuple[int, str, str | None]], source: str = "bot") -> int:
    """A published contest of OWNER's that `people` (id, first name, username) joined."""
    contest = await contests.create(
        OWNER, ContestFields(title="Mug", ends_at=datetime.now(UTC) + timedelta(days=1))
    )
    await contests.publish(contest.id, OWNER)
    for user_id, first_name, username in people:
        await users.remember(user_id, first_name, username)
        await participants.join(contest.id, user_id, [], source)
    return contest.id


async def _read(contest_id: int) -> list[bytes]:
    return [chunk async for chunk in export.participants_csv(contest_id)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_bom_header_joining_order_and_no_formulas(db: str) -> None:
    contest_id = await _contest_with(PEOPLE)
    data = b"".join(await _read(contest_id))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(export.COLUMNS)
    assert [row[0] for row in rows[1:]] == [str(user_id) for user_id, _, _ in PEOPLE]
    assert [row[2] for row in rows[1:]] == ["Ann", "'=HYPERLINK(1)", "'-5", "Олег"]
    assert [row[3] for row in rows[1:]] == ["bot"] * len(PEOPLE)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_streamed_in_chunks_not_built_whole(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    contest_id = await _contest_with(PEOPLE)
    whole = b"".join(await _read(contest_id))
    monkeypatch.setattr(export, "CHUNK_BYTES", 60)
    monkeypatch.setattr(participants, "EXPORT_BATCH", 2)
    chunks = await _read(contest_id)
    assert len(chunks) > 2
    assert b"".join(chunks) == whole
    longest_row = max(len(line) for line in whole.split(b"\r\n")) + 2
    assert all(len(chunk) < 60 + longest_row for chunk in chunks)


NASTY = [
    (3001, 'say "hi", ok', 'quo"te'),
    (3002, "two\nlines\r\nand CR\r", None),
    (3003, "=SUM(A1:A9)", "=user"),
    (3004, "+1", "@handle"),
    (3005, "@mention", "-dash"),
    (3006, "\tTab", "\rcr"),
    (3007, "Ἀλέξανδρος 🎁 مريم", "名前"),
    (3008, "", None),
    (3009, " leading space, trailing ", ""),
    (3010, "\\.", "back\\slash"),
    (3011, '"', '""'),
    (3012, "'already quoted", "a,b"),
]


async def contest_with_nasty_names() -> int:
    contest_id = await _contest_with(NASTY, "miniapp")
    await participants.join(contest_id, 3013, [], "bot")  # no profile stored at all
    await participants.join(contest_id, -3014, [], "bot")  # a negative id reads as a formula
    on_the_second = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # isoformat() has no fraction
    await Participant.update({Participant.joined_at: on_the_second}).where(
        Participant.user_id == 3001
    )
    return contest_id


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_postgres_writes_the_same_bytes_as_python(db: str) -> None:
    contest_id = await contest_with_nasty_names()
    by_python = b"".join([chunk async for chunk in export.written_by_python(contest_id)])
    by_postgres = b"".join(await _read(contest_id))
    assert by_postgres == by_python
    rows = list(csv.reader(io.StringIO(by_postgres.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(export.COLUMNS)
    expected = [
        [str(user_id), export.cell(username or ""), export.cell(first_name)]
        for user_id, first_name, username in NASTY
    ] + [["3013", "", ""], ["'-3014", "", ""]]
    assert [row[:3] for row in rows[1:]] == expected
    assert rows[1][4] == "2026-01-02T03:04:05+00:00"
    assert all(datetime.fromisoformat(row[4]).tzinfo == UTC for row in rows[1:])
    assert rows[2][2] == "two\nlines\r\nand CR\r" and rows[4][1] == "'@handle"


async def bulk_contest(people: int) -> int:
    """`people` participants with long names full of what needs quoting and escaping."""
    contest_id = await contest_with_nasty_names()
    await Participant.raw(
        "INSERT INTO telegram_user (id, first_name, username, language, blocked_bot,"
        " created_at, updated_at) SELECT g, repeat('ab\"c,\\d' || E'\\n', 20) || g,"
        " CASE WHEN g % 3 = 0 THEN NULL ELSE '=u' || g END, 'en', false, now(), now()"
        " FROM generate_series(100000, 99999 + {}) AS g",
        people,
    )
    await Participant.raw(
        "INSERT INTO participant (contest, user_id, source, joined_at)"
        " SELECT {}, g, 'bot', now() + g * interval '1 ms'"
        " FROM generate_series(100000, 99999 + {}) AS g",
        contest_id,
        people,
    )
    return contest_id


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_many_chunks_are_the_same_bytes_too(db: str) -> None:
    contest_id = await bulk_contest(20_000)
    chunks = await _read(contest_id)
    by_python = b"".join([chunk async for chunk in export.written_by_python(contest_id)])
    print(f"{len(chunks)} chunks, {len(by_python):,} bytes")
    assert len(chunks) > 3
    assert b"".join(chunks) == by_python


async def copying_backends(url: str, condition: str = "query LIKE 'COPY%'") -> list[int]:
    """Backends (other than this one) busy with a query that matches `condition`."""
    connection = await asyncpg.connect(url)
    try:
        return [
            row["pid"]
            for row in await connection.fetch(
                "SELECT pid FROM pg_stat_activity"
                f" WHERE state = 'active' AND pid <> pg_backend_pid() AND {condition}"
            )
        ]
    finally:
        await connection.close()


async def terminate_copy(url: str, condition: str = "query LIKE 'COPY%'") -> None:
    """pg_terminate_backend of the one backend the export uses, as an admin would."""
    (pid,) = await copying_backends(url, condition)
    admin = await asyncpg.connect(url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


@asynccontextmanager
async def lost_while_waiting(url: str) -> AsyncIterator[None]:
    """The body starts an export; its query waits for a lock held here, and its backend
    is terminated meanwhile (before PostgreSQL sent a byte)."""
    waiting = "wait_event_type = 'Lock'"
    admin = await asyncpg.connect(url)
    try:
        async with admin.transaction():
            await admin.execute("LOCK TABLE participant IN ACCESS EXCLUSIVE MODE")
            yield
            for _ in range(500):
                if await copying_backends(url, waiting):
                    break
                await asyncio.sleep(0.02)
            await terminate_copy(url, waiting)
    finally:
        await admin.close()


async def _read_terminating_after_first_chunk(
    contest_id: int, url: str, received: list[bytes]
) -> None:
    async for chunk in export.participants_csv(contest_id):
        if not received:  # the reader holds back meanwhile: PostgreSQL waits with the rest
            await terminate_copy(url)
        received.append(chunk)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_connection_lost_mid_way_raises_instead_of_ending_the_file(
    db: str, database_url: str
) -> None:
    contest_id = await bulk_contest(20_000)
    whole = b"".join(await _read(contest_id))
    received: list[bytes] = []
    with pytest.raises(DatabaseUnavailable, match="connection was lost"):
        await _read_terminating_after_first_chunk(contest_id, database_url, received)
    got = sum(map(len, received))
    print(f"cut after {got:,} of {len(whole):,} bytes")
    assert 0 < got < len(whole)
    assert b"".join(await _read(contest_id)) == whole, "the pool gives a working connection"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_reader_that_stops_cancels_the_copy(db: str, database_url: str) -> None:
    contest_id = await bulk_contest(20_000)
    async with aclosing(export.participants_csv(contest_id)) as chunks:
        await anext(chunks)
        assert await copying_backends(database_url)
    for _ in range(100):
        if not await copying_backends(database_url):
            break
        await asyncio.sleep(0.05)
    assert not await copying_backends(database_url)
    assert (await _read(contest_id))[0].startswith(export.BOM.encode())
