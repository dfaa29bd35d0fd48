"""The one participant export (bot file and API download): format and streaming."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from app.contests.rules import ContestFields
from app.db import contests, export, participants, users

OWNER = 1000
PEOPLE = [
    (2001, "Ann", "ann"),
    (2002, "=HYPERLINK(1)", None),
    (2003, "-5", "minus"),
    (2004, "Олег", None),
]


async def _contest_with_people() -> int:
    contest = await contests.create(
        OWNER, ContestFields(title="Mug", ends_at=datetime.now(UTC) + timedelta(days=1))
    )
    await contests.publish(contest.id, OWNER)
    for user_id, first_name, username in PEOPLE:
        await users.remember(user_id, first_name, username)
        await participants.join(contest.id, user_id, [], "bot")
    return contest.id


async def _read(contest_id: int) -> list[bytes]:
    return [chunk async for chunk in export.participants_csv(contest_id)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_bom_header_joining_order_and_no_formulas(db: str) -> None:
    contest_id = await _contest_with_people()
    data = b"".join(await _read(contest_id))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(export.COLUMNS)
    assert [row[0] for row in rows[1:]] == [str(user_id) for user_id, _, _ in PEOPLE]
    assert [row[2] for row in rows[1:]] == ["Ann", "'=HYPERLINK(1)", "'-5", "Олег"]
    assert [row[3] for row in rows[1:]] == ["bot"] * len(PEOPLE)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_streamed_in_chunks_not_built_whole(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    contest_id = await _contest_with_people()
    whole = b"".join(await _read(contest_id))
    monkeypatch.setattr(export, "CHUNK_BYTES", 60)
    monkeypatch.setattr(participants, "EXPORT_BATCH", 2)
    chunks = await _read(contest_id)
    assert len(chunks) > 2
    assert b"".join(chunks) == whole
    longest_row = max(len(line) for line in whole.split(b"\r\n")) + 2
    assert all(len(chunk) < 60 + longest_row for chunk in chunks)
